"""linkreport.kit.wire's count and timestamp hooks, registered on a plugin-style converter."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import cattrs
import pytest

from linkreport.kit import wire


@attrs.frozen
class Link:
    url: str
    clicks: int
    unique: int | None = None
    at: datetime | None = None
    sent: datetime = datetime(1970, 1, 1, tzinfo=UTC)


def make_converter() -> cattrs.Converter:
    conv = cattrs.Converter()
    conv.register_structure_hook(int | None, wire.count)
    conv.register_structure_hook(int, wire.required_count)
    conv.register_structure_hook(datetime | None, wire.timestamp)
    conv.register_structure_hook(datetime, wire.required_timestamp)
    return conv


CONV = make_converter()
T = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7, 7), (0, 0), (34.0, 34), ("12", 12), (" 12 ", 12), ("3.0", 3), (None, None), ("", None)],
)
def test_counts(value, expected):
    assert wire.parse_count(value) == expected


@pytest.mark.parametrize("value", [-1, 2.5, "n12", True, float("nan"), float("inf"), [], {}])
def test_bad_counts(value):
    with pytest.raises(wire.WireError):
        wire.parse_count(value)


@pytest.mark.parametrize(
    "value",
    [
        "2026-03-01T09:00:00Z",
        "2026-03-01T09:00:00+00:00",
        "2026-03-01T11:00:00+02:00",
        "2026-03-01T09:00:00",  # no zone: UTC
        "2026-03-01T09:00:00.000Z",
        1772355600,  # epoch seconds
        1772355600000,  # epoch milliseconds
        "1772355600",
        1772355600.0,
        "/Date(1772355600000)/",
        "/Date(1772355600000+0200)/",  # the offset never shifts the instant
        "\\/Date(1772355600000-0500)\\/",
    ],
)
def test_timestamps(value):
    parsed = wire.parse_timestamp(value)
    assert parsed == T
    assert parsed.tzinfo is UTC


def test_a_date_alone_is_midnight_utc():
    assert wire.parse_timestamp("2026-03-01") == datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize("value", ["yesterday", "/Date(abc)/", True, float("nan"), [], 10**20])
def test_bad_timestamps(value):
    with pytest.raises(wire.WireError):
        wire.parse_timestamp(value)


def test_hooks_structure_a_payload():
    link = wire.structure(
        CONV,
        {
            "url": "https://a.example/",
            "clicks": "9",
            "unique": 4.0,
            "at": "/Date(1772355600000)/",
            "sent": 1772355600,
        },
        Link,
    )
    assert link == Link("https://a.example/", 9, 4, T, T)


def test_required_values_must_be_present():
    with pytest.raises(wire.WireError, match="clicks"):
        wire.structure(CONV, {"url": "https://a.example/", "clicks": None}, Link)
    with pytest.raises(wire.WireError, match="sent"):
        wire.structure(CONV, {"url": "https://a.example/", "clicks": 1, "sent": None}, Link)


def test_handed_over_yields_in_order_and_forgets_each_item():
    items = ["a", "b", "c"]
    seen = []
    for item in wire.handed_over(items):
        seen.append((item, len(items)))
    assert seen == [("a", 2), ("b", 1), ("c", 0)]
