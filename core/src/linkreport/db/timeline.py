"""Clicks over time for the HTML report, from click events or from link snapshots.

Both queries do the counting in SQL and hand back a few rows per campaign (its days with
clicks, or its syncs), whatever the number of events or links.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from linkreport.db.store import Store, from_text
from linkreport.report.model import Bucket, ClickSeries, SeriesPoint

HOURLY_UP_TO = timedelta(days=2)  # clicks spanning at most this are counted per hour
DAILY_UP_TO = timedelta(days=120)  # then per day up to this span, then per week
_Key = tuple[str, str]  # account, campaign_id
_STEP = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(weeks=1)}


def _bucket(span: timedelta) -> Bucket:
    if span <= HOURLY_UP_TO:
        return "hour"
    return "day" if span <= DAILY_UP_TO else "week"


def _span_bucket(store: Store, key: _Key, first_day: str, last_day: str) -> Bucket:
    """The bucket of a campaign's clicks from their first and last day (``YYYY-MM-DD``).

    The span of the clicks is within a day either way of the span of the days: when both
    ends of that range give one bucket, that is it; else the exact times decide.
    """
    days = from_text(f"{last_day}T00:00:00Z") - from_text(f"{first_day}T00:00:00Z")
    almost = timedelta(days=1) - timedelta(microseconds=1)
    bucket = _bucket(max(days - almost, timedelta(0)))
    if bucket == _bucket(days + almost):
        return bucket
    first, last = store.tuples(
        "SELECT MIN(e.clicked_at), MAX(e.clicked_at) FROM campaign_keys AS k"
        " JOIN links AS l ON l.campaign_key = k.campaign_key"
        " JOIN events AS e ON e.link_key = l.link_key WHERE k.account = ? AND k.campaign_id = ?",
        key,
    )[0]
    return _bucket(from_text(last) - from_text(first))


def _filled(counts: Mapping[datetime, int], bucket: Bucket) -> tuple[SeriesPoint, ...]:
    """Every bucket from the first to the last with clicks; those without clicks are 0."""
    at, last, points = min(counts), max(counts), []
    while at <= last:
        points.append(SeriesPoint(at=at, value=counts.get(at, 0)))
        at += _STEP[bucket]
    return tuple(points)


def event_series(store: Store, where: str, params: list[Any]) -> dict[_Key, ClickSeries]:
    """Clicks per hour, day or week (by the span of its clicks) of each campaign with events.

    ``where`` filters ``campaigns AS c``. Clicks are counted per day in SQL; the span of a
    campaign's clicks is known from its first and last day to within a day either way, which
    chooses the bucket, except within a day of a limit: only then are its first and last click
    times looked up. A campaign whose clicks span at most :data:`HOURLY_UP_TO` is counted
    again per hour.
    """
    rows = store.query(
        "SELECT k.account, k.campaign_id, substr(e.clicked_at, 1, 10) AS day, COUNT(*) AS n"  # noqa: S608
        " FROM campaigns AS c"
        " JOIN campaign_keys AS k ON k.account = c.account AND k.campaign_id = c.campaign_id"
        " JOIN links AS l ON l.campaign_key = k.campaign_key"
        f" JOIN events AS e ON e.link_key = l.link_key WHERE {where}"
        " GROUP BY k.campaign_key, day",  # by the integer key: a third cheaper than by text
        params,
    )
    days: dict[_Key, list[Any]] = defaultdict(list)
    for r in rows:
        days[(r["account"], r["campaign_id"])].append(r)
    series = {}
    for key, found in days.items():
        spanned = [r["day"] for r in found]
        bucket = _span_bucket(store, key, min(spanned), max(spanned))
        counts: dict[datetime, int] = defaultdict(int)
        if bucket == "hour":
            for r in store.query(
                "SELECT substr(e.clicked_at, 1, 13) AS hour, COUNT(*) AS n FROM campaign_keys AS k"
                " JOIN links AS l ON l.campaign_key = k.campaign_key"
                " JOIN events AS e ON e.link_key = l.link_key"
                " WHERE k.account = ? AND k.campaign_id = ? GROUP BY hour",
                key,
            ):
                counts[from_text(f"{r['hour']}:00:00Z")] += r["n"]
        else:
            for r in found:
                day = from_text(f"{r['day']}T00:00:00Z")
                counts[day - timedelta(days=day.weekday()) if bucket == "week" else day] += r["n"]
        series[key] = ClickSeries(source="events", bucket=bucket, points=_filled(counts, bucket))
    return series


def snapshot_series(
    store: Store, where: str, params: list[Any], use_total: Mapping[_Key, bool]
) -> dict[_Key, ClickSeries]:
    """Each campaign's running count at each sync that changed its links, oldest first.

    Only for campaigns without click events (their series comes from the events).

    The count is total clicks where ``use_total`` says the campaign's links report them, else
    unique clicks (a missing count adds 0). SQL sums each sync's changes (a link's counts
    minus its previous snapshot's); the running sum is added up here.
    """
    rows = store.query(
        "WITH d AS (SELECT k.account, k.campaign_id, COALESCE(s.run_id, s.fetched_at) AS run,"  # noqa: S608
        " s.fetched_at, s.snapshot_id,"
        " COALESCE(s.total_clicks, 0) - COALESCE(LAG(s.total_clicks) OVER w, 0) AS total,"
        " COALESCE(s.unique_clicks, 0) - COALESCE(LAG(s.unique_clicks) OVER w, 0) AS uniq"
        " FROM campaigns AS c"
        " JOIN campaign_keys AS k ON k.account = c.account AND k.campaign_id = c.campaign_id"
        " JOIN links AS l ON l.campaign_key = k.campaign_key"
        f" JOIN snapshots AS s ON s.link_key = l.link_key WHERE {where} AND NOT EXISTS"
        " (SELECT 1 FROM links AS x JOIN events AS e ON e.link_key = x.link_key"
        " WHERE x.campaign_key = k.campaign_key)"
        " WINDOW w AS (PARTITION BY s.link_key ORDER BY s.snapshot_id))"
        " SELECT account, campaign_id, MAX(fetched_at) AS at, SUM(total) AS total,"
        " SUM(uniq) AS uniq, MIN(snapshot_id) AS first FROM d"
        " GROUP BY account, campaign_id, run ORDER BY account, campaign_id, first",
        params,
    )
    points: dict[_Key, list[SeriesPoint]] = defaultdict(list)
    for r in rows:
        key = (r["account"], r["campaign_id"])
        change = r["total"] if use_total.get(key) else r["uniq"]
        previous = points[key][-1].value if points[key] else 0
        points[key].append(SeriesPoint(at=from_text(r["at"]), value=previous + change))
    return {
        key: ClickSeries(
            source="snapshots",
            metric="total_clicks" if use_total.get(key) else "unique_clicks",
            points=tuple(found),
        )
        for key, found in points.items()
    }


def until(series: ClickSeries | None, last_synced: datetime | None) -> ClickSeries | None:
    """``series`` carried on to the last sync, which saw the same count (nothing changed)."""
    if series is None or not series.points or last_synced is None:
        return series
    last = series.points[-1]
    if last_synced <= last.at:
        return series
    extra = SeriesPoint(at=last_synced, value=last.value)
    return ClickSeries(source=series.source, metric=series.metric, points=(*series.points, extra))
