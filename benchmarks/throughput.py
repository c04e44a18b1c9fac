"""Rate-limited throughput: wall time against the minimum the provider's limit allows.

The same work for every contender, against a sandbox enforcing the documented limit with
realistic latency: for Constant Contact, 40 campaigns with a primary and a resend activity
each (80 activity reports; 120 requests with the campaign lookups, at 4 per second), and 80
activity IDs; for Sitecore Send, 20 campaign reports at 2 calls per window (window shortened
from 60 s to 2 s). Two minimums: issue 10's true minimum, the fewest requests divided by the
rate limit (:func:`goal`), and a stricter bound, when the last request may start under the
limit plus one latency (:func:`minimum`). The sandbox's arrival times split linkreport's wall
time into start-up (to the first request), pacing (first to last request, against the
limit's own spacing) and the end (last request to exit).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from typing import Any

from benchmarks.common import cached_env, run_sdk
from linkreport.kit.sandbox.server import serve
from linkreport.settings import env_var

LATENCY = 0.05
CAMPAIGNS = 20  # Sitecore Send
#: Constant Contact campaigns (a primary and a resend activity each) whose campaign IDs are
#: fetched: enough requests that the CLI's start-up is not what the ratio measures.
CC_CAMPAIGNS = 40
#: Campaigns (a primary and a resend activity each) whose activity IDs are fetched: enough
#: requests that the CLI's start-up is not what the ratio measures (about 1% here).
ACTIVITY_CAMPAIGNS = 40
WINDOW = 2  # Sitecore Send's 60 s window, shortened


def minimum(requests: int, per_window: int, window: float) -> float:
    """When the last of ``requests`` may start under the limit, plus one latency."""
    return (requests - 1) // per_window * window + LATENCY


def goal(requests: int, per_window: int, window: float) -> float:
    """Issue 10's true minimum: the fewest requests the work needs, divided by the rate."""
    return requests * window / per_window


class Arrivals:
    """A WSGI app recording when each request reached it (before the sandbox's latency)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.times: list[float] = []

    def __call__(self, environ: Any, start_response: Any) -> Any:
        self.times.append(time.perf_counter())
        return self.app(environ, start_response)

    def split(
        self, started: float, ended: float, per_window: int, window: float
    ) -> dict[str, float]:
        """Start-up, pacing (as a ratio to the limit's spacing) and the end of one run."""
        first, last, n = self.times[0], self.times[-1], len(self.times)
        spacing = (n - 1) // per_window * window
        return {
            "startup": first - started,
            "pacing": (last - first) / spacing if spacing else 1.0,
            "end": ended - last,
        }


def _linkreport_cli(
    provider: str, ids: list[str], settings: dict[str, str], home: str | None = None
) -> tuple[float, float]:
    """Run ``linkreport links`` on ``ids``; return when it started and ended."""
    with tempfile.TemporaryDirectory() as fresh:
        home = home or fresh
        env = {k: v for k, v in cached_env().items() if not k.startswith("LINKREPORT_")}
        env["LINKREPORT_HOME"] = home
        env.update({env_var(provider, k): v for k, v in settings.items()})
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "linkreport",
                "links",
                provider,
                *ids,
                "--jobs",
                "8",
                "--format",
                "ndjson",
                "--output",
                os.devnull,
            ],
            env=env,
            check=True,
        )
        return started, time.perf_counter()


def _measure(
    result: dict[str, Any],
    key: str,
    arrivals: Arrivals,
    provider: str,
    ids: list[str],
    settings: dict[str, str],
    home: str | None,
    per_window: int,
    window: float,
) -> None:
    """Run the CLI on ``ids``: its wall time as ``key``, and its split (``key_startup``...)."""
    arrivals.times = []
    started, ended = _linkreport_cli(provider, ids, settings, home)
    result[key] = ended - started
    for part, value in arrivals.split(started, ended, per_window, window).items():
        result[f"{key}_{part}"] = value


def constant_contact() -> dict[str, Any]:
    from linkreport_constant_contact.sandbox import ident, sandbox

    box = sandbox(latency=LATENCY, campaigns=2 * CC_CAMPAIGNS, resend=1)
    ids = [ident(f"c-extra-{n}") for n in range(CC_CAMPAIGNS)]
    more = [ident(f"c-extra-{n}") for n in range(CC_CAMPAIGNS, 2 * CC_CAMPAIGNS)]
    activities = [(ident(f"a-extra-{n}"), ident(f"r-extra-{n}")) for n in range(CC_CAMPAIGNS)]
    requests = CC_CAMPAIGNS * 3
    result: dict[str, Any] = {
        "campaigns": CC_CAMPAIGNS,
        "minimum": minimum(requests, 4, 1.0),
        "goal": goal(requests, 4, 1.0),
        "requests": requests,
        # an account's first unknown ID needs a probe: the API cannot tell the kinds apart
        "first_minimum": minimum(requests + 1, 4, 1.0),
        "first_goal": goal(requests + 1, 4, 1.0),
        "first_requests": requests + 1,
    }
    arrivals = Arrivals(box.app)
    with serve(arrivals) as server, tempfile.TemporaryDirectory() as home:
        settings = box.settings_for(server.url)
        # a fresh home: nothing says yet whether this account's unknown IDs are campaigns
        for key, work in (("linkreport", ids), ("next", more)):
            before = dict(box.app.stats)
            _measure(result, key, arrivals, "constant-contact", work, settings, home, 4, 1.0)
            result[f"{key}_refused"] = box.app.stats["throttled"] - before["throttled"]
            result[f"{key}_sent"] = box.app.stats["served"] - before["served"]
            time.sleep(1.1)
        token = settings["access_token"]
        flat = [a for pair in activities for a in pair]
        for name, mode in (("sdk", "plain"), ("careful", "careful")):
            before = dict(box.app.stats)
            out = run_sdk(
                "sdk_worker.py", "loop", server.url + "/v3", token, mode, *ids, "--", *flat
            )
            result[name] = out["seconds"]
            result[f"{name}_failures"] = out["failures"]
            result[f"{name}_refused"] = box.app.stats["throttled"] - before["throttled"]
    return result


def constant_contact_activities() -> dict[str, Any]:
    """80 activity IDs: first sight (2 requests each), then known (1 each, from the ID cache)."""
    from linkreport_constant_contact.sandbox import ident, sandbox

    box = sandbox(latency=LATENCY, campaigns=ACTIVITY_CAMPAIGNS, resend=1)
    ids = [
        a for n in range(ACTIVITY_CAMPAIGNS) for a in (ident(f"a-extra-{n}"), ident(f"r-extra-{n}"))
    ]
    first, known = 2 * len(ids), len(ids)
    result: dict[str, Any] = {
        "requests": first,
        "minimum": minimum(first, 4, 1.0),
        "goal": goal(first, 4, 1.0),
        "known_requests": known,
        "known_minimum": minimum(known, 4, 1.0),
        "known_goal": goal(known, 4, 1.0),
    }
    arrivals = Arrivals(box.app)
    with serve(arrivals) as server, tempfile.TemporaryDirectory() as home:
        settings = box.settings_for(server.url)
        before = dict(box.app.stats)
        _measure(result, "linkreport", arrivals, "constant-contact", ids, settings, home, 4, 1.0)
        result["linkreport_refused"] = box.app.stats["throttled"] - before["throttled"]
        result["linkreport_sent"] = box.app.stats["served"] - before["served"]
        time.sleep(1.1)
        before = dict(box.app.stats)
        _measure(result, "known", arrivals, "constant-contact", ids, settings, home, 4, 1.0)
        result["known_refused"] = box.app.stats["throttled"] - before["throttled"]
        result["known_sent"] = box.app.stats["served"] - before["served"]
    return result


def sitecore_send() -> dict[str, Any]:
    import requests

    from linkreport_sitecore_send.sandbox import _campaign, sandbox

    box = sandbox(latency=LATENCY, campaigns=CAMPAIGNS, window=WINDOW)
    ids = [_campaign(1000 + n) for n in range(CAMPAIGNS)]
    result: dict[str, Any] = {
        "minimum": minimum(CAMPAIGNS, 2, WINDOW),
        "goal": goal(CAMPAIGNS, 2, WINDOW),
        "requests": CAMPAIGNS,
    }
    arrivals = Arrivals(box.app)
    with serve(arrivals) as server:
        settings = box.settings_for(server.url)
        before = box.app.stats["refused"]
        _measure(result, "linkreport", arrivals, "sitecore-send", ids, settings, None, 2, WINDOW)
        result["linkreport_refused"] = box.app.stats["refused"] - before
        time.sleep(WINDOW + 0.1)  # a fresh window for the next contender
        before = box.app.stats["refused"]
        started = time.perf_counter()
        failures = 0
        with requests.Session() as session:
            for cid in ids:  # the careful loop: one call, then half a window's sleep
                body = session.get(
                    f"{server.url}/v3/campaigns/{cid}/stats/links.json",
                    params={"apikey": settings["api_key"]},
                    timeout=30,
                ).json()
                failures += body["Code"] != 0
                time.sleep(WINDOW / 2)
        result["careful"] = time.perf_counter() - started
        result["careful_failures"] = failures
        result["careful_refused"] = box.app.stats["refused"] - before
    return result
