"""Syncing many accounts: N accounts take about as long as the slowest one, not N times as long.

Five Sitecore Send accounts, each with its own API key and its own sandbox (2 calls per 2 s
window, 50 ms latency, 20 campaigns listed), synced by one ``linkreport sync`` into one
store, against one account synced alone and against the minimum one account's rate limit
allows: every request the sync makes (the campaign listing, then the link reports) passes the
account's limiter, so the last may start after ``(requests - 2) / 2`` windows, plus one
latency. Start-up of the CLI (see section 3) is included in the wall times.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from linkreport.sandbox import serve

ACCOUNTS = 5
CAMPAIGNS = 18  # extra campaigns; the sandbox also lists its two samples
WINDOW = 2
LATENCY = 0.05


def _requests() -> int:
    return 1 + 2 + CAMPAIGNS  # the listing and every report


def minimum() -> float:
    return (_requests() - 2) / 2 * WINDOW + LATENCY


def _sync(home: Path, names: list[str]) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINKREPORT_")}
    env["LINKREPORT_HOME"] = str(home)
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "linkreport",
            "sync",
            *names,
            "--since",
            "2025-01-01",
            "--no-progress",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def run() -> dict[str, Any]:
    """Wall times of one account alone and of five at once, with the minimum of one."""
    from linkreport_sitecore_send.sandbox import sandbox

    boxes = [
        sandbox(window=WINDOW, latency=LATENCY, campaigns=CAMPAIGNS, api_key=f"bench-key-{n}")
        for n in range(ACCOUNTS + 1)
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
        Path(home, "config.toml").write_text("\n".join(tables))
        one = _sync(Path(home), ["send0"])
        many = _sync(Path(home), [f"send{n}" for n in range(1, ACCOUNTS + 1)])
        refused = sum(box.app.stats["refused"] for box in boxes)
    return {"one": one, "many": many, "minimum": minimum(), "refused": refused}


def report(result: dict[str, Any]) -> list[str]:
    """The section of docs/performance.md."""
    lines = [
        "## 5. Syncing many accounts at once\n",
        f"`linkreport sync` of {ACCOUNTS} Sitecore Send accounts (each its own key and sandbox: 2 calls "
        f"per {WINDOW} s window, {LATENCY * 1000:.0f} ms latency, {CAMPAIGNS + 2} campaigns, so "
        f"{_requests()} requests each) against one account alone, side by side. The minimum is one "
        "account's: when its last request may start under its limit, plus one latency (target: "
        f"{ACCOUNTS} accounts within 1.15x of it).\n",
        "| sync | wall time | ratio to one account's minimum |",
        "| --- | ---: | ---: |",
        f"| 1 account | {result['one']:.2f} s | {result['one'] / result['minimum']:.3f} |",
        f"| {ACCOUNTS} accounts at once | {result['many']:.2f} s | "
        f"**{result['many'] / result['minimum']:.3f}** |",
        f"\nMinimum {result['minimum']:.2f} s; requests refused by the sandboxes' limits: "
        f"{result['refused']}.\n",
    ]
    return lines


if __name__ == "__main__":
    outcome = run()
    print("\n".join(report(outcome)))
