"""The HTML report's queries: one :class:`~linkreport.report.model.ReportData` from the store.

Campaigns sent since ``since`` (of the chosen accounts), each with the latest counts of its links,
when it was last synced, and its clicks over time: from stored click events where it has any
(clicks per hour, day or week, by the span of its clicks), else from its link snapshots (its
running count at each sync that changed it, and at its last sync).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Literal

from linkreport.db.store import Store, from_text, to_text
from linkreport.errors import ConfigurationError
from linkreport.records import utc_now
from linkreport.report.model import (
    AccountInfo,
    Bucket,
    CampaignSection,
    ClickSeries,
    LinkRow,
    Period,
    ReportData,
    SeriesPoint,
    TopLink,
    Totals,
    sum_reported,
)


class UnknownAccountError(ConfigurationError):
    """An account asked for is not in the store."""


HOURLY_UP_TO = timedelta(days=2)  # clicks spanning at most this are counted per hour
DAILY_UP_TO = timedelta(days=120)  # then per day up to this span, then per week
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
    events = _event_series(store, where, params)
    snapshots = _snapshot_series(store, where, params, links)
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
                series=events.get(key) or _until(snapshots.get(key), last),
            )
        )
    event_count = sum(sum(p.value for p in s.points) for s in events.values())
    return ReportData(
        generated_at=now,
        period=Period(since=since, until=now),
        accounts=tuple(infos),
        totals=Totals.of(sections, click_events=event_count or None),
        top_links=top_links(sections),
        campaigns=tuple(sections),
    )


def _accounts(store: Store, wanted: Sequence[str]) -> list[AccountInfo]:
    stored = {
        r["account"]: AccountInfo(name=r["account"], provider=r["provider"])
        for r in store.query("SELECT account, provider FROM accounts ORDER BY account")
    }
    unknown = [name for name in wanted if name not in stored]
    if unknown:
        known = ", ".join(stored) or "none: run linkreport sync first"
        raise UnknownAccountError(
            f"no account {', '.join(map(repr, unknown))} in the store (stored: {known})"
        )
    return [stored[name] for name in dict.fromkeys(wanted)] if wanted else list(stored.values())


def _campaign_filter(since: datetime | None, accounts: Sequence[str]) -> tuple[str, list[Any]]:
    """A WHERE clause on ``campaigns AS c`` and its parameters."""
    where, params = f"c.account IN ({', '.join('?' for _ in accounts)})", list(accounts)
    if since is not None:
        where += " AND c.sent_at >= ?"
        params.append(to_text(since))
    return where, params


def _latest_links(store: Store, where: str, params: list[Any]) -> dict[_Key, list[LinkRow]]:
    """The latest snapshot of every link of the chosen campaigns."""
    rows = store.query(
        "WITH latest AS (SELECT MAX(s.snapshot_id) AS id FROM link_snapshots AS s"  # noqa: S608 (only placeholders are formatted in)
        " JOIN campaigns AS c ON c.account = s.account AND c.campaign_id = s.campaign_id"
        f" WHERE {where} GROUP BY s.account, s.campaign_id, s.activity_id, s.link_id, s.url)"
        " SELECT l.account, l.campaign_id, l.url, l.url_canonical, l.unique_clicks,"
        " l.total_clicks, l.activity_id, l.activity_role FROM link_snapshots AS l"
        " JOIN latest ON l.snapshot_id = latest.id ORDER BY l.snapshot_id",
        params,
    )
    links: dict[_Key, list[LinkRow]] = defaultdict(list)
    for r in rows:
        links[(r["account"], r["campaign_id"])].append(
            LinkRow(
                url=r["url"],
                url_canonical=r["url_canonical"],
                unique_clicks=r["unique_clicks"],
                total_clicks=r["total_clicks"],
                activity_id=r["activity_id"],
                activity_role=r["activity_role"],
            )
        )
    return links


def top_links(sections: Iterable[CampaignSection]) -> tuple[TopLink, ...]:
    """Canonical URLs ranked as ``linkreport top`` ranks them (most unique clicks first)."""
    groups: dict[str, list[tuple[CampaignSection, LinkRow]]] = defaultdict(list)
    for section in sections:
        for link in section.links:
            groups[link.url_canonical].append((section, link))
    top = [
        TopLink(
            url=url,
            unique_clicks=sum_reported(link.unique_clicks for _, link in pairs),
            total_clicks=sum_reported(link.total_clicks for _, link in pairs),
            campaigns=len({(s.account, s.campaign_id) for s, _ in pairs}),
            accounts=len({s.account for s, _ in pairs}),
            links=len({link.url for _, link in pairs}),
            total_partial=len({link.total_clicks is None for _, link in pairs}) > 1,
        )
        for url, pairs in groups.items()
    ]
    top.sort(key=lambda t: (-(t.unique_clicks or 0), -(t.total_clicks or 0), t.url))
    return tuple(top)


# --- clicks over time ------------------------------------------------------------------


def _bucket(span: timedelta) -> Bucket:
    if span <= HOURLY_UP_TO:
        return "hour"
    return "day" if span <= DAILY_UP_TO else "week"


def _start(at: datetime, bucket: Bucket) -> datetime:
    if bucket == "hour":
        return at.replace(minute=0, second=0, microsecond=0)
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday()) if bucket == "week" else day


def _step(bucket: Bucket) -> timedelta:
    return {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}[
        bucket
    ]


def _event_series(store: Store, where: str, params: list[Any]) -> dict[_Key, ClickSeries]:
    """Clicks per hour, day or week of each chosen campaign with stored click events.

    Counted per hour in SQL (a campaign's rows are at most its hours with clicks), then
    gathered into the campaign's bucket, with the buckets between without clicks as 0.
    """
    rows = store.query(
        "SELECT e.account, e.campaign_id, substr(e.clicked_at, 1, 13) AS hour, COUNT(*) AS n"  # noqa: S608 (only placeholders are formatted in)
        " FROM click_events AS e JOIN campaigns AS c"
        " ON c.account = e.account AND c.campaign_id = e.campaign_id"
        f" WHERE {where} GROUP BY e.account, e.campaign_id, hour ORDER BY hour",
        params,
    )
    hourly: dict[_Key, list[tuple[datetime, int]]] = defaultdict(list)
    for r in rows:
        hour = from_text(f"{r['hour']}:00:00Z")
        hourly[(r["account"], r["campaign_id"])].append((hour, r["n"]))
    series = {}
    for key, counts in hourly.items():
        bucket = _bucket(counts[-1][0] - counts[0][0])
        totals: dict[datetime, int] = defaultdict(int)
        for hour, n in counts:
            totals[_start(hour, bucket)] += n
        at, last, points = min(totals), max(totals), []
        while at <= last:
            points.append(SeriesPoint(at=at, value=totals.get(at, 0)))
            at += _step(bucket)
        series[key] = ClickSeries(source="events", bucket=bucket, points=tuple(points))
    return series


def _snapshot_series(
    store: Store, where: str, params: list[Any], links: dict[_Key, list[LinkRow]]
) -> dict[_Key, ClickSeries]:
    """Each chosen campaign's running count at each sync that changed its links.

    The count is total clicks where the campaign's links report them, else unique clicks.
    """
    rows = store.query(
        "SELECT s.account, s.campaign_id, s.activity_id, s.link_id, s.url, s.fetched_at, s.run_id,"  # noqa: S608 (only placeholders are formatted in)
        " s.unique_clicks, s.total_clicks FROM link_snapshots AS s JOIN campaigns AS c"
        " ON c.account = s.account AND c.campaign_id = s.campaign_id"
        f" WHERE {where} ORDER BY s.account, s.campaign_id, s.snapshot_id",
        params,
    )
    by_campaign: dict[_Key, list[Any]] = defaultdict(list)
    for r in rows:
        by_campaign[(r["account"], r["campaign_id"])].append(r)
    series = {}
    for key, snapshots in by_campaign.items():
        use_total = any(link.total_clicks is not None for link in links.get(key, ()))
        column: Literal["total_clicks", "unique_clicks"] = (
            "total_clicks" if use_total else "unique_clicks"
        )
        current: dict[tuple[Any, ...], int] = {}
        points: list[SeriesPoint] = []
        sync = None  # one point per sync run (a run's links may be fetched seconds apart)
        for r in snapshots:
            current[(r["activity_id"], r["link_id"], r["url"])] = r[column] or 0
            at, value = from_text(r["fetched_at"]), sum(current.values())
            run = r["run_id"] if r["run_id"] is not None else r["fetched_at"]
            if points and run == sync:
                points[-1] = SeriesPoint(at=max(at, points[-1].at), value=value)
            else:
                points.append(SeriesPoint(at=at, value=value))
            sync = run
        series[key] = ClickSeries(source="snapshots", metric=column, points=tuple(points))
    return series


def _until(series: ClickSeries | None, last_synced: datetime | None) -> ClickSeries | None:
    """``series`` carried on to the last sync, which saw the same count (nothing changed)."""
    if series is None or not series.points or last_synced is None:
        return series
    last = series.points[-1]
    if last_synced <= last.at:
        return series
    extra = SeriesPoint(at=last_synced, value=last.value)
    return ClickSeries(source=series.source, metric=series.metric, points=(*series.points, extra))
