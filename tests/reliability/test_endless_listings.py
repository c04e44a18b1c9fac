"""Listings and event pages that never end, envelopes with numbers past any range, options
out of range: each ends in one clear line, over real HTTP (``tests/faultserver.py``)."""

from __future__ import annotations

import json

import pytest
from faultserver import fault_server

from linkreport.errors import ConfigurationError
from linkreport_sitecore_send import sandbox as ss

SS_ENV = {
    "LINKREPORT_SITECORE_SEND_API_KEY": "k" * 16,
    "LINKREPORT_SITECORE_SEND_RATE_LIMIT": "1000/1",
}
CAMPAIGN = "a1b2c3d4-0000-4000-8000-000000000001"


def ss_env(server) -> dict[str, str]:
    return {**SS_ENV, "LINKREPORT_SITECORE_SEND_BASE_URL": server.url}


def error_lines(result) -> list[str]:
    assert "Traceback" not in result.err
    assert "unexpected OverflowError" not in result.err
    return [line for line in result.err.splitlines() if line.startswith("error:")]


def listing_page(number: int, total_pages: object) -> str:
    campaign = {
        "ID": f"a1b2c3d4-0000-4000-8000-{number:012d}",
        "Name": f"Campaign {number}",
        "DeliveredOn": "/Date(1893456000000)/",  # 2030: always newer than --since
    }
    paging = {"CurrentPage": number, "TotalPageCount": total_pages}
    return json.dumps({"Code": 0, "Context": {"Paging": paging, "Campaigns": [campaign]}})


# --- item 13: listings that never end ----------------------------------------------------


def test_a_listing_reporting_2_31_pages_with_a_new_campaign_on_each_stops(run_linkreport):
    with fault_server() as server:
        server.plan(*[("body", (200, listing_page(n, 2**31 - 1))) for n in range(1, 40)])
        result = run_linkreport(
            "campaigns", "sitecore-send", "--since", "2000-01-01", extra_env=ss_env(server)
        )
        asked = len(server.requests)
    assert result.code == 1
    errors = error_lines(result)
    assert len(errors) == 1, result.err
    assert "campaign list reports 2147483647 pages" in errors[0]
    assert asked == 1


def click_page(paging: bool) -> str:
    rows = [
        {
            "Context": f"https://example.com/{n % 7}",
            "Timestamp": f"/Date({1767225600000 + n * 1000}+0000)/",
            "MemberId": f"m-{n}",
        }
        for n in range(1000)
    ]
    context: dict[str, object] = {"Analytics": rows}
    if paging:
        context["Paging"] = {"TotalPageCount": 1e999}
    return json.dumps({"Code": 0, "Context": context})


@pytest.mark.parametrize("paging", [False, True], ids=["no page count", "a page count of 1e999"])
def test_click_pages_repeating_one_full_page_stop(run_linkreport, paging):
    page = click_page(paging).replace("1e+999", "1e999").replace("Infinity", "1e999")
    with fault_server() as server:
        server.plan(*[("body", (200, page))] * 30)
        result = run_linkreport(
            "clicks", "sitecore-send", CAMPAIGN, "--format", "ndjson", extra_env=ss_env(server)
        )
        asked = len(server.requests)
    assert result.code == 1
    errors = error_lines(result)
    assert len(errors) == 1, result.err
    assert CAMPAIGN in errors[0]
    assert "repeats itself: page 2 holds the same items as the page before" in errors[0]
    assert asked == 2


# --- item 14: envelope numbers past any range --------------------------------------------


@pytest.mark.parametrize("code", ["1e999", "-1e999", "1e300", "99999999999999999999999"])
def test_an_envelope_code_past_any_range_fails_the_campaign_in_one_line(run_linkreport, code):
    with fault_server() as server:
        server.plan(("body", (200, '{"Code": ' + code + ', "Error": null, "Context": null}')))
        result = run_linkreport("links", "sitecore-send", ss.SPRING, extra_env=ss_env(server))
    assert result.code == 1
    errors = error_lines(result)
    assert errors == [line for line in result.err.splitlines() if line], result.err
    assert len(errors) == 1
    assert ss.SPRING in errors[0]
    assert "Code: expected a" in errors[0]


def test_a_listing_page_count_of_1e999_is_one_clear_line(run_linkreport):
    with fault_server() as server:
        page = listing_page(1, 0).replace('"TotalPageCount": 0', '"TotalPageCount": 1e999')
        server.plan(("body", (200, page)))
        result = run_linkreport(
            "campaigns", "sitecore-send", "--since", "2000-01-01", extra_env=ss_env(server)
        )
    assert result.code == 1
    errors = error_lines(result)
    assert len(errors) == 1, result.err
    assert "unexpected campaign list (page 1)" in errors[0]
    assert "expected a number, got 'inf'" in errors[0]


# --- item 16: Constant Contact lists a campaign once; sandbox options in range -----------


def cc_page(ids: list[str], next_href: str | None) -> str:
    campaigns = [{"campaign_id": i, "name": f"c {i[-1]}", "current_status": "Done"} for i in ids]
    body: dict[str, object] = {"campaigns": campaigns}
    if next_href:
        body["_links"] = {"next": {"href": next_href}}
    return json.dumps(body)


def test_constant_contact_lists_a_campaign_repeated_by_a_later_page_once(run_linkreport):
    a, b, c = (f"0b0e0e0e-1111-4222-8333-44445555666{n}" for n in range(3))
    with fault_server() as server:
        server.plan(
            ("body", (200, cc_page([a, b], "/emails?cursor=2"))),
            ("body", (200, cc_page([b, c], None))),
        )
        result = run_linkreport(
            "campaigns",
            "constant-contact",
            "--since",
            "2000-01-01",
            "--format",
            "ndjson",
            extra_env={
                "LINKREPORT_CONSTANT_CONTACT_BASE_URL": server.url,
                "LINKREPORT_CONSTANT_CONTACT_ACCESS_TOKEN": "opaque-access-token-1",
                "LINKREPORT_CONSTANT_CONTACT_RATE_LIMIT": "100/1",
            },
        )
    assert result.code == 0, result.err
    assert [json.loads(line)["campaign_id"] for line in result.out.splitlines()] == [a, b, c]


@pytest.mark.parametrize(
    ("provider", "option", "words"),
    [
        ("sitecore-send", "size=-5", "size must be a whole number at least 0, got -5"),
        ("sitecore-send", "window=0", "window must be a number more than 0"),
        ("sitecore-send", "latency=nan", "latency must be a number at least 0"),
        ("constant-contact", "rate=-1", "rate must be a whole number more than 0, got -1"),
        ("constant-contact", "size=-5", "size must be a whole number at least 0"),
    ],
)
def test_sandbox_options_out_of_range_are_refused(run_linkreport, provider, option, words):
    result = run_linkreport("sandbox", provider, "-o", option)
    assert result.code == 2
    assert result.out == ""
    errors = [line for line in result.err.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.err
    assert errors[0].startswith(f"Error: sandbox option {words}")


def test_sandbox_options_out_of_range_are_refused_in_tests_too(provider_sandbox):
    with pytest.raises(ConfigurationError, match="window must be a number more than 0"):
        provider_sandbox("sitecore-send", window=0)
    assert provider_sandbox("constant-contact", initial_ttl=-1).url  # negative on purpose
