"""Click events: events per second fetched (``clicks``) and fetched and stored (``sync``).

Each provider's sandbox enforces its documented limit with 50 ms latency and serves one
large campaign (about 10,000 clicks). The true minimum of requests is what the documented
page sizes allow (Sitecore Send: 1,000 clicks a page, plus its link report in a sync;
Constant Contact: 500 a page, plus the campaign lookup, its links report and the listing);
the minimum time is when the last of them may be answered, sent one after another (each
page needs the one before it) under the limit. linkreport runs as the CLI, start-up included.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import tempfile
import time
from typing import Any

from linkreport.kit.sandbox.server import serve
from linkreport.settings import env_var

LATENCY = 0.05
WINDOW = 2  # Sitecore Send's 60 s window, shortened


def minimum(requests: int, per_window: int, window: float) -> float:
    """When the last of ``requests`` one after another (each page needs the one before it)
    may be answered: each starts once the previous is answered and the window allows it."""
    starts: list[float] = []
    at = 0.0
    for n in range(requests):
        if n >= per_window:
            at = max(at, starts[n - per_window] + window)
        starts.append(at)
        at += LATENCY
    return at


def _cli(provider: str, settings: dict[str, str], *args: str) -> tuple[float, str]:
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LINKREPORT_")}
        env["LINKREPORT_HOME"] = home
        env["LINKREPORT_DB"] = os.path.join(home, "store.db")
        env.update({env_var(provider, k): v for k, v in settings.items()})
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "linkreport", *args],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        return time.perf_counter() - started, proc.stderr


def _run(
    provider: str,
    box: Any,
    campaign: str,
    events: int,
    since: str,
    page: int,
    rate: tuple[int, float],
    extra: tuple[int, int],
    refused: str,
) -> dict[str, Any]:
    """``clicks`` then ``sync`` of one large campaign; ``extra``: other requests under the limit."""
    result: dict[str, Any] = {"events": events}
    runs = (
        ("clicks", ("clicks", provider, campaign, "--format", "ndjson", "-o", os.devnull), 0),
        ("sync", ("sync", provider, "--since", since), 1),
    )
    with serve(box.app) as server:
        settings = box.settings_for(server.url)
        for name, args, which in runs:
            before = dict(box.app.stats)
            seconds, err = _cli(provider, settings, *args)
            if name == "sync":
                stored = re.search(r"(\d+) click events added", err)
                assert stored is not None, err
                assert int(stored.group(1)) == events, err
            needed = math.ceil(events / page) + extra[which]
            result[name] = seconds
            result[f"{name}_pages"] = box.app.stats["click_pages"] - before["click_pages"]
            result[f"{name}_requests"] = box.app.stats["served"] - before["served"]
            result[f"{name}_minimum_requests"] = needed
            result[f"{name}_minimum"] = minimum(needed, *rate)
            result[f"{name}_refused"] = box.app.stats[refused] - before[refused]
            time.sleep(rate[1] + 0.1)  # a fresh window for the next run
    return result


def sitecore_send() -> dict[str, Any]:
    from linkreport_sitecore_send.sandbox import LARGE, sandbox

    box = sandbox(latency=LATENCY, size=200, window=WINDOW)
    events = len(box.app.click_rows_of(LARGE))
    # in a sync, the link report too (the listing is not under the statistics limit)
    return _run(
        "sitecore-send", box, LARGE, events, "2026-03-04", 1000, (2, WINDOW), (0, 1), "refused"
    )


def constant_contact() -> dict[str, Any]:
    from linkreport_constant_contact.sandbox import LARGE, ident, sandbox

    box = sandbox(latency=LATENCY, size=150)
    events = len(box.app.click_rows(ident("a-large")))
    # the campaign lookup; in a sync also the listing and the links report (all counted)
    return _run(
        "constant-contact", box, LARGE, events, "2026-11-04", 500, (4, 1.0), (1, 3), "throttled"
    )


def report(results: dict[str, dict[str, Any]]) -> list[str]:
    """The section of docs/performance.md."""
    lines = [
        "## 8. Click events\n",
        "One large campaign per provider, each sandbox enforcing its documented limit with "
        f"{LATENCY * 1000:.0f} ms latency (Sitecore Send's window shortened to {WINDOW} s). "
        "`clicks` fetches the campaign's click events; `sync` fetches and stores them (and the link "
        "report). The minimum of requests is what the documented page sizes allow; the minimum time is "
        "when the last of them may be answered, each sent once the one before it is answered and the "
        "limit allows it (start-up included in the wall time, not in the minimum).\n",
        "| provider | command | clicks | click pages | requests (minimum) | wall time | "
        "ratio to minimum | clicks/s | refused |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for provider, r in results.items():
        for name in ("clicks", "sync"):
            seconds = r[name]
            lines.append(
                f"| {provider} | `{name}` | {r['events']:,} | {r[f'{name}_pages']} | "
                f"{r[f'{name}_requests']} ({r[f'{name}_minimum_requests']}) | {seconds:.2f} s | "
                f"**{seconds / r[f'{name}_minimum']:.3f}** | {r['events'] / seconds:,.0f} | "
                f"{r[f'{name}_refused']} |"
            )
    lines.append(
        "\nThe requests are the minimum the page sizes allow (Constant Contact's `clicks`: plus one "
        "lookup that tells a campaign ID from an activity ID, which a sync's listing already says). "
        "Pages of one campaign are fetched one after another (each needs the previous one's "
        "cursor or count), so with the windows shortened here each page's latency and parsing add up; "
        "with Sitecore Send's real 60-second window, 10,000 clicks are 10 pages, about 4 minutes "
        "whatever the client, and an incremental sync asks only from the day of the newest stored "
        "click.\n"
    )
    return lines


if __name__ == "__main__":
    outcome = {"Sitecore Send": sitecore_send(), "Constant Contact": constant_contact()}
    print("\n".join(report(outcome)))
