"""Human-click verdicts at scale: re-deciding 1M stored click events, and ``top --humans``.

uv run python -m benchmarks.verdicts [--campaigns 2000] [--events 500] [--runs 3]

A store of ``--campaigns`` campaigns of 20 links and ``--events`` click events each (people's
clicks minutes to days apart, a scanner burst on every tenth contact, time-of-click echoes,
IPv4 networks as pseudonyms) is filled with plain SQL into ``.bench/verdicts-<size>.db`` and
reused. Measured (medians of ``--runs``, in one process): every verdict decided from scratch
(as after a ``[humans]`` change: batches of 50,000 events, each a write transaction), the same
when nothing changes but the fingerprint (reads and classification only), one campaign
re-decided after a sync adds events to it, and ``top --humans`` with stored verdicts beside
``top --humans`` deciding as it reads (the store only read, settings changed since).
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT, median

CACHE = ROOT / ".bench"
SENT = datetime(2026, 10, 1, 9, tzinfo=UTC)
LINKS = 20


def _text(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build(path: Path, campaigns: int, events: int) -> None:
    """Fill a store of the current schema with plain SQL (quick at a million rows)."""
    from linkreport.db.schema import migrate

    rng = random.Random(29)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp, isolation_level=None)
    migrate(conn)
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO accounts VALUES ('acme', 'sitecore-send', ?, ?)", (_text(SENT), _text(SENT))
    )
    conn.executemany(
        "INSERT INTO campaigns (account, campaign_id, provider, sent_at, sent_at_source,"
        " first_seen_at) VALUES ('acme', ?, 'sitecore-send', ?, 'sent_at', ?)",
        [
            (f"c{c:06d}", _text(SENT - timedelta(hours=c)), _text(SENT - timedelta(hours=c)))
            for c in range(campaigns)
        ],
    )
    conn.executemany(
        "INSERT INTO campaign_keys VALUES (?, 'acme', ?, 'sitecore-send')",
        [(c + 1, f"c{c:06d}") for c in range(campaigns)],
    )
    conn.executemany(
        "INSERT INTO urls VALUES (?, ?, ?, 'shop.example', 'shop.example')",
        [(n + 1, f"https://shop.example/{n}", f"https://shop.example/{n}") for n in range(LINKS)],
    )
    conn.executemany(
        "INSERT INTO links (link_key, campaign_key, url_id) VALUES (?, ?, ?)",
        [(c * LINKS + n + 1, c + 1, n + 1) for c in range(campaigns) for n in range(LINKS)],
    )
    conn.executemany(
        "INSERT INTO snapshots (link_key, unique_clicks, total_clicks, fetched_at)"
        " VALUES (?, 10, 20, ?)",
        [(k + 1, _text(SENT)) for k in range(campaigns * LINKS)],
    )
    conn.executemany(
        "INSERT INTO networks (network_id, network) VALUES (?, ?)",
        [(n + 1, f"{rng.getrandbits(128):032x}") for n in range(500)],
    )

    def rows(c: int) -> list[tuple[Any, ...]]:
        sent = SENT - timedelta(hours=c)
        found: list[tuple[Any, ...]] = []
        contact = 0
        while len(found) < events:
            contact += 1
            who = f"{c:08x}{contact:024x}"
            network = rng.randint(1, 500)
            if contact % 10 == 0:  # a scanner: every link within a second or two
                at = sent + timedelta(seconds=rng.uniform(1, 60))
                for n in range(LINKS):
                    found.append((c * LINKS + n + 1, at + timedelta(seconds=n * 0.1), who, network))
                continue
            at = sent + timedelta(minutes=rng.uniform(5, 60 * 72))
            n = rng.randrange(LINKS)
            found.append((c * LINKS + n + 1, at, who, network))
            if contact % 7 == 0:  # the gateway re-fetches the person's click seconds later
                found.append(
                    (c * LINKS + n + 1, at + timedelta(seconds=12), who, network % 500 + 1)
                )
        return found[:events]

    for c in range(campaigns):
        conn.executemany(
            "INSERT OR IGNORE INTO events (link_key, clicked_at, contact, event_key, network_id)"
            " VALUES (?, ?, ?, ?, ?)",
            [(k, _text(at), who, rng.randbytes(32), net) for k, at, who, net in rows(c)],
        )
    conn.execute("COMMIT")
    conn.close()
    tmp.rename(path)


def run(campaigns: int, events: int, runs: int) -> dict[str, Any]:
    """Build (or reuse) the store; time each question ``runs`` times."""
    from linkreport.db import Store, top
    from linkreport.db.verdicts import decide_campaign, decider, redecide_all

    CACHE.mkdir(exist_ok=True)
    db = CACHE / f"verdicts-{campaigns}x{events}.db"
    if not db.exists():
        started = time.perf_counter()
        build(db, campaigns, events)
        print(f"built {db} in {time.perf_counter() - started:.0f}s", flush=True)
    decide, fingerprint = decider({"LINKREPORT_HOME": str(CACHE / "no-home")})
    result: dict[str, Any] = {"campaigns": campaigns}
    times: dict[str, list[float]] = {"all": [], "unchanged": [], "one": [], "fresh": [], "read": []}
    with Store(db) as store:
        result["events"] = store.query("SELECT COUNT(*) FROM events")[0][0]
        for n in range(runs):
            with store.transaction() as conn:  # as if no verdict had been made
                conn.execute("UPDATE events SET machine = NULL, reason_id = NULL")
            started = time.perf_counter()
            redecide_all(store, f"{fingerprint}#{n}a", decide)
            times["all"].append(time.perf_counter() - started)
            started = time.perf_counter()
            redecide_all(store, f"{fingerprint}#{n}b", decide)  # same rules, a new fingerprint
            times["unchanged"].append(time.perf_counter() - started)
            started = time.perf_counter()
            decide_campaign(store, "acme", f"c{n:06d}", decide)
            times["one"].append(time.perf_counter() - started)
            started = time.perf_counter()
            ranked = top(store, humans=(decide, f"{fingerprint}#{n}b"))
            times["fresh"].append(time.perf_counter() - started)
            started = time.perf_counter()
            top(store, humans=(decide, "changed since"))
            times["read"].append(time.perf_counter() - started)
        machines = store.query("SELECT SUM(machine) FROM events")[0][0]
    result["machine_share"] = machines / result["events"]
    result["top_rows"] = len(ranked)
    result["seconds"] = {k: median(v) for k, v in times.items()}
    return result


def section(result: dict[str, Any]) -> list[str]:
    """A markdown table of the result."""
    s = result["seconds"]
    return [
        f"{result['events']:,} stored click events ({result['campaigns']:,} campaigns of 20 links;"
        f" {result['machine_share']:.0%} of them machines'), medians:",
        "",
        "| what | seconds |",
        "| --- | ---: |",
        f"| every verdict decided from scratch (batches of 50,000 events) | {s['all']:.2f} |",
        f"| every verdict re-decided, none changes (a new fingerprint) | {s['unchanged']:.2f} |",
        f"| one campaign re-decided after a sync added events | {s['one']:.4f} |",
        f"| `top --humans`, stored verdicts | {s['fresh']:.2f} |",
        f"| `top --humans`, settings changed since (decided as it reads) | {s['read']:.2f} |",
    ]


def main() -> None:
    """Run and print the section (and the raw figures as JSON)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--campaigns", type=int, default=2000)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    result = run(args.campaigns, args.events, args.runs)
    print("\n".join(section(result)))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
