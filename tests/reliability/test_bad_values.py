"""Unusable values (issue 26, items 1 and 14): one bad value costs its own campaign or row only.

Over real HTTP: the provider sandboxes with core's bad-value faults (``hugecount``,
``hugedigits``, ``surrogate``, ``farfuture``: :mod:`linkreport.kit.sandbox.faults`), which spoil the first
item of each list of a JSON answer, so a bad item always has good ones beside it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from datetime import UTC, datetime

import pytest
from faultserver import fault_server

from linkreport import Campaign, ClickEvent, LinkClicks
from linkreport.kit.sandbox.faults import spoil_body
from linkreport.kit.wire import WireError, parse_count, parse_timestamp
from linkreport.records import MAX_COUNT
from linkreport_constant_contact import sandbox as cc
from linkreport_sitecore_send import sandbox as ss

SINCE = ("--since", "2026-01-01")
BAD_KINDS = ["hugecount", "hugedigits", "surrogate", "farfuture"]
NOW = datetime(2026, 3, 1, tzinfo=UTC)
#: How a bug is reported ("unexpected OverflowError: ..."), never how a bad value should be.
BUG = re.compile(r"unexpected \w+(Error|Exception)")


def rows(path, sql, *params):
    with sqlite3.connect(path) as conn:
        return [tuple(r) for r in conn.execute(sql, params)]


def errors_of(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("error:")]


def assert_one_clear_line(result, campaign_id: str) -> None:
    assert "Traceback" not in result.err
    assert not BUG.search(result.err), result.err
    errors = errors_of(result.err)
    assert len(errors) == 1, result.err
    assert campaign_id in errors[0]
    assert len(errors[0]) < 400  # 4,301 digits are not repeated back


# --- the records and core's hooks refuse what nothing downstream can hold ---------------


@pytest.mark.parametrize("count", [MAX_COUNT + 1, 10**30, 2**70])
def test_records_refuse_counts_beyond_64_bits(count):
    with pytest.raises(ValueError, match="total_clicks is too large"):
        LinkClicks(provider="p", campaign_id="c", url="https://a.example/", total_clicks=count)
    assert LinkClicks(provider="p", campaign_id="c", url="u", unique_clicks=MAX_COUNT)


@pytest.mark.parametrize("field", ["url", "campaign_id", "link_tag", "activity_role"])
def test_link_records_refuse_lone_surrogates(field):
    values = {"provider": "p", "campaign_id": "c", "url": "https://a.example/", field: "x\ud800"}
    with pytest.raises(ValueError, match=f"{field} holds '\\\\ud800'"):
        LinkClicks(**values)
    assert LinkClicks(**{**values, field: "x\u00e9\U0001f600"})  # real non-ASCII text is fine


@pytest.mark.parametrize("field", ["name", "subject", "status", "campaign_id"])
def test_campaign_records_refuse_lone_surrogates(field):
    values = {"provider": "p", "campaign_id": "c", field: "x\udfff"}
    with pytest.raises(ValueError, match=f"{field} holds"):
        Campaign(**values)


@pytest.mark.parametrize("field", ["url", "contact", "link_id"])
def test_click_events_refuse_lone_surrogates(field):
    values = {"provider": "p", "campaign_id": "c", "url": "u", "contact": "k", "clicked_at": NOW}
    with pytest.raises(ValueError, match=f"{field} holds"):
        ClickEvent(**{**values, field: "\ud800"})


@pytest.mark.parametrize(
    "value",
    [
        "9999-12-31T23:00:00-05:00",
        datetime(9999, 12, 31, 23, tzinfo=datetime.fromisoformat("2000-01-01T00:00-05:00").tzinfo),
        "0001-01-01T00:30:00+01:00",
        "/Date(" + "9" * 4301 + ")/",
        "9" * 4301,
        10**4000,
    ],
)
def test_the_timestamp_hook_refuses_times_utc_cannot_hold(value):
    with pytest.raises(WireError) as caught:
        parse_timestamp(value)
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize("value", [10**30, 2**70, "1e30", "9" * 4301, 10**4000])
def test_the_count_hook_refuses_counts_beyond_64_bits(value):
    with pytest.raises(WireError) as caught:
        parse_count(value)
    assert len(str(caught.value)) < 200


# --- sync: a bad campaign beside good ones --------------------------------------------


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_sync_keeps_the_good_campaigns_beside_a_bad_link_report(
    provider_sandbox, run_linkreport, db, kind
):
    provider_sandbox("sitecore-send", faults=f"{kind}*all@/campaigns/{ss.SPRING}/stats/links")
    result = run_linkreport("sync", "sitecore-send", *SINCE)
    assert result.code == 1
    assert_one_clear_line(result, ss.SPRING)
    assert rows(db, "SELECT campaign_id FROM campaigns") == [(ss.DIGEST,)]
    assert rows(db, "SELECT COUNT(*) FROM link_snapshots WHERE campaign_id = ?", ss.DIGEST)[0][0]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_sync_keeps_the_good_campaigns_beside_a_bad_listed_one(
    provider_sandbox, run_linkreport, db, kind
):
    provider_sandbox("sitecore-send", faults=f"{kind}*all@SortBy=DeliveredOn")
    result = run_linkreport("sync", "sitecore-send", *SINCE)
    if kind == "hugecount":  # a listing has no count: nothing is left out
        assert result.code == 0, result.err
        assert rows(db, "SELECT COUNT(*) FROM campaigns") == [(2,)]
        return
    assert result.code == 1
    assert_one_clear_line(result, ss.SPRING)
    assert "left out of the campaign list" in result.err
    assert " 1 failure in " in result.err.splitlines()[-1]
    assert rows(db, "SELECT campaign_id FROM campaigns") == [(ss.DIGEST,)]


def cc_page(kind: str) -> str:
    """A Constant Contact listing: a draft, then two sent campaigns (the first one spoilt)."""

    def item(cid: str, name: str, status: str) -> dict[str, str]:
        when = "2026-11-02T09:00:00.000Z"
        return {"campaign_id": cid, "name": name, "current_status": status, "updated_at": when}

    sent = [item(cc.NEWSLETTER, "November newsletter", "Done"), item(cc.SALE, "Sale", "Done")]
    page = {"campaigns": [{"spoilt": True, **sent[0]}, sent[1]]}
    spoilt = json.loads(spoil_body(json.dumps(page).encode(), kind))
    return json.dumps({"campaigns": [item(cc.DRAFT, "Draft\ud800", "Draft"), *spoilt["campaigns"]]})


@pytest.mark.parametrize("kind", ["surrogate", "farfuture", "hugedigits"])
def test_a_constant_contact_listing_skips_only_the_bad_campaign(run_linkreport, kind):
    with fault_server() as server:
        server.plan(("body", (200, cc_page(kind))))
        result = run_linkreport(
            "campaigns",
            "constant-contact",
            "--since",
            "2000-01-01",
            "--format",
            "ndjson",
            extra_env={
                "LINKREPORT_CONSTANT_CONTACT_BASE_URL": server.url,
                "LINKREPORT_CONSTANT_CONTACT_ACCESS_TOKEN": "SENTINEL-token-" + "t" * 20,
            },
        )
    assert result.code == 1
    assert_one_clear_line(result, cc.NEWSLETTER)  # the draft is not listed, whatever it holds
    assert [json.loads(line)["campaign_id"] for line in result.out.splitlines()] == [cc.SALE]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_sync_of_a_constant_contact_links_report_fails_that_campaign(
    provider_sandbox, run_linkreport, db, kind
):
    provider_sandbox("constant-contact", faults=f"{kind}*all@/{cc.A_NEWS}/links")
    result = run_linkreport("sync", "constant-contact", *SINCE)
    if kind == "farfuture":  # a links report has no time: nothing is bad
        assert result.code == 0, result.err
        return
    assert result.code == 1
    assert_one_clear_line(result, cc.NEWSLETTER)
    assert rows(db, "SELECT campaign_id FROM campaigns") == [(cc.SALE,)]


@pytest.mark.parametrize("kind", ["surrogate", "farfuture", "hugedigits"])
def test_a_bad_click_row_is_skipped_and_counted(provider_sandbox, run_linkreport, db, kind):
    provider_sandbox("sitecore-send", faults=f"{kind}*all@LinkClicked")
    provider_sandbox("constant-contact", faults=f"{kind}*all@tracking/clicks")
    result = run_linkreport("sync", *SINCE)
    assert result.code == 0, result.err
    assert not BUG.search(result.err), result.err
    warnings = [line for line in result.err.splitlines() if "click row(s)" in line]
    assert warnings, result.err
    assert rows(db, "SELECT COUNT(*) FROM campaigns") == [(4,)]
    assert rows(db, "SELECT COUNT(*) FROM click_events")[0][0] > 400


# --- campaigns: every format lists the others ------------------------------------------


def parse(fmt: str, out: str) -> list[str]:
    if fmt == "ndjson":
        return [json.loads(line)["campaign_id"] for line in out.splitlines()]
    if fmt == "json":
        return [c["campaign_id"] for c in json.loads(out)]
    if fmt == "csv":
        return [r["campaign_id"] for r in csv.DictReader(io.StringIO(out))]
    return [line.split()[0] for line in out.splitlines()[1:]]


@pytest.mark.parametrize("fmt", ["ndjson", "json", "csv", "table"])
@pytest.mark.parametrize("kind", ["surrogate", "farfuture", "hugedigits"])
def test_campaigns_lists_the_others_in_every_format(provider_sandbox, run_linkreport, fmt, kind):
    provider_sandbox("sitecore-send", faults=f"{kind}*all@SortBy=DeliveredOn")
    result = run_linkreport("campaigns", "sitecore-send", "--since", "2000-01-01", "--format", fmt)
    assert result.code == 1
    assert_one_clear_line(result, ss.SPRING)
    assert parse(fmt, result.out) == [ss.DIGEST]


def test_links_since_leaves_out_a_bad_listed_campaign_and_fetches_the_others(
    provider_sandbox, run_linkreport
):
    provider_sandbox("sitecore-send", faults="surrogate*all@SortBy=DeliveredOn")
    result = run_linkreport("links", "sitecore-send", "--since", "2000-01-01", "--format", "ndjson")
    assert result.code == 1
    assert_one_clear_line(result, ss.SPRING)
    assert {json.loads(line)["campaign_id"] for line in result.out.splitlines()} == {ss.DIGEST}


# --- item 2: control characters and line separators keep every format valid -----------

CONTROLS = ("\x00", "\x1b", "\x85", "\x9b", "\u2028", "\u2029", "\x7f")


@pytest.mark.parametrize("fmt", ["ndjson", "json", "csv", "table"])
def test_control_characters_in_a_url_keep_the_output_valid(provider_sandbox, run_linkreport, fmt):
    provider_sandbox("sitecore-send", faults=f"controlchars*all@/campaigns/{ss.SPRING}/stats")
    result = run_linkreport("links", "sitecore-send", ss.SPRING, ss.DIGEST, "--format", fmt)
    assert result.code == 0, result.err
    out = result.out
    if fmt == "table":
        assert not any(c in out for c in CONTROLS)
        assert "\\x1b" in out
        assert "\\u2028" in out
        assert ss.DIGEST[:8] in out
        return
    if fmt == "ndjson":
        records = [json.loads(line) for line in out.splitlines()]  # splits on U+2028 too
        assert not any(c in out for c in CONTROLS)  # escaped, so any reader splits alike
    elif fmt == "json":
        records = json.loads(out)
        assert not any(c in out for c in CONTROLS)
    else:
        records = list(csv.DictReader(io.StringIO(out, newline="")))
        quoted = [r["url"] for r in records if "\x1b" in r["url"] and f'"{r["url"]}"' in out]
        assert quoted
    assert {r["campaign_id"] for r in records} == {ss.SPRING, ss.DIGEST}
    spoilt = [r["url"] for r in records if "\x1b" in r["url"]]
    assert len(spoilt) == 1
    assert all(c in spoilt[0] for c in CONTROLS)  # kept exactly, only escaped or quoted
