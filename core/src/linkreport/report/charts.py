"""Chart geometry for the report's inline SVG, computed here and drawn by the templates.

Charts have no ``viewBox``: x positions and widths are percentages and y positions pixels, so a
chart takes the width of its column at any screen size while its text keeps its real size.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

import attrs

from linkreport.report import text
from linkreport.report.model import ClickSeries, TopLink

BAR_ROW = 46  # px per ranked link: a label line, then the bar
PLOT = 120  # px of timeline plot area
PLOT_TOP = 18  # px above the plot for the scale label
MIN_SLOTS = 14  # columns are never wider than a 14-column chart's
FEW = 6  # up to this many columns each get a label
_METRIC = {"clicks": "Clicks", "unique_clicks": "Unique clicks", "total_clicks": "Total clicks"}


def nice_ceiling(value: int) -> int:
    """The smallest round number >= ``value``: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times 10**k."""
    if value <= 1:
        return 1
    magnitude = 1
    while magnitude * 10 < value:
        magnitude *= 10
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if magnitude * step >= value:
            return int(magnitude * step)
    raise AssertionError("unreachable")  # pragma: no cover


@attrs.frozen(kw_only=True)
class Bar:
    """One ranked link: its label, full URL and bar lengths (percent of the chart width)."""

    rank: int
    label: str
    short_label: str  # for phone widths
    url: str
    unique_clicks: int | None
    total_clicks: int | None
    total_partial: bool
    unique_pct: float
    total_pct: float
    y: int


@attrs.frozen(kw_only=True)
class BarChart:
    """The top links as horizontal bars: unique clickers solid, all clicks hatched behind them."""

    bars: tuple[Bar, ...]
    height: int
    has_total: bool
    has_partial: bool


def bar_chart(links: Sequence[TopLink], *, limit: int = 10) -> BarChart:
    """Lay out the first ``limit`` of ``links`` (already ranked)."""
    shown = links[:limit]
    peak = max([max(link.unique_clicks or 0, link.total_clicks or 0) for link in shown] or [0])
    scale = 100 / peak if peak else 0.0
    bars = tuple(
        Bar(
            rank=rank,
            label=text.short_url(link.url, 60),
            short_label=text.short_url(link.url, 26),
            url=link.url,
            unique_clicks=link.unique_clicks,
            total_clicks=link.total_clicks,
            total_partial=link.total_partial,
            unique_pct=round((link.unique_clicks or 0) * scale, 2),
            # a partial total (some merged links' providers report none) is not drawn
            total_pct=0.0 if link.total_partial else round((link.total_clicks or 0) * scale, 2),
            y=(rank - 1) * BAR_ROW,
        )
        for rank, link in enumerate(shown, 1)
    )
    has_total = any(link.total_clicks is not None for link in shown)
    has_partial = any(link.total_partial for link in shown)
    return BarChart(
        bars=bars, height=len(bars) * BAR_ROW, has_total=has_total, has_partial=has_partial
    )


@attrs.frozen(kw_only=True)
class Mark:
    """One value of a timeline: a column (events) or a dot (snapshots)."""

    at: datetime
    value: int
    x: float  # percent: the column's left edge, or the dot's centre
    width: float  # percent; 0 for dots
    y: float  # px: top of the column, or the dot's centre
    label: str  # the period or sync time, for people


@attrs.frozen(kw_only=True)
class Tick:
    """A label under a timeline's axis."""

    x: float  # percent
    anchor: str  # SVG text-anchor: start, middle or end
    text: str


@attrs.frozen(kw_only=True)
class Timeline:
    """A campaign's clicks over time, ready to draw, with the words that say the same."""

    kind: str  # "columns" or "line"
    marks: tuple[Mark, ...]
    ticks: tuple[Tick, ...]
    scale: int
    baseline: float
    heading: str
    summary: str
    value_heading: str
    time_heading: str


def _edge_ticks(first: str, last: str) -> tuple[Tick, ...]:
    if first == last:
        return (Tick(x=0, anchor="start", text=first),)
    return (Tick(x=0, anchor="start", text=first), Tick(x=100, anchor="end", text=last))


def _short_tick(at: datetime, bucket: str | None) -> str:
    return f"{at:%H:%M}" if bucket == "hour" else text.day(at).rsplit(" ", 1)[0]


def timeline(series: ClickSeries) -> Timeline | None:
    """Lay out ``series``; ``None`` when it has no points."""
    points = series.points
    if not points:
        return None
    scale = nice_ceiling(max(p.value for p in points))
    baseline = float(PLOT_TOP + PLOT)

    def top(value: int) -> float:
        return round(baseline - value * PLOT / scale, 1)

    if series.source == "events":
        return _columns(series, top, scale, baseline)
    first, last = points[0].at, points[-1].at
    span = (last - first).total_seconds()
    marks = tuple(
        Mark(
            at=p.at,
            value=p.value,
            x=round(4 + 92 * ((p.at - first).total_seconds() / span if span else 0.5), 3),
            width=0.0,
            y=top(p.value),
            label=text.moment(p.at),
        )
        for p in points
    )
    metric = _METRIC[series.metric]
    if len(points) == 1:
        summary = f"{metric}: {text.number(points[0].value)} at the only sync ({marks[0].label})."
        ticks: tuple[Tick, ...] = (Tick(x=50, anchor="middle", text=text.day(first)),)
    else:
        first_value, last_value = points[0].value, points[-1].value
        if first_value == last_value:
            summary = (
                f"{metric} stayed at {text.number(first_value)} from {marks[0].label} "
                f"to {marks[-1].label}."
            )
        else:
            verb = "went" if last_value < first_value else "rose"
            summary = (
                f"{metric} {verb} from {text.number(first_value)} ({marks[0].label}) to "
                f"{text.number(last_value)} ({marks[-1].label}), as seen at "
                f"{text.plural(len(points), 'sync')}."
            )
        ticks = _edge_ticks(text.day(first), text.day(last))
    return Timeline(
        kind="line",
        marks=marks,
        ticks=ticks,
        scale=scale,
        baseline=baseline,
        heading=f"{metric} at each sync, from stored snapshots",
        summary=summary,
        value_heading=metric,
        time_heading="Synced (UTC)",
    )


def _columns(
    series: ClickSeries, top: Callable[[int], float], scale: int, baseline: float
) -> Timeline:
    points = series.points
    slot = 100 / len(points)
    width = min(slot * 0.82, 100 / MIN_SLOTS * 0.82)  # a few columns stay columns, not slabs
    label = text.moment if series.bucket == "hour" else text.day
    marks = tuple(
        Mark(
            at=p.at,
            value=p.value,
            x=round(i * slot + (slot - width) / 2, 3),
            width=round(width, 3),
            y=top(p.value),
            label=label(p.at),
        )
        for i, p in enumerate(points)
    )
    if len(points) <= FEW:  # label every column under its centre
        ticks = tuple(
            Tick(
                x=round((i + 0.5) * slot, 3), anchor="middle", text=_short_tick(p.at, series.bucket)
            )
            for i, p in enumerate(points)
        )
    else:
        ticks = _edge_ticks(label(points[0].at), label(points[-1].at))
    busiest = max(points, key=lambda p: p.value)
    bucket = series.bucket or "day"
    summary = (
        f"{text.plural(sum(p.value for p in points), 'click')} from {label(points[0].at)} "
        f"to {label(points[-1].at)}; busiest {bucket}: {label(busiest.at)} "
        f"({text.plural(busiest.value, 'click')})."
    )
    return Timeline(
        kind="columns",
        marks=marks,
        ticks=ticks,
        scale=scale,
        baseline=baseline,
        heading=f"Clicks per {bucket}, from click events",
        summary=summary,
        value_heading="Clicks",
        time_heading=f"{bucket.capitalize()} (UTC)",
    )
