"""Run by DuckDB's own interpreter (``.bench/duckdb-venv``; never imports linkreport).

``python duckdb_worker.py STORE``: attaches the linkreport store read-only through DuckDB's
SQLite scanner, loaded from the ``duckdb-extension-sqlite-scanner`` package's file (DuckDB
would otherwise download it; autoloading and autoinstalling are turned off, so nothing is
fetched). Then, for each JSON line ``{"question", "since", "campaign"}`` read from standard
input, asks that question once and prints ``{"seconds": ...}``; ``{"peak": true}`` prints the
process's peak memory so far.

The questions are those of ``benchmarks/store.py`` over the tables, in DuckDB's SQL.
"""

import json
import pathlib
import resource
import sys
import time

import duckdb
import duckdb_extension_sqlite_scanner

#: The latest snapshot of each link: DuckDB plans the tables' correlated ``MAX`` subquery as a
#: join of every link with every snapshot (it spilled gigabytes), so it is an aggregate here.
_LATEST = "(SELECT link_key, MAX(snapshot_id) AS snapshot_id FROM s.snapshots GROUP BY link_key)"
TOP = f"""
WITH latest AS (
  SELECT l.campaign_key, l.url_id, s.unique_clicks AS u, s.total_clicks AS t
  FROM s.campaigns AS c JOIN s.campaign_keys AS k USING (account, campaign_id)
  JOIN s.links AS l ON l.campaign_key = k.campaign_key JOIN {_LATEST} AS m ON m.link_key = l.link_key
  JOIN s.snapshots AS s ON s.snapshot_id = m.snapshot_id
  WHERE c.sent_at >= $since)
SELECT u.url_canonical, SUM(latest.u) AS su, SUM(latest.t) AS st,
       COUNT(DISTINCT latest.campaign_key), COUNT(DISTINCT k.account), COUNT(DISTINCT u.url_id)
FROM latest JOIN s.urls AS u USING (url_id) JOIN s.campaign_keys AS k USING (campaign_key)
GROUP BY u.url_canonical ORDER BY COALESCE(su, 0) DESC, COALESCE(st, 0) DESC, u.url_canonical
LIMIT 20
"""
HISTORY = """
SELECT s.*, u.url, u.url_canonical, l.activity_id, l.link_id FROM s.campaign_keys AS k
JOIN s.links AS l ON l.campaign_key = k.campaign_key JOIN s.snapshots AS s ON s.link_key = l.link_key
JOIN s.urls AS u ON u.url_id = l.url_id WHERE k.account = $account AND k.campaign_id = $campaign
ORDER BY s.fetched_at, s.snapshot_id
"""
_CAMPAIGN_LINKS = (
    "FROM s.campaigns AS c JOIN s.campaign_keys AS k USING (account, campaign_id)"
    " JOIN s.links AS l ON l.campaign_key = k.campaign_key"
)
REPORT = (
    "SELECT * FROM s.campaigns WHERE sent_at >= $since ORDER BY sent_at DESC",
    "SELECT s.*, u.url, u.url_canonical, l.activity_id"
    f" {_CAMPAIGN_LINKS} JOIN {_LATEST} AS m ON m.link_key = l.link_key"
    " JOIN s.snapshots AS s ON s.snapshot_id = m.snapshot_id"
    " JOIN s.urls AS u ON u.url_id = l.url_id WHERE c.sent_at >= $since",
    "SELECT k.account, k.campaign_id, substr(e.clicked_at, 1, 10) AS day, COUNT(*)"
    f" {_CAMPAIGN_LINKS} JOIN s.events AS e ON e.link_key = l.link_key"
    " WHERE c.sent_at >= $since GROUP BY 1, 2, 3",
    # run_id is an integer and fetched_at text: DuckDB does not mix them in one COALESCE
    "WITH d AS (SELECT k.account, k.campaign_id,"
    " COALESCE(CAST(s.run_id AS VARCHAR), s.fetched_at) AS run, s.fetched_at,"
    " COALESCE(s.unique_clicks, 0) - COALESCE(LAG(s.unique_clicks) OVER w, 0) AS u,"
    " COALESCE(s.total_clicks, 0) - COALESCE(LAG(s.total_clicks) OVER w, 0) AS t"
    f" {_CAMPAIGN_LINKS} JOIN s.snapshots AS s ON s.link_key = l.link_key"
    " WHERE c.sent_at >= $since AND NOT EXISTS (SELECT 1 FROM s.links AS x"
    " JOIN s.events AS e ON e.link_key = x.link_key WHERE x.campaign_key = k.campaign_key)"
    " WINDOW w AS (PARTITION BY s.link_key ORDER BY s.snapshot_id))"
    " SELECT account, campaign_id, run, MAX(fetched_at), SUM(u), SUM(t) FROM d GROUP BY 1, 2, 3",
)


def connect(store):
    """DuckDB with the store attached as ``s``, the scanner loaded from its package."""
    extension = next(
        pathlib.Path(duckdb_extension_sqlite_scanner.__file__).parent.rglob("*.duckdb_extension")
    )
    spill = pathlib.Path(store).parent / "duckdb-tmp"  # beside the store (.bench/), not the cwd
    conn = duckdb.connect(
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "temp_directory": str(spill),
            "max_temp_directory_size": "4GB",
        }
    )
    conn.execute("SET enable_progress_bar = false")  # standard output is this worker's answers
    conn.execute(f"LOAD '{extension}'")
    conn.execute(f"ATTACH '{store}' AS s (TYPE sqlite, READ_ONLY)")
    return conn


def ask(conn, question, since, campaign):
    started = time.perf_counter()
    if question == "top":
        conn.execute(TOP, {"since": since}).fetchall()
    elif question == "history":
        account, cid = campaign.split(" ")
        conn.execute(HISTORY, {"account": account, "campaign": cid}).fetchall()
    elif question == "report":
        for sql in REPORT:
            conn.execute(sql, {"since": since}).fetchall()
    else:
        raise ValueError(question)
    return time.perf_counter() - started


def main():
    conn = connect(sys.argv[1])
    for line in sys.stdin:
        asked = json.loads(line)
        if asked.get("peak"):
            answer = {"peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}
        else:
            answer = {"seconds": ask(conn, asked["question"], asked["since"], asked["campaign"])}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
