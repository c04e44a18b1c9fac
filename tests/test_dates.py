"""``--since`` values: UTC unless they say, and one message for every date out of range."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from linkreport.dates import parse_since


@pytest.fixture
def far_from_utc(monkeypatch):
    """The machine's local time 14 hours ahead of UTC (a naive time must not be read in it)."""
    monkeypatch.setenv("TZ", "Etc/GMT-14")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_date_or_time_without_offset_is_utc_whatever_the_local_time(far_from_utc):
    assert parse_since("2026-01-31") == datetime(2026, 1, 31, tzinfo=UTC)
    assert parse_since("2026-01-31T09:30") == datetime(2026, 1, 31, 9, 30, tzinfo=UTC)
    assert parse_since("2026-01-31T09:30+01:00") == datetime(2026, 1, 31, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    ["0001-01-01", "0001-01-01T00:00+14:00", "1969-12-31", "99999d", "99999999d", "9" * 20 + "d"],
)
def test_every_date_out_of_range_says_the_range(text):
    with pytest.raises(ValueError, match=r"is out of range \(use a date between 1970 and 9998\)$"):
        parse_since(text)
