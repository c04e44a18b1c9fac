"""Answers shaped to loop, duplicate or overflow: listings end, records are never doubled.

Over real HTTP: the provider sandboxes with hostile options, or a loopback server
(``tests/faultserver.py``) answering in a provider's wire format.
"""

from __future__ import annotations

import json

import pytest
from faultserver import fault_server

from linkreport_constant_contact import sandbox as cc
from linkreport_sitecore_send import sandbox as ss

# --- item 6: Sitecore Send listings that ignore the page number end ------------------


@pytest.mark.parametrize(
    ("mode", "words"),
    [("echo", "repeats itself: page 2"), ("one", "answered page 1 when asked for page 2")],
)
def test_a_listing_that_ignores_the_page_number_stops(
    provider_sandbox, run_linkreport, mode, words
):
    box = provider_sandbox("sitecore-send", campaigns=250, ignore_page=mode, calls=50)
    result = run_linkreport(
        "campaigns", "sitecore-send", "--since", "2000-01-01", "--format", "ndjson"
    )
    assert result.code == 1
    assert "Traceback" not in result.err
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.err
    assert words in errors[0]
    ids = [json.loads(line)["campaign_id"] for line in result.out.splitlines()]
    assert len(ids) == len(set(ids))  # nothing listed twice
    assert box.app is not None


def test_a_listing_that_pages_properly_is_complete(provider_sandbox, run_linkreport):
    provider_sandbox("sitecore-send", campaigns=250, calls=50)
    result = run_linkreport(
        "campaigns", "sitecore-send", "--since", "2000-01-01", "--format", "ndjson"
    )
    assert result.code == 0, result.err
    ids = [json.loads(line)["campaign_id"] for line in result.out.splitlines()]
    assert len(ids) == len(set(ids)) > 250


# --- item 9: duplicate XML blocks and duplicate activities ---------------------------

GOOD_XML = """<?xml version="1.0"?>
<Envelope><Code>0</Code><Error/><Context><Analytics>
{items}
</Analytics></Context></Envelope>"""
ITEM = "<ActivityItem><Context>https://a.example/{n}</Context><TotalCount>{n}</TotalCount>\
<UniqueCount>{n}</UniqueCount></ActivityItem>"


def sitecore_xml(server, body: str, run_linkreport):
    server.plan(("body", (200, body)))
    return run_linkreport(
        "links",
        "sitecore-send",
        ss.SPRING,
        "--format",
        "ndjson",
        extra_env={
            "LINKREPORT_SITECORE_SEND_BASE_URL": server.url,
            "LINKREPORT_SITECORE_SEND_API_KEY": "k" * 16,
            "LINKREPORT_SITECORE_SEND_WIRE_FORMAT": "xml",
        },
    )


def test_sitecore_xml_reads_every_record_once(run_linkreport):
    body = GOOD_XML.format(items="".join(ITEM.format(n=n) for n in (1, 2)))
    with fault_server() as server:
        result = sitecore_xml(server, body, run_linkreport)
    assert result.code == 0, result.err
    assert [json.loads(r)["url"] for r in result.out.splitlines()] == [
        "https://a.example/1",
        "https://a.example/2",
    ]


@pytest.mark.parametrize(
    ("body", "block"),
    [
        (
            "<Envelope><Code>0</Code><Context>"
            f"<Analytics>{ITEM.format(n=1)}</Analytics>"
            f"<Analytics>{ITEM.format(n=2)}</Analytics></Context></Envelope>",
            "Analytics",
        ),
        (
            "<Envelope><Code>0</Code><Context>"
            f"<Analytics>{ITEM.format(n=1)}</Analytics></Context>"
            f"<Context><Analytics>{ITEM.format(n=2)}</Analytics></Context></Envelope>",
            "Context",
        ),
        (
            "<Envelope><Code>0</Code><Code>0</Code><Context><Analytics/></Context></Envelope>",
            "Code",
        ),
    ],
)
def test_duplicate_xml_blocks_fail_the_campaign_clearly(run_linkreport, body, block):
    with fault_server() as server:
        result = sitecore_xml(server, body, run_linkreport)
    assert result.code == 1
    assert result.out == ""  # neither one copy silently, nor both
    assert f"repeats <{block}>" in result.err
    assert len(result.err.splitlines()) == 1, result.err


def test_duplicate_constant_contact_activities_give_each_record_once(
    provider_sandbox, run_linkreport
):
    provider_sandbox("constant-contact")
    once = run_linkreport("links", "constant-contact", cc.NEWSLETTER, "--format", "ndjson")
    provider_sandbox("constant-contact", duplicate_activities=1)
    twice = run_linkreport("links", "constant-contact", cc.NEWSLETTER, "--format", "ndjson")
    assert once.code == twice.code == 0, twice.err

    def rows(result):
        return [
            {k: v for k, v in json.loads(line).items() if k != "fetched_at"}
            for line in result.out.splitlines()
        ]

    assert rows(twice) == rows(once)
    assert len(rows(once)) > 0


# --- item 11: deeply nested answers are one clear line --------------------------------


@pytest.mark.parametrize(
    ("fmt", "body"),
    [
        ("json", "[" * 200_000 + "]" * 200_000),
        ("json", '{"Code": 0, "Context": ' + "[" * 5000 + "]" * 5000 + "}"),
        ("xml", "<a>" * 5000 + "</a>" * 5000),
        (
            "xml",
            "<Envelope><Code>0</Code><Context>"
            + "<x>" * 5000
            + "</x>" * 5000
            + "</Context></Envelope>",
        ),
    ],
)
def test_deeply_nested_answers_fail_the_campaign_clearly(run_linkreport, fmt, body):
    with fault_server() as server:
        server.plan(("body", (200, body)))
        result = run_linkreport(
            "links",
            "sitecore-send",
            ss.SPRING,
            extra_env={
                "LINKREPORT_SITECORE_SEND_BASE_URL": server.url,
                "LINKREPORT_SITECORE_SEND_API_KEY": "k" * 16,
                "LINKREPORT_SITECORE_SEND_WIRE_FORMAT": fmt,
            },
        )
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "unexpected RecursionError" not in result.err
    assert len(result.err.splitlines()) == 1, result.err
    assert result.err.startswith(f"error: sitecore-send {ss.SPRING}:")


def test_deeply_nested_json_from_core_get_json_is_a_bad_response():
    from linkreport.errors import BadResponseError
    from linkreport.http import HttpClient

    with fault_server() as server:
        server.plan(("body", (200, "[" * 200_000 + "]" * 200_000)))
        with pytest.raises(BadResponseError, match="nested too deeply"):
            HttpClient(base_url=server.url).get_json("/x")
