"""The store at scale: ``top``, ``history`` and ``report`` over 1M snapshots and 1M click events.

uv run python -m benchmarks.store [--runs 3] [--campaigns 2000] [--links 50] [--syncs 10]

The store is built once through the Store API (``--campaigns`` campaigns of ``--links`` links,
``--syncs`` syncs each growing every link's counts, 500 click events a campaign) into
``.bench/store-<size>.db`` and reused. Side by side in one run, each question is asked of
linkreport's query functions, as hand-written SQL (``sqlite3``) over the same file (over the
documented views, what a ``sqlite3`` user writes, and over the tables, the best plan), and in
DuckDB over the same file (its SQLite scanner, from PyPI's ``duckdb-extension-sqlite-scanner``,
loaded from the package's file: DuckDB would download it otherwise). DuckDB runs in its own
virtual environment, ``.bench/duckdb-venv``, made on first use (``benchmarks/duckdb_worker.py``).
Times are medians of ``--runs`` runs, the four ways interleaved (with the CPU time of ours and
the hand-written SQL, which work in this process); peak memory is each question's
own process (``VmHWM``: not ``ru_maxrss``, which a child inherits from its parent), beside one
that only opens the store.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, median, uv_command

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
EVENTS_PER_CAMPAIGN = 500
SCANNER_EVENTS = 30  # of each campaign's events: 10 link scanners' (machines' clicks)
CACHE = ROOT / ".bench"
#: The environment of the ``[humans]`` settings (the defaults: an empty home).
HOME_ENV = {"LINKREPORT_HOME": str(CACHE / "home")}


def _account(c: int) -> tuple[str, str]:
    return ("cc", "constant-contact") if c % 3 == 2 else (f"send-{c % 2}", "sitecore-send")


def build(path: Path, campaigns: int, links: int, syncs: int) -> None:
    """Fill a new store through its API: ``syncs`` syncs, then the click events."""
    from linkreport.canonical import Canonicalizer
    from linkreport.db import Store
    from linkreport.db.verdicts import decider, redecide_all
    from linkreport.records import Campaign, CampaignStats, ClickEvent, LinkClicks

    canonical = Canonicalizer()
    rng = random.Random(7)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    with Store(tmp) as store:
        for sync in range(syncs):
            fetched = NOW - timedelta(days=syncs - sync)
            run = store.start_run(["send-0", "send-1", "cc"], None)
            for c in range(campaigns):
                account, provider = _account(c)
                cid = f"{c:08d}-5e1f-4a7b-9c2d-{c * 7919:012d}"
                campaign = Campaign(
                    provider=provider,
                    campaign_id=cid,
                    name=f"Campaign {c}: the weekly newsletter",
                    sent_at=NOW - timedelta(days=365 * c / campaigns, hours=c % 24),
                )
                activity = (
                    f"{c:08d}-aaaa-4bbb-8ccc-{c:012d}" if provider == "constant-contact" else None
                )
                records = [
                    LinkClicks(
                        provider=provider,
                        campaign_id=cid,
                        activity_id=activity,
                        activity_role="primary_email" if activity else None,
                        url=f"https://www.shop{n % 40}.example.com/section-{n % 9}/"
                        f"article-{(c * 7 + n) % 5000}?utm_source=newsletter&utm_campaign=c{c}",
                        unique_clicks=(1000 // (n + 1) + c % 7) * (sync + 1) + rng.randint(0, 3),
                        total_clicks=None
                        if provider == "constant-contact"
                        else (1000 // (n + 1)) * (sync + 2),
                        link_id=str(n) if activity else None,
                        fetched_at=fetched,
                    )
                    for n in range(links)
                ]
                events = []
                if sync == syncs - 1:
                    sent = campaign.sent_at or NOW
                    events = [
                        ClickEvent(
                            provider=provider,
                            campaign_id=cid,
                            activity_id=activity,
                            url=records[k % links].url,
                            link_id=records[k % links].link_id,
                            # the first SCANNER_EVENTS: link scanners, 3 links within a second
                            clicked_at=sent
                            + timedelta(
                                seconds=3600 * (k // 3) + k % 3
                                if k < SCANNER_EVENTS
                                else k * 613 % (86400 * 20)
                            ),
                            contact=f"{k // 3:032x}"
                            if k < SCANNER_EVENTS
                            else f"{rng.getrandbits(128):032x}",
                        )
                        for k in range(EVENTS_PER_CAMPAIGN)
                    ]
                stats = [  # delivery counts, grown by late deliveries over the first syncs
                    CampaignStats(
                        provider=provider,
                        campaign_id=cid,
                        activity_id=activity,
                        sent=20_000 + c % 100 * 50 + min(sync, 2),
                        bounces=c % 40,
                        fetched_at=fetched,
                    )
                ]
                store.write_campaign(
                    run,
                    account,
                    campaign,
                    records,
                    canonical=canonical,
                    events=events,
                    stats=stats,
                    fetched_at=fetched,
                )
            store.finish_run(run, campaigns=campaigns, links_changed=0, click_events=0, failures=0)
        decide, fingerprint = decider(HOME_ENV)
        redecide_all(store, fingerprint, decide)  # every event decided, as a sync leaves them
    tmp.rename(path)


def old_store(path: Path, snapshots: int, events: int) -> None:
    """A schema-4 store (before the compact schema), filled fast with plain SQL."""
    import sqlite3

    from linkreport.db.schema import migrate

    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=4)
    conn.execute("BEGIN")
    campaigns = [(f"send-{c % 2}", f"{c:08d}-5e1f-4a7b-9c2d-{c * 7919:012d}") for c in range(2000)]
    conn.executemany(
        "INSERT INTO campaigns (account, campaign_id, provider, sent_at, sent_at_source,"
        " first_seen_at) VALUES (?, ?, 'sitecore-send', '2026-03-02T09:00:00.000000Z',"
        " 'sent_at', '2026-03-02T09:00:00.000000Z')",
        campaigns,
    )

    def url(n: int) -> str:
        return f"https://www.shop{n % 40}.example.com/a-{n % 5000}?utm_campaign=c{n % 2000}"

    conn.executemany(
        "INSERT INTO link_snapshots (account, provider, campaign_id, url, unique_clicks,"
        " total_clicks, fetched_at, url_canonical) VALUES (?, 'sitecore-send', ?, ?, ?, ?, ?, ?)",
        (
            (
                *campaigns[n % 2000],
                url(n // 10),
                n,
                n * 2,
                f"2026-03-{1 + n % 10:02d}T10:00:00.000000Z",
                url(n // 10).partition("?")[0],
            )
            for n in range(snapshots)
        ),
    )
    conn.executemany(
        "INSERT INTO click_events VALUES (?, ?, 'sitecore-send', ?, NULL, ?, NULL, ?, ?)",
        (
            (
                f"{n:064x}",
                *campaigns[n % 2000],
                url(n // 10),
                f"2026-03-05T{n:015d}Z",
                f"{n:032x}",
            )
            for n in range(events)
        ),
    )
    conn.execute("COMMIT")
    conn.close()


def migration(rows: int) -> dict[str, float]:
    """Seconds to open a schema-4 store of ``rows`` snapshots and ``rows`` events (migrating)."""
    from linkreport.db import Store

    CACHE.mkdir(exist_ok=True)
    path = CACHE / "migration.db"
    old_store(path, rows, rows)
    before = path.stat().st_size
    started = time.perf_counter()
    with Store(path):
        pass
    elapsed = time.perf_counter() - started
    after = path.stat().st_size
    path.unlink()
    return {"rows": rows, "seconds": elapsed, "before": before, "after": after}


# --- the questions, hand-written ---------------------------------------------------------

# ``top``'s question with every field of its rows: each canonical URL's sums, how many
# campaigns, accounts, URLs and links, how many links each sum covers, the deliveries of its
# distinct campaigns (activities) and the click rate over those with a delivery count.
_TOP_RANKED = """,
sums AS (SELECT name, SUM(u) AS su, SUM(t) AS st, COUNT(DISTINCT ck) AS nc,
  COUNT(DISTINCT account) AS na, COUNT(DISTINCT url) AS nu, COUNT(*) AS n, COUNT(u) AS cu,
  COUNT(t) AS ct, SUM(CASE WHEN d IS NOT NULL THEN u END) AS ru FROM latest GROUP BY name),
sends AS (SELECT name, SUM(d) AS sd, SUM(CASE WHEN hu THEN d END) AS rd FROM
  (SELECT name, MAX(d) AS d, MAX(u IS NOT NULL) AS hu FROM latest GROUP BY name, ck, a)
  GROUP BY name)
SELECT name, su, st, nc, na, nu, n, cu, ct, sd, ROUND(CAST(ru AS REAL) / NULLIF(rd, 0), 6)
FROM sums JOIN sends USING (name) ORDER BY su IS NULL, su DESC, st DESC, name LIMIT 20
"""
TOP_VIEWS = (
    """
WITH latest AS (
  SELECT l.url_canonical AS name, l.account || ' ' || l.campaign_id AS ck, l.activity_id AS a,
         l.url, l.account, l.unique_clicks AS u, l.total_clicks AS t,
         (SELECT y.delivered FROM latest_stats AS y WHERE y.account = l.account
          AND y.campaign_id = l.campaign_id AND y.activity_id IS l.activity_id) AS d
  FROM latest_snapshots AS l JOIN campaigns AS c USING (account, campaign_id)
  WHERE c.sent_at >= ?)"""
    + _TOP_RANKED
)
TOP_TABLES = (
    """
WITH latest AS (
  SELECT u.url_canonical AS name, l.campaign_key AS ck, l.activity_id AS a, l.url_id AS url,
         k.account, s.unique_clicks AS u, s.total_clicks AS t,
         (SELECT y.delivered FROM stats AS y WHERE y.campaign_key = l.campaign_key
          AND y.activity_id IS l.activity_id ORDER BY y.stats_id DESC LIMIT 1) AS d
  FROM campaigns AS c JOIN campaign_keys AS k USING (account, campaign_id)
  JOIN links AS l ON l.campaign_key = k.campaign_key JOIN snapshots AS s ON s.snapshot_id =
    (SELECT MAX(x.snapshot_id) FROM snapshots AS x WHERE x.link_key = l.link_key)
  JOIN urls AS u ON u.url_id = l.url_id WHERE c.sent_at >= ?)"""
    + _TOP_RANKED
)
HISTORY_VIEWS = """
SELECT * FROM link_snapshots WHERE account = ? AND campaign_id = ? ORDER BY fetched_at, snapshot_id
"""
HISTORY_TABLES = """
SELECT s.*, u.url, u.url_canonical, l.activity_id, l.link_id FROM campaign_keys AS k
JOIN links AS l ON l.campaign_key = k.campaign_key JOIN snapshots AS s ON s.link_key = l.link_key
JOIN urls AS u ON u.url_id = l.url_id WHERE k.account = ? AND k.campaign_id = ?
ORDER BY s.fetched_at, s.snapshot_id
"""
# The report's question, asked as linkreport answers it (``report_data`` with people's clicks,
# as ``linkreport report`` asks): the campaigns; every latest link with its counts, people's and
# machines' clicks (stored verdicts) and its campaign's (activity's) deliveries; each campaign's
# deliveries; its clicks per day (per hour where they span at most 2 days) or, without click
# events, its running count at each sync; the 100 best-ranked canonical URLs with their sums,
# partial flags, deliveries and click rates; and the totals. The latest links go into a
# temporary table once, which the ranking and the totals read.
_CHOSEN = (
    "SELECT k.campaign_key FROM campaigns AS c JOIN campaign_keys AS k USING (account, campaign_id)"
    " WHERE c.sent_at >= ?"
)
_HUMANS_TABLES = (  # links in key order, each one's events in turn: no sort of all the events
    "SELECT l.link_key, COUNT(DISTINCT CASE WHEN e.machine = 0 THEN e.contact END) AS hu,"
    " SUM(e.machine = 0) AS ht, SUM(e.machine = 1) AS mt"
    " FROM links AS l JOIN events AS e ON e.link_key = l.link_key"
    f" WHERE l.campaign_key IN ({_CHOSEN}) GROUP BY l.link_key"
)
_LATEST_TABLES = (
    f"CREATE TEMP TABLE latest AS WITH h AS ({_HUMANS_TABLES}),"
    " hc AS (SELECT DISTINCT l.campaign_key FROM h JOIN links AS l ON l.link_key = h.link_key)"
    " SELECT k.account, k.campaign_id, k.campaign_key AS ck, u.url, u.url_canonical,"
    " s.unique_clicks AS u, s.total_clicks AS t, l.activity_id, s.activity_role,"
    " CASE WHEN hc.campaign_key IS NOT NULL THEN COALESCE(h.hu, 0) END AS hu,"
    " CASE WHEN hc.campaign_key IS NOT NULL THEN COALESCE(h.ht, 0) END AS ht,"
    " CASE WHEN hc.campaign_key IS NOT NULL THEN COALESCE(h.mt, 0) END AS mt,"
    " (SELECT y.delivered FROM stats AS y WHERE y.campaign_key = l.campaign_key"
    " AND y.activity_id IS l.activity_id ORDER BY y.stats_id DESC LIMIT 1) AS d, s.snapshot_id"
    " FROM campaigns AS c JOIN campaign_keys AS k USING (account, campaign_id)"
    " JOIN links AS l ON l.campaign_key = k.campaign_key JOIN snapshots AS s ON s.snapshot_id ="
    " (SELECT MAX(x.snapshot_id) FROM snapshots AS x WHERE x.link_key = l.link_key)"
    " JOIN urls AS u ON u.url_id = l.url_id LEFT JOIN h ON h.link_key = l.link_key"
    " LEFT JOIN hc ON hc.campaign_key = k.campaign_key WHERE c.sent_at >= ? ORDER BY s.snapshot_id"
)
_LATEST_VIEWS = (
    "CREATE TEMP TABLE latest AS WITH h AS (SELECT e.account, e.campaign_id, e.activity_id,"
    " e.link_id, e.url, COUNT(DISTINCT CASE WHEN e.machine = 0 THEN e.contact END) AS hu,"
    " SUM(e.machine = 0) AS ht, SUM(e.machine = 1) AS mt FROM click_events AS e"
    " JOIN campaigns AS c USING (account, campaign_id) WHERE c.sent_at >= ? GROUP BY 1, 2, 3, 4, 5),"
    " hc AS (SELECT DISTINCT account, campaign_id FROM h)"
    " SELECT l.account, l.campaign_id, l.account || ' ' || l.campaign_id AS ck, l.url,"
    " l.url_canonical, l.unique_clicks AS u, l.total_clicks AS t, l.activity_id,"
    " l.activity_role,"
    " CASE WHEN hc.account IS NOT NULL THEN COALESCE(h.hu, 0) END AS hu,"
    " CASE WHEN hc.account IS NOT NULL THEN COALESCE(h.ht, 0) END AS ht,"
    " CASE WHEN hc.account IS NOT NULL THEN COALESCE(h.mt, 0) END AS mt,"
    " (SELECT y.delivered FROM latest_stats AS y WHERE y.account = l.account"
    " AND y.campaign_id = l.campaign_id AND y.activity_id IS l.activity_id) AS d, l.snapshot_id"
    " FROM latest_snapshots AS l JOIN campaigns AS c USING (account, campaign_id)"
    " LEFT JOIN h ON h.account = l.account AND h.campaign_id = l.campaign_id"
    " AND h.activity_id IS l.activity_id AND h.link_id IS l.link_id AND h.url = l.url"
    " LEFT JOIN hc ON hc.account = l.account AND hc.campaign_id = l.campaign_id"
    " WHERE c.sent_at >= ? ORDER BY l.snapshot_id"
)
_REPORT_LINKS = "SELECT * FROM temp.latest ORDER BY rowid"  # made in the snapshots' order
_REPORT_TOP = (  # every canonical URL's sums rank it; only the first 100 are counted further
    "WITH ranked AS (SELECT url_canonical AS name, SUM(u) AS su, SUM(t) AS st FROM temp.latest"
    " GROUP BY 1 ORDER BY su IS NULL, su DESC, st IS NULL, st DESC, name LIMIT 100),"
    " chosen AS (SELECT * FROM temp.latest WHERE url_canonical IN (SELECT name FROM ranked)),"
    " counts AS (SELECT url_canonical AS name, COUNT(DISTINCT ck) AS nc,"
    " COUNT(DISTINCT account) AS na, COUNT(DISTINCT url) AS nu, COUNT(*) AS n, COUNT(u) AS cu,"
    " COUNT(t) AS ct, SUM(CASE WHEN d IS NOT NULL THEN u END) AS ru FROM chosen GROUP BY 1),"
    " sends AS (SELECT name, SUM(d) AS sd, SUM(CASE WHEN hu THEN d END) AS rd FROM"
    " (SELECT url_canonical AS name, MAX(d) AS d, MAX(u IS NOT NULL) AS hu FROM chosen"
    " GROUP BY 1, ck, activity_id) GROUP BY name)"
    " SELECT ranked.name, su, st, nc, na, nu, st IS NOT NULL AND ct < n,"
    " su IS NOT NULL AND cu < n, sd, CAST(ru AS REAL) / NULLIF(rd, 0) FROM ranked"
    " JOIN counts ON counts.name = ranked.name JOIN sends ON sends.name = ranked.name"
    " ORDER BY su IS NULL, su DESC, st IS NULL, st DESC, ranked.name"
)
_REPORT_TOTALS = (
    "SELECT SUM(n), SUM(su), SUM(st), SUM(n > 0 AND ct = 0), SUM(shu), SUM(sht), SUM(smt),"
    " SUM(cm > 0), SUM(n > 0 AND cu = 0), SUM(cu), SUM(ct), SUM(cp), SUM(pu), SUM(pt) FROM"
    " (SELECT COUNT(*) AS n, SUM(u) AS su, SUM(t) AS st, COUNT(u) AS cu, COUNT(t) AS ct,"
    " SUM(hu) AS shu, SUM(ht) AS sht, SUM(mt) AS smt, COUNT(mt) AS cm,"
    " COUNT(CASE WHEN u IS NOT NULL AND t IS NOT NULL THEN 1 END) AS cp,"
    " SUM(CASE WHEN t IS NOT NULL THEN u END) AS pu, SUM(CASE WHEN u IS NOT NULL THEN t END) AS pt"
    " FROM temp.latest GROUP BY ck)"
)
_CAMPAIGN_LINKS = (
    "FROM campaigns AS c JOIN campaign_keys AS k USING (account, campaign_id)"
    " JOIN links AS l ON l.campaign_key = k.campaign_key"
)
REPORT_TABLES = {
    "campaigns": "SELECT * FROM campaigns WHERE sent_at >= ?"
    " ORDER BY sent_at DESC, account, campaign_id",
    "latest": _LATEST_TABLES,
    "delivered": "SELECT k.account, k.campaign_id, SUM(s.delivered)"
    " FROM campaigns AS c JOIN campaign_keys AS k USING (account, campaign_id)"
    " JOIN stats AS s ON s.campaign_key = k.campaign_key AND s.stats_id ="
    " (SELECT MAX(t.stats_id) FROM stats AS t WHERE t.campaign_key = s.campaign_key"
    " AND t.activity_id IS s.activity_id) WHERE c.sent_at >= ? GROUP BY k.campaign_key",
    "days": "SELECT k.account, k.campaign_id, substr(e.clicked_at, 1, 10) AS day, COUNT(*)"
    f" {_CAMPAIGN_LINKS} JOIN events AS e ON e.link_key = l.link_key"
    " WHERE c.sent_at >= ? GROUP BY k.campaign_key, day",
    # a campaign whose days with clicks span at most 2 days: per hour, if its clicks do
    "hours": "SELECT substr(e.clicked_at, 1, 13), COUNT(*) FROM campaign_keys AS k"
    " JOIN links AS l ON l.campaign_key = k.campaign_key JOIN events AS e ON e.link_key = l.link_key"
    " WHERE k.account = ?1 AND k.campaign_id = ?2 AND (SELECT julianday(MAX(y.clicked_at))"
    " - julianday(MIN(y.clicked_at)) FROM links AS x JOIN events AS y ON y.link_key = x.link_key"
    " WHERE x.campaign_key = k.campaign_key) <= 2 GROUP BY 1",
    # each campaign without click events: its running count at each sync (the sum of changes)
    "snapshots": "WITH d AS (SELECT k.account, k.campaign_id,"
    " COALESCE(s.run_id, s.fetched_at) AS run, s.fetched_at,"
    " COALESCE(s.unique_clicks, 0) - COALESCE(LAG(s.unique_clicks) OVER w, 0) AS u,"
    " COALESCE(s.total_clicks, 0) - COALESCE(LAG(s.total_clicks) OVER w, 0) AS t"
    f" {_CAMPAIGN_LINKS} JOIN snapshots AS s ON s.link_key = l.link_key"
    " WHERE c.sent_at >= ? AND NOT EXISTS (SELECT 1 FROM links AS x"
    " JOIN events AS e ON e.link_key = x.link_key WHERE x.campaign_key = k.campaign_key)"
    " WINDOW w AS (PARTITION BY s.link_key ORDER BY s.snapshot_id))"
    " SELECT account, campaign_id, run, MAX(fetched_at), SUM(u), SUM(t) FROM d GROUP BY 1, 2, 3",
}
REPORT_VIEWS = {
    "campaigns": REPORT_TABLES["campaigns"],
    "latest": _LATEST_VIEWS,
    "delivered": "SELECT s.account, s.campaign_id, SUM(s.delivered) FROM latest_stats AS s"
    " JOIN campaigns AS c USING (account, campaign_id) WHERE c.sent_at >= ? GROUP BY 1, 2",
    "days": "SELECT e.account, e.campaign_id, substr(e.clicked_at, 1, 10) AS day, COUNT(*)"
    " FROM click_events AS e JOIN campaigns AS c USING (account, campaign_id)"
    " WHERE c.sent_at >= ? GROUP BY 1, 2, 3",
    "hours": "SELECT substr(clicked_at, 1, 13), COUNT(*) FROM click_events"
    " WHERE account = ?1 AND campaign_id = ?2 AND (SELECT julianday(MAX(clicked_at))"
    " - julianday(MIN(clicked_at)) FROM click_events WHERE account = ?1 AND campaign_id = ?2)"
    " <= 2 GROUP BY 1",
    "snapshots": "WITH d AS (SELECT s.account, s.campaign_id,"
    " COALESCE(s.run_id, s.fetched_at) AS run, s.fetched_at,"
    " COALESCE(s.unique_clicks, 0) - COALESCE(LAG(s.unique_clicks) OVER w, 0) AS u,"
    " COALESCE(s.total_clicks, 0) - COALESCE(LAG(s.total_clicks) OVER w, 0) AS t"
    " FROM link_snapshots AS s JOIN campaigns AS c USING (account, campaign_id)"
    " WHERE c.sent_at >= ? AND NOT EXISTS (SELECT 1 FROM click_events AS e"
    " WHERE e.account = s.account AND e.campaign_id = s.campaign_id)"
    " WINDOW w AS (PARTITION BY s.account, s.campaign_id, s.activity_id, s.link_id, s.url,"
    " s.occurrence ORDER BY s.snapshot_id))"
    " SELECT account, campaign_id, run, MAX(fetched_at), SUM(u), SUM(t) FROM d GROUP BY 1, 2, 3",
}


def hand_report(conn: Any, since: str, statements: dict[str, str]) -> list[Any]:
    """The report's question in hand-written SQL (``REPORT_TABLES`` or ``REPORT_VIEWS``).

    The only Python: which campaigns' clicks might span at most 2 days (from their days with
    clicks), whose hours are then asked for.
    """
    answers = [conn.execute(statements["campaigns"], (since,)).fetchall()]
    conn.execute(statements["latest"], (since, since))
    for sql in (_REPORT_LINKS, _REPORT_TOP, _REPORT_TOTALS):
        answers.append(conn.execute(sql).fetchall())
    conn.execute("DROP TABLE temp.latest")
    for name in ("delivered", "days", "snapshots"):
        answers.append(conn.execute(statements[name], (since,)).fetchall())
    spans: dict[tuple[str, str], list[str]] = {}
    for account, campaign_id, day, _ in answers[-2]:
        spans.setdefault((account, campaign_id), []).append(day)
    for key, days in spans.items():
        first, last = datetime.fromisoformat(min(days)), datetime.fromisoformat(max(days))
        if last - first <= timedelta(days=2):
            answers.append(conn.execute(statements["hours"], key).fetchall())
    return answers


DUCKDB_VENV = CACHE / "duckdb-venv"
#: DuckDB and its SQLite scanner: an extension loads only into the DuckDB of its own version.
DUCKDB_PACKAGES = ("duckdb==1.5.5", "duckdb-extension-sqlite-scanner==1.5.5")


def duckdb_python() -> Path:
    """DuckDB's own venv (a benchmark peer only: never a dependency of the workspace)."""
    python = DUCKDB_VENV / "bin" / "python"
    if not python.exists():
        CACHE.mkdir(exist_ok=True)
        uv = uv_command()
        subprocess.run(
            [*uv, "venv", "--quiet", "--python", "python3", str(DUCKDB_VENV)], check=True
        )
        subprocess.run(
            [*uv, "pip", "install", "--quiet", "--python", str(python), *DUCKDB_PACKAGES],
            check=True,
        )
    return python


class DuckDB:
    """A DuckDB process with the store attached, asked one question at a time."""

    def __init__(self, db: Path) -> None:
        self.process = subprocess.Popen(
            [str(duckdb_python()), str(ROOT / "benchmarks" / "duckdb_worker.py"), str(db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _call(self, message: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the DuckDB worker ended (status {self.process.wait()})")
        return dict(json.loads(line))

    def ask(self, question: str, days: int, campaign: str) -> float:
        """Seconds to answer ``question`` once (results fetched)."""
        asked = {"question": question, "since": _since(days), "campaign": campaign}
        return float(self._call(asked)["seconds"])

    def peak(self) -> int:
        """The worker's peak memory so far (bytes)."""
        return int(self._call({"peak": True})["peak"])

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def duckdb_peak(db: Path, question: str, days: int, campaign: str) -> int:
    """The peak memory of a fresh DuckDB process that asked the question once."""
    duck = DuckDB(db)
    try:
        duck.ask(question, days, campaign)
        return duck.peak()
    finally:
        duck.close()


def _since(days: int) -> str:
    return (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def ask(db: str, question: str, how: str, days: int, campaign: str, store: Any = None) -> float:
    """Ask one question one way; return the seconds it took (``store``: ours, already open)."""
    return timed(db, question, how, days, campaign, store)[0]


def timed(
    db: str, question: str, how: str, days: int, campaign: str, store: Any = None
) -> tuple[float, float]:
    """Ask one question one way: the seconds it took, and this process's CPU seconds for it.

    The CPU time is what a loaded machine blurs least (SQLite works in this process).
    """
    import sqlite3

    since = NOW - timedelta(days=days)
    if how == "ours":
        from linkreport.db import history, top
        from linkreport.db.report import report_data
        from linkreport.db.verdicts import decider

        humans = decider(HOME_ENV)  # the [humans] settings, read once per command
        started, cpu = time.perf_counter(), time.process_time()
        if question == "top":
            top(store, since=since, limit=20)
        elif question == "history":
            account, cid = campaign.split(" ")
            history(store, account, cid)
        elif question == "report":  # as ``linkreport report`` asks: with people's clicks
            report_data(store, since=since, now=NOW, humans=humans)
        return time.perf_counter() - started, time.process_time() - cpu
    conn = sqlite3.connect(db)
    views = how == "views"
    started, cpu = time.perf_counter(), time.process_time()
    if question == "top":
        conn.execute(TOP_VIEWS if views else TOP_TABLES, (_since(days),)).fetchall()
    elif question == "history":
        conn.execute(HISTORY_VIEWS if views else HISTORY_TABLES, campaign.split(" ")).fetchall()
    elif question == "report":
        hand_report(conn, _since(days), REPORT_VIEWS if views else REPORT_TABLES)
    elapsed = time.perf_counter() - started, time.process_time() - cpu
    conn.close()
    return elapsed


def peak(db: str, question: str, how: str, days: int, campaign: str) -> int:
    """The peak memory (bytes) of this process after asking the question once."""
    import resource

    from linkreport.db import Store

    with Store(db) as store:
        if how != "open":
            ask(db, question, how, days, campaign, store)
    return own_peak() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def own_peak() -> int | None:
    """This process's own peak resident memory (bytes; Linux ``VmHWM``), else ``None``.

    Not ``ru_maxrss``: Linux carries the parent's resident size at the fork into a child's
    ``ru_maxrss`` across ``exec``, so a child of a process that had read much reported the
    parent's peak (101 MB for one campaign's history, where it takes 19).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _child(db: Path, question: str, how: str, days: int, campaign: str) -> int:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.store",
            "--ask",
            question,
            how,
            str(days),
            campaign,
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return int(json.loads(out.strip().splitlines()[-1]))


def sizes(db: Path) -> dict[str, float]:
    """Bytes on disk per snapshot and per click event (each with its share of keys and URLs)."""
    import sqlite3

    conn = sqlite3.connect(db)
    pages = dict(conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
    owners = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'"))
    by_table: dict[str, int] = {}
    for name, size in pages.items():
        table = owners.get(name, name)
        by_table[table] = by_table.get(table, 0) + size
    snapshots = conn.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0]
    events = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    shared = sum(by_table.get(t, 0) for t in ("links", "urls", "campaign_keys"))
    return {
        "snapshots": snapshots,
        "events": events,
        "file": db.stat().st_size,
        "per_snapshot": (by_table["snapshots"] + shared) / snapshots,
        "per_event": by_table["events"] / events,
        "shared": shared,
    }


QUESTIONS = (
    ("top", 90, "top --since 90d (by canonical URL, 20 rows)"),
    ("top", 400, "top --since 400d (every row)"),
    ("history", 0, "history of one campaign"),
    ("report", 7, "report --since 7d"),
    ("report", 90, "report --since 90d"),
)


def agree(db: Path, store: Any, days: int) -> None:
    """Check that the hand-written peers answer what linkreport answers (an honest peer).

    ``report``: every link with every field, the ranked canonical URLs with their sums,
    flags, deliveries and click rates, and the totals; ``top``: every field of its rows.
    """
    import sqlite3

    from linkreport.db import top
    from linkreport.db.report import report_data
    from linkreport.db.verdicts import decider

    since = NOW - timedelta(days=days)
    ours = report_data(store, since=since, now=NOW, humans=decider(HOME_ENV))
    links = sorted((c.account, c.campaign_id, *link) for c in ours.campaigns for link in c.links)
    ranked = [
        (
            *(t.url, t.unique_clicks, t.total_clicks, t.campaigns, t.accounts, t.links),
            *(int(t.total_partial), int(t.unique_partial), t.delivered, t.click_rate),
        )
        for t in ours.top_links
    ]
    o = ours.totals
    totals = (o.links, o.unique_clicks, o.total_clicks, o.campaigns_without_total)
    totals += (o.human_unique_clicks, o.human_total_clicks, o.machine_clicks)
    totals += (o.campaigns_with_events, o.campaigns_without_unique, o.unique_links)
    totals += (o.total_links, o.paired_links, o.paired_unique, o.paired_total)
    conn = sqlite3.connect(db)
    try:
        for statements in (REPORT_TABLES, REPORT_VIEWS):
            answers = hand_report(conn, _since(days), statements)
            peer_links = sorted(r[:2] + r[3:5] + r[5:13] for r in answers[1])
            assert peer_links == links, "the hand-written report's links differ"
            assert [tuple(r) for r in answers[2]] == ranked, "its ranking differs"
            assert answers[3][0] == totals, "its totals differ"
        rows = [tuple(r) for r in top(store, since=since, limit=20)]
        for sql in (TOP_TABLES, TOP_VIEWS):
            assert conn.execute(sql, (_since(days),)).fetchall() == rows, "top's peer differs"
    finally:
        conn.close()


def run(campaigns: int, links: int, syncs: int, runs: int) -> dict[str, Any]:
    """Build (or reuse) the store, then every question every way ``runs`` times."""
    CACHE.mkdir(exist_ok=True)
    db = CACHE / f"store-v2-{campaigns}x{links}x{syncs}.db"  # v2: delivery counts, verdicts
    if not db.exists():
        print(f"building {db} ...", flush=True)
        started = time.perf_counter()
        build(db, campaigns, links, syncs)
        print(f"built in {time.perf_counter() - started:.0f}s", flush=True)
    campaign = f"{_account(campaigns // 2)[0]} {campaigns // 2:08d}-5e1f-4a7b-9c2d-{campaigns // 2 * 7919:012d}"
    from linkreport.db import Store

    result: dict[str, Any] = {"sizes": sizes(db), "questions": {}}
    result["open_peak"] = _child(db, "top", "open", 0, campaign)
    hows = ("ours", "views", "tables", "duckdb")
    duck = DuckDB(db)
    try:
        with Store(db) as store:
            for days in (7, 90):  # the peers answer what linkreport answers
                agree(db, store, days)
            for question, days, label in QUESTIONS:
                ask(str(db), question, "ours", days, campaign, store)  # warm: first-call imports
                duck.ask(question, days, campaign)  # warm: DuckDB reads the file's schema once
                times: dict[str, list[float]] = {how: [] for how in hows}
                cpus: dict[str, list[float]] = {how: [] for how in hows}
                reps = 20 if question == "history" else 1  # milliseconds: averaged over 20 asks
                for _ in range(runs):  # interleaved, so a busy machine slows all four alike
                    for how in hows:
                        if how == "duckdb":  # it scans whole tables: seconds, not milliseconds
                            times[how].append(duck.ask(question, days, campaign))
                            continue
                        took = [
                            timed(str(db), question, how, days, campaign, store)
                            for _ in range(reps)
                        ]
                        times[how].append(sum(t[0] for t in took) / reps)
                        cpus[how].append(sum(t[1] for t in took) / reps)
                figures = {how: {"seconds": median(times[how])} for how in hows}
                for how in ("ours", "views", "tables"):
                    figures[how]["cpu"] = median(cpus[how])
                for how in ("ours", "tables"):
                    figures[how]["peak"] = _child(db, question, how, days, campaign)
                figures["duckdb"]["peak"] = duckdb_peak(db, question, days, campaign)
                result["questions"][label] = figures
    finally:
        duck.close()
    result["migration"] = migration(200_000)
    return result


def section(result: dict[str, Any]) -> list[str]:
    """The markdown section for docs/performance.md."""
    s = result["sizes"]
    mb = 2**20
    lines = ["## 9. The store at scale", ""]
    lines.append(
        f"A store of {s['snapshots']:,} link snapshots and {s['events']:,} click events, built through the "
        "Store API (`python -m benchmarks.store`): each question asked of linkreport's query functions and, side "
        "by side in the same run, as hand-written SQL (`sqlite3`) over the same file, over the documented views "
        "and over the tables, and in DuckDB over the same file (its SQLite scanner, installed from PyPI's "
        "`duckdb-extension-sqlite-scanner` into DuckDB's own virtual environment and loaded from that file, "
        "since DuckDB would otherwise download it). Times are medians of runs, the four ways interleaved "
        "(DuckDB in its own process, attached once; results fetched), and for linkreport and the "
        "hand-written SQL also the CPU time of the process, in which SQLite works: a loaded machine "
        "stretches wall times by its waits, CPU times far less. Peak memory is each question's own "
        f"process (a process that only opens the store peaks at {result['open_peak'] / mb:.0f} MB). "
        "Every peer asks the whole question, fields included, and the run checks that the hand-written "
        "answers equal linkreport's: `top`'s rows with their delivery counts, click rates and link "
        "counts; `report` as `linkreport report` reads it: the campaigns, every latest link with "
        "people's and machines' clicks (stored verdicts) and its deliveries, each campaign's deliveries "
        "and clicks per day (or running count per sync), the 100 best-ranked canonical URLs with their "
        "sums, partial flags, deliveries and click rates, and the totals. The store is as a sync leaves "
        "it: delivery counts, 30 of each campaign's 500 click events a link scanner's, every event "
        "decided.\n"
    )
    lines.append(
        "| question | linkreport | hand SQL (views) | hand SQL (tables) | DuckDB | ratio to the fastest | "
        "CPU: ours / hand SQL (tables) | peak memory (ours / tables / DuckDB) |"
    )
    lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, f in result["questions"].items():
        ours, views, tables, duck = f["ours"], f["views"], f["tables"], f["duckdb"]
        best = min(views["seconds"], tables["seconds"], duck["seconds"])
        lines.append(
            f"| {label} | {ours['seconds']:.3f} s | {views['seconds']:.3f} s | {tables['seconds']:.3f} s | "
            f"{duck['seconds']:.3f} s | **{ours['seconds'] / best:.2f}** | {ours['cpu']:.3f} / "
            f"{tables['cpu']:.3f} s = **{ours['cpu'] / tables['cpu']:.2f}** | {ours['peak'] / mb:.0f} / "
            f"{tables['peak'] / mb:.0f} / {duck['peak'] / mb:.0f} MB |"
        )
    lines.append("")
    lines.append(
        f"On disk: {s['file'] / mb:,.0f} MB; **{s['per_snapshot']:.0f} bytes per snapshot** (its row and index "
        f"entry, with its share of the link keys and URLs, {s['shared'] / mb:.0f} MB) and "
        f"**{s['per_event']:.0f} bytes per click event** (goals: 250 and 150).\n"
    )
    m = result["migration"]
    lines.append(
        f"Migrating a store from schema 4 ({m['rows']:,} snapshots and {m['rows']:,} click events, "
        f"{m['before'] / mb:.0f} MB) to the compact schema, compaction included, took {m['seconds']:.1f} s "
        f"(once; the file became {m['after'] / mb:.0f} MB).\n"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--campaigns", type=int, default=2000)
    parser.add_argument("--links", type=int, default=50)
    parser.add_argument("--syncs", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ask", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ask:
        question, how, days, campaign = args.ask
        print(json.dumps(peak(args.db, question, how, int(days), campaign)))
        return
    result = run(args.campaigns, args.links, args.syncs, args.runs)
    print("\n".join(section(result)))


if __name__ == "__main__":
    main()
