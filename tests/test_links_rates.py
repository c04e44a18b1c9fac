"""``links --rates`` over real HTTP: delivered and click rates, request counts, every format."""

from __future__ import annotations

import csv
import io
import json

import pytest

from linkreport import fetch_links
from linkreport_constant_contact import sandbox as cc
from linkreport_sitecore_send import sandbox as ss

RATE_KEYS = ("total_clicks", "delivered", "click_rate", "link_id")


def summaries(box) -> list[str]:
    return [r for r in box.requests if "/view_summary." in r]


def cc_stats(box) -> list[str]:
    return [r for r in box.requests if "/reports/stats/" in r]


def test_sitecore_send_rates_in_every_format(provider_sandbox, run_linkreport):
    box = provider_sandbox("sitecore-send")
    out = {}
    for fmt in ("json", "ndjson", "csv", "table"):
        result = run_linkreport(
            "links", "sitecore-send", ss.SPRING, ss.DIGEST, "--rates", "--format", fmt
        )
        assert result.code == 0, result.err
        out[fmt] = result.out
    rows = json.loads(out["json"])
    again = [json.loads(line) for line in out["ndjson"].splitlines()]
    assert [{**r, "fetched_at": 0} for r in rows] == [{**r, "fetched_at": 0} for r in again]
    keys = list(rows[0])
    assert keys[keys.index("total_clicks") : keys.index("total_clicks") + 4] == list(RATE_KEYS)
    spring = [r for r in rows if r["campaign_id"] == ss.SPRING]
    assert {r["delivered"] for r in spring} == {1250 - 37}
    shop = next(r for r in spring if r["url"] == "https://shop.example.com/")
    assert shop["click_rate"] == pytest.approx(67 / 1213)
    unknown = next(r for r in spring if r["unique_clicks"] is None)
    assert unknown["click_rate"] is None  # no unique count: no rate, never 0
    assert {r["delivered"] for r in rows if r["campaign_id"] == ss.DIGEST} == {480 - 12}
    as_csv = list(csv.DictReader(io.StringIO(out["csv"])))
    assert [c["click_rate"] for c in as_csv] == [
        "" if r["click_rate"] is None else str(r["click_rate"]) for r in rows
    ]
    header = out["table"].splitlines()[0].split()
    assert header[-2:] == ["DELIVERED", "RATE"]
    assert "5.52%" in out["table"]  # 67 / 1,213
    assert len(summaries(box)) == 2 * 4  # one per campaign, in each of the four runs


def test_no_extra_request_without_rates(provider_sandbox, run_linkreport):
    box = provider_sandbox("sitecore-send")
    result = run_linkreport("links", "sitecore-send", ss.SPRING, ss.DIGEST, "--format", "json")
    assert result.code == 0, result.err
    assert "delivered" not in json.loads(result.out)[0]
    assert summaries(box) == []
    cc_box = provider_sandbox("constant-contact")
    result = run_linkreport("links", "constant-contact", cc.NEWSLETTER, "--format", "json")
    assert result.code == 0, result.err
    assert cc_stats(cc_box) == []
    assert not [r for r in cc_box.requests if "summar" in r]


def test_constant_contact_rates_per_activity_for_one_request_a_campaign(
    provider_sandbox, run_linkreport
):
    box = provider_sandbox("constant-contact")
    run_linkreport("links", "constant-contact", cc.NEWSLETTER, cc.SALE)  # the IDs' kind learnt
    box.requests.clear()
    without = run_linkreport(
        "links", "constant-contact", cc.NEWSLETTER, cc.SALE, "--format", "json"
    )
    assert without.code == 0, without.err
    plain = len(box.requests)
    box.requests.clear()
    result = run_linkreport(
        "links", "constant-contact", cc.NEWSLETTER, cc.SALE, "--rates", "--format", "json"
    )
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    delivered = {(r["activity_id"], r["delivered"]) for r in rows}
    assert delivered == {(cc.A_NEWS, 2500 - 61), (cc.R_NEWS, 800 - 9), (cc.A_SALE, 1200 - 30)}
    hero = next(r for r in rows if r["activity_id"] == cc.A_NEWS and r["unique_clicks"] == 99)
    assert hero["click_rate"] == pytest.approx(99 / 2439)
    # one stats request per campaign (its activities together), no send times, and no
    # request of another kind than without --rates (lookups and link pages)
    assert len(cc_stats(box)) == 2
    assert not [r for r in box.requests if "summar" in r]
    others = [r for r in box.requests if r not in cc_stats(box)]
    assert all("/emails/" in r or r.endswith("/links") for r in others), others
    assert plain >= 3  # (the run without --rates: lookups and link pages only)


def test_python_api_alike(provider_sandbox, linkreport_env):
    provider_sandbox("sitecore-send")
    records = list(fetch_links("sitecore-send", [ss.DIGEST], env=linkreport_env, rates=True))
    assert {(r.delivered, round(r.click_rate, 4)) for r in records} == {
        (468, round(30 / 468, 4)),
        (468, round(67 / 468, 4)),
    }
    plain = list(fetch_links("sitecore-send", [ss.DIGEST], env=linkreport_env))
    assert not hasattr(plain[0], "delivered")


def test_failed_counts_keep_the_links_and_say_why(provider_sandbox, run_linkreport):
    provider_sandbox("sitecore-send", faults=f"500*all@{ss.SPRING}/view_summary")
    result = run_linkreport(
        "links",
        "sitecore-send",
        ss.SPRING,
        ss.DIGEST,
        "--rates",
        "--format",
        "json",
        extra_env={"LINKREPORT_MAX_RETRIES": "1"},
    )
    assert result.code == 1
    rows = json.loads(result.out)
    spring = [r for r in rows if r["campaign_id"] == ss.SPRING]
    assert len(spring) == 4  # the links are all there
    assert {(r["delivered"], r["click_rate"]) for r in spring} == {(None, None)}
    digest = [r for r in rows if r["campaign_id"] == ss.DIGEST]
    assert {r["delivered"] for r in digest} == {468}  # the other campaign's rates are kept
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert ss.SPRING in errors[0]
    assert "no delivery counts" in errors[0]
    assert "Traceback" not in result.err


def test_a_provider_without_counts_leaves_rates_empty(provider_sandbox, run_linkreport):
    provider_sandbox("kitmail")  # the plugin kit's example: no delivery counts
    listed = run_linkreport("campaigns", "kitmail", "--since", "1970-01-01", "--format", "json")
    ids = [c["campaign_id"] for c in json.loads(listed.out)]
    result = run_linkreport("links", "kitmail", *ids, "--rates", "--format", "json")
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert rows
    assert {(r["delivered"], r["click_rate"]) for r in rows} == {(None, None)}
    assert "reports no delivery counts" in result.err


def test_secrets_never_show(provider_sandbox, run_linkreport):
    box = provider_sandbox("sitecore-send")
    key = box.settings["api_key"]
    result = run_linkreport("--debug", "links", "sitecore-send", ss.SPRING, "x" * 5, "--rates")
    assert key not in result.out + result.err
    bad = "SENTINEL-send-bad-key-0004"
    refused = run_linkreport(
        "links",
        "sitecore-send",
        ss.SPRING,
        "--rates",
        extra_env={"LINKREPORT_SITECORE_SEND_API_KEY": bad},
    )
    assert refused.code == 1
    assert bad not in refused.out + refused.err


def test_humans_and_rates_together_add_human_click_rate_after_click_rate(
    provider_sandbox, run_linkreport
):
    provider_sandbox("sitecore-send")
    result = run_linkreport(
        "links", "sitecore-send", ss.SPRING, "--humans", "--rates", "--format", "json"
    )
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    keys = list(rows[0])
    at = keys.index("total_clicks")
    assert keys[at : at + 6] == [
        "total_clicks",
        "human_unique_clicks",
        "human_total_clicks",
        "delivered",
        "click_rate",
        "human_click_rate",
    ]
    shop = next(r for r in rows if r["url"] == "https://shop.example.com/")
    assert shop["unique_clicks"] == 67  # the provider's own count, as reported
    assert shop["click_rate"] == pytest.approx(67 / 1213)
    assert shop["human_click_rate"] == pytest.approx(shop["human_unique_clicks"] / 1213)
    table = run_linkreport(
        "links", "sitecore-send", ss.SPRING, "--humans", "--rates", "--format", "table"
    )
    assert table.code == 0, table.err
    assert table.out.splitlines()[0].split()[-3:] == ["RATE", "HUMAN", "RATE"]
