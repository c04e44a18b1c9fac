"""Delivery counts through ``sync`` into the store, and rates in ``top`` and the report.

Over real HTTP to the FakeMail sandbox, whose ``/api/stats`` takes up to 4 campaign IDs a
request (a provider that batches): sync asks for all of an account's campaigns and reads the
answers as campaigns need them, so the source batches across campaigns.
"""

from __future__ import annotations

import json
import re
import sqlite3

import linkreport_fakemail as fm
from linkreport_constant_contact import sandbox as cc

SINCE = ("--since", "2025-01-01")


def rows(path, sql, *params):
    with sqlite3.connect(path) as conn:
        return [tuple(r) for r in conn.execute(sql, params)]


def stats_requests(box):
    return [r for r in box.requests if r.startswith("GET /api/stats")]


def test_sync_stores_delivery_counts_in_batches_and_only_on_change(provider_sandbox, db, cli):
    box = provider_sandbox("fakemail", campaigns=12)  # 15 campaigns
    first = cli("sync", *SINCE)
    assert first.code == 0, first.err
    assert "15 campaigns, 15 links changed" in first.err.splitlines()[-1]
    # 4 IDs a request: ceil(15 / 4) requests, not one per campaign
    asked = stats_requests(box)
    assert len(asked) == 4
    ids = [re.search(r"ids=([^&]*)", r).group(1).split("%2C") for r in asked]
    assert sorted(i for part in ids for i in part) == sorted(
        ["c1", "c2", "c3"] + [f"x{n}" for n in range(1, 13)]
    )
    assert all(len(part) <= fm.STATS_BATCH for part in ids)
    assert rows(
        db,
        "SELECT campaign_id, activity_id, sent, bounces, delivered, sent_at FROM campaign_stats"
        " WHERE campaign_id IN ('c1', 'c2') ORDER BY campaign_id",
    ) == [
        ("c1", None, 500, 20, 480, "2026-03-01T10:00:00.000000Z"),
        ("c2", None, 2000, 100, 1900, "2026-04-01T10:00:00.000000Z"),
    ]
    # each campaign's counts were written with its links, by the same run
    assert rows(db, "SELECT DISTINCT run_id FROM campaign_stats") == [(1,)]
    again = cli("sync", *SINCE)
    assert again.code == 0, again.err
    assert len(stats_requests(box)) == 8
    assert rows(db, "SELECT COUNT(*) FROM stats") == [(15,)]  # unchanged: no new row
    fm.STATS["c1"] = (500, 30)
    try:
        assert cli("sync", *SINCE).code == 0
    finally:
        fm.STATS["c1"] = (500, 20)
    assert rows(db, "SELECT delivered FROM latest_stats WHERE campaign_id = 'c1'") == [(470,)]
    assert rows(db, "SELECT COUNT(*) FROM stats") == [(16,)]


def test_failing_delivery_counts_keep_the_links_and_say_so(provider_sandbox, db, cli):
    provider_sandbox("fakemail", faults="400*all@/api/stats")
    result = cli("sync", *SINCE)
    assert result.code == 1
    failures = [line for line in result.err.splitlines() if "delivery counts" in line]
    assert len(failures) == 3
    assert all(re.match(r"error: fakemail c\d: delivery counts: ", line) for line in failures)
    assert "3 campaigns, 3 links changed" in result.err.splitlines()[-1]
    assert rows(db, "SELECT COUNT(*) FROM stats") == [(0,)]


def test_top_and_the_report_give_click_rates(provider_sandbox, db, cli, tmp_path):
    provider_sandbox("fakemail")
    assert cli("sync", *SINCE).code == 0
    top = cli("top", *SINCE, "--by", "campaign", "--format", "ndjson")
    assert top.code == 0, top.err
    by_campaign = {r["campaign_id"]: r for r in map(json.loads, top.out.splitlines())}
    assert (by_campaign["c1"]["delivered"], by_campaign["c1"]["click_rate"]) == (480, 15 / 480)
    assert (by_campaign["c2"]["delivered"], by_campaign["c2"]["click_rate"]) == (
        1900,
        round(7 / 1900, 6),
    )
    rate = cli("top", *SINCE, "--sort", "rate", "--format", "ndjson")
    ranked = [json.loads(line) for line in rate.out.splitlines()]
    assert [r["url"] for r in ranked] == [
        "https://shop.example/spring",  # 12 of 480
        "https://shop.example/",  # 3 of 480
        "https://news.example/a?x=1&y=2",  # 7 of 1,900
    ]
    page = cli("report", *SINCE, "--output", "-")
    assert page.code == 0, page.err
    html = page.out
    assert "<strong>480</strong> delivered · <strong>3.1%</strong> click rate" in html
    assert "<strong>1,900</strong> delivered · <strong>0.37%</strong> click rate" in html
    top_links = re.search(r'<table class="toplinks">(.*?)</table>', html, re.S).group(1)
    spring = next(row for row in top_links.split("<tr>") if "https://shop.example/spring" in row)
    assert re.findall(r'<td class="n[^"]*">(.*?)</td>', spring)[-2:] == ["480", "2.5%"]


def test_sitecore_send_delivery_counts_give_rates_in_top_and_the_report(provider_sandbox, db, cli):
    box = provider_sandbox("sitecore-send", calls="20")
    result = cli("sync", "--since", "2026-01-01", "--no-clicks")
    assert result.code == 0, result.err
    summaries = [r for r in box.requests if "/view_summary" in r]
    stored = dict(rows(db, "SELECT campaign_id, delivered FROM latest_stats"))
    assert len(summaries) == len(stored) == 2  # one summary per campaign
    assert all(stored.values())
    top = cli("top", "--since", "2026-01-01", "--by", "campaign", "--format", "ndjson")
    ranked = [json.loads(line) for line in top.out.splitlines()]
    assert {r["campaign_id"]: r["delivered"] for r in ranked} == stored
    for row in ranked:
        assert row["click_rate"] == round(row["unique_clicks"] / row["delivered"], 6)
    page = cli("report", "--since", "2026-01-01", "--output", "-")
    assert page.code == 0, page.err
    for row in ranked:
        assert f"<strong>{row['delivered']:,}</strong> delivered · <strong>" in page.out


def test_constant_contact_delivery_counts_cost_one_request_per_ten_activities(
    provider_sandbox, db, cli
):
    box = provider_sandbox("constant-contact", campaigns=12)
    result = cli("sync", "--since", "2020-01-01", "--no-clicks")
    assert result.code == 0, result.err
    stored = rows(db, "SELECT campaign_id, activity_id, delivered FROM latest_stats")
    activities = {(c, a) for c, a, _ in stored}
    assert len(activities) == len(stored) > 10  # one row per activity, each once
    asked = [r for r in box.requests if "/reports/stats/email_campaign_activities/" in r]
    assert len(asked) == -(-len(activities) // 10)  # batched across campaigns, ten a request
    top = cli("top", "--since", "2020-01-01", "--by", "campaign", "--limit", "0")
    ranked = {r["campaign_id"]: r for r in map(json.loads, top.out.splitlines())}
    news = ranked[cc.NEWSLETTER]
    per_activity = {a: d for c, a, d in stored if c == cc.NEWSLETTER}
    assert len(per_activity) == 2  # its primary email and its resend, each counted once
    assert news["delivered"] == sum(per_activity.values())
    assert news["click_rate"] == round(news["unique_clicks"] / news["delivered"], 6)
    page = cli("report", "--since", "2020-01-01", "--output", "-")
    assert f"<strong>{news['delivered']:,}</strong> delivered" in page.out
