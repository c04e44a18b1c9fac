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


def _command(args: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(args, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - started)
    return median(times)


def startup(runs: int) -> dict[str, tuple[float, float]]:
    """Each command with byte-code caches, and without any (every module compiled)."""
    py = sys.executable
    commands = {
        "python -c pass": [py, "-c", "pass"],
        "python -c 'import requests'": [py, "-c", "import requests"],
        "linkreport --help": [py, "-m", "linkreport", "--help"],
        "linkreport providers": [py, "-m", "linkreport", "providers"],
    }
    results = {}
    with tempfile.TemporaryDirectory() as empty:
        # An empty cache prefix and no writing: every module (stdlib included) is compiled
        # from source on every start, the worst case of PYTHONDONTWRITEBYTECODE=1 images.
        cold = {**os.environ, "PYTHONPYCACHEPREFIX": empty, "PYTHONDONTWRITEBYTECODE": "1"}
        warm = cached_env()
        for name, args in commands.items():
            results[name] = (_command(args, runs, warm), _command(args, runs, cold))
    return results


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
