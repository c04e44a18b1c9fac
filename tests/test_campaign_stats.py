"""The CampaignStats record and the optional delivery-counts capability of a source."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone

import pytest

import linkreport
from linkreport import CampaignStats, LinkReportSource, NotSupportedError, StatsAnswer
from linkreport.converter import from_dict, read_csv, read_json, read_ndjson, to_dict
from linkreport.errors import AuthenticationError, NotFoundError, ProviderError
from linkreport.formats import write
from linkreport.records import STATS_FIELDS
from linkreport.source import SourceContext
from linkreport.stats import run_stats, source_stats

SENT_AT = datetime(2026, 11, 2, 9, 30, 5, tzinfo=UTC)


def stats(**changes: object) -> CampaignStats:
    values: dict[str, object] = {
        "provider": "p",
        "campaign_id": "c1",
        "activity_id": "a1",
        "sent": 500,
        "bounces": 20,
        "sent_at": SENT_AT,
    }
    return CampaignStats(**(values | changes))  # type: ignore[arg-type]


def test_fields_in_the_order_of_the_interface():
    assert STATS_FIELDS == (
        "provider",
        "campaign_id",
        "activity_id",
        "sent",
        "bounces",
        "delivered",
        "sent_at",
        "fetched_at",
    )
    assert linkreport.CampaignStats is CampaignStats
    assert tuple(to_dict(stats())) == STATS_FIELDS


def test_delivered_is_sent_minus_bounces_and_never_invented():
    assert stats().delivered == 480
    assert stats(bounces=None).delivered is None
    assert stats(sent=None).delivered is None
    assert stats(sent=None, bounces=None).delivered is None
    assert stats(sent=0, bounces=0).delivered == 0
    # a provider that reports delivered itself, without bounces
    assert stats(bounces=None, delivered=450).delivered == 450
    assert stats(sent=None, bounces=None, delivered=7).delivered == 7


@pytest.mark.parametrize(
    ("changes", "error", "words"),
    [
        ({"provider": ""}, ValueError, "provider must be a non-empty string"),
        ({"campaign_id": " "}, ValueError, "campaign_id must be a non-empty string"),
        ({"activity_id": 5}, TypeError, "activity_id must be a string or None"),
        ({"sent": "500"}, TypeError, "sent must be an integer or None"),
        ({"sent": True}, TypeError, "sent must be an integer or None"),
        ({"bounces": 1.0}, TypeError, "bounces must be an integer or None"),
        ({"sent": -1, "bounces": None}, ValueError, "sent must not be negative"),
        ({"bounces": 2**63}, ValueError, "bounces is too large"),
        ({"bounces": 501}, ValueError, r"bounces \(501\) must not exceed sent \(500\)"),
        ({"delivered": 481}, ValueError, r"delivered must be sent - bounces \(480\)"),
        ({"delivered": None}, ValueError, r"delivered must be sent - bounces \(480\)"),
        ({"bounces": None, "delivered": 501}, ValueError, "delivered .501. must not exceed"),
        ({"sent_at": SENT_AT.replace(tzinfo=None)}, ValueError, "must be a UTC datetime"),
        (
            {"sent_at": SENT_AT.astimezone(timezone(timedelta(hours=2)))},
            ValueError,
            "must be a UTC datetime",
        ),
        ({"activity_id": "a\ud800"}, ValueError, "activity_id holds"),
    ],
)
def test_invalid_values_are_refused_naming_the_field(changes, error, words):
    with pytest.raises(error, match=words):
        stats(**changes)


def test_round_trips_through_json_ndjson_and_csv():
    records = [stats(), stats(activity_id=None, sent=None, bounces=None, sent_at=None)]
    for record in records:
        assert from_dict(to_dict(record), CampaignStats) == record
    for fmt, read in (
        ("json", lambda text: read_json(text, CampaignStats)),
        ("ndjson", lambda text: list(read_ndjson(text.splitlines(), CampaignStats))),
        ("csv", lambda text: list(read_csv(io.StringIO(text), CampaignStats))),
    ):
        out = io.StringIO()
        write(records, fmt, out, CampaignStats)
        assert read(out.getvalue()) == records, fmt
    with pytest.raises(ValueError, match="delivered must be sent - bounces"):
        from_dict({**to_dict(stats()), "delivered": 1}, CampaignStats)


# --- the capability ---------------------------------------------------------------------


class _LinksOnly(LinkReportSource):
    name = "links-only"
    description = "no delivery counts"

    def fetch_links(self, ctx, campaign_id, *, include_unclicked=False):  # type: ignore[no-untyped-def]
        return []

    def list_campaigns(self, ctx, since):  # type: ignore[no-untyped-def]
        return []


class _Scripted(_LinksOnly):
    """A plugin whose answers each test scripts, right or wrong, to see what core makes of them."""

    name = "scripted"

    def __init__(self, answer):  # type: ignore[no-untyped-def]
        self.answer = answer
        self.calls: list[list[str]] = []

    def fetch_stats(self, ctx, campaign_ids, *, send_times=True):  # type: ignore[no-untyped-def]
        self.calls.append(list(campaign_ids))
        return self.answer(list(campaign_ids))


def _ctx(source: LinkReportSource) -> SourceContext:
    return SourceContext(source, None, None, None, None)  # type: ignore[arg-type]


def _good(ids):  # type: ignore[no-untyped-def]
    for i in reversed(ids):  # any order
        if i == "missing":
            yield StatsAnswer(i, error=NotFoundError(f"no campaign {i}"))
        else:
            yield StatsAnswer(i, (stats(provider="scripted", campaign_id=i),))


def test_stats_are_optional_and_discoverable():
    assert _LinksOnly().supports_stats is False
    assert _Scripted(_good).supports_stats is True
    with pytest.raises(NotSupportedError, match="links-only does not provide delivery counts"):
        _LinksOnly().fetch_stats(None, ["c1"])  # type: ignore[arg-type]
    with pytest.raises(NotSupportedError):
        list(run_stats(_ctx(_LinksOnly()), ["c1"]))


def test_answers_come_in_the_order_asked_and_a_failure_stays_with_its_id():
    source = _Scripted(_good)
    answers = list(run_stats(_ctx(source), ["c1", "missing", "c2", "c1"], chunk=2))
    assert [a.campaign_id for a in answers] == ["c1", "missing", "c2"]
    assert [a.ok for a in answers] == [True, False, True]
    assert isinstance(answers[1].error, NotFoundError)
    assert answers[1].error.campaign_id == "missing"
    assert answers[2].stats[0].delivered == 480
    assert source.calls == [["c1", "missing"], ["c2"]]  # batched, each ID asked once


def test_a_plugin_that_leaves_out_an_id_or_answers_wrongly_fails_only_that_id():
    def sloppy(ids):  # type: ignore[no-untyped-def]
        yield StatsAnswer("c1", (stats(provider="scripted"),))
        yield StatsAnswer("c2", ("not a record",))  # type: ignore[arg-type]
        yield StatsAnswer("c3", (stats(provider="someone-else"),))
        yield StatsAnswer("never-asked", (stats(provider="scripted"),))
        yield "c5"

    answers = source_stats(_ctx(_Scripted(sloppy)), ["c1", "c2", "c3", "c4", "c5"])
    assert answers[0].ok
    assert "yielded str, not CampaignStats" in str(answers[1].error)
    assert "gave stats of provider 'someone-else'" in str(answers[2].error)
    assert "gave no stats and no error for this ID" in str(answers[3].error)
    assert "gave no stats and no error for this ID" in str(answers[4].error)


def test_an_error_of_the_whole_call_fails_its_ids_and_a_fatal_one_stops_the_run():
    def broken(ids):  # type: ignore[no-untyped-def]
        yield StatsAnswer(ids[0], (stats(provider="scripted", campaign_id=ids[0]),))
        raise ProviderError("the batch failed")

    answers = source_stats(_ctx(_Scripted(broken)), ["c1", "c2", "c3"])
    assert answers[0].ok
    assert [str(a.error) for a in answers[1:]] == ["the batch failed"] * 2
    assert [a.error.campaign_id for a in answers[1:]] == ["c2", "c3"]  # type: ignore[union-attr]

    def buggy(ids):  # type: ignore[no-untyped-def]
        raise KeyError("x")

    answers = source_stats(_ctx(_Scripted(buggy)), ["c1"])
    assert "unexpected KeyError in the scripted plugin" in str(answers[0].error)

    def refused(ids):  # type: ignore[no-untyped-def]
        raise AuthenticationError("the API key is not valid")

    answers = list(run_stats(_ctx(_Scripted(refused)), ["c1", "c2", "c3"], chunk=1))
    assert isinstance(answers[0].error, AuthenticationError)
    assert [a.skipped for a in answers] == [False, True, True]


def test_providers_say_which_sources_have_delivery_counts(cli):
    import json

    entries = {e["name"]: e for e in json.loads(cli("providers", "--format", "json").out)}
    assert entries["fakemail"]["stats"] is False
