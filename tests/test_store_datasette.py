"""``linkreport store datasette-metadata``: its canned queries run on a store synced from sandboxes."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path


def _rows(db: Path, sql: str, **params: str) -> list[sqlite3.Row]:
    assert set(re.findall(r"(?<!:):(\w+)", sql)) == set(params)  # every parameter is given
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, params).fetchall()


def test_the_canned_queries_run_on_a_synced_store(cli, env, provider_sandbox, tmp_path):
    provider_sandbox("sitecore-send")
    provider_sandbox("constant-contact")
    synced = cli("sync", "sitecore-send", "constant-contact", "--since", "1970-01-01")
    assert synced.code == 0, synced.err
    printed = cli("store", "datasette-metadata")
    assert printed.code == 0, printed.err
    meta = json.loads(printed.out)
    db = Path(cli("store", "path").out.strip())
    assert list(meta["databases"]) == ["linkreport"]  # Datasette names a database by its file
    queries = meta["databases"]["linkreport"]["queries"]
    assert {q["title"] for q in queries.values()} >= {"Top links", "History of a campaign"}

    top = _rows(db, queries["top_links"]["sql"], since="")
    assert top, "no top links"
    assert [r["unique_clicks"] or 0 for r in top] == sorted(
        (r["unique_clicks"] or 0 for r in top), reverse=True
    )
    assert all("utm_" not in r["url"] for r in top)  # canonical URLs, variants merged
    assert {r["url"] for r in _rows(db, queries["top_links"]["sql"], since="9999-01-01")} == set()
    ranked = json.loads(cli("top", "--since", "1970-01-01", "--format", "json").out)
    assert top[0]["url"] == ranked[0]["url"]  # as `linkreport top` ranks them

    campaigns = _rows(db, queries["campaigns"]["sql"])
    assert {r["account"] for r in campaigns} == {"sitecore-send", "constant-contact"}
    first = campaigns[0]
    history = _rows(
        db,
        queries["campaign_history"]["sql"],
        account=first["account"],
        campaign_id=first["campaign_id"],
    )
    assert history
    assert [r["fetched_at"] for r in history] == sorted(r["fetched_at"] for r in history)
    stored = json.loads(
        cli("history", first["account"], first["campaign_id"], "--format", "json").out
    )
    assert len(history) == len(stored)


def test_the_database_is_named_after_the_store_file(cli, tmp_path):
    other = cli("store", "datasette-metadata", "--db", str(tmp_path / "agency.db"))
    assert list(json.loads(other.out)["databases"]) == ["agency"]
    by_env = cli("store", "datasette-metadata", extra_env={"LINKREPORT_DB": str(tmp_path / "x.db")})
    assert list(json.loads(by_env.out)["databases"]) == ["x"]
