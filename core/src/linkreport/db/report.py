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

from linkreport.db.queries import delivered, stored_accounts
from linkreport.db.store import Store, from_text, to_text
from linkreport.db.timeline import event_series, snapshot_series, until
from linkreport.db.verdicts import HUMAN_CAMPAIGNS, HUMAN_LINKS, Decide, fill_human_links
from linkreport.records import utc_now
from linkreport.report.model import (
    AccountInfo,
    CampaignSection,
    LinkRow,
    Period,
    ReportData,
    TopLink,
    Totals,
    click_rate,
    delivered_of,
)

_Key = tuple[str, str]  # account, campaign_id


def report_data(
    store: Store,
    *,
    since: datetime | None = None,
    accounts: Sequence[str] = (),
    now: datetime | None = None,
    humans: tuple[Decide, str] | None = None,
) -> ReportData:
    """Everything the report shows, for campaigns sent since ``since`` of ``accounts`` (all).

    ``humans`` (the classifier and its settings' fingerprint) adds people's and machines'
    clicks per link of the campaigns with stored click events.
    """
    now = now or utc_now()
    infos = _accounts(store, accounts)
    where, params = _campaign_filter(since, [a.name for a in infos])
    if humans is not None:
        fill_human_links(store, where, params, *humans)
    campaigns = store.query(
        "SELECT account, campaign_id, provider, name, sent_at, sent_at_source, last_fetched_at"  # noqa: S608 (only placeholders are formatted in)
        f" FROM campaigns AS c WHERE {where} ORDER BY sent_at DESC, account, campaign_id",
        params,
    )
    links = _latest_links(store, where, params, humans=humans is not None)
    sends = _delivered(store, where, params)
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
                delivered=sends.get(key),
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


def _latest_links(
    store: Store, where: str, params: list[Any], *, humans: bool = False
) -> dict[_Key, list[LinkRow]]:
    """The latest snapshot of every link of the chosen campaigns (with people's clicks)."""
    counted = "CASE WHEN hc.campaign_key IS NOT NULL THEN COALESCE(h.{}, 0) END"
    human = (
        ", ".join(counted.format(c) for c in ("human_unique", "human_total", "machine_total"))
        if humans
        else "NULL, NULL, NULL"
    )
    joins = (
        f" LEFT JOIN {HUMAN_LINKS} AS h ON h.link_key = l.link_key"
        f" LEFT JOIN {HUMAN_CAMPAIGNS} AS hc ON hc.campaign_key = k.campaign_key"
        if humans
        else ""
    )
    rows = store.tuples(
        "SELECT k.account, k.campaign_id, u.url, u.url_canonical, s.unique_clicks,"  # noqa: S608 (only placeholders are formatted in)
        f" s.total_clicks, l.activity_id, s.activity_role, {human}, {delivered(store)}"
        " FROM campaigns AS c"
        " JOIN campaign_keys AS k ON k.account = c.account AND k.campaign_id = c.campaign_id"
        " JOIN links AS l ON l.campaign_key = k.campaign_key JOIN snapshots AS s ON s.snapshot_id ="
        " (SELECT MAX(x.snapshot_id) FROM snapshots AS x WHERE x.link_key = l.link_key)"
        f" JOIN urls AS u ON u.url_id = l.url_id{joins} WHERE {where} ORDER BY s.snapshot_id",
        params,
    )
    links: dict[_Key, list[LinkRow]] = defaultdict(list)
    make = LinkRow._make  # a tuple from SQL's columns, in LinkRow's order
    for row in rows:
        links[row[:2]].append(make(row[2:]))
    return links


def _delivered(store: Store, where: str, params: list[Any]) -> dict[_Key, int]:
    """Each chosen campaign's deliveries: its activities' latest delivery counts, summed."""
    if not store.has_table("stats"):  # a store older than delivery counts
        return {}
    rows = store.tuples(
        "SELECT k.account, k.campaign_id, SUM(s.delivered) FROM campaigns AS c"  # noqa: S608 (only placeholders are formatted in)
        " JOIN campaign_keys AS k ON k.account = c.account AND k.campaign_id = c.campaign_id"
        " JOIN stats AS s ON s.campaign_key = k.campaign_key AND s.stats_id ="
        " (SELECT MAX(t.stats_id) FROM stats AS t WHERE t.campaign_key = s.campaign_key"
        f" AND t.activity_id IS s.activity_id) WHERE {where} GROUP BY k.campaign_key",
        params,
    )
    return {(r[0], r[1]): r[2] for r in rows if r[2] is not None}


#: How many ranked links the report's data keeps (the page shows the first 25).
TOP_LINKS_KEPT = 100


def top_links(sections: Iterable[CampaignSection], limit: int | None = None) -> tuple[TopLink, ...]:
    """Canonical URLs ranked as ``linkreport top`` ranks them (most unique clicks first).

    ``limit``: only the first so many (all are summed and ranked; only those are built).
    """
    # per canonical URL: unique, total, a link without total, campaigns, URLs, one without
    # unique, its links by campaign (for the click rate)
    groups: dict[str, list[Any]] = {}
    for section in sections:
        campaign = (section.account, section.campaign_id)
        for link in section.links:
            group = groups.get(link.url_canonical)
            if group is None:
                group = groups[link.url_canonical] = [None, None, False, set(), set(), False, []]
            group[6].append((campaign, link))
            if link.unique_clicks is not None:
                group[0] = (group[0] or 0) + link.unique_clicks
            else:
                group[5] = True
            if link.total_clicks is not None:
                group[1] = (group[1] or 0) + link.total_clicks
            else:
                group[2] = True
            group[3].add(campaign)
            group[4].add(link.url)

    def rank(item: tuple[str, list[Any]]) -> tuple[bool, int, bool, int, str]:
        # as `top` ranks: by unique clicks; rows no link of which reports them last, by total
        unique, total = item[1][0], item[1][1]
        return (unique is None, -(unique or 0), total is None, -(total or 0), item[0])

    items = groups.items()
    ranked = sorted(items, key=rank) if limit is None else heapq.nsmallest(limit, items, key=rank)
    return tuple(
        TopLink(
            url=url,
            unique_clicks=g[0],
            total_clicks=g[1],
            campaigns=len(g[3]),
            accounts=len({account for account, _ in g[3]}),
            links=len(g[4]),
            total_partial=g[1] is not None and g[2],
            unique_partial=g[0] is not None and g[5],
            delivered=delivered_of(g[6]),
            click_rate=click_rate(g[6]),
        )
        for url, g in ranked
    )
