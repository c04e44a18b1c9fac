"""The docs check's stand-ins for ``datasette`` and ``sqlite3`` check what they are given."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    script = HERE / ("bin" if tool == "datasette" else "fallback-bin") / tool
    return subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, timeout=60
    )


def _db(tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (a TEXT)")
        db.execute("INSERT INTO t VALUES ('x')")
    return path


def test_datasette_opens_each_database_and_runs_the_canned_queries(tmp_path):
    db = _db(tmp_path)
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({"databases": {"store": {"queries": {"q": "SELECT :p, a FROM t"}}}}))
    ok = _run("datasette", str(db), "-m", str(meta))
    assert ok.returncode == 0, ok.stderr
    assert "1 canned queries" in ok.stdout
    assert _run("datasette", "-i", str(db)).returncode == 0

    meta.write_text(json.dumps({"databases": {"store": {"queries": {"q": "SELECT b FROM t"}}}}))
    broken = _run("datasette", str(db), "-m", str(meta))
    assert broken.returncode == 1
    assert "canned query 'q' fails: no such column: b" in broken.stderr
    missing = _run("datasette", str(tmp_path / "none.db"))
    assert missing.returncode == 1
    assert "does not exist" in missing.stderr


def test_sqlite3_runs_each_statement(tmp_path):
    db = _db(tmp_path)
    out = _run("sqlite3", str(db), "PRAGMA wal_checkpoint(TRUNCATE);", "SELECT a, NULL FROM t")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "x|"
