"""The HTML report's queries: one :class:`~linkreport.report.model.ReportData` from the store.

Campaigns sent since ``since`` (of the chosen accounts), each with the latest counts of its links,
when it was last synced, and its clicks over time: from stored click events where it has any
(clicks per hour, day or week, by the span of its clicks), else from its link snapshots (its
running count at each sync that changed it, and at its last sync).
"""

from __future__ import annotations

import heapq
import itertools
import operator
import sqlite3
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

    The latest links are read once into a temporary table, from which SQL gives each
    campaign's links, the ranked canonical URLs and the totals: only those rows reach Python.
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
    latest = _latest_sql(store, where, humans=humans is not None)
    with store.lock() as conn:
        conn.execute(f"DROP TABLE IF EXISTS {LATEST}")
        conn.execute(latest, params)
        try:
            links = _links(conn)
            ranked = _ranked(conn, TOP_LINKS_KEPT)
            counted = conn.execute(_COUNTED).fetchone()
        finally:
            conn.execute(f"DROP TABLE IF EXISTS {LATEST}")
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
        totals=_totals(counted, len(sections), len(links), event_count or None),
        top_links=ranked,
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


#: The temporary table of the chosen campaigns' latest links, while a report is read.
LATEST = "temp.lr_report_links"


def _latest_sql(store: Store, where: str, *, humans: bool = False) -> str:
    """SQL filling :data:`LATEST`: the latest snapshot of every link of the chosen campaigns.

    With its campaign, URL, people's and machines' clicks (``humans``: from the verdicts'
    temporary tables) and its campaign's (activity's) latest delivery count; campaign by
    campaign, each one's in the order of its snapshots (``rowid``).
    """
    counted = "CASE WHEN hc.campaign_key IS NOT NULL THEN COALESCE(h.{}, 0) END AS {}"
    human = (
        ", ".join(
            counted.format(c, name)
            for c, name in (("human_unique", "hu"), ("human_total", "ht"), ("machine_total", "mt"))
        )
        if humans
        else "NULL AS hu, NULL AS ht, NULL AS mt"
    )
    joins = (
        f" LEFT JOIN {HUMAN_LINKS} AS h ON h.link_key = l.link_key"
        f" LEFT JOIN {HUMAN_CAMPAIGNS} AS hc ON hc.campaign_key = k.campaign_key"
        if humans
        else ""
    )
    return (
        f"CREATE TABLE {LATEST} AS SELECT k.account, k.campaign_id, u.url, u.url_canonical,"  # noqa: S608 (only placeholders and fixed names are formatted in)
        " s.unique_clicks AS u, s.total_clicks AS t, l.activity_id, s.activity_role,"
        f" {human}, {delivered(store)} AS d, k.campaign_key AS ck, l.url_id FROM campaigns AS c"
        " JOIN campaign_keys AS k ON k.account = c.account AND k.campaign_id = c.campaign_id"
        " JOIN links AS l ON l.campaign_key = k.campaign_key JOIN snapshots AS s ON s.snapshot_id ="
        " (SELECT MAX(x.snapshot_id) FROM snapshots AS x WHERE x.link_key = l.link_key)"
        f" JOIN urls AS u ON u.url_id = l.url_id{joins} WHERE {where}"
        " ORDER BY k.campaign_key, s.snapshot_id"
    )


def _links(conn: sqlite3.Connection) -> dict[_Key, list[LinkRow]]:
    """Each campaign's links (in the order of their snapshots), as :class:`LinkRow` tuples.

    :data:`LATEST` holds them campaign by campaign, so each campaign's are one run of rows.
    """
    rows = conn.execute(
        "SELECT account, campaign_id, url, url_canonical, u, t, activity_id, activity_role,"  # noqa: S608 (a constant name)
        f" hu, ht, mt, d FROM {LATEST} ORDER BY rowid"
    )
    new = tuple.__new__  # LinkRow from SQL's columns, in its order (``_make`` without a call)
    return {
        key: [new(LinkRow, row[2:]) for row in run]
        for key, run in itertools.groupby(rows, operator.itemgetter(0, 1))
    }


def _ranked(conn: sqlite3.Connection, limit: int) -> tuple[TopLink, ...]:
    """The first ``limit`` canonical URLs ranked as :func:`top_links` ranks them, in SQL.

    Every canonical URL's sums rank it; only the first ``limit`` are counted further (their
    campaigns, accounts and URLs, each campaign's deliveries once, the click rate).
    """
    order = "su IS NULL, su DESC, st IS NULL, st DESC, name"
    rows = conn.execute(
        f"WITH ranked AS (SELECT url_canonical AS name, SUM(u) AS su, SUM(t) AS st FROM {LATEST}"  # noqa: S608 (constant names)
        f" GROUP BY url_canonical ORDER BY {order} LIMIT ?),"
        f" chosen AS (SELECT * FROM {LATEST} WHERE url_canonical IN (SELECT name FROM ranked)),"
        " counts AS (SELECT url_canonical AS name, COUNT(DISTINCT ck) AS nc,"
        " COUNT(DISTINCT account) AS na, COUNT(DISTINCT url_id) AS nu, COUNT(*) AS n,"
        " COUNT(u) AS cu, COUNT(t) AS ct, SUM(CASE WHEN d IS NOT NULL THEN u END) AS ru"
        " FROM chosen GROUP BY url_canonical),"
        # each campaign (activity) of a URL once: its deliveries, and whether a link of it
        # reports unique clicks (the click rate divides those links' by those deliveries)
        " sends AS (SELECT name, SUM(d) AS sd, SUM(CASE WHEN reported THEN d END) AS rd FROM"
        " (SELECT url_canonical AS name, MAX(d) AS d, MAX(u IS NOT NULL) AS reported FROM chosen"
        " GROUP BY url_canonical, ck, activity_id) GROUP BY name)"
        " SELECT ranked.name, su, st, nc, na, nu, n, cu, ct, sd, ru, rd FROM ranked"
        " JOIN counts ON counts.name = ranked.name JOIN sends ON sends.name = ranked.name"
        f" ORDER BY {order.replace('name', 'ranked.name')}",
        (limit,),
    )
    return tuple(
        TopLink(
            url=url,
            unique_clicks=su,
            total_clicks=st,
            campaigns=nc,
            accounts=na,
            links=nu,
            total_partial=st is not None and ct < n,
            unique_partial=su is not None and cu < n,
            delivered=sd,
            click_rate=ru / rd if rd else None,
        )
        for url, su, st, nc, na, nu, n, cu, ct, sd, ru, rd in rows
    )


#: The totals' sums over :data:`LATEST`, per campaign then over all (see :func:`_totals`).
_COUNTED = (
    "SELECT COUNT(*), SUM(n), SUM(su), SUM(st), SUM(ct = 0), SUM(cu = 0), SUM(shu), SUM(sht),"  # noqa: S608 (a constant name)
    " SUM(smt), SUM(cm > 0), SUM(cu), SUM(ct), SUM(cp), SUM(pu), SUM(pt) FROM"
    " (SELECT COUNT(*) AS n, SUM(u) AS su, SUM(t) AS st, COUNT(u) AS cu, COUNT(t) AS ct,"
    " SUM(hu) AS shu, SUM(ht) AS sht, SUM(mt) AS smt, COUNT(mt) AS cm,"
    " COUNT(CASE WHEN u IS NOT NULL AND t IS NOT NULL THEN 1 END) AS cp,"
    " SUM(CASE WHEN t IS NOT NULL THEN u END) AS pu,"
    f" SUM(CASE WHEN u IS NOT NULL THEN t END) AS pt FROM {LATEST} GROUP BY ck)"
)


def _totals(
    counted: tuple[Any, ...], campaigns: int, linked: int, click_events: int | None
) -> Totals:
    """:meth:`Totals.of` the sections, from SQL's sums (``linked``: campaigns with links).

    A campaign without links counts 0 clicks (not unknown), as its section does.
    """
    _, links, su, st, no_total, no_unique, shu, sht, smt, with_events = counted[:10]
    unique_links, total_links, paired, paired_unique, paired_total = counted[10:]
    empty = 0 if campaigns > linked else None  # the sum of a campaign without links
    return Totals(
        campaigns=campaigns,
        links=links or 0,
        unique_clicks=su if su is not None else empty,
        total_clicks=st if st is not None else empty,
        campaigns_without_total=no_total or 0,
        click_events=click_events,
        human_unique_clicks=shu,
        human_total_clicks=sht,
        machine_clicks=smt,
        campaigns_with_events=with_events or 0,
        campaigns_without_unique=no_unique or 0,
        unique_links=unique_links or 0,
        total_links=total_links or 0,
        paired_links=paired or 0,
        paired_unique=paired_unique,
        paired_total=paired_total,
    )


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
