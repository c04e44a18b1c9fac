"""End to end against a naive ``requests`` loop: CPU per link, and memory across many campaigns.

Both contenders run as their own process against the same loopback server and write the
same NDJSON records (every field of the interface); CPU time (user + system) and peak RSS
come from the kernel (``wait4``). The naive loop is what a user would write by hand:
``requests.get(...).json()`` and ``json.dumps`` per link, without validation.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from typing import Any

from benchmarks.common import cached_env
from benchmarks.parsing import sitecore_payload
from linkreport.kit.sandbox.server import serve
from linkreport.settings import env_var

NAIVE_SITECORE = r"""
import json, re, sys
from datetime import datetime, timezone
import requests
base, key, out, *ids = sys.argv[1:]
date = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")
def when(text):
    if text is None:
        return None
    ms = int(date.fullmatch(text).group(1))
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat().replace("+00:00", "Z")
session = requests.Session()
with open(out, "w", encoding="utf-8") as f:
    for cid in ids:
        fetched = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
        body = session.get(f"{base}/campaigns/{cid}/stats/links.json", params={"apikey": key}).json()
        for link in body["Context"]["Analytics"]:
            total = link["TotalCount"]
            f.write(json.dumps({
                "provider": "sitecore-send", "campaign_id": cid, "activity_id": None,
                "activity_role": None, "url": link["Context"], "unique_clicks": link["UniqueCount"],
                "total_clicks": int(total) if total is not None else None, "link_id": None,
                "link_tag": None, "list_id": None, "list_action": None,
                "timestamp": when(link.get("Timestamp")), "fetched_at": fetched,
            }, ensure_ascii=False) + "\n")
"""

NAIVE_CONSTANT_CONTACT = r"""
import json, sys
from datetime import datetime, timezone
import requests
base, token, out, *ids = sys.argv[1:]
session = requests.Session()
session.headers["Authorization"] = f"Bearer {token}"
with open(out, "w", encoding="utf-8") as f:
    for aid in ids:
        activity = session.get(f"{base}/emails/activities/{aid}").json()
        fetched = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
        body = session.get(f"{base}/reports/email_reports/{aid}/links").json()
        for link in body["link_click_counts"]:
            f.write(json.dumps({
                "provider": "constant-contact", "campaign_id": activity["campaign_id"],
                "activity_id": aid, "activity_role": activity["role"], "url": link["link_url"],
                "unique_clicks": link.get("unique_clicks"), "total_clicks": None,
                "link_id": link.get("url_id"), "link_tag": link.get("link_tag"),
                "list_id": link.get("list_id"), "list_action": link.get("list_action"),
                "timestamp": None, "fetched_at": fetched,
            }, ensure_ascii=False) + "\n")
"""


#: Runs a module (``-m``) or code (``-c``) in this process and, at exit, records its peak
#: RSS (``VmHWM``, which exec resets; ``ru_maxrss`` would include the forking parent's).
_PEAK = r"""
import atexit, runpy, sys
out, mode, target, *rest = sys.argv[1:]
def peak():
    with open("/proc/self/status") as status:
        kib = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:"))
    with open(out, "w") as f:
        f.write(str(kib * 1024))
atexit.register(peak)
if mode == "-m":
    sys.argv = [target, *rest]
    runpy.run_module(target, run_name="__main__", alter_sys=True)
else:
    sys.argv = ["-c", *rest]
    exec(compile(target, "<naive>", "exec"), {"__name__": "__main__"})
"""


def measure(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Run ``[python, -m|-c, target, ...]``; return (wall s, CPU s, peak RSS bytes)."""
    with tempfile.NamedTemporaryFile("r", suffix=".peak") as peak:
        wrapped = [args[0], "-c", _PEAK, peak.name, *args[1:]]
        started = time.perf_counter()
        proc = subprocess.Popen(wrapped, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        err = proc.stderr.read().decode() if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise RuntimeError(f"{args[:6]} failed ({code}): {err[-500:]}")
        rss = int(peak.read() or 0)
    return wall, usage.ru_utime + usage.ru_stime, rss


def _clean_env(home: str, settings: dict[str, str], provider: str) -> dict[str, str]:
    env = {k: v for k, v in cached_env().items() if not k.startswith("LINKREPORT_")}
    env["LINKREPORT_HOME"] = home
    env.update({env_var(provider, k): v for k, v in settings.items()})
    env[env_var(provider, "rate_limit")] = "100000/1"
    return env


def _linkreport(provider: str, ids: Iterable[str], out: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "linkreport", "links", provider, *ids, "-o", out, *extra]


class BulkSitecore:
    """A loopback Sitecore Send serving the same large link report for any campaign ID."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.key = "bench-key-0123456789abcdef"

    def __call__(self, environ: dict[str, Any], start: Callable[..., Any]) -> list[bytes]:
        start(
            "200 OK",
            [("Content-Type", "application/json"), ("Content-Length", str(len(self.body)))],
        )
        return [self.body]


def _sitecore_ids(count: int) -> list[str]:
    return [f"00000000-0000-4000-8000-{n:012d}" for n in range(count)]


def sitecore_send(
    campaigns: int, links: int, formats: Iterable[str], jobs: Iterable[int]
) -> dict[str, Any]:
    """Sitecore Send, ``campaigns`` reports of ``links`` links each: CPU and memory."""
    app = BulkSitecore(sitecore_payload("json", links))
    ids = _sitecore_ids(campaigns)
    result: dict[str, Any] = {}
    with serve(app) as server, tempfile.TemporaryDirectory() as home:
        base = server.url + "/v3"
        env = _clean_env(home, {"api_key": app.key, "base_url": base}, "sitecore-send")
        out = os.path.join(home, "out")
        result["naive"] = measure(
            [sys.executable, "-c", NAIVE_SITECORE, base, app.key, out, *ids], env
        )
        for fmt in formats:
            for job in jobs:
                args = _linkreport("sitecore-send", ids, out, "--format", fmt, "--jobs", str(job))
                result[f"linkreport {fmt} --jobs {job}"] = measure(args, env)
    return result


def constant_contact(links: int) -> dict[str, Any]:
    """Constant Contact, one activity with ``links`` links: CPU (the token is pre-issued)."""
    from linkreport_constant_contact.sandbox import ident, sandbox

    box = sandbox(size=links, rate=100000)
    activity = ident("a-large")
    result: dict[str, Any] = {}
    with serve(box.app) as server, tempfile.TemporaryDirectory() as home:
        settings = box.settings_for(server.url)
        env = _clean_env(home, settings, "constant-contact")
        out = os.path.join(home, "out")
        base, token = settings["base_url"], settings["access_token"]
        result["naive"] = measure(
            [sys.executable, "-c", NAIVE_CONSTANT_CONTACT, base, token, out, activity], env
        )
        args = _linkreport("constant-contact", [activity], out, "--format", "ndjson")
        result["linkreport ndjson"] = measure(args, env)
    return result
