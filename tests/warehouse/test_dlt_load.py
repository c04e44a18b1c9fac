"""Loading the sandboxes' data with ``linkreport.dlt.source`` into DuckDB and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from linkreport import fetch_reports, list_campaigns
from linkreport.dlt import LoadFailuresError, raise_on_failures
from linkreport_sitecore_send.sandbox import ARCHIVED

SINCE = "2020-01-01"
ACCOUNTS = ["sitecore-send", "constant-contact"]


def _source(env, **options):
    from linkreport.dlt import source

    return source(**{"accounts": ACCOUNTS, "since": SINCE, "env": env, **options})


def _expected(env):
    """What the public API itself returns for both accounts: campaigns and link records."""
    since = datetime(2020, 1, 1, tzinfo=UTC)
    campaigns = {a: list_campaigns(a, since, env=env) for a in ACCOUNTS}
    records = {
        a: [
            r
            for rep in fetch_reports(a, [c.campaign_id for c in campaigns[a]], env=env)
            for r in rep.records
        ]
        for a in ACCOUNTS
    }
    return campaigns, records


def test_loads_every_campaign_and_link_typed(warehouse, sandboxes, env):
    pipeline = warehouse.pipeline()
    info = pipeline.run(_source(env))
    assert not info.has_failed_jobs
    raise_on_failures(pipeline)  # none: nothing raised
    campaigns, records = _expected(env)

    assert warehouse.count("campaigns") == sum(len(c) for c in campaigns.values()) > 0
    assert warehouse.count("link_snapshots") == sum(len(r) for r in records.values()) > 0
    loaded = set(warehouse.query("SELECT account, campaign_id, name FROM {dataset}.campaigns"))
    assert loaded == {(a, c.campaign_id, c.name) for a in ACCOUNTS for c in campaigns[a]}
    links = warehouse.query(
        "SELECT account, provider, campaign_id, url, unique_clicks, total_clicks, url_canonical,"
        " fetched_at FROM {dataset}.link_snapshots"
    )
    assert sorted(row[:6] for row in links) == sorted(
        (a, r.provider, r.campaign_id, r.url, r.unique_clicks, r.total_clicks)
        for a in ACCOUNTS
        for r in records[a]
    )
    assert all(row[6] for row in links)
    assert all(row[7].utcoffset().total_seconds() == 0 for row in links)

    timestamp = "timestamp with time zone"
    types = warehouse.column_types("link_snapshots")
    assert {
        k: types[k] for k in ("unique_clicks", "total_clicks", "fetched_at", "timestamp", "url")
    } == {
        "unique_clicks": "bigint",
        "total_clicks": "bigint",
        "fetched_at": timestamp,
        "timestamp": timestamp,
        "url": "varchar" if warehouse.kind == "duckdb" else "character varying",
    }
    types = warehouse.column_types("campaigns")
    assert types["sent_at"] == types["updated_at"] == timestamp
    # Nothing failed, yet the failures table exists, typed and empty: alert queries work.
    assert warehouse.count("failures") == 0
    types = warehouse.column_types("failures")
    assert {k: types[k] for k in ("failed_at", "error")} == {
        "failed_at": timestamp,
        "error": "varchar" if warehouse.kind == "duckdb" else "character varying",
    }


def test_campaigns_get_the_stores_best_time(warehouse, sandboxes, env):
    """Both providers list send times (Constant Contact's from its campaign summaries)."""
    pipeline = warehouse.pipeline()
    pipeline.run(_source(env, clicks=False))
    campaigns, _records = _expected(env)
    rows = warehouse.query(
        "SELECT account, campaign_id, sent_at, sent_at_source, updated_at FROM {dataset}.campaigns"
    )
    assert len(rows) == sum(len(c) for c in campaigns.values())
    by_key = {(a, c.campaign_id): c for a in ACCOUNTS for c in campaigns[a]}
    for account, campaign_id, sent_at, source, updated_at in rows:
        campaign = by_key[(account, campaign_id)]
        if campaign.sent_at is not None:
            assert (sent_at, source) == (campaign.sent_at, "sent_at")
        else:
            assert (sent_at, source) == (campaign.updated_at, "updated_at")
            assert updated_at == campaign.updated_at
    # (Constant Contact's listing now takes send times from its campaign summaries)
    sources = {(a, s) for a, _c, _s, s, _u in rows}
    assert sources == {("sitecore-send", "sent_at"), ("constant-contact", "sent_at")}
    assert all(row[2] is not None for row in rows)


def _snapshots(records):
    return {
        (a, r.campaign_id, r.url, r.unique_clicks, r.total_clicks)
        for a in ACCOUNTS
        for r in records[a]
    }


def test_second_run_adds_nothing_and_a_change_adds_exactly_the_new_snapshots(
    warehouse, sandboxes, env
):
    pipeline = warehouse.pipeline()
    pipeline.run(_source(env))
    campaigns, snapshots = warehouse.count("campaigns"), warehouse.count("link_snapshots")
    before = _snapshots(_expected(env)[1])

    pipeline.run(_source(env))
    assert (warehouse.count("campaigns"), warehouse.count("link_snapshots")) == (
        campaigns,
        snapshots,
    )

    # The sandboxes' data move on: some links are clicked more, others not.
    for box in sandboxes.values():
        box.app.advance()
    changed = _snapshots(_expected(env)[1]) - before
    assert 0 < len(changed) < snapshots
    pipeline.run(_source(env))

    assert warehouse.count("campaigns") == campaigns
    assert warehouse.count("link_snapshots") == snapshots + len(changed)
    loaded = warehouse.query(
        "SELECT account, campaign_id, url, unique_clicks, total_clicks FROM {dataset}.link_snapshots"
    )
    assert set(loaded) == before | changed
    # Rows already loaded keep the time they were first seen; the new ones are later.
    times = warehouse.query(
        "SELECT account, campaign_id, url, unique_clicks, total_clicks, fetched_at"
        " FROM {dataset}.link_snapshots"
    )
    old = [row[5] for row in times if row[:5] in before]
    new = [row[5] for row in times if row[:5] in changed]
    assert max(old) < min(new)


def test_failures_are_loaded_beside_everything_that_worked(warehouse, provider_sandbox, env):
    box = provider_sandbox("sitecore-send", calls="20")
    # A listed campaign whose report fails (archived), and an account that cannot even start.
    box.app.campaigns.append((ARCHIVED, "Old", "Old news", "Sent", "2026-01-05T09:00:00+00:00"))
    pipeline = warehouse.pipeline()
    info = pipeline.run(_source(env, accounts=["sitecore-send", "fakemail"], clicks=False))
    assert not info.has_failed_jobs
    with pytest.raises(
        LoadFailuresError,
        match=r"^2 account or campaign failures, everything else loaded; see lr_\w+\.failures where _dlt_load_id = \d",
    ):
        raise_on_failures(pipeline)

    assert warehouse.count("link_snapshots") == 6  # SPRING's 4 links and DIGEST's 2
    failures = warehouse.query(
        "SELECT account, campaign_id, resource, error FROM {dataset}.failures"
    )
    by_account = {row[0]: row for row in failures}
    assert len(failures) == 2
    assert by_account["sitecore-send"][1:3] == (ARCHIVED, "link_snapshots")
    assert "archived" in by_account["sitecore-send"][3].lower()
    assert by_account["fakemail"][1:3] == (None, "campaigns")
    assert "api_key" in by_account["fakemail"][3]
    assert box.settings["api_key"] not in " ".join(row[3] for row in failures)


@pytest.mark.parametrize("since", ["yesterday", "2026-13-01"])
def test_bad_since_is_a_clear_error(since, env):
    from linkreport.dlt import source
    from linkreport.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="is not a date"):
        source(accounts=ACCOUNTS, since=since, env=env)


def test_default_accounts_are_the_configured_ones(tmp_path, sandboxes, env, caplog):
    """No accounts named: every configured account; one whose secrets don't resolve is noted."""
    import dlt

    from linkreport.dlt import source

    pipeline = dlt.pipeline(
        "linkreport_default",
        destination=dlt.destinations.duckdb(str(tmp_path / "default.duckdb")),
        dataset_name="lr",
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    with caplog.at_level("WARNING", logger="linkreport.dlt"):
        pipeline.run(source(since=SINCE, env=env, clicks=False))
    with pipeline.sql_client() as client:
        accounts = client.execute_sql("SELECT DISTINCT account FROM lr.campaigns")
    assert sorted(a for (a,) in accounts) == sorted(ACCOUNTS)
    assert "skipping account fakemail: its required secrets do not resolve" in caplog.text


def test_shards_in_their_own_pipelines_load_everything_once(tmp_path, sandboxes, env):
    import dlt

    from linkreport.dlt import shard_of, source

    count = next(
        n for n in range(2, 20) if len({shard_of(a, n) for a in ACCOUNTS}) == len(ACCOUNTS)
    )
    destination = dlt.destinations.duckdb(str(tmp_path / "shards.duckdb"))
    for index in range(count):
        pipeline = dlt.pipeline(
            f"linkreport_shard_{index}",
            destination=destination,
            dataset_name="lr",
            pipelines_dir=str(tmp_path / "pipelines"),
        )
        pipeline.run(
            source(accounts=ACCOUNTS, since=SINCE, env=env, clicks=False, shard=(index, count))
        )
    campaigns, records = _expected(env)
    with pipeline.sql_client() as client:
        rows = client.execute_sql("SELECT account, count(*) FROM lr.campaigns GROUP BY account")
        assert dict(rows) == {a: len(campaigns[a]) for a in ACCOUNTS}
        assert client.execute_sql("SELECT count(*) FROM lr.link_snapshots")[0][0] == sum(
            map(len, records.values())
        )


def test_two_accounts_of_one_provider_keep_their_own_rows(warehouse, provider_sandbox, env):
    """``acme`` is a second Sitecore Send account, with its own key and its own sandbox."""
    from pathlib import Path

    from linkreport.kit.sandbox.server import serve
    from linkreport.runner import get_source, load_sources

    provider_sandbox("sitecore-send", calls="20")
    other = get_source("sitecore-send", load_sources(env)).sandbox(calls="20", api_key="acme-key")
    (Path(env["LINKREPORT_HOME"]) / "config.toml").write_text(
        '[accounts.acme]\nprovider = "sitecore-send"\n'
    )
    with serve(other.app) as server:
        for name, value in other.settings_for(server.url).items():
            env[f"LINKREPORT_ACME_{name.upper()}"] = value
        warehouse.pipeline().run(_source(env, accounts=["sitecore-send", "acme"], clicks=False))

    # The same campaign IDs under two accounts are two sets of rows.
    per_account = dict(
        warehouse.query("SELECT account, count(*) FROM {dataset}.campaigns GROUP BY account")
    )
    assert per_account == {"sitecore-send": 2, "acme": 2}
    links = dict(
        warehouse.query("SELECT account, count(*) FROM {dataset}.link_snapshots GROUP BY account")
    )
    assert links == {"sitecore-send": 6, "acme": 6}


def _all_events(env):
    """Every click event of both accounts, through the same source interface the CLI uses."""
    from linkreport.db import event_key
    from linkreport.runner import open_account

    since = datetime(2020, 1, 1, tzinfo=UTC)
    keys = set()
    for account in ACCOUNTS:
        ctx = open_account(account, env=env)
        for campaign in list_campaigns(account, since, env=env):
            keys |= {
                event_key(account, e) for e in ctx.source.fetch_clicks(ctx, campaign.campaign_id)
            }
    return keys


def test_click_events_load_incrementally_without_duplicates(warehouse, sandboxes, env):
    pipeline = warehouse.pipeline()
    pipeline.run(_source(env))
    first = _all_events(env)
    assert first
    loaded = warehouse.query(
        "SELECT event_key, account, contact, clicked_at FROM {dataset}.click_events"
    )
    assert {row[0] for row in loaded} == first
    assert len(loaded) == len(first)
    assert all(re.fullmatch(r"[0-9a-f]{16,64}", row[2]) for row in loaded)  # pseudonyms only
    assert all(row[3].utcoffset().total_seconds() == 0 for row in loaded)
    types = warehouse.column_types("click_events")
    assert types["clicked_at"] == "timestamp with time zone"
    # dlt's state keeps the newest click loaded per (account, campaign).
    cursors = pipeline.state["sources"]["linkreport"]["resources"]["click_events"][
        "newest_clicked_at"
    ]
    assert {json.loads(k)[0] for k in cursors} == {row[1] for row in loaded}

    pipeline.run(_source(env))
    assert warehouse.count("click_events") == len(first)

    for box in sandboxes.values():
        box.app.advance()
    new = _all_events(env) - first
    assert new
    pipeline.run(_source(env))
    assert {
        row[0] for row in warehouse.query("SELECT event_key FROM {dataset}.click_events")
    } == first | new
    assert warehouse.count("click_events") == len(first) + len(new)
