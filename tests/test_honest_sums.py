"""Honest sums: ``top`` and the report never add unlike measures, over real HTTP.

Three providers synced from their sandboxes: Sitecore Send (unique and total clicks),
Constant Contact (unique clicks only) and FakeMail serving only totals (``measures=total``,
an ESP that reports totals alone), one URL shared by the last two.
"""

from __future__ import annotations

import json
import re

import pytest

from linkreport_constant_contact import sandbox as cc

SINCE = ("--since", "2026-01-01")
SHARED = "https://www.example.com/"  # Constant Contact's newsletter links here too


@pytest.fixture
def synced(provider_sandbox, env, tmp_path, monkeypatch, cli):
    import linkreport_fakemail as fm

    newsletter = ("Newsletter", "2026-04-01T10:00:00+00:00", [(f"{SHARED}?utm_source=fm", 7, 19)])
    monkeypatch.setitem(fm.CAMPAIGNS, "c2", newsletter)  # (the sandbox runs in this process)
    env["LINKREPORT_DB"] = str(tmp_path / "store.db")
    provider_sandbox("sitecore-send")
    provider_sandbox("constant-contact")
    provider_sandbox("fakemail", measures="total")
    result = cli("sync", *SINCE)
    assert result.code == 0, result.err
    return cli


def ndjson(result):
    assert result.code == 0, result.err
    return [json.loads(line) for line in result.out.splitlines()]


def test_top_sums_each_measure_only_over_links_that_report_it(synced):
    cli = synced
    rows = ndjson(cli("top", *SINCE, "--limit", "0", "--format", "ndjson"))
    for row in rows:  # a sum is null exactly when no link of the row reports its count
        assert (row["unique_clicks"] is None) == (row["unique_links"] == 0), row
        assert (row["total_clicks"] is None) == (row["total_links"] == 0), row
        assert max(row["unique_links"], row["total_links"]) <= row["summed_links"], row
    shared = next(r for r in rows if r["url"] == SHARED)
    alone = ndjson(cli("top", *SINCE, "--account", "constant-contact", "--format", "ndjson"))
    contact = next(r for r in alone if r["url"] == SHARED)
    # Constant Contact's unique clicks and FakeMail's total clicks, each left as it is
    assert contact["total_clicks"] is None
    assert shared["unique_clicks"] == contact["unique_clicks"]
    assert shared["total_clicks"] == 19
    assert (shared["summed_links"], shared["unique_links"], shared["total_links"]) == (3, 2, 1)
    totals_only = [r for r in rows if r["url"].startswith("https://shop.example/")]
    assert [(r["unique_clicks"], r["total_clicks"]) for r in totals_only] == [(None, 30), (None, 3)]
    # ranked by unique clicks; rows with none come last, by their totals (never 0 for "none")
    ranked = [r["unique_clicks"] is None for r in rows]
    assert ranked == sorted(ranked)
    with_unique = [r["unique_clicks"] for r in rows if r["unique_clicks"] is not None]
    assert with_unique == sorted(with_unique, reverse=True)
    by_total = ndjson(cli("top", *SINCE, "--limit", "0", "--sort", "total", "--format", "ndjson"))
    totals = [r["total_clicks"] for r in by_total if r["total_clicks"] is not None]
    assert [r["total_clicks"] for r in by_total[: len(totals)]] == sorted(totals, reverse=True)
    assert {r["url"] for r in by_total} == {r["url"] for r in rows}
    campaigns = ndjson(cli("top", *SINCE, "--by", "campaign", "--format", "ndjson"))
    fake = {r["campaign_id"]: r for r in campaigns if r["campaign_id"] in ("c1", "c2")}
    assert [(fake[c]["unique_clicks"], fake[c]["total_clicks"]) for c in ("c1", "c2")] == [
        (None, 33),
        (None, 19),
    ]
    news = next(r for r in campaigns if r["campaign_id"] == cc.NEWSLETTER)
    assert news["total_clicks"] is None
    assert news["summed_links"] == news["unique_links"]  # its primary email and resend


def _kpis(html: str) -> dict[str, str]:
    found = re.findall(r'<div class="kpi"><dt>(.*?)</dt><dd>(.*?)</dd></div>', html, re.S)
    return {name: re.sub(r"<[^>]+>", " ", value).split(" ")[0] for name, value in found}


def test_the_report_headline_never_sets_unlike_sums_side_by_side(synced):
    cli = synced
    result = cli("report", *SINCE, "--output", "-")
    assert result.code == 0, result.err
    html = result.out
    kpis = _kpis(html)
    send = ndjson(
        cli("top", *SINCE, "--account", "sitecore-send", "--by", "campaign", "--format", "ndjson")
    )
    send_both = ndjson(
        cli("top", *SINCE, "--account", "sitecore-send", "--limit", "0", "--format", "ndjson")
    )
    assert send
    assert all(r["total_clicks"] is not None for r in send)
    # side by side: the sums over the same links (those reporting both: Sitecore Send's)
    paired = [r for r in send_both if r["unique_links"] and r["total_links"]]
    assert kpis["Unique clicks"] == f"{sum(r['unique_clicks'] for r in paired):,}"
    assert kpis["Total clicks"] == f"{sum(r['total_clicks'] for r in paired):,}"
    assert int(kpis["Unique clicks"].replace(",", "")) <= int(kpis["Total clicks"].replace(",", ""))
    contact = ndjson(
        cli(
            "top", *SINCE, "--account", "constant-contact", "--by", "campaign", "--format", "ndjson"
        )
    )
    assert kpis["Unique clicks only"] == f"{sum(r['unique_clicks'] for r in contact):,}"
    assert kpis["Total clicks only"] == "52"  # FakeMail's 30 + 3 + 19
    assert "with no total reported (constant-contact)" in html
    assert "with no unique count reported (fakemail)" in html
    top = re.search(r'<table class="toplinks">(.*?)</table>', html, re.S)
    assert top
    shared = next(
        row for row in top.group(1).split("<tr>") if f">{SHARED}<" in row or SHARED in row
    )
    numbers = re.findall(r'<td class="n">(.*?)</td>', shared)
    assert numbers[0].endswith("*")
    assert numbers[1] == "19*"  # FakeMail's total alone, marked as covering part of the links


def test_the_links_table_marks_a_sum_that_leaves_links_out(cli, fakemail):
    # FakeMail's c1 reports no total clicks for one of its two links
    result = cli("links", "fakemail", "c1", "c2", "--format", "table")
    assert result.code == 0, result.err
    total = result.out.splitlines()[-1]
    assert "3 links in 2 campaigns; * partial sum" in total
    assert total.split()[-2:] == ["22", "39*"]  # unique over all three; total over two
    whole = cli("links", "fakemail", "c2", "--format", "table").out.splitlines()[-1]
    assert "*" not in whole
