"""Mailchimp over real HTTP against its sandbox: keys, data centres, errors, 429s, privacy."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from linkreport.errors import ConfigurationError
from linkreport.runner import load_sources, open_context
from linkreport_mailchimp import samples
from linkreport_mailchimp.source import base_url_of, data_centre

SPRING, WEBINAR, KEY = samples.SPRING, samples.WEBINAR, samples.SANDBOX_KEY
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def rows(result):
    assert result.code == 0, result.err
    return [json.loads(line) for line in result.out.splitlines()]


@pytest.fixture
def chimp(provider_sandbox):
    return provider_sandbox("mailchimp")


def test_link_report_maps_every_field(chimp, run_linkreport):
    found = rows(run_linkreport("links", "mailchimp", SPRING, "--format", "ndjson"))
    assert [(r["url"], r["unique_clicks"], r["total_clicks"]) for r in found] == [
        ("https://shop.example.com/spring?utm_source=mailchimp", 30, 42),
        ("https://shop.example.com/", 12, 12),
    ]
    first = found[0]
    assert first["link_id"] == samples.link_id(first["url"])
    assert first["timestamp"].endswith("Z")  # last_click
    every = rows(
        run_linkreport("links", "mailchimp", SPRING, "--include-unclicked", "--format", "ndjson")
    )
    assert [(r["url"], r["total_clicks"], r["timestamp"]) for r in every][2] == (
        "https://shop.example.com/survey",
        0,
        None,  # Mailchimp's last_click "" for a link nobody clicked
    )


def test_listing_is_newest_first_sent_campaigns_with_send_times(chimp, run_linkreport):
    found = rows(run_linkreport("campaigns", "mailchimp", "--format", "ndjson"))
    assert [r["campaign_id"] for r in found] == [SPRING, "6f2a1b3c4d", WEBINAR, "7a3b2c4d5e"]
    assert found[0]["name"] == "Spring sale"
    assert found[0]["status"] == "sent"
    assert all(r["sent_at"] for r in found)
    query = next(r for r in chimp.requests if r.startswith("GET /campaigns"))
    assert "status=sent" in query
    assert "sort_field=send_time" in query
    assert "sort_dir=DESC" in query


def test_listing_pages_through_a_thousand_at_a_time(provider_sandbox, linkreport_env):
    box = provider_sandbox("mailchimp", campaigns=2500)
    source = load_sources(linkreport_env)["mailchimp"].source
    found = list(source.list_campaigns(open_context(source, env=linkreport_env), EPOCH))
    assert len(found) == 2504
    assert len({c.campaign_id for c in found}) == 2504
    offsets = [line for line in box.requests if line.startswith("GET /campaigns")]
    assert len(offsets) == 3
    assert all("count=1000" in line for line in offsets)


def test_base_url_comes_from_the_key_data_centre():
    assert data_centre("0123abcd-us19") == "us19"
    assert base_url_of("0123abcd-us19") == "https://us19.api.mailchimp.com/3.0"
    for bad in ("0123abcd", "0123abcd-", "0123abcd-us19/x", "x-us19.evil.com"):
        with pytest.raises(ValueError, match="data-centre suffix"):
            data_centre(bad)


def test_the_default_base_url_is_derived_from_the_key(linkreport_env):
    env = {**linkreport_env, "LINKREPORT_MAILCHIMP_API_KEY": "0123abcd-us19"}
    source = load_sources(env)["mailchimp"].source
    assert open_context(source, env=env).http.base_url == "https://us19.api.mailchimp.com/3.0"


@pytest.mark.parametrize("with_sandbox", [True, False])
def test_a_key_without_a_data_centre_is_one_configuration_line(
    with_sandbox, provider_sandbox, linkreport_env, run_linkreport
):
    box = provider_sandbox("mailchimp") if with_sandbox else None
    bad = "SENTINEL0mailchimp0key0without0centre"
    env = {"LINKREPORT_MAILCHIMP_API_KEY": bad}
    if not with_sandbox:
        env["LINKREPORT_MAILCHIMP_BASE_URL"] = ""
        linkreport_env.pop("LINKREPORT_MAILCHIMP_BASE_URL", None)
    result = run_linkreport("links", "mailchimp", SPRING, WEBINAR, extra_env=env)
    assert result.code != 0
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert errors, result.err
    assert "data-centre suffix" in errors[0], result.err
    assert "Traceback" not in result.err
    assert bad not in result.out + result.err
    if box is not None:
        assert not box.requests, "a request went out with a key that names no data centre"
    source = load_sources({**linkreport_env, **env})["mailchimp"].source
    if not with_sandbox:  # base_url cannot be derived: the run stops before it starts
        with pytest.raises(ConfigurationError, match="data-centre suffix"):
            open_context(source, env={**linkreport_env, **env})
        return
    ctx = open_context(source, env={**linkreport_env, **env})
    with pytest.raises(ConfigurationError, match="data-centre suffix"):
        list(source.fetch_links(ctx, SPRING))


def test_a_wrong_key_stops_the_run_with_mailchimp_words(chimp, run_linkreport):
    bad = "SENTINEL0mailchimp0wrong0key000001-us0"
    result = run_linkreport(
        "links", "mailchimp", SPRING, WEBINAR, extra_env={"LINKREPORT_MAILCHIMP_API_KEY": bad}
    )
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    first = errors[0]
    assert "the API key is not valid" in first, first
    assert "wrong datacenter" in first, first  # Mailchimp's own words kept
    assert len([e for e in errors if "because the run stopped" not in e]) == 1, errors
    assert bad not in result.out + result.err


def test_an_unknown_campaign_fails_alone(chimp, run_linkreport):
    result = run_linkreport("links", "mailchimp", "ffffffffff", SPRING, "--format", "ndjson")
    assert result.code == 1
    assert {json.loads(line)["campaign_id"] for line in result.out.splitlines()} == {SPRING}
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.err
    assert "ffffffffff" in errors[0], result.err
    assert "campaign not found" in errors[0]
    assert "could not be found" in errors[0]


@pytest.mark.parametrize("retry_after", [True, False])
def test_429_is_waited_out_with_and_without_retry_after(
    retry_after, provider_sandbox, run_linkreport
):
    box = provider_sandbox("mailchimp", rate=1, window=1, retry_after=retry_after)
    ids = [SPRING, "6f2a1b3c4d", WEBINAR, "7a3b2c4d5e"]
    result = run_linkreport(
        "links",
        "mailchimp",
        *ids,
        "--format",
        "ndjson",
        extra_env={"LINKREPORT_MAILCHIMP_RATE_LIMIT": "50/1"},
    )
    assert {json.loads(line)["campaign_id"] for line in result.out.splitlines()} == set(ids)
    assert result.code == 0, result.err
    assert box.app.refused >= 1
    import requests

    auth = ("anyone", KEY)
    answers = [requests.get(f"{box.url}/campaigns", auth=auth, timeout=5) for _ in range(3)]
    refused = [a for a in answers if a.status_code == 429]
    assert refused
    assert all(("Retry-After" in a.headers) is retry_after for a in refused)
    assert refused[0].json()["title"] == "Too Many Requests"  # problem+json


def test_the_key_travels_in_the_authorization_header_only(chimp, run_linkreport):
    result = run_linkreport("links", "mailchimp", SPRING, "--debug")
    assert result.code == 0, result.err
    assert chimp.app.log
    assert all(entry.key_in == "header" for entry in chimp.app.log)
    assert all(KEY not in line for line in chimp.requests)
    assert KEY not in result.out + result.err


def test_click_events_keep_no_email_id_address_or_ip(
    provider_sandbox, linkreport_env, run_linkreport
):
    provider_sandbox("mailchimp", scanners=True)
    source = load_sources(linkreport_env)["mailchimp"].source
    ctx = open_context(source, env=linkreport_env)
    events = list(source.fetch_clicks(ctx, SPRING))
    links = rows(run_linkreport("links", "mailchimp", SPRING, "--format", "ndjson"))
    assert len(events) == sum(r["total_clicks"] for r in links)  # clicks only, no opens
    raw = {samples.email_id(n) for n in range(100)} | {samples.email(n) for n in range(100)}
    assert all(len(e.contact) == 32 and e.contact not in raw for e in events)
    assert all(e.network and "." not in e.network and ":" not in e.network for e in events)
    result = run_linkreport("clicks", "mailchimp", SPRING, "--humans", "--format", "ndjson")
    assert result.code == 0, result.err
    shown = result.out + result.err
    assert not any(value in shown for value in raw)
    assert not any(samples.address(n) in shown for n in range(100))


def test_humans_leave_out_the_scanners(provider_sandbox, run_linkreport):
    provider_sandbox("mailchimp", scanners=True)
    found = rows(run_linkreport("links", "mailchimp", SPRING, "--humans", "--format", "ndjson"))
    assert sum(r["human_total_clicks"] for r in found) < sum(r["total_clicks"] for r in found)


def test_counts_grow_when_the_clock_advances(chimp, run_linkreport):
    before = rows(run_linkreport("links", "mailchimp", SPRING, "--format", "ndjson"))
    chimp.app.advance()
    after = rows(run_linkreport("links", "mailchimp", SPRING, "--format", "ndjson"))
    assert after[0]["total_clicks"] == before[0]["total_clicks"] + 2
    assert after[1]["total_clicks"] == before[1]["total_clicks"]


def test_demo_includes_mailchimp(run_linkreport):
    result = run_linkreport("demo", "mailchimp")
    assert result.code == 0, result.err
    assert "== mailchimp: sandbox at" in result.out


def test_rates_come_from_the_campaign_report(chimp, run_linkreport):
    found = rows(run_linkreport("links", "mailchimp", SPRING, "--rates", "--format", "ndjson"))
    assert [r["delivered"] for r in found] == [970, 970]  # 1000 sent - 10 hard - 20 soft
    assert found[0]["click_rate"] is not None
    asked = [line for line in chimp.requests if line.startswith(f"GET /reports/{SPRING}?")]
    assert len(asked) == 1
    assert "fields=" in asked[0]


def test_click_events_are_the_recipients_clicks_with_the_pseudonyms_stores_hold(
    chimp, linkreport_env
):
    """The ``click`` items of each recipient's ``activity[]`` (a kit ``Nested`` declaration),
    their contact the pseudonym of the trimmed, lower-case ``email_id`` as stored before."""
    from linkreport.privacy import network_pseudonym, pseudonym

    source = load_sources(linkreport_env)["mailchimp"].source
    ctx = open_context(source, env=linkreport_env)
    events = list(source.fetch_clicks(ctx, WEBINAR))
    people = {pseudonym(ctx, samples.email_id(n)): n for n in range(100)}
    assert events
    assert all(e.contact in people for e in events)
    assert all(
        e.network == network_pseudonym(ctx, samples.address(people[e.contact])) for e in events
    )
    since = sorted(e.clicked_at for e in events)[3]
    later = list(source.fetch_clicks(ctx, WEBINAR, since=since))
    assert sorted(e.clicked_at for e in later) == sorted(e.clicked_at for e in events)[3:]
    assert f"since={since - timedelta(seconds=1):%Y-%m-%dT%H:%M:%S}Z" in chimp.requests[-1].replace(
        "%3A", ":"
    )
