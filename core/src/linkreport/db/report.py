"""The HTML report's queries: one :class:`~linkreport.report.model.ReportData` from the store.

Campaigns sent since ``since`` (of the chosen accounts), each with the latest counts of its links,
when it was last synced, and its clicks over time: from stored click events where it has any
(clicks per hour, day or week, by the span of its clicks), else from its link snapshots (its
running count at each sync that changed it, and at its last sync).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from linkreport.db.queries import stored_accounts
from linkreport.db.store import Store, from_text, to_text
from linkreport.db.timeline import event_series, snapshot_series, until
from linkreport.records import utc_now
from linkreport.report.model import (
    AccountInfo,
    CampaignSection,
    LinkRow,
    Period,
    ReportData,
    TopLink,
    Totals,
)

_Key = tuple[str, str]  # account, campaign_id


def report_data(
    store: Store,
    *,
    since: datetime | None = None,
    accounts: Sequence[str] = (),
    now: datetime | None = None,
) -> ReportData:
    """Everything the report shows, for campaigns sent since ``since`` of ``accounts`` (all)."""
    now = now or utc_now()
    infos = _accounts(store, accounts)
    where, params = _campaign_filter(since, [a.name for a in infos])
    campaigns = store.query(
        "SELECT account, campaign_id, provider, name, sent_at, sent_at_source, last_fetched_at"  # noqa: S608 (only placeholders are formatted in)
        f" FROM campaigns AS c WHERE {where} ORDER BY sent_at DESC, account, campaign_id",
        params,
    )
    links = _latest_links(store, where, params)
    events = event_series(store, where, params)
    use_total = {key: any(r.total_clicks is not None for r in rows) for key, rows in links.items()}
    snapshots = snapshot_series(store, where, params, use_total)
    sections = []
    for c in campaigns:
        key = (c["account"], c["campaign_id"])
        last = from_text(c["last_fetched_at"]) if c["last_fetched_at"] else None
        sections.append(
            CampaignSection(
                account=c["account"],
                provider=c["provider"],
                campaign_id=c["campaign_id"],
                name=c["name"],
                sent_at=from_text(c["sent_at"]),
                sent_at_source=c["sent_at_source"],
                last_synced=last,
                links=tuple(links.get(key, ())),
                series=events.get(key) or until(snapshots.get(key), last),
            )
        )
    event_count = sum(sum(p.value for p in s.points) for s in events.values())
    return ReportData(
        generated_at=now,
        period=Period(since=since, until=now),
        accounts=tuple(infos),
        totals=Totals.of(sections, click_events=event_count or None),
        top_links=top_links(sections, TOP_LINKS_KEPT),
        campaigns=tuple(sections),
    )


def _accounts(store: Store, wanted: Sequence[str]) -> list[AccountInfo]:
    return [AccountInfo(name=n, provider=p) for n, p in stored_accounts(store, wanted).items()]


def _campaign_filter(since: datetime | None, accounts: Sequence[str]) -> tuple[str, list[Any]]:
    """A WHERE clause on ``campaigns AS c`` and its parameters."""
    where, params = f"c.account IN ({', '.join('?' for _ in accounts)})", list(accounts)
    if since is not None:
        where += " AND c.sent_at >= ?"
        params.append(to_text(since))
    return where, params


def _latest_links(store: Store, where: str, params: list[Any]) -> dict[_Key, list[LinkRow]]:
    """The latest snapshot of every link of the chosen campaigns."""
    rows = store.tuples(
        "SELECT k.account, k.campaign_id, u.url, u.url_canonical, s.unique_clicks,"  # noqa: S608 (only placeholders are formatted in)
        " s.total_clicks, l.activity_id, s.activity_role FROM campaigns AS c"
        " JOIN campaign_keys AS k ON k.account = c.account AND k.campaign_id = c.campaign_id"
        " JOIN links AS l ON l.campaign_key = k.campaign_key JOIN snapshots AS s ON s.snapshot_id ="
        " (SELECT MAX(x.snapshot_id) FROM snapshots AS x WHERE x.link_key = l.link_key)"
        f" JOIN urls AS u ON u.url_id = l.url_id WHERE {where} ORDER BY s.snapshot_id",
        params,
    )
    links: dict[_Key, list[LinkRow]] = defaultdict(list)
    make = LinkRow._make  # a tuple from SQL's columns, in LinkRow's order
    for row in rows:
        links[row[:2]].append(make(row[2:]))
    return links


#: How many ranked links the report's data keeps (the page shows the first 25).
TOP_LINKS_KEPT = 100


def top_links(sections: Iterable[CampaignSection], limit: int | None = None) -> tuple[TopLink, ...]:
    """Canonical URLs ranked as ``linkreport top`` ranks them (most unique clicks first).

    ``limit``: only the first so many (all are summed and ranked; only those are built).
    """
    # per canonical URL: unique, total, a link without total, its campaign(s), its URL(s): the
    # first campaign and URL as they are, a set only once a second one comes (most have one)
    groups: dict[str, list[Any]] = {}
    for section in sections:
        campaign = (section.account, section.campaign_id)
        for url, canonical, unique, total, _, _ in section.links:
            group = groups.get(canonical)
            if group is None:
                groups[canonical] = [unique, total, total is None, campaign, url]
                continue
            if unique is not None:
                group[0] = unique if group[0] is None else group[0] + unique
            if total is not None:
                group[1] = total if group[1] is None else group[1] + total
            else:
                group[2] = True
            if group[3] != campaign:
                _add(group, 3, campaign, tuple)
            if group[4] != url:
                _add(group, 4, url, str)

    # ranked by sort keys (no key function called per URL); a URL is unique in its group
    keys = [(-(g[0] or 0), -(g[1] or 0), url) for url, g in groups.items()]
    ranked = sorted(keys) if limit is None else heapq.nsmallest(limit, keys)
    return tuple(_top_link(url, groups[url]) for _, _, url in ranked)


def _add(group: list[Any], at: int, value: Any, single: type) -> None:
    """Add ``value`` to ``group[at]``: one value of type ``single``, or a set of them."""
    held = group[at]
    if type(held) is single:
        group[at] = {held, value}
    else:
        held.add(value)


def _top_link(url: str, g: list[Any]) -> TopLink:
    campaigns = g[3] if type(g[3]) is set else {g[3]}
    return TopLink(
        url=url,
        unique_clicks=g[0],
        total_clicks=g[1],
        campaigns=len(campaigns),
        accounts=len({account for account, _ in campaigns}),
        links=len(g[4]) if type(g[4]) is set else 1,
        total_partial=g[1] is not None and g[2],
    )
