"""The dlt ``campaign_stats`` resource: delivery counts as insert-only snapshots, over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import linkreport_fakemail as fm
from linkreport import fetch_stats, list_campaigns

SINCE = "2020-01-01"
ACCOUNTS = ["sitecore-send", "fakemail"]


@pytest.fixture
def boxes(provider_sandbox):
    return provider_sandbox("sitecore-send", calls="20"), provider_sandbox("fakemail")


def _source(env, **options):
    from linkreport.dlt import source

    return source(**{"accounts": ACCOUNTS, "since": SINCE, "env": env, **options})


def _expected(env):
    since = datetime(2020, 1, 1, tzinfo=UTC)
    found = set()
    for account in ACCOUNTS:
        ids = [c.campaign_id for c in list_campaigns(account, since, env=env)]
        for answer in fetch_stats(account, ids, env=env):
            assert answer.ok, answer
            found |= {
                (account, s.campaign_id, s.activity_id, s.sent, s.delivered) for s in answer.stats
            }
    return found


def test_campaign_stats_load_once_and_again_only_on_change(warehouse, boxes, env):
    pipeline = warehouse.pipeline()
    info = pipeline.run(_source(env))
    assert not info.has_failed_jobs
    loaded = warehouse.query(
        "SELECT account, campaign_id, activity_id, sent, delivered FROM {dataset}.campaign_stats"
    )
    assert set(loaded) == _expected(env)
    assert len(loaded) == len(set(loaded)) > 0
    assert warehouse.column_types("campaign_stats")["delivered"] == "bigint"
    assert warehouse.count("failures") == 0
    pipeline.run(_source(env))
    assert warehouse.count("campaign_stats") == len(loaded)  # unchanged: nothing added
    fm.STATS["c1"] = (500, 40)
    try:
        pipeline.run(_source(env))
    finally:
        fm.STATS["c1"] = (500, 20)
    assert warehouse.query(
        "SELECT delivered FROM {dataset}.campaign_stats WHERE campaign_id = 'c1' ORDER BY 1"
    ) == [(460,), (480,)]
    assert warehouse.count("campaign_stats") == len(loaded) + 1


def test_stats_can_be_left_out(warehouse, boxes, env):
    pipeline = warehouse.pipeline()
    pipeline.run(_source(env, stats=False))
    assert not [r for r in boxes[1].requests if r.startswith("GET /api/stats")]
    tables = {t["name"] for t in pipeline.default_schema.data_tables()}
    assert "campaign_stats" not in tables


def test_a_campaign_row_takes_the_stats_send_time_where_the_listing_has_none():
    from linkreport.dlt.rows import campaign_row
    from linkreport.records import Campaign

    updated = datetime(2026, 3, 2, tzinfo=UTC)
    sent = datetime(2026, 3, 1, 9, tzinfo=UTC)
    bare = Campaign(provider="constant-contact", campaign_id="c", updated_at=updated)
    row = campaign_row("cc", bare, updated, stats_sent_at=sent)
    assert (row["sent_at"], row["sent_at_source"]) == (sent, "sent_at")
    assert campaign_row("cc", bare, updated)["sent_at_source"] == "updated_at"
    listed = Campaign(provider="sitecore-send", campaign_id="c", sent_at=updated)
    assert campaign_row("s", listed, updated, stats_sent_at=sent)["sent_at"] == updated
