"""Sitecore Send over real HTTP: its sandbox, and small hostile servers where needed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from linkreport.errors import AuthenticationError, NotFoundError, ProviderError
from linkreport.kit.sandbox.server import serve
from linkreport.kit.wire import parse_timestamp
from linkreport_sitecore_send import sandbox as sb
from linkreport_sitecore_send import wire
from linkreport_sitecore_send.source import envelope_error, parse_expires

SPRING, DIGEST = sb.SPRING, sb.DIGEST


def records(result):
    assert result.code == 0, result.err
    return [json.loads(line) for line in result.out.splitlines()]


@pytest.fixture
def send(provider_sandbox):
    return provider_sandbox("sitecore-send")


def test_link_report_maps_every_field(send, run_linkreport):
    rows = records(run_linkreport("links", "sitecore-send", SPRING, "--format", "ndjson"))
    assert [r["url"] for r in rows] == [
        "https://shop.example.com/spring?utm_source=send",
        "https://shop.example.com/",
        "https://twitter.com/myCompany",
        "https://shop.example.com/unsubscribe",
    ]
    first = rows[0]
    assert first["provider"] == "sitecore-send"
    assert first["campaign_id"] == SPRING
    assert (first["total_clicks"], first["unique_clicks"]) == (34, 30)  # 34.0 accepted
    assert first["timestamp"] == "2026-03-02T10:15:00Z"  # +0100 never shifts the instant
    assert rows[1]["timestamp"] == "2026-03-02T11:00:00Z"  # no offset
    assert rows[2]["timestamp"] == "2026-03-03T08:30:00Z"  # negative offset
    assert (rows[3]["total_clicks"], rows[3]["unique_clicks"], rows[3]["timestamp"]) == (
        None,
        None,
        None,
    )
    for row in rows:
        assert row["activity_id"] is None
        assert row["link_id"] is None
        assert row["fetched_at"].endswith("Z")


def test_old_payload_without_timestamp(send, run_linkreport):
    rows = records(run_linkreport("links", "sitecore-send", DIGEST, "--format", "ndjson"))
    assert [(r["url"], r["total_clicks"], r["unique_clicks"], r["timestamp"]) for r in rows] == [
        ("https://shop.example.com/?utm_source=digest", 34, 30, None),
        ("https://shop.example.com/linen-shirt", 95, 67, None),
    ]


def test_xml_gives_the_same_records_as_json(send, run_linkreport):
    as_json = records(
        run_linkreport("links", "sitecore-send", SPRING, DIGEST, "--format", "ndjson")
    )
    as_xml = records(
        run_linkreport(
            "links",
            "sitecore-send",
            SPRING,
            DIGEST,
            "--format",
            "ndjson",
            extra_env={"LINKREPORT_SITECORE_SEND_WIRE_FORMAT": "xml"},
        )
    )
    strip = lambda rows: [{k: v for k, v in r.items() if k != "fetched_at"} for r in rows]  # noqa: E731
    assert strip(as_xml) == strip(as_json)
    assert len(as_json) == 6


def test_xml_listing_matches_json(send, run_linkreport):
    a = run_linkreport("campaigns", "sitecore-send", "--since", "2020-01-01", "--format", "json")
    b = run_linkreport(
        "campaigns",
        "sitecore-send",
        "--since",
        "2020-01-01",
        "--format",
        "json",
        extra_env={"LINKREPORT_SITECORE_SEND_WIRE_FORMAT": "xml"},
    )
    assert json.loads(a.out) == json.loads(b.out)
    assert [c["campaign_id"] for c in json.loads(a.out)] == [SPRING, DIGEST]  # the draft is skipped


@pytest.mark.parametrize(
    ("campaign", "words"),
    [
        (sb.ARCHIVED, "archived"),
        (sb.UNSENT_STATS, "no statistics"),
        ("a1b2c3d4-0000-4000-8000-00000000dead", "campaign not found"),
    ],
)
def test_envelope_errors_fail_only_that_campaign(send, run_linkreport, campaign, words):
    result = run_linkreport(
        "links", "sitecore-send", SPRING, campaign, DIGEST, "--format", "ndjson"
    )
    assert result.code == 1
    assert {json.loads(line)["campaign_id"] for line in result.out.splitlines()} == {SPRING, DIGEST}
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert campaign in errors[0]
    assert words in errors[0]


def test_bad_key_stops_the_run_once_and_is_never_shown(send, run_linkreport):
    secret = "SENTINEL-send-key-41c9-not-real"
    for debug in ([], ["--debug"]):
        result = run_linkreport(
            *debug,
            "links",
            "sitecore-send",
            SPRING,
            DIGEST,
            sb.ARCHIVED,
            "--jobs",
            "1",
            extra_env={"LINKREPORT_SITECORE_SEND_API_KEY": secret},
        )
        assert result.code == 1
        errors = [line for line in result.err.splitlines() if line.startswith("error:")]
        assert sum("the API key is not valid" in line for line in errors) == 1
        assert secret not in result.out + result.err
    debug_run = run_linkreport("--debug", "links", "sitecore-send", SPRING, "--format", "json")
    assert debug_run.code == 0
    assert "apikey=***" in debug_run.err  # the request log is there, redacted
    assert send.settings["api_key"] not in debug_run.err + debug_run.out


def test_rate_limit_in_a_200_body_is_waited_out(provider_sandbox, run_linkreport):
    box = provider_sandbox("sitecore-send", window=2)
    ids = [SPRING, DIGEST, SPRING + "x", DIGEST + "x"]
    result = run_linkreport(
        "links",
        "sitecore-send",
        SPRING,
        DIGEST,
        *ids[2:],
        "--progress",
        "--jobs",
        "4",
        "--format",
        "ndjson",
        extra_env={"LINKREPORT_SITECORE_SEND_RATE_LIMIT": "100/1"},
    )
    assert box.app.stats["refused"] >= 1  # we really hit the limit...
    assert "Sitecore Send rate limit" in result.err  # ...the wait was shown...
    assert result.code == 1  # ...and only the two unknown IDs failed
    assert result.err.count("campaign not found") == 2
    assert len(result.out.splitlines()) == 6


def test_proactive_limit_means_no_refusals(provider_sandbox, run_linkreport):
    box = provider_sandbox("sitecore-send", window=2)  # margin 20 ms: well above loopback jitter
    result = run_linkreport(
        "links", "sitecore-send", SPRING, DIGEST, SPRING, DIGEST, "--format", "ndjson"
    )
    assert result.code == 0
    assert box.app.stats["refused"] == 0


def test_since_pages_through_campaigns(provider_sandbox, run_linkreport):
    provider_sandbox("sitecore-send", campaigns=150)
    listing = run_linkreport(
        "campaigns", "sitecore-send", "--since", "2025-10-01", "--format", "json"
    )
    found = json.loads(listing.out)
    assert found[:2] == [c for c in found if c["name"] in {"Spring launch", "Weekly digest #12"}]
    assert len(found) == 2 + 123  # campaigns dated 2026-01-31 back to 2025-10-01, across two pages
    assert min(c["sent_at"] for c in found) >= "2025-10-01"
    links = run_linkreport(
        "links",
        "sitecore-send",
        "--since",
        "2026-01-30",
        "--format",
        "ndjson",
        extra_env={"LINKREPORT_SITECORE_SEND_RATE_LIMIT": "20/1"},
    )
    assert {json.loads(line)["campaign_id"] for line in links.out.splitlines()} == {
        SPRING,
        DIGEST,
        sb._campaign(1000),
        sb._campaign(1001),
    }


@pytest.mark.parametrize("bad", ["../../campaigns/1/100", "a b", "x?apikey=1", ""])
def test_malformed_ids_never_reach_the_api(send, run_linkreport, bad):
    result = run_linkreport("links", "sitecore-send", bad or " ", SPRING, "--format", "ndjson")
    if not bad:  # a blank ID argument is a usage error, before any request
        assert result.code == 2
        assert result.out == ""
        return
    assert len(result.out.splitlines()) == 4
    assert result.code == 1
    assert "is not a Sitecore Send campaign ID" in result.err


def hostile(body: bytes, content_type: str = "application/json"):
    def app(environ, start):
        start("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    return app


@pytest.mark.parametrize(
    "body",
    [
        b'{"Code":0,"Error":null,"Context":{"Analytics":[{"Context":"http://a/","TotalCount":"many"}]}}',
        b'{"Code":0,"Error":null,"Context":{"Analytics":[{"TotalCount":1}]}}',
        b'{"Code":0,"Error":null,"Context":{"Analytics":7}}',
        b'{"Code":0,"Error":null,"Context":{"Analytics":[{"Context":"http://a/","Timestamp":"/Date(x)/"}]}}',
        b'{"Code":0,"Err',
        b"<html>Bad gateway</html>",
        b"[]",
        b'{"Code":0,"Error":null,"Context":{"Analytics":[{"Context":"http://a/\xff"}]}}',
    ],
)
def test_malformed_payloads_are_one_bad_response_error(linkreport_env, run_linkreport, body):
    with serve(hostile(body)) as server:
        result = run_linkreport(
            "links",
            "sitecore-send",
            SPRING,
            extra_env={
                "LINKREPORT_SITECORE_SEND_API_KEY": "k" * 20,
                "LINKREPORT_SITECORE_SEND_BASE_URL": server.url,
            },
        )
    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert len(lines) == 1
    assert SPRING in lines[0]
    assert "unexpected link report" in lines[0]
    assert "Traceback" not in result.err


def test_a_json_body_is_let_go_once_it_is_text(monkeypatch, tmp_path):
    """Core decodes the link report (``get_records``): the bytes are dropped before parsing,
    in the decoding turn, so a report's body and its text are never both held."""
    import requests

    from linkreport import concurrency
    from linkreport.runner import open_context
    from linkreport_sitecore_send import source

    freed: list[bool] = []

    class Body(bytes):
        def __del__(self) -> None:
            freed.append(True)

    content = requests.Response.content

    def watched(response):  # the body's bytes, as the one object that holds them
        body = content.fget(response)
        if not isinstance(body, Body):
            body = response._content = Body(body)
        return body

    monkeypatch.setattr(requests.Response, "content", property(watched))
    seen: list[tuple[type, list[bool], bool]] = []
    loads = json.loads

    def watching(text, *args, **kwargs):
        seen.append((type(text), list(freed), concurrency._decoding.locked()))
        return loads(text, *args, **kwargs)

    monkeypatch.setattr(source.json, "loads", watching)
    body = (
        b'{"Code":0,"Error":null,"Context":{"Analytics":[{"Context":"http://a/","TotalCount":2}]}}'
    )
    send = source.SitecoreSend()
    with serve(hostile(body)) as server:
        env = {
            "LINKREPORT_HOME": str(tmp_path),
            "LINKREPORT_SITECORE_SEND_API_KEY": "k" * 20,
            "LINKREPORT_SITECORE_SEND_BASE_URL": server.url,
        }
        records = list(send.fetch_links(open_context(send, env=env), "c1"))
    assert [(r.url, r.total_clicks) for r in records] == [("http://a/", 2)]
    assert seen == [(str, [True], True)]  # parsed from text, the bytes already gone, in turn


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]>
<Response><Code>0</Code><Context><Analytics><A><Context>&lol2;</Context></A></Analytics></Context></Response>"""


def test_xml_bomb_is_refused_not_expanded(run_linkreport):
    with pytest.raises(wire.WireError, match="unsafe XML"):
        wire.parse_xml(BOMB)
    with serve(hostile(BOMB, "application/xml")) as server:
        result = run_linkreport(
            "links",
            "sitecore-send",
            SPRING,
            extra_env={
                "LINKREPORT_SITECORE_SEND_API_KEY": "k" * 20,
                "LINKREPORT_SITECORE_SEND_BASE_URL": server.url,
                "LINKREPORT_SITECORE_SEND_WIRE_FORMAT": "xml",
            },
        )
    assert result.code == 1
    assert "refused unsafe XML" in result.err
    assert "lollol" not in result.err


def test_xml_tolerates_namespaces_nil_and_one_item_lists():
    body = b"""<r:Envelope xmlns:r="urn:x" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
      <r:Code>0</r:Code><r:Error i:nil="true"/><r:Context><r:Analytics><r:Link>
      <r:Context>https://a.example/</r:Context><r:TotalCount>34.0</r:TotalCount><r:UniqueCount/>
      <r:Timestamp>/Date(1464256291013+0100)/</r:Timestamp></r:Link></r:Analytics></r:Context></r:Envelope>"""
    envelope = wire.structure(wire.parse_xml(body), wire.Envelope)
    report = wire.structure(envelope.context, wire.LinkReport)
    assert report.analytics == [
        wire.LinkActivity(
            "https://a.example/", 34, None, datetime(2016, 5, 26, 9, 51, 31, 13000, tzinfo=UTC)
        )
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/Date(1464256291013+0100)/", datetime(2016, 5, 26, 9, 51, 31, 13000, tzinfo=UTC)),
        ("\\/Date(1464256291013)\\/", datetime(2016, 5, 26, 9, 51, 31, 13000, tzinfo=UTC)),
        ("/Date(1464256291013-0500)/", datetime(2016, 5, 26, 9, 51, 31, 13000, tzinfo=UTC)),
        ("/Date(-86400000)/", datetime(1969, 12, 31, tzinfo=UTC)),
    ],
)
def test_dotnet_dates(value, expected):
    assert parse_timestamp(value) == expected  # core's hook, registered by the plugin


def test_envelope_error_mapping():
    assert isinstance(envelope_error(104, "API_KEY_NOT_VALID", None), AuthenticationError)
    assert isinstance(envelope_error(400, None, None), NotFoundError)
    assert isinstance(envelope_error(401, None, None), NotFoundError)
    assert "archived" in str(envelope_error(405, None, None))
    assert (
        str(envelope_error(501, "Sender is missing", None))
        == "validation error: Sender is missing (code 501)"
    )
    minus_two = envelope_error(
        -2,
        None,
        {
            "ID": "0",
            "Messages": [
                {"Code": 501, "Message": "Sender is missing"},
                {"Code": 501, "Message": "Subject is missing"},
            ],
        },
    )
    assert str(minus_two) == "validation failed: Sender is missing; Subject is missing (code -2)"
    unknown = envelope_error(777, "SOMETHING_NEW", None)
    assert isinstance(unknown, ProviderError)
    assert str(unknown) == "Sitecore Send answered code 777: SOMETHING_NEW"


def test_rate_limit_header_parsing():
    assert parse_expires("07/10/2024 14:12:52") == datetime(2024, 7, 10, 14, 12, 52, tzinfo=UTC)
    assert parse_expires("tomorrow") is None
    assert parse_expires(None) is None


def test_demo_includes_sitecore_send(run_linkreport):
    result = run_linkreport("demo")
    assert result.code == 0, result.err
    assert "== sitecore-send: sandbox at" in result.out
    assert "Spring launch" in result.out


def test_counts_grow_when_the_sandbox_clock_advances(send, run_linkreport):
    import requests

    def counts():
        rows = records(run_linkreport("links", "sitecore-send", SPRING, "--format", "ndjson"))
        return [(r["unique_clicks"], r["total_clicks"]) for r in rows]

    before = counts()
    answer = requests.post(f"{send.url}/_sandbox/advance?steps=2", timeout=5)
    assert answer.json() == {"tick": 2}
    after = counts()
    # even positions grow (1 unique, 2 total per tick); odd ones and null counts stay
    assert before == [(30, 34), (67, 95), (1, 1), (None, None)]
    assert after == [(32, 38), (67, 95), (3, 5), (None, None)]
    assert send.app.advance() == 3
    assert counts()[0] == (33, 40)


def test_sandbox_control_request_refuses_bad_input(send):
    import requests

    assert requests.get(f"{send.url}/_sandbox/advance", timeout=5).status_code == 405
    bad = requests.post(f"{send.url}/_sandbox/advance?steps=-1", timeout=5)
    assert bad.status_code == 400
    assert send.app.tick == 0


def test_a_campaign_listing_that_fails_part_way_keeps_the_first_pages(
    provider_sandbox, run_linkreport
):
    # 150 campaigns are two pages of 100: the second is refused
    provider_sandbox("sitecore-send", campaigns=150, faults="500*all@/campaigns/2/")
    result = run_linkreport(
        "campaigns",
        "sitecore-send",
        "--since",
        "2000-01-01",
        "--format",
        "json",
        extra_env={"LINKREPORT_MAX_RETRIES": "0"},
    )
    assert result.code == 1
    assert len(json.loads(result.out)) == 100  # one valid array of the first page
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert errors[0].startswith("error: sitecore-send: ")
    assert "note: 100 campaigns listed before it were written" in result.err
    refused = run_linkreport(
        "campaigns",
        "sitecore-send",
        "--format",
        "json",
        extra_env={"LINKREPORT_SITECORE_SEND_API_KEY": "SENTINEL-bad-key-0123"},
    )
    assert (refused.code, json.loads(refused.out)) == (1, [])
    assert refused.err.startswith("error: sitecore-send: the API key is not valid")
