"""Mailchimp through the dlt source into DuckDB: campaigns, link snapshots and click events."""

from __future__ import annotations

from datetime import UTC, datetime

import dlt  # (a dev dependency: the test runs in CI, never skips)

from linkreport import fetch_reports, list_campaigns


def test_loads_campaigns_links_and_clicks(provider_sandbox, linkreport_env, tmp_path, monkeypatch):
    from linkreport.dlt import raise_on_failures, source

    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt-data"))
    monkeypatch.setenv("RUNTIME__DLTHUB_TELEMETRY", "false")
    monkeypatch.chdir(tmp_path)
    provider_sandbox("mailchimp", scanners=True)
    pipeline = dlt.pipeline(
        pipeline_name="mailchimp_test",
        destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")),
        dataset_name="lr",
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    info = pipeline.run(
        source(accounts=["mailchimp"], since="2020-01-01", env=linkreport_env, clicks=True)
    )
    assert not info.has_failed_jobs
    raise_on_failures(pipeline)
    campaigns = list_campaigns("mailchimp", datetime(2020, 1, 1, tzinfo=UTC), env=linkreport_env)
    ids = [c.campaign_id for c in campaigns]
    records = [
        r for rep in fetch_reports("mailchimp", ids, env=linkreport_env) for r in rep.records
    ]
    with pipeline.sql_client() as client:

        def count(table: str) -> int:
            return int(client.execute_sql(f"SELECT count(*) FROM lr.{table}")[0][0])

        assert count("campaigns") == len(campaigns) == 4
        assert count("link_snapshots") == len(records)
        assert count("click_events") == sum(r.total_clicks or 0 for r in records)
        sent = client.execute_sql("SELECT count(*) FROM lr.campaigns WHERE sent_at IS NOT NULL")
        assert sent[0][0] == 4
