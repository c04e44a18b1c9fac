"""Start-up time of the CLI against ``python -c pass``, and writing 100,000 records."""

from __future__ import annotations

import io
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from benchmarks.common import median
from linkreport.formats import write
from linkreport.records import LinkClicks

RECORDS = 100_000


def _command(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(args, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return median(times)


def startup(runs: int) -> dict[str, float]:
    py = sys.executable
    return {
        "python -c pass": _command([py, "-c", "pass"], runs),
        "linkreport --help": _command([py, "-m", "linkreport", "--help"], runs),
        "linkreport providers": _command([py, "-m", "linkreport", "providers"], runs),
    }


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
