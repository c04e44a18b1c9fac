"""``linkreport report`` from a store filled by real syncs against both providers' sandboxes."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from test_report_render import Page, cells

from linkreport import db as store_db
from linkreport.db import Store, UnknownAccountError
from linkreport.db.report import report_data
from linkreport.kit.testing import run_cli
from linkreport.records import Campaign, ClickEvent, LinkClicks
from linkreport.report.text import number

SINCE = ("--since", "2026-01-01")


@pytest.fixture(scope="module")
def module_env(tmp_path_factory):
    """One clean environment for the module: its own home and store, both sandboxes running."""
    from linkreport.kit.sandbox.server import serve
    from linkreport.runner import get_source, load_sources
    from linkreport.settings import env_var

    root = tmp_path_factory.mktemp("report-e2e")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINKREPORT_")}
    env.update(
        LINKREPORT_HOME=str(root / "home"), LINKREPORT_DB=str(root / "store.db"), COLUMNS="200"
    )
    env["LINKREPORT_LOG_TIMES"] = "0"  # as linkreport_env: lines compared without times
    (root / "home").mkdir()
    with contextlib.ExitStack() as stack:
        urls = []
        for provider in ("sitecore-send", "constant-contact"):
            box = get_source(provider, load_sources(env)).sandbox()
            server = stack.enter_context(serve(box.app))
            env.update({env_var(provider, k): v for k, v in box.settings_for(server.url).items()})
            urls.append(server.url)
        env["_SANDBOX_URLS"] = " ".join(urls)
        yield env


@pytest.fixture(scope="module")
def synced_twice(module_env):
    """Both sandboxes synced, their counts grown, synced again (once for the module)."""
    assert run_cli(["sync", *SINCE], module_env).code == 0
    for url in module_env["_SANDBOX_URLS"].split():
        requests.post(f"{url}/_sandbox/advance?steps=1", timeout=5).raise_for_status()
    result = run_cli(["sync", *SINCE], module_env)
    assert result.code == 0, result.err
    return Path(module_env["LINKREPORT_DB"])


@pytest.fixture
def cli(module_env, synced_twice):
    return lambda *args: run_cli(list(args), module_env)


def test_report_of_two_syncs(synced_twice, cli, tmp_path):
    out = tmp_path / "report.html"
    result = cli("report", *SINCE, "--output", str(out))
    assert result.code == 0, result.err
    assert re.fullmatch(
        rf"wrote {re.escape(str(out))}: 4 campaigns, \d+ links, 2 accounts \(\d+ KB\)\n", result.err
    )
    html = out.read_text(encoding="utf-8")
    text = Page(html).text
    with Store(synced_twice) as store:
        top = store_db.top(store, since=datetime(2026, 1, 1, tzinfo=UTC))
        campaigns = store.query("SELECT name, last_fetched_at FROM campaigns")
    # the top links are exactly `linkreport top`'s, in its order, with its numbers
    rows = cells(html, "toplinks")
    assert [r[1].split(" ")[0] for r in rows] == [t.url for t in top][:25]
    assert [r[2] for r in rows] == [number(t.unique_clicks) for t in top][:25]
    assert [r[3].rstrip("*") for r in rows] == [number(t.total_clicks) for t in top][:25]
    for campaign in campaigns:
        assert campaign["name"] in text
    for name in ("Weekly digest #12", "Spring launch", "Flash sale", "November newsletter"):
        assert f">{name}</h3>" in html
    assert "Campaigns sent 1 Jan 2026" in text
    assert "sitecore-send" in text
    assert "constant-contact" in text
    # Constant Contact reports no total clicks: a dash, never 0, in its campaigns' rows
    index = {row[0]: row for row in cells(html, "index")}
    total = 6  # campaign, account, sent, last synced, links, unique, total (people, machines)
    assert index["Flash sale"][total] == "—"
    assert index["November newsletter"][total] == "—"
    assert index["Spring launch"][total] not in ("—", "0")
    # two syncs with growing counts: each campaign's line has a point per sync
    # clicks over time: from click events where the store has them, else a point per sync
    with Store(synced_twice) as store:
        names = dict(store.query("SELECT campaign_id, name FROM campaigns"))
        with_events = {r[0] for r in store.query("SELECT DISTINCT campaign_id FROM click_events")}
    headings = dict(
        re.findall(r'<h3 id="c\d+h">([^<]*)</h3>.*?<h4 id="t\d+">([^<]*)</h4>', html, re.S)
    )
    assert len(headings) == 4
    for campaign_id, name in names.items():
        if campaign_id in with_events:
            assert re.fullmatch(r"Clicks per (hour|day|week), from click events", headings[name])
        else:
            assert re.fullmatch(
                r"(Unique|Total) clicks at each sync, from stored snapshots", headings[name]
            )
            assert f"{name}</h3>" in html
    if len(with_events) < 4:
        assert "as seen at 2 syncs" in text
    # Constant Contact's campaigns carry their send time (its campaign summaries), not their update time
    assert "Updated" not in text


def test_report_without_click_events_draws_each_sync(module_env, synced_twice, tmp_path):
    db = str(tmp_path / "no-clicks.db")
    urls = module_env["_SANDBOX_URLS"].split()
    for _ in range(2):
        result = run_cli(["sync", *SINCE, "--no-clicks", "--db", db], module_env)
        assert result.code == 0, result.err
        for url in urls:
            requests.post(f"{url}/_sandbox/advance?steps=1", timeout=5).raise_for_status()
    result = run_cli(["report", *SINCE, "--db", db, "--output", "-"], module_env)
    assert result.code == 0, result.err
    assert "from click events" not in result.out
    assert result.out.count("clicks at each sync, from stored snapshots</h4>") == 4
    assert "as seen at 2 syncs" in Page(result.out).text


def test_report_to_standard_output_by_account(synced_twice, cli):
    result = cli("report", *SINCE, "--account", "constant-contact", "--output", "-")
    assert result.code == 0, result.err
    assert result.out.startswith("<!DOCTYPE html>")
    assert result.err == ""
    assert ">Flash sale</h3>" in result.out
    assert "Spring launch" not in result.out
    assert "1 account " in Page(result.out).text


def test_default_output_file_and_period(synced_twice, module_env, tmp_path):
    env = module_env
    proc = subprocess.run(
        [sys.executable, "-m", "linkreport", "report"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    html = (tmp_path / "linkreport-report.html").read_text(encoding="utf-8")
    since = (datetime.now(UTC) - timedelta(days=30)).strftime("%-d %b %Y")
    assert f"Campaigns sent <strong>{since} \N{EN DASH} " in html


def test_errors_are_one_line(synced_twice, cli, tmp_path):
    result = cli("report", "--account", "nobody", "--output", "-")
    assert result.code == 2
    assert (
        "no account 'nobody' in the store (stored: constant-contact, sitecore-send)" in result.err
    )
    assert "Traceback" not in result.err
    result = cli("report", "--db", str(tmp_path / "missing.db"))
    assert result.code == 1
    assert (
        result.err.strip()
        == f"Error: no store at {tmp_path / 'missing.db'}: run `linkreport sync` first (or give --db)"
    )
    assert not (tmp_path / "missing.db").exists()
    result = cli("report", *SINCE, "--output", str(tmp_path / "no-such-dir" / "r.html"))
    assert result.code == 1
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_an_existing_report_survives_a_failed_write(synced_twice, cli, tmp_path):
    out = tmp_path / "report.html"
    out.write_text("previous", encoding="utf-8")
    result = cli("report", "--account", "nobody", "--output", str(out))
    assert result.code == 2
    assert out.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []


# --- the queries, on a store written through its own API ----------------------------------

T0 = datetime(2026, 11, 1, 9, tzinfo=UTC)


def _store(tmp_path):
    store = Store(tmp_path / "q.db")
    campaign = Campaign(provider="sitecore-send", campaign_id="c1", name="One", sent_at=T0)
    links = [
        LinkClicks(
            provider="sitecore-send",
            campaign_id="c1",
            url="https://a.example/x?utm_source=n",
            unique_clicks=5,
            total_clicks=8,
            fetched_at=T0 + timedelta(hours=1),
        ),
        LinkClicks(
            provider="sitecore-send",
            campaign_id="c1",
            url="https://b.example/",
            unique_clicks=1,
            total_clicks=1,
            fetched_at=T0 + timedelta(hours=1),
        ),
    ]
    canonical = lambda url: url.split("?")[0]  # noqa: E731
    runs = [store.start_run(["acme", "cc"], None) for _ in range(3)]
    store.write_campaign(runs[0], "acme", campaign, links, canonical=canonical)
    grown = [
        LinkClicks(
            provider="sitecore-send",
            campaign_id="c1",
            url="https://a.example/x?utm_source=n",
            unique_clicks=7,
            total_clicks=12,
            fetched_at=T0 + timedelta(days=1),
        ),
        links[1],
    ]
    store.write_campaign(
        runs[1], "acme", campaign, grown, canonical=canonical, fetched_at=T0 + timedelta(days=1)
    )
    other = Campaign(
        provider="constant-contact",
        campaign_id="c2",
        name="Two",
        updated_at=T0 - timedelta(days=40),
    )
    store.write_campaign(
        runs[2],
        "cc",
        other,
        [
            LinkClicks(
                provider="constant-contact",
                campaign_id="c2",
                url="https://a.example/x?utm_medium=e",
                unique_clicks=3,
                total_clicks=None,
                activity_id="a1",
                activity_role="primary_email",
                fetched_at=T0,
            ),
        ],
        canonical=canonical,
    )
    return store


def test_latest_counts_top_links_and_snapshot_series(tmp_path):
    with _store(tmp_path) as store:
        data = report_data(store, now=T0 + timedelta(days=2))
    assert [a.name for a in data.accounts] == ["acme", "cc"]
    one = next(c for c in data.campaigns if c.campaign_id == "c1")
    two = next(c for c in data.campaigns if c.campaign_id == "c2")
    assert [(link.url, link.unique_clicks, link.total_clicks) for link in one.links] == [
        ("https://b.example/", 1, 1),
        ("https://a.example/x?utm_source=n", 7, 12),
    ] or sorted((link.url, link.unique_clicks, link.total_clicks) for link in one.links) == [
        ("https://a.example/x?utm_source=n", 7, 12),
        ("https://b.example/", 1, 1),
    ]
    assert one.series is not None
    assert one.series.source == "snapshots"
    assert one.series.metric == "total_clicks"
    assert [(p.at, p.value) for p in one.series.points] == [
        (T0 + timedelta(hours=1), 9),
        (T0 + timedelta(days=1), 13),
    ]
    assert two.sent_at_source == "updated_at"
    assert two.series is not None
    assert two.series.metric == "unique_clicks"
    first = data.top_links[0]
    assert (
        first.url,
        first.unique_clicks,
        first.total_clicks,
        first.campaigns,
        first.accounts,
        first.links,
    ) == ("https://a.example/x", 10, 12, 2, 2, 2)
    assert first.total_partial  # Constant Contact's link reports no total
    assert (
        data.totals.unique_clicks,
        data.totals.total_clicks,
        data.totals.campaigns_without_total,
    ) == (11, 13, 1)
    assert data.totals.click_events is None


def test_since_and_accounts_choose_campaigns(tmp_path):
    with _store(tmp_path) as store:
        assert [
            c.campaign_id for c in report_data(store, since=T0 - timedelta(days=1)).campaigns
        ] == ["c1"]
        assert [c.campaign_id for c in report_data(store, accounts=["cc"]).campaigns] == ["c2"]
        with pytest.raises(UnknownAccountError, match="no account 'zed' in the store"):
            report_data(store, accounts=["zed"])


def test_click_events_give_the_series_per_hour_day_or_week(tmp_path):
    def event(at, contact="p1"):
        return ClickEvent(
            provider="sitecore-send",
            campaign_id="c1",
            activity_id=None,
            url="https://a.example/x",
            link_id=None,
            clicked_at=at,
            contact=contact,
        )

    with _store(tmp_path) as store:
        store.add_click_events(
            "acme",
            [event(T0), event(T0 + timedelta(minutes=5), "p2"), event(T0 + timedelta(hours=3))],
        )
        series = next(c for c in report_data(store).campaigns if c.campaign_id == "c1").series
        assert series is not None
        assert (series.source, series.bucket) == ("events", "hour")
        assert [p.value for p in series.points] == [2, 0, 0, 1]
        store.add_click_events("acme", [event(T0 + timedelta(days=5))])
        data = report_data(store)
        series = next(c for c in data.campaigns if c.campaign_id == "c1").series
        assert series is not None
        assert series.bucket == "day"
        assert [p.value for p in series.points] == [3, 0, 0, 0, 0, 1]
        assert data.totals.click_events == 4
        store.add_click_events("acme", [event(T0 + timedelta(days=200))])
        series = next(c for c in report_data(store).campaigns if c.campaign_id == "c1").series
        assert series is not None
        assert series.bucket == "week"
        assert series.points[0].at == datetime(2026, 10, 26, tzinfo=UTC)  # the Monday of T0's week
        assert sum(p.value for p in series.points) == 5
        # the other campaign has no events: its series still comes from snapshots
        two = next(c for c in report_data(store).campaigns if c.campaign_id == "c2")
        assert two.series is not None
        assert two.series.source == "snapshots"


def test_report_queries_use_no_sql_outside_the_store_package():
    from pathlib import Path

    import linkreport

    root = Path(linkreport.__file__).parent
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "db" not in p.relative_to(root).parts[:1]
        and re.search(r"\bSELECT\b.+\bFROM\b", p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_demo_report_to_an_unwritable_place_is_one_clear_line(env, tmp_path):
    out = tmp_path / "no-such-dir" / "report.html"
    result = run_cli(["demo", "--report", str(out)], env)
    assert result.code == 2  # said before the demo runs
    assert f"--report: {out.parent} is not a directory" in result.err
    assert result.out == ""
    assert "Traceback" not in result.err
