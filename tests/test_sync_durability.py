"""A killed sync keeps what it completed and nothing half-written; two syncs share a store."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

from linkreport.db import Store, history


def rows(path, sql, *params):
    with sqlite3.connect(path) as conn:
        return [tuple(r) for r in conn.execute(sql, params)]


def start_sync(env, *args):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "linkreport",
            "sync",
            "sitecore-send",
            "--since",
            "2025-01-01",
            *args,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigkill_mid_sync_leaves_completed_campaigns_whole(provider_sandbox, env, tmp_path):
    provider_sandbox("sitecore-send", campaigns=40, latency=0.05)
    db = tmp_path / "store.db"
    env["LINKREPORT_DB"] = str(db)
    proc = start_sync(env)
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        if db.exists():
            try:
                done = rows(db, "SELECT COUNT(*) FROM campaign_fetches")[0][0]
            except sqlite3.OperationalError:  # not created yet
                done = 0
            if done >= 3:
                break
        time.sleep(0.05)
    assert proc.poll() is None, "the sync finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    completed = rows(db, "SELECT campaign_id, links FROM campaign_fetches")
    assert 3 <= len(completed) < 42
    # every completed campaign has all its links; no other campaign has any row at all
    for campaign_id, links in completed:
        count = rows(db, "SELECT COUNT(*) FROM link_snapshots WHERE campaign_id = ?", campaign_id)
        assert count == [(links,)]
    stored = {c for (c,) in rows(db, "SELECT DISTINCT campaign_id FROM link_snapshots")}
    assert stored == {c for c, _ in completed}
    assert {c for (c,) in rows(db, "SELECT campaign_id FROM campaigns")} == stored
    assert rows(db, "SELECT finished_at FROM sync_runs") == [(None,)]

    # the store stays usable: the next sync completes the rest and adds no duplicate
    again = start_sync(env)
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert rows(
        db, "SELECT COUNT(DISTINCT campaign_id) FROM campaign_fetches WHERE run_id = 2"
    ) == [(42,)]
    with Store(db) as store:
        first = completed[0][0]
        assert len(history(store, "sitecore-send", first)) == completed[0][1]


def test_two_syncs_at_once_on_one_store_both_succeed(provider_sandbox, env, tmp_path):
    provider_sandbox("sitecore-send", campaigns=6)
    db = tmp_path / "store.db"
    env["LINKREPORT_DB"] = str(db)
    first, second = start_sync(env), start_sync(env)
    for proc in (first, second):
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert "8 campaigns" in err.splitlines()[-1]
    assert rows(db, "SELECT COUNT(*) FROM sync_runs WHERE finished_at IS NOT NULL") == [(2,)]
    assert rows(db, "SELECT COUNT(*) FROM campaign_fetches") == [(16,)]
    # counts did not change between the two, so each link has exactly one snapshot row
    duplicates = rows(
        db,
        "SELECT campaign_id, url, COUNT(*) FROM link_snapshots GROUP BY 1, 2 HAVING COUNT(*) > 1",
    )
    assert duplicates == []
    assert rows(db, "SELECT COUNT(*) FROM link_snapshots") == [(6 + 6 * 3,)]
