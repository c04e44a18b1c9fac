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
Times are medians of ``--runs`` runs, the four ways interleaved; peak memory is each question's
own process (``ru_maxrss``), beside one that only opens the store.
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
CACHE = ROOT / ".bench"


def _account(c: int) -> tuple[str, str]:
    return ("cc", "constant-contact") if c % 3 == 2 else (f"send-{c % 2}", "sitecore-send")


def build(path: Path, campaigns: int, links: int, syncs: int) -> None:
    """Fill a new store through its API: ``syncs`` syncs, then the click events."""
    from linkreport.canonical import Canonicalizer
    from linkreport.db import Store
    from linkreport.records import Campaign, ClickEvent, LinkClicks

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
                            clicked_at=sent + timedelta(seconds=k * 613 % (86400 * 20)),
                            contact=f"{rng.getrandbits(128):032x}",
                        )
                        for k in range(EVENTS_PER_CAMPAIGN)
                    ]
                store.write_campaign(
                    run, account, campaign, records, canonical=canonical, events=events
                )
            store.finish_run(run, campaigns=campaigns, links_changed=0, click_events=0, failures=0)
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

TOP_VIEWS = """
SELECT l.url_canonical, SUM(l.unique_clicks) AS u, SUM(l.total_clicks) AS t,
       COUNT(DISTINCT l.account || ' ' || l.campaign_id), COUNT(DISTINCT l.account),
       COUNT(DISTINCT l.url)
FROM latest_snapshots AS l JOIN campaigns AS c USING (account, campaign_id)
WHERE c.sent_at >= ? GROUP BY l.url_canonical
ORDER BY COALESCE(u, 0) DESC, COALESCE(t, 0) DESC, l.url_canonical LIMIT 20
"""
TOP_TABLES = """
WITH latest AS (
  SELECT l.campaign_key, l.url_id, s.unique_clicks AS u, s.total_clicks AS t
  FROM campaigns AS c JOIN campaign_keys AS k USING (account, campaign_id)
  JOIN links AS l ON l.campaign_key = k.campaign_key JOIN snapshots AS s ON s.snapshot_id =
    (SELECT MAX(x.snapshot_id) FROM snapshots AS x WHERE x.link_key = l.link_key)
  WHERE c.sent_at >= ?)
SELECT u.url_canonical, SUM(latest.u) AS su, SUM(latest.t) AS st,
       COUNT(DISTINCT latest.campaign_key), COUNT(DISTINCT k.account), COUNT(DISTINCT u.url_id)
FROM latest JOIN urls AS u USING (url_id) JOIN campaign_keys AS k USING (campaign_key)
GROUP BY u.url_canonical ORDER BY COALESCE(su, 0) DESC, COALESCE(st, 0) DESC, u.url_canonical
LIMIT 20
"""
HISTORY_VIEWS = """
SELECT * FROM link_snapshots WHERE account = ? AND campaign_id = ? ORDER BY fetched_at, snapshot_id
"""
HISTORY_TABLES = """
SELECT s.*, u.url, u.url_canonical, l.activity_id, l.link_id FROM campaign_keys AS k
JOIN links AS l ON l.campaign_key = k.campaign_key JOIN snapshots AS s ON s.link_key = l.link_key
JOIN urls AS u ON u.url_id = l.url_id WHERE k.account = ? AND k.campaign_id = ?
ORDER BY s.fetched_at, s.snapshot_id
"""
REPORT_VIEWS = (
    "SELECT * FROM campaigns WHERE sent_at >= ? ORDER BY sent_at DESC",
    "SELECT l.* FROM latest_snapshots AS l JOIN campaigns AS c USING (account, campaign_id)"
    " WHERE c.sent_at >= ?",
    "SELECT e.account, e.campaign_id, substr(e.clicked_at, 1, 10) AS day, COUNT(*)"
    " FROM click_events AS e JOIN campaigns AS c USING (account, campaign_id)"
    " WHERE c.sent_at >= ? GROUP BY 1, 2, 3",
    # each campaign without click events: its running count at each sync (the sum of changes)
    "WITH d AS (SELECT s.account, s.campaign_id, COALESCE(s.run_id, s.fetched_at) AS run,"
    " s.fetched_at, COALESCE(s.unique_clicks, 0) - COALESCE(LAG(s.unique_clicks) OVER w, 0) AS u,"
    " COALESCE(s.total_clicks, 0) - COALESCE(LAG(s.total_clicks) OVER w, 0) AS t"
    " FROM link_snapshots AS s JOIN campaigns AS c USING (account, campaign_id)"
    " WHERE c.sent_at >= ? AND NOT EXISTS (SELECT 1 FROM click_events AS e"
    " WHERE e.account = s.account AND e.campaign_id = s.campaign_id)"
    " WINDOW w AS (PARTITION BY s.account, s.campaign_id, s.activity_id, s.link_id, s.url"
    " ORDER BY s.snapshot_id))"
    " SELECT account, campaign_id, run, MAX(fetched_at), SUM(u), SUM(t) FROM d GROUP BY 1, 2, 3",
)
_CAMPAIGN_LINKS = (
    "FROM campaigns AS c JOIN campaign_keys AS k USING (account, campaign_id)"
    " JOIN links AS l ON l.campaign_key = k.campaign_key"
)
REPORT_TABLES = (
    "SELECT * FROM campaigns WHERE sent_at >= ? ORDER BY sent_at DESC",
    "SELECT s.*, u.url, u.url_canonical, l.activity_id"
    f" {_CAMPAIGN_LINKS} JOIN snapshots AS s ON s.snapshot_id ="
    " (SELECT MAX(x.snapshot_id) FROM snapshots AS x WHERE x.link_key = l.link_key)"
    " JOIN urls AS u ON u.url_id = l.url_id WHERE c.sent_at >= ?",
    "SELECT k.account, k.campaign_id, substr(e.clicked_at, 1, 10) AS day, COUNT(*)"
    f" {_CAMPAIGN_LINKS} JOIN events AS e ON e.link_key = l.link_key"
    " WHERE c.sent_at >= ? GROUP BY 1, 2, 3",
    "WITH d AS (SELECT k.account, k.campaign_id, COALESCE(s.run_id, s.fetched_at) AS run,"
    " s.fetched_at, COALESCE(s.unique_clicks, 0) - COALESCE(LAG(s.unique_clicks) OVER w, 0) AS u,"
    " COALESCE(s.total_clicks, 0) - COALESCE(LAG(s.total_clicks) OVER w, 0) AS t"
    f" {_CAMPAIGN_LINKS} JOIN snapshots AS s ON s.link_key = l.link_key"
    " WHERE c.sent_at >= ? AND NOT EXISTS (SELECT 1 FROM links AS x"
    " JOIN events AS e ON e.link_key = x.link_key WHERE x.campaign_key = k.campaign_key)"
    " WINDOW w AS (PARTITION BY s.link_key ORDER BY s.snapshot_id))"
    " SELECT account, campaign_id, run, MAX(fetched_at), SUM(u), SUM(t) FROM d GROUP BY 1, 2, 3",
)


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
    import sqlite3

    since = NOW - timedelta(days=days)
    if how == "ours":
        from linkreport.db import history, top
        from linkreport.db.report import report_data

        started = time.perf_counter()
        if question == "top":
            top(store, since=since, limit=20)
        elif question == "history":
            account, cid = campaign.split(" ")
            history(store, account, cid)
        elif question == "report":
            report_data(store, since=since, now=NOW)
        return time.perf_counter() - started
    conn = sqlite3.connect(db)
    views = how == "views"
    started = time.perf_counter()
    if question == "top":
        conn.execute(TOP_VIEWS if views else TOP_TABLES, (_since(days),)).fetchall()
    elif question == "history":
        conn.execute(HISTORY_VIEWS if views else HISTORY_TABLES, campaign.split(" ")).fetchall()
    elif question == "report":
        for sql in REPORT_VIEWS if views else REPORT_TABLES:
            conn.execute(sql, (_since(days),)).fetchall()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def peak(db: str, question: str, how: str, days: int, campaign: str) -> int:
    """The peak memory (bytes) of this process after asking the question once."""
    import resource

    from linkreport.db import Store

    with Store(db) as store:
        if how != "open":
            ask(db, question, how, days, campaign, store)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


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


def run(campaigns: int, links: int, syncs: int, runs: int) -> dict[str, Any]:
    """Build (or reuse) the store, then every question every way ``runs`` times."""
    CACHE.mkdir(exist_ok=True)
    db = CACHE / f"store-{campaigns}x{links}x{syncs}.db"
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
            for question, days, label in QUESTIONS:
                ask(str(db), question, "ours", days, campaign, store)  # warm: first-call imports
                duck.ask(question, days, campaign)  # warm: DuckDB reads the file's schema once
                times: dict[str, list[float]] = {how: [] for how in hows}
                reps = 20 if question == "history" else 1  # milliseconds: averaged over 20 asks
                for _ in range(runs):  # interleaved, so a busy machine slows all four alike
                    for how in hows:
                        if how == "duckdb":  # it scans whole tables: seconds, not milliseconds
                            times[how].append(duck.ask(question, days, campaign))
                            continue
                        took = [
                            ask(str(db), question, how, days, campaign, store) for _ in range(reps)
                        ]
                        times[how].append(sum(took) / reps)
                figures = {how: {"seconds": median(times[how])} for how in hows}
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
        "(DuckDB in its own process, attached once; results fetched); peak memory is each question's own "
        f"process (a process that only opens the store peaks at {result['open_peak'] / mb:.0f} MB).\n"
    )
    lines.append(
        "| question | linkreport | hand SQL (views) | hand SQL (tables) | DuckDB | ratio to the fastest | "
        "peak memory (ours / tables / DuckDB) |"
    )
    lines.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, f in result["questions"].items():
        ours, views, tables, duck = f["ours"], f["views"], f["tables"], f["duckdb"]
        best = min(views["seconds"], tables["seconds"], duck["seconds"])
        lines.append(
            f"| {label} | {ours['seconds']:.3f} s | {views['seconds']:.3f} s | {tables['seconds']:.3f} s | "
            f"{duck['seconds']:.3f} s | **{ours['seconds'] / best:.2f}** | {ours['peak'] / mb:.0f} / "
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
