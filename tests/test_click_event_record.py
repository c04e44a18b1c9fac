"""The ClickEvent record and the optional click-event capability of a source."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

import linkreport
from linkreport import ClickEvent, LinkReportSource, NotSupportedError
from linkreport.converter import from_dict, to_dict
from linkreport.records import CLICK_EVENT_FIELDS

WHEN = datetime(2026, 11, 2, 9, 30, 5, tzinfo=UTC)


def event(**changes: object) -> ClickEvent:
    values: dict[str, object] = {
        "provider": "p",
        "campaign_id": "c1",
        "activity_id": "a1",
        "url": "https://a.example/",
        "link_id": "7",
        "clicked_at": WHEN,
        "contact": "0f" * 16,
    }
    return ClickEvent(**(values | changes))  # type: ignore[arg-type]


def test_fields_in_the_order_of_the_interface():
    assert CLICK_EVENT_FIELDS == (
        "provider",
        "campaign_id",
        "activity_id",
        "url",
        "link_id",
        "clicked_at",
        "contact",
        "network",
    )
    assert linkreport.ClickEvent is ClickEvent
    assert tuple(to_dict(event())) == CLICK_EVENT_FIELDS


def test_round_trips_through_dicts_and_is_frozen():
    record = event(activity_id=None, link_id=None)
    data = to_dict(record)
    assert data["clicked_at"] == "2026-11-02T09:30:05Z"
    assert from_dict(data, ClickEvent) == record
    with pytest.raises(AttributeError):
        record.url = "https://b.example/"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "error", "words"),
    [
        ({"provider": ""}, ValueError, "provider must be a non-empty string"),
        ({"url": "  "}, ValueError, "url must be a non-empty string"),
        ({"contact": ""}, ValueError, "contact must be a non-empty string"),
        ({"campaign_id": 5}, ValueError, "campaign_id must be a non-empty string"),
        ({"activity_id": 5}, TypeError, "activity_id must be a string or None"),
        ({"link_id": 7}, TypeError, "link_id must be a string or None"),
        ({"network": 7}, TypeError, "network must be a string or None"),
        ({"network": "\ud800"}, ValueError, "network holds"),
        ({"clicked_at": None}, TypeError, "clicked_at must be a datetime"),
        ({"clicked_at": "2026-11-02"}, TypeError, "clicked_at must be a datetime"),
        ({"clicked_at": WHEN.replace(tzinfo=None)}, ValueError, "must be a UTC datetime"),
        (
            {"clicked_at": WHEN.astimezone(timezone(timedelta(hours=2)))},
            ValueError,
            "must be a UTC datetime",
        ),
    ],
)
def test_invalid_values_are_refused_naming_the_field(changes, error, words):
    with pytest.raises(error, match=words):
        event(**changes)


def test_another_utc_zone_object_is_accepted():
    assert event(clicked_at=WHEN.replace(tzinfo=timezone.utc)).clicked_at == WHEN  # noqa: UP017


class _LinksOnly(LinkReportSource):
    name = "links-only"
    description = "no click events"

    def fetch_links(self, ctx, campaign_id, *, include_unclicked=False):  # type: ignore[no-untyped-def]
        return []

    def list_campaigns(self, ctx, since):  # type: ignore[no-untyped-def]
        return []


class _WithClicks(_LinksOnly):
    name = "with-clicks"

    def fetch_clicks(self, ctx, campaign_id, *, since=None):  # type: ignore[no-untyped-def]
        yield event(campaign_id=campaign_id)


def test_click_events_are_optional_and_discoverable():
    assert _LinksOnly().supports_clicks is False
    assert _WithClicks().supports_clicks is True
    with pytest.raises(NotSupportedError, match="links-only does not provide click events"):
        _LinksOnly().fetch_clicks(None, "c1")  # type: ignore[arg-type]
    assert NotSupportedError.fatal


def test_providers_say_which_sources_have_click_events(cli):
    import json

    entries = {e["name"]: e for e in json.loads(cli("providers", "--format", "json").out)}
    assert entries["fakemail"]["clicks"] is False
