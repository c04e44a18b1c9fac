"""Syncing many accounts: N accounts take about as long as the slowest one, not N times as long.

Five Sitecore Send accounts, each with its own API key and its own sandbox (2 calls per 2 s
window, 50 ms latency, 20 campaigns listed), synced by one ``linkreport sync`` into one
store, against one account synced alone and against the minimum one account's rate limit
allows: every request the sync makes (the campaign listing, then each campaign's link report
and click events, as counted by the sandbox) passes the account's limiter, so the last may
start after ``(requests - 1) // 2`` windows, plus one latency. The sync runs in process (``linkreport.sync.sync``, what the CLI calls), so the
interpreter's start-up (section 3), a fixed cost that the shortened window would magnify,
is left out, and an untimed warm-up sync of another account comes first.
"""

from __future__ import annotations

import os
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from linkreport.sandbox import serve

ACCOUNTS = 5
CAMPAIGNS = 18  # extra campaigns; the sandbox also lists its two samples
WINDOW = 2
LATENCY = 0.05


def minimum(requests: int) -> float:
    """When the last of one account's ``requests`` may start under its limit, plus a latency."""
    return (requests - 1) // 2 * WINDOW + LATENCY


def _sync(home: Path, names: list[str]) -> float:
    from linkreport.db import Store
    from linkreport.progress import Reporter
    from linkreport.runner import load_sources
    from linkreport.sync import sync

    env = {k: v for k, v in os.environ.items() if not k.startswith("LINKREPORT_")}
    env["LINKREPORT_HOME"] = str(home)
    sources = load_sources(env)
    since = datetime(2025, 1, 1, tzinfo=UTC)
    with Store(home / f"{'-'.join(names)}.db") as store:
        started = time.perf_counter()
        result = sync(store, names, since=since, env=env, reporter=Reporter(), sources=sources)
        elapsed = time.perf_counter() - started
    if result.failures or result.campaigns != len(names) * (CAMPAIGNS + 2):
        raise SystemExit(f"the benchmark sync failed: {result.failures or result.summary()}")
    return elapsed


def run() -> dict[str, Any]:
    """Wall times of one account alone and of five at once, with the minimum of one."""
    from linkreport_sitecore_send.sandbox import sandbox

    boxes = [
        sandbox(window=WINDOW, latency=LATENCY, campaigns=CAMPAIGNS, api_key=f"bench-key-{n}")
        for n in range(ACCOUNTS + 2)
    ]
    with ExitStack() as stack, tempfile.TemporaryDirectory() as home:
        tables = []
        for n, box in enumerate(boxes):
            server = stack.enter_context(serve(box.app))
            settings = box.settings_for(server.url)
            tables.append(
                f'[accounts.send{n}]\nprovider = "sitecore-send"\n'
                + "".join(f'{k} = "{v}"\n' for k, v in settings.items())
            )
        config = Path(home, "config.toml")
        config.write_text("\n".join(tables))
        config.chmod(0o600)  # it holds the accounts' keys
        _sync(Path(home), [f"send{ACCOUNTS + 1}"])  # warm-up: the plugins' lazy imports
        one = _sync(Path(home), ["send0"])
        refused_one = boxes[0].app.stats["refused"]
        requests = boxes[0].app.stats["served"]
        many = _sync(Path(home), [f"send{n}" for n in range(1, ACCOUNTS + 1)])
        refused_many = sum(box.app.stats["refused"] for box in boxes[1 : ACCOUNTS + 1])
        most = max(box.app.stats["served"] for box in boxes[1 : ACCOUNTS + 1])
    if most != requests:
        raise SystemExit(f"the accounts' syncs made {most} and {requests} requests: not alike")
    return {
        "one": one,
        "many": many,
        "requests": requests,
        "minimum": minimum(requests),
        "refused_one": refused_one,
        "refused_many": refused_many,
    }


def report(result: dict[str, Any]) -> list[str]:
    """The section of docs/performance.md."""
    lines = [
        "## 6. Syncing many accounts at once\n",
        f"A sync (in process) of {ACCOUNTS} Sitecore Send accounts (each its own key and sandbox: 2 calls "
        f"per {WINDOW} s window, {LATENCY * 1000:.0f} ms latency, {CAMPAIGNS + 2} campaigns: the "
        f"listing, then each campaign's link report and click events, {result['requests']} requests "
        "each) against one account alone, side by side. The minimum is one account's: when its last "
        f"request may start under its limit, plus one latency (target: {ACCOUNTS} accounts within "
        "1.15x of it).\n",
        "| sync | wall time | ratio to one account's minimum | refused by the limits |",
        "| --- | ---: | ---: | ---: |",
        f"| 1 account | {result['one']:.2f} s | {result['one'] / result['minimum']:.3f} | "
        f"{result['refused_one']} |",
        f"| {ACCOUNTS} accounts at once | {result['many']:.2f} s | "
        f"**{result['many'] / result['minimum']:.3f}** | {result['refused_many']} |",
        f"\nMinimum {result['minimum']:.2f} s.\n",
    ]
    return lines


if __name__ == "__main__":
    outcome = run()
    print("\n".join(report(outcome)))
