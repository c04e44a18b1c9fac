"""Chart geometry and the report's text helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from linkreport.report import ClickSeries, SeriesPoint, TopLink
from linkreport.report.charts import BAR_ROW, FEW, PLOT, bar_chart, nice_ceiling, timeline
from linkreport.report.text import day, moment, number, plural, short_url

T0 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, 1),
        (1, 1),
        (2, 2),
        (7, 8),
        (11, 12),
        (520, 600),
        (1000, 1000),
        (1001, 1200),
        (99_999, 100_000),
    ],
)
def test_nice_ceiling(value, expected):
    assert nice_ceiling(value) == expected


def test_numbers_dates_and_plurals():
    assert number(None) == "—"
    assert number(0) == "0"
    assert number(1234567) == "1,234,567"
    assert day(datetime(2026, 3, 5, 23, 0, tzinfo=UTC)) == "5 Mar 2026"
    assert day(None) == "—"
    assert moment(datetime(2026, 3, 5, 9, 7, tzinfo=UTC)) == "5 Mar 2026, 09:07 UTC"
    assert plural(1, "click") == "1 click"
    assert plural(1200, "click") == "1,200 clicks"


@pytest.mark.parametrize(
    ("url", "limit", "expected"),
    [
        ("https://www.Example.com/", 40, "example.com"),
        ("https://example.com/pricing?utm_source=x", 40, "example.com/pricing?utm_source=x"),
        (
            "https://example.com/pricing?utm_source=newsletter&utm_medium=email",
            30,
            "example.com/pricing?…",
        ),
        ("https://example.com/blog/2026/11/spring-sale", 34, "example.com/blog/…/spring-sale"),
        ("https://example.com/blog/2026/11/spring-sale", 26, "example.com/…/spring-sale"),
        (
            "https://example.com/blog/2026/11/a-very-long-article-title",
            26,
            "example.com/…/a-very-long…",
        ),
        ("mailto:someone@example.com", 40, "mailto:someone@example.com"),
        ("tel:" + "1" * 60, 20, "tel:1111111…11111111"),
    ],
)
def test_short_url(url, limit, expected):
    assert short_url(url, limit) == expected
    assert len(short_url(url, limit)) <= limit


def test_bar_chart_scales_to_the_largest_count_and_keeps_missing_totals_missing():
    links = [
        TopLink(
            url="https://a.example/", unique_clicks=50, total_clicks=200, campaigns=1, accounts=1
        ),
        TopLink(
            url="https://b.example/", unique_clicks=100, total_clicks=None, campaigns=2, accounts=1
        ),
        *[
            TopLink(
                url=f"https://{i}.example/",
                unique_clicks=1,
                total_clicks=1,
                campaigns=1,
                accounts=1,
            )
            for i in range(20)
        ],
    ]
    chart = bar_chart(links, limit=10)
    assert len(chart.bars) == 10
    assert chart.height == 10 * BAR_ROW
    first, second = chart.bars[:2]
    assert (first.unique_pct, first.total_pct) == (25.0, 100.0)
    assert (second.unique_pct, second.total_pct, second.total_clicks) == (50.0, 0.0, None)
    assert [b.rank for b in chart.bars] == list(range(1, 11))
    assert chart.has_total


def test_event_columns_fill_the_width_and_few_get_each_a_label():
    points = tuple(
        SeriesPoint(at=T0 + timedelta(days=i), value=v) for i, v in enumerate([4, 0, 10])
    )
    t = timeline(ClickSeries(source="events", bucket="day", points=points))
    assert t is not None
    assert t.kind == "columns"
    assert t.scale == 10
    assert [m.y for m in t.marks] == [t.baseline - 4 * PLOT / 10, t.baseline, t.baseline - PLOT]
    assert all(m.x >= 0 and m.x + m.width <= 100 for m in t.marks)
    assert [tick.text for tick in t.ticks] == ["1 Nov", "2 Nov", "3 Nov"]
    many = tuple(SeriesPoint(at=T0 + timedelta(days=i), value=1) for i in range(FEW + 1))
    t = timeline(ClickSeries(source="events", bucket="day", points=many))
    assert t is not None
    assert [(tick.x, tick.text) for tick in t.ticks] == [
        (0, "1 Nov 2026"),
        (100, "7 Nov 2026"),
    ]


def test_hourly_columns_are_labelled_by_hour():
    points = tuple(SeriesPoint(at=T0 + timedelta(hours=i), value=1) for i in range(2))
    t = timeline(ClickSeries(source="events", bucket="hour", points=points))
    assert t is not None
    assert [tick.text for tick in t.ticks] == ["00:00", "01:00"]
    assert t.heading == "Clicks per hour, from click events"


def test_snapshot_line_places_syncs_by_time():
    points = (
        SeriesPoint(at=T0, value=10),
        SeriesPoint(at=T0 + timedelta(days=1), value=20),
        SeriesPoint(at=T0 + timedelta(days=4), value=40),
    )
    t = timeline(ClickSeries(source="snapshots", metric="total_clicks", points=points))
    assert t is not None
    assert t.kind == "line"
    assert [m.x for m in t.marks] == [4.0, 27.0, 96.0]
    assert t.summary.startswith("Total clicks rose from 10 (1 Nov 2026, 00:00 UTC) to 40")
    assert timeline(ClickSeries(source="snapshots", points=())) is None
