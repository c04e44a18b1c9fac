"""Start-up time of the CLI against ``python -c pass``, and writing 100,000 records."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from benchmarks.common import cached_env, median
from linkreport.formats import write
from linkreport.records import LinkClicks

RECORDS = 100_000


#: A command run without ``LINKREPORT_HOME`` (its home found from ``HOME``, as a user's is).
DEFAULT_HOME = "linkreport providers (default home)"


def _env(name: str, env: dict[str, str]) -> dict[str, str]:
    if name != DEFAULT_HOME:
        return env
    return {k: v for k, v in env.items() if k != "LINKREPORT_HOME"}


def _run(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, capture_output=True, check=True, env=env)
    return time.perf_counter() - started


#: What a user's installation loads: the first-party plugins (not the development
#: environment's test-only fakemail, whose one module imports most of core).
INSTALLED = "linkreport-sitecore-send,linkreport-constant-contact,linkreport-mailchimp"


def startup(runs: int) -> dict[str, tuple[float, float]]:
    """Each command's median wall time with byte-code caches, and without any.

    The commands run in turn within each round, so that load on the machine falls on all of
    them alike and their ratios to ``python -c pass`` compare side by side. ``top`` reads an
    empty store. ``linkreport`` is the console script (run by this interpreter, as its ``#!``
    line would); ``python -m linkreport`` also imports :mod:`runpy` (and ``importlib.util``,
    ``contextlib``...).
    """
    py = sys.executable
    script = os.path.join(os.path.dirname(py), "linkreport")  # the console script pip writes
    commands = {
        "python -c pass": [py, "-c", "pass"],
        "python -c 'import click'": [py, "-c", "import click"],
        "python -c 'import requests'": [py, "-c", "import requests"],
        "linkreport --help": [py, script, "--help"],
        "linkreport providers": [py, script, "providers"],
        "linkreport top (empty store)": [py, script, "top"],
        "python -m linkreport --help": [py, "-m", "linkreport", "--help"],
        "python -m linkreport providers": [py, "-m", "linkreport", "providers"],
        "python -m linkreport top (empty store)": [py, "-m", "linkreport", "top"],
        # the home a user has: no LINKREPORT_HOME, the per-user config directory under HOME
        DEFAULT_HOME: [py, script, "providers"],
    }
    times: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in commands}
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as home:
        base = {
            **{k: v for k, v in os.environ.items() if not k.startswith("XDG_")},
            "LINKREPORT_HOME": home,
            "HOME": home,
            "LINKREPORT_LOAD_PLUGINS": INSTALLED,
        }
        # An empty cache prefix and no writing: every module (stdlib included) is compiled
        # from source on every start, the worst case of PYTHONDONTWRITEBYTECODE=1 images.
        cold = {**base, "PYTHONPYCACHEPREFIX": empty, "PYTHONDONTWRITEBYTECODE": "1"}
        warm = cached_env(base)
        store = "from linkreport.db import Store, default_db_path; Store(default_db_path()).close()"
        subprocess.run([py, "-c", store], check=True, env=warm)
        for name, args in commands.items():  # fill the caches
            subprocess.run(args, capture_output=True, check=True, env=_env(name, warm))
        for _ in range(runs):
            for name, args in commands.items():
                times[name][0].append(_run(args, _env(name, warm)))
                times[name][1].append(_run(args, _env(name, cold)))
    return {name: (median(hot), median(none)) for name, (hot, none) in times.items()}


def table(start: dict[str, tuple[float, float]]) -> str:
    """Section 4's table: each command's time and its ratio to ``python -c pass``."""
    warm, cold = start["python -c pass"]
    lines = [
        "| command | with caches | ratio | without caches | ratio |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, (hot, none) in start.items():
        lines.append(
            f"| `{name}` | {hot * 1000:.0f} ms | {hot / warm:.1f} | "
            f"{none * 1000:.0f} ms | {none / cold:.1f} |"
        )
    return "\n".join(lines)


def _records() -> Iterator[LinkClicks]:
    fetched = datetime(2026, 11, 1, tzinfo=UTC)
    for i in range(RECORDS):
        yield LinkClicks(
            provider="bench",
            campaign_id=f"c{i // 100}",
            activity_id=None,
            url=f"https://example.com/p/{i}",
            unique_clicks=i % 50,
            total_clicks=i % 70,
            link_id=str(i),
            timestamp=fetched,
            fetched_at=fetched,
        )


class _Sink(io.TextIOBase):
    """Counts characters without keeping them (like writing to a file)."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, text: str) -> int:
        self.size += len(text)
        return len(text)


def output() -> dict[str, Any]:
    results: dict[str, Any] = {}
    for fmt in ("csv", "ndjson", "json"):
        sink = _Sink()
        started = time.perf_counter()
        write(_records(), fmt, sink, LinkClicks)
        seconds = time.perf_counter() - started  # records built lazily, as a fetch yields them
        tracemalloc.start()  # a second pass for memory: tracemalloc slows allocation
        write(_records(), fmt, _Sink(), LinkClicks)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        results[fmt] = (RECORDS / seconds, peak, sink.size)
    return results
