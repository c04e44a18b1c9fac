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
_STATS = (  # the latest delivery count of each campaign (activity)
    "(SELECT campaign_key, activity_id, arg_max(delivered, stats_id) AS d FROM s.stats"
    " GROUP BY campaign_key, activity_id)"
)
# every field of ``top``'s rows: sums, counts, deliveries of distinct campaigns, click rate
TOP = f"""
WITH latest AS (
  SELECT u.url_canonical AS name, l.campaign_key AS ck, l.activity_id AS a, l.url_id AS url,
         k.account, s.unique_clicks AS u, s.total_clicks AS t, st.d
  FROM s.campaigns AS c JOIN s.campaign_keys AS k USING (account, campaign_id)
  JOIN s.links AS l ON l.campaign_key = k.campaign_key JOIN {_LATEST} AS m ON m.link_key = l.link_key
  JOIN s.snapshots AS s ON s.snapshot_id = m.snapshot_id JOIN s.urls AS u ON u.url_id = l.url_id
  LEFT JOIN {_STATS} AS st ON st.campaign_key = l.campaign_key
    AND st.activity_id IS NOT DISTINCT FROM l.activity_id
  WHERE c.sent_at >= $since),
sums AS (SELECT name, SUM(u) AS su, SUM(t) AS st, COUNT(DISTINCT ck) AS nc,
  COUNT(DISTINCT account) AS na, COUNT(DISTINCT url) AS nu, COUNT(*) AS n, COUNT(u) AS cu,
  COUNT(t) AS ct, SUM(CASE WHEN d IS NOT NULL THEN u END) AS ru FROM latest GROUP BY name),
sends AS (SELECT name, SUM(d) AS sd, SUM(CASE WHEN hu THEN d END) AS rd FROM
  (SELECT name, MAX(d) AS d, MAX(u IS NOT NULL) AS hu FROM latest GROUP BY name, ck, a)
  GROUP BY name)
SELECT name, su, st, nc, na, nu, n, cu, ct, sd, ROUND(CAST(ru AS DOUBLE) / NULLIF(rd, 0), 6)
FROM sums JOIN sends USING (name) ORDER BY su IS NULL, su DESC, st DESC, name LIMIT 20
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
# The report's whole question, as benchmarks/store.py's hand-written SQL asks it: the latest
# links with people's and machines' clicks and deliveries into a temporary table, which the
# links, the ranking and the totals read; each campaign's deliveries, days, syncs (the hours of a
# campaign whose clicks span at most 2 days aside: the benchmark's store has none).
REPORT = (
    "SELECT * FROM s.campaigns WHERE sent_at >= $since ORDER BY sent_at DESC, account, campaign_id",
    "CREATE OR REPLACE TEMP TABLE latest AS WITH h AS (SELECT e.link_key,"
    " COUNT(DISTINCT CASE WHEN e.machine = 0 THEN e.contact END) AS hu,"
    " SUM(CASE WHEN e.machine = 0 THEN 1 ELSE 0 END) AS ht,"
    " SUM(CASE WHEN e.machine = 1 THEN 1 ELSE 0 END) AS mt"
    f" {_CAMPAIGN_LINKS} JOIN s.events AS e ON e.link_key = l.link_key"
    " WHERE c.sent_at >= $since GROUP BY e.link_key),"
    " hc AS (SELECT DISTINCT l.campaign_key FROM h JOIN s.links AS l ON l.link_key = h.link_key)"
    " SELECT k.account, k.campaign_id, k.campaign_key AS ck, u.url, u.url_canonical,"
    " s.unique_clicks AS u, s.total_clicks AS t, l.activity_id, s.activity_role,"
    " CASE WHEN hc.campaign_key IS NOT NULL THEN COALESCE(h.hu, 0) END AS hu,"
    " CASE WHEN hc.campaign_key IS NOT NULL THEN COALESCE(h.ht, 0) END AS ht,"
    " CASE WHEN hc.campaign_key IS NOT NULL THEN COALESCE(h.mt, 0) END AS mt,"
    " st.d, s.snapshot_id"
    f" {_CAMPAIGN_LINKS} JOIN {_LATEST} AS m ON m.link_key = l.link_key"
    " JOIN s.snapshots AS s ON s.snapshot_id = m.snapshot_id"
    " JOIN s.urls AS u ON u.url_id = l.url_id LEFT JOIN h ON h.link_key = l.link_key"
    " LEFT JOIN hc ON hc.campaign_key = k.campaign_key"
    f" LEFT JOIN {_STATS} AS st ON st.campaign_key = l.campaign_key"
    " AND st.activity_id IS NOT DISTINCT FROM l.activity_id WHERE c.sent_at >= $since",
    "SELECT * FROM latest ORDER BY snapshot_id",
    "WITH ranked AS (SELECT url_canonical AS name, SUM(u) AS su, SUM(t) AS st FROM latest"
    " GROUP BY 1 ORDER BY su IS NULL, su DESC, st IS NULL, st DESC, name LIMIT 100),"
    " chosen AS (SELECT * FROM latest WHERE url_canonical IN (SELECT name FROM ranked)),"
    " counts AS (SELECT url_canonical AS name, COUNT(DISTINCT ck) AS nc,"
    " COUNT(DISTINCT account) AS na, COUNT(DISTINCT url) AS nu, COUNT(*) AS n, COUNT(u) AS cu,"
    " COUNT(t) AS ct, SUM(CASE WHEN d IS NOT NULL THEN u END) AS ru FROM chosen GROUP BY 1),"
    " sends AS (SELECT name, SUM(d) AS sd, SUM(CASE WHEN hu THEN d END) AS rd FROM"
    " (SELECT url_canonical AS name, MAX(d) AS d, MAX(u IS NOT NULL) AS hu FROM chosen"
    " GROUP BY 1, ck, activity_id) GROUP BY name)"
    " SELECT ranked.name, su, st, nc, na, nu, st IS NOT NULL AND ct < n,"
    " su IS NOT NULL AND cu < n, sd, CAST(ru AS DOUBLE) / NULLIF(rd, 0) FROM ranked"
    " JOIN counts ON counts.name = ranked.name JOIN sends ON sends.name = ranked.name"
    " ORDER BY su IS NULL, su DESC, st IS NULL, st DESC, ranked.name",
    "SELECT SUM(n), SUM(su), SUM(st), SUM(CASE WHEN ct = 0 THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN cu = 0 THEN 1 ELSE 0 END), SUM(shu), SUM(sht), SUM(smt),"
    " SUM(CASE WHEN cm > 0 THEN 1 ELSE 0 END), SUM(cu), SUM(ct), SUM(cp), SUM(pu), SUM(pt) FROM"
    " (SELECT COUNT(*) AS n, SUM(u) AS su, SUM(t) AS st, COUNT(u) AS cu, COUNT(t) AS ct,"
    " SUM(hu) AS shu, SUM(ht) AS sht, SUM(mt) AS smt, COUNT(mt) AS cm,"
    " COUNT(CASE WHEN u IS NOT NULL AND t IS NOT NULL THEN 1 END) AS cp,"
    " SUM(CASE WHEN t IS NOT NULL THEN u END) AS pu, SUM(CASE WHEN u IS NOT NULL THEN t END) AS pt"
    " FROM latest GROUP BY ck)",
    "DROP TABLE latest",
    f"SELECT k.account, k.campaign_id, SUM(st.d) {_CAMPAIGN_LINKS.split(' JOIN s.links')[0]}"
    f" JOIN {_STATS} AS st ON st.campaign_key = k.campaign_key WHERE c.sent_at >= $since"
    " GROUP BY k.campaign_key, k.account, k.campaign_id",
    "SELECT k.account, k.campaign_id, substr(e.clicked_at, 1, 10) AS day, COUNT(*)"
    f" {_CAMPAIGN_LINKS} JOIN s.events AS e ON e.link_key = l.link_key"
    " WHERE c.sent_at >= $since GROUP BY k.campaign_key, k.account, k.campaign_id, day",
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
            conn.execute(sql, {"since": since} if "$since" in sql else {}).fetchall()
    else:
        raise ValueError(question)
    return time.perf_counter() - started


def own_peak():
    """The process's own peak resident memory: ``VmHWM`` (a child's ``ru_maxrss`` includes the
    parent's resident size when it was forked), else ``ru_maxrss``."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main():
    conn = connect(sys.argv[1])
    for line in sys.stdin:
        asked = json.loads(line)
        if asked.get("peak"):
            answer = {"peak": own_peak()}
        else:
            answer = {"seconds": ask(conn, asked["question"], asked["since"], asked["campaign"])}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
