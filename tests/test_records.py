"""The normalised record: validation and its JSON, NDJSON and CSV forms."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from linkreport import LinkClicks
from linkreport.converter import (
    from_dict,
    parse_timestamp,
    read_csv,
    read_json,
    read_ndjson,
    to_dict,
)
from linkreport.formats import write
from linkreport.records import LINK_FIELDS

INTERFACE_FIELDS = (
    "provider",
    "campaign_id",
    "activity_id",
    "activity_role",
    "url",
    "unique_clicks",
    "total_clicks",
    "link_id",
    "link_tag",
    "list_id",
    "list_action",
    "timestamp",
    "fetched_at",
)
FETCHED = datetime(2026, 11, 1, 12, 0, 0, 123456, tzinfo=UTC)


def sample() -> list[LinkClicks]:
    return [
        LinkClicks(
            provider="p",
            campaign_id="c1",
            url="https://a.example/?q=1,2",
            unique_clicks=3,
            total_clicks=5,
            timestamp=datetime(2024, 1, 12, 15, 40, 23, 353000, tzinfo=UTC),
            fetched_at=FETCHED,
        ),
        LinkClicks(
            provider="p",
            campaign_id="c1",
            activity_id="a1",
            activity_role="resend",
            url='https://b.example/"quoted"',
            link_id="11",
            link_tag="t",
            list_id="l",
            list_action="add",
            unique_clicks=0,
            fetched_at=FETCHED,
        ),
    ]


def test_field_names_and_order_are_the_interface():
    assert LINK_FIELDS == INTERFACE_FIELDS
    assert tuple(to_dict(sample()[0])) == INTERFACE_FIELDS


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("url", ""),
        ("url", "  "),
        ("unique_clicks", -1),
        ("total_clicks", -5),
        ("unique_clicks", 1.5),
        ("unique_clicks", True),
        ("provider", ""),
    ],
)
def test_invalid_values_are_refused(field, value):
    data = {"provider": "p", "campaign_id": "c", "url": "https://x.example/", field: value}
    with pytest.raises((ValueError, TypeError)):
        LinkClicks(**data)


def test_timestamps_must_be_utc():
    with pytest.raises(ValueError, match="UTC"):
        LinkClicks(provider="p", campaign_id="c", url="u", timestamp=datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="UTC"):
        LinkClicks(
            provider="p",
            campaign_id="c",
            url="u",
            timestamp=datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=1))),
        )


def test_timestamps_are_written_with_z_and_read_from_both_forms():
    data = to_dict(sample()[0])
    assert data["timestamp"] == "2024-01-12T15:40:23.353000Z"
    assert data["fetched_at"] == "2026-11-01T12:00:00.123456Z"
    assert parse_timestamp("2024-01-12T15:40:23Z") == parse_timestamp("2024-01-12T15:40:23+00:00")
    with pytest.raises(ValueError, match="offset"):
        parse_timestamp("2024-01-12T15:40:23")


def test_from_dict_reports_readable_errors():
    with pytest.raises(ValueError, match="url"):
        from_dict({"provider": "p", "campaign_id": "c", "url": ""}, LinkClicks)


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv"])
def test_each_format_round_trips(fmt):
    stream = io.StringIO()
    assert write(sample(), fmt, stream, LinkClicks) == 2
    text = stream.getvalue()
    if fmt == "json":
        back = read_json(text, LinkClicks)
    elif fmt == "ndjson":
        back = list(read_ndjson(text.splitlines(), LinkClicks))
    else:
        back = list(read_csv(io.StringIO(text), LinkClicks))
    assert back == sample()


def test_csv_writes_null_as_empty_cell_and_header_in_order():
    stream = io.StringIO()
    write(sample(), "csv", stream, LinkClicks)
    lines = stream.getvalue().splitlines()
    assert lines[0] == ",".join(INTERFACE_FIELDS)
    assert lines[1].startswith("p,c1,,,")


def test_json_of_no_records_is_an_empty_array():
    stream = io.StringIO()
    write([], "json", stream, LinkClicks)
    assert json.loads(stream.getvalue()) == []


def test_a_click_table_totals_distinct_links_and_periods():
    from linkreport.records import ClickPeriod

    day = datetime(2026, 3, 2, tzinfo=UTC)
    rows = [
        ClickPeriod(
            provider="p", campaign_id="c", url=url, period=when, clicks=n, unique_contacts=n
        )
        for url, when, n in [("a", day, 3), ("b", day, 2), ("a", day + timedelta(days=1), 1)]
    ]
    for records, label in [(rows, "2 links in 2 periods"), (rows[:2], "2 links in 1 period")]:
        stream = io.StringIO()
        write(records, "table", stream, ClickPeriod)
        total = stream.getvalue().splitlines()[-1]
        assert total.startswith("TOTAL")
        assert label in total
        assert total.split()[-1] == str(sum(r.clicks for r in records))


def test_table_has_totals_and_right_aligned_numbers():
    stream = io.StringIO()
    write(sample(), "table", stream, LinkClicks)
    lines = stream.getvalue().splitlines()
    assert lines[0].split() == ["CAMPAIGN", "ROLE", "URL", "UNIQUE", "TOTAL"]
    no_activity = io.StringIO()
    write(sample()[:1], "table", no_activity, LinkClicks)
    assert no_activity.getvalue().split()[:4] == ["CAMPAIGN", "URL", "UNIQUE", "TOTAL"]
    assert lines[-1].startswith("TOTAL")
    assert "2 links in 1 campaign" in lines[-1]
    assert lines[-1].split()[-2:] == ["3", "5*"]  # one link has no total: a partial sum
    assert "* partial sum" in lines[-1]
    # numbers end in the same column as their header
    header_end = lines[0].index("UNIQUE") + len("UNIQUE")
    assert lines[1][header_end - 1] == "3"
