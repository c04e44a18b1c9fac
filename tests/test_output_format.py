"""The fast JSON and CSV renderings of records agree with the record's dict."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from linkreport.converter import to_dict
from linkreport.output import link_dict, link_json, link_row
from linkreport.records import LinkClicks

text = st.text(min_size=1).filter(lambda s: s.strip())
optional = st.none() | st.text()
count = st.none() | st.integers(min_value=0, max_value=10**20)
when = st.none() | st.datetimes(timezones=st.just(UTC))


@given(
    provider=text,
    campaign_id=text,
    url=text,
    activity_id=optional,
    link_tag=optional,
    unique=count,
    total=count,
    timestamp=when,
)
def test_link_json_is_json_dumps_of_the_record(
    provider, campaign_id, url, activity_id, link_tag, unique, total, timestamp
):
    record = LinkClicks(
        provider=provider,
        campaign_id=campaign_id,
        url=url,
        activity_id=activity_id,
        link_tag=link_tag,
        unique_clicks=unique,
        total_clicks=total,
        timestamp=timestamp,
    )
    expected = json.dumps(to_dict(record), ensure_ascii=False)
    assert link_json(record) == expected
    assert link_dict(record) == to_dict(record)
    assert link_row(record) == tuple("" if v is None else v for v in to_dict(record).values())


def test_other_utc_zones_are_written_as_z():
    record = LinkClicks(
        provider="p",
        campaign_id="c",
        url="u",
        timestamp=datetime(2026, 1, 1, tzinfo=timezone(timedelta(0))),
    )
    assert '"timestamp": "2026-01-01T00:00:00Z"' in link_json(record)


def test_the_table_cuts_ids_to_their_shortest_unique_prefix(monkeypatch):
    from linkreport.formats import table_text
    from linkreport.records import ClickPeriod

    monkeypatch.setenv("COLUMNS", "110")
    url = "https://www.example.com/shop?utm_campaign=nov"
    rows = [
        ClickPeriod(
            provider="p",
            campaign_id="c" * 30,
            activity_id=activity,
            url=url,
            period=datetime(2026, 11, 2, tzinfo=UTC),
            clicks=2,
            unique_contacts=1,
        )
        for activity in ("0123456789ab-first", "0123456789ab-second", "fedcba98-7654-3210")
    ]
    lines = table_text(rows, ClickPeriod).splitlines()
    assert [line.split()[:3] for line in lines[1:4]] == [
        ["cccccccc…", "0123456789ab-f…", url],
        ["cccccccc…", "0123456789ab-s…", url],
        ["cccccccc…", "fedcba98-7654-…", url],
    ]
    assert max(map(len, lines)) <= 110
