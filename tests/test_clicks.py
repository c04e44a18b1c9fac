"""Click timelines: counting events per period, and `linkreport clicks` over real HTTP."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from linkreport import ClickEvent
from linkreport.click_events import fetch_clicks, period_start, timeline
from linkreport_sitecore_send import sandbox as ss

T = datetime(2026, 11, 5, 14, 37, 12, tzinfo=UTC)  # a Thursday


def click(url: str, when: datetime, who: str, campaign: str = "c1") -> ClickEvent:
    return ClickEvent(provider="p", campaign_id=campaign, url=url, clicked_at=when, contact=who)


def test_period_starts_in_utc():
    assert period_start(T, "hour") == datetime(2026, 11, 5, 14, tzinfo=UTC)
    assert period_start(T, "day") == datetime(2026, 11, 5, tzinfo=UTC)
    assert period_start(T, "week") == datetime(2026, 11, 2, tzinfo=UTC)  # Monday
    with pytest.raises(ValueError, match="unknown period"):
        period_start(T, "month")  # type: ignore[arg-type]


def test_timeline_counts_clicks_and_distinct_contacts_per_link_per_period():
    events = [
        click("https://b/", T.replace(day=7), "x"),
        click("https://a/", T, "x"),
        click("https://a/", T.replace(hour=20), "x"),
        click("https://a/", T.replace(hour=21), "y"),
        click("https://a/", T.replace(day=3), "z"),
        click("https://a/", T, "x", campaign="c2"),
    ]
    rows = [
        (r.campaign_id, r.url, r.period.day, r.clicks, r.unique_contacts) for r in timeline(events)
    ]
    assert rows == [
        ("c1", "https://b/", 7, 1, 1),
        ("c1", "https://a/", 3, 1, 1),  # periods oldest first; empty days left out
        ("c1", "https://a/", 5, 3, 2),
        ("c2", "https://a/", 5, 1, 1),
    ]
    weekly = timeline(events, "week")
    assert [(r.url, r.period.day, r.clicks, r.unique_contacts) for r in weekly] == [
        ("https://b/", 2, 1, 1),
        ("https://a/", 2, 4, 3),
        ("https://a/", 2, 1, 1),
    ]


@pytest.fixture
def send(provider_sandbox):
    return provider_sandbox("sitecore-send")


def test_every_format_has_the_same_rows(send, run_linkreport):
    def run(fmt: str) -> str:
        result = run_linkreport("clicks", "sitecore-send", ss.SPRING, ss.DIGEST, "--format", fmt)
        assert result.code == 0, result.err
        return result.out

    as_json = json.loads(run("json"))
    as_ndjson = [json.loads(line) for line in run("ndjson").splitlines()]
    as_csv = list(csv.DictReader(io.StringIO(run("csv"))))
    assert as_json == as_ndjson
    assert list(as_json[0]) == [
        "provider",
        "campaign_id",
        "activity_id",
        "url",
        "period",
        "clicks",
        "unique_contacts",
    ]
    assert [(r["url"], r["period"], str(r["clicks"])) for r in as_json] == [
        (r["url"], r["period"], r["clicks"]) for r in as_csv
    ]
    assert sum(r["clicks"] for r in as_json) == 130 + 129
    assert as_json[0]["period"] == "2026-03-02T00:00:00Z"
    table = run("table")
    assert table.splitlines()[0].split() == [
        "CAMPAIGN",
        "URL",
        "PERIOD",
        "(UTC)",
        "CLICKS",
        "UNIQUE",
    ]
    assert "TOTAL" in table
    assert "259" in table.splitlines()[-1]


def test_by_hour_since_and_ids_from_stdin(send, run_linkreport, tmp_path):
    out = tmp_path / "t.csv"
    result = run_linkreport(
        "clicks",
        "sitecore-send",
        "-",
        "--by",
        "hour",
        "--since",
        "2026-03-04T00:00:00Z",
        "-o",
        str(out),
        stdin=f"{ss.SPRING}\n",
    )
    assert result.code == 0, result.err
    rows = list(csv.DictReader(out.open()))
    assert rows
    assert all(r["period"] >= "2026-03-04T00:00:00Z" for r in rows)
    assert all(r["period"].endswith(":00:00Z") for r in rows)
    assert len({r["period"][:13] for r in rows}) > 10


def test_usage_errors(send, run_linkreport, fakemail):
    none = run_linkreport("clicks", "sitecore-send")
    assert none.code == 2
    assert "give at least one campaign ID" in none.err
    unsupported = run_linkreport("clicks", "fakemail", "c1")
    assert unsupported.code == 2
    assert "fakemail (fakemail) does not provide click events" in unsupported.err
    bad_by = run_linkreport("clicks", "sitecore-send", ss.SPRING, "--by", "month")
    assert bad_by.code == 2
    # --since only filters clicks here (unlike links, where it also picks campaigns)
    no_ids = run_linkreport("clicks", "sitecore-send", "-", "--since", "7d", stdin="\n \n")
    assert no_ids.code == 2
    assert "no campaign IDs on standard input" in no_ids.err


def test_pseudonyms_stable_per_home_and_different_across_homes(send, linkreport_env, tmp_path):
    def contacts(home: str) -> list[str]:
        env = {**linkreport_env, "LINKREPORT_HOME": home}
        return [e.contact for e in fetch_clicks("sitecore-send", [ss.SPRING], env=env)]

    first = contacts(str(tmp_path / "one"))
    assert contacts(str(tmp_path / "one")) == first
    other = contacts(str(tmp_path / "two"))
    assert len(set(first)) == len(set(other)) == 67  # the most unique clickers of one link
    assert not set(first) & set(other)
    assert all(len(c) == 32 and int(c, 16) >= 0 for c in first)


def test_demo_shows_a_click_timeline_of_each_provider_with_clicks(run_linkreport):
    result = run_linkreport("demo", "--format", "csv")
    assert result.code == 0, result.err
    assert (
        result.err.count("by week (linkreport clicks --by week --humans)") == 3
    )  # not fakemail; headings on stderr
    header = "provider,campaign_id,activity_id,url,period,clicks,unique_contacts"
    assert f"{header},human_clicks,human_contacts" in result.out
    # one line each: how much the human-clicks rules removed from the sandboxes' scanner traffic
    removed = [line for line in result.err.splitlines() if line.startswith("human clicks: ")]
    assert len(removed) == 3
    assert all("were link scanners'" in line for line in removed)


def test_a_named_account_gives_the_clicks_of_its_provider(send, linkreport_env, run_linkreport):
    from pathlib import Path

    home = Path(linkreport_env["LINKREPORT_HOME"])
    (home / "config.toml").write_text('[accounts.acme]\nprovider = "sitecore-send"\n')
    settings = {
        "LINKREPORT_ACME_API_KEY": send.settings["api_key"],
        "LINKREPORT_ACME_BASE_URL": send.settings["base_url"],
        "LINKREPORT_ACME_RATE_LIMIT": send.settings["rate_limit"],
    }
    named = run_linkreport("clicks", "acme", ss.SPRING, "--format", "json", extra_env=settings)
    default = run_linkreport("clicks", "sitecore-send", ss.SPRING, "--format", "json")
    assert named.code == 0, named.err
    assert json.loads(named.out) == json.loads(default.out)
    assert sum(r["clicks"] for r in json.loads(named.out)) == 130


def test_a_run_that_fetched_nothing_leaves_the_output_file_alone(send, run_linkreport, tmp_path):
    out = tmp_path / "timeline.csv"
    out.write_text("kept\n")
    missing = "a1b2c3d4-0000-4000-8000-999999999999"
    failed = run_linkreport("clicks", "sitecore-send", missing, "-o", str(out))
    assert failed.code == 1
    assert f"nothing was fetched: {out} was left as it was" in failed.err
    assert out.read_text() == "kept\n"
    partly = run_linkreport("clicks", "sitecore-send", missing, ss.DIGEST, "-o", str(out))
    assert partly.code == 1
    assert out.read_text().startswith("provider,campaign_id,")


def test_the_table_cuts_long_ids_before_urls_at_a_fixed_width(provider_sandbox, run_linkreport):
    from linkreport_constant_contact import sandbox as cc

    provider_sandbox("constant-contact")
    args = ("clicks", "constant-contact", cc.NEWSLETTER, "--by", "week")
    table = run_linkreport(*args, "--format", "table", extra_env={"COLUMNS": "100"})
    rows = list(csv.DictReader(io.StringIO(run_linkreport(*args, "--format", "csv").out)))
    assert table.code == 0, table.err
    lines = table.out.splitlines()
    assert max(map(len, lines)) <= 100
    body = lines[1 : 1 + len(rows)]
    assert len({r["activity_id"] for r in rows}) > 1  # several activities: their IDs are kept apart
    for line, row in zip(body, rows, strict=True):
        campaign, activity, url = line.split()[:3]
        assert url == row["url"]  # whole
        for short, full in ((campaign, row["campaign_id"]), (activity, row["activity_id"])):
            assert short.endswith("…")
            assert full.startswith(short[:-1])
    prefixes = {line.split()[1] for line in body}
    assert len(prefixes) == len({r["activity_id"] for r in rows})
    assert all(len(r["activity_id"]) == 36 for r in rows)  # other formats keep whole IDs
    wide = run_linkreport(*args, "--format", "table", extra_env={"COLUMNS": "200"})
    assert cc.NEWSLETTER in wide.out  # room enough: nothing cut
