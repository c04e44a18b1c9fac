"""Unusable values (issue 26 item 1) in the dlt source: the good rows load, the bad one fails.

DuckDB, with the Sitecore Send sandbox serving core's bad-value faults (:mod:`linkreport.kit.sandbox.faults`).
"""

from __future__ import annotations

import re

import pytest

from linkreport_sitecore_send.sandbox import DIGEST, SPRING

SINCE = "2020-01-01"


def _load(warehouse, env, *, failing=True):
    from linkreport.dlt import source

    pipeline = warehouse.pipeline()
    info = pipeline.run(source(accounts=["sitecore-send"], since=SINCE, env=env))
    assert not info.has_failed_jobs
    if not failing:  # no failure: no failures table
        return []
    return warehouse.query("SELECT campaign_id, resource, error FROM {dataset}.failures")


@pytest.mark.parametrize("kind", ["hugecount", "surrogate", "farfuture", "hugedigits"])
def test_a_bad_link_report_fails_its_campaign_and_the_rest_loads(
    duckdb, provider_sandbox, env, kind
):
    provider_sandbox("sitecore-send", calls="20", faults=f"{kind}*all@/{SPRING}/stats/links")
    failures = _load(duckdb, env)
    assert [row[:2] for row in failures] == [(SPRING, "link_snapshots")]
    assert not re.search(r"unexpected \w+Error", failures[0][2])  # how a bug is reported
    loaded = duckdb.query("SELECT DISTINCT campaign_id FROM {dataset}.link_snapshots")
    assert loaded == [(DIGEST,)]
    assert duckdb.count("campaigns") == 2
    assert duckdb.count("click_events") > 0


@pytest.mark.parametrize("kind", ["surrogate", "farfuture", "hugedigits"])
def test_a_bad_listed_campaign_is_a_failure_and_the_rest_loads(duckdb, provider_sandbox, env, kind):
    provider_sandbox("sitecore-send", calls="20", faults=f"{kind}*all@SortBy=DeliveredOn")
    failures = _load(duckdb, env)
    assert [row[:2] for row in failures] == [(SPRING, "campaigns")]
    assert "left out of the campaign list" in failures[0][2]
    assert duckdb.query("SELECT campaign_id FROM {dataset}.campaigns") == [(DIGEST,)]
    loaded = duckdb.query("SELECT DISTINCT campaign_id FROM {dataset}.link_snapshots")
    assert loaded == [(DIGEST,)]


def test_a_bad_click_row_is_skipped_and_the_rest_loads(duckdb, provider_sandbox, env):
    provider_sandbox("sitecore-send", calls="20", faults="surrogate*all@LinkClicked")
    _load(duckdb, env, failing=False)
    assert duckdb.count("campaigns") == 2
    assert duckdb.count("click_events") > 200
