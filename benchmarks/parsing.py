"""Parsing and normalising: bytes of a 100,000-link report to records, and peak memory."""

from __future__ import annotations

import json
import tempfile
import time
import tracemalloc
from typing import Any

from benchmarks.common import run_sdk
from linkreport.records import utc_now

SIZE = 100_000


def _measure(fn: Any) -> tuple[float, int, int]:
    """Time without tracemalloc (it slows allocation), then measure peak memory in a second pass."""
    started = time.perf_counter()
    count = len(fn())
    seconds = time.perf_counter() - started
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak, count


def constant_contact_payload() -> bytes:
    from linkreport_constant_contact.sandbox import ConstantContactSandbox, ident

    app = ConstantContactSandbox(size=SIZE)
    activity = ident("a-large")
    return json.dumps(
        {"campaign_activity_id": activity, "link_click_counts": app.links[activity]}
    ).encode()


def sitecore_payload(fmt: str, size: int = SIZE) -> bytes:
    from linkreport_sitecore_send.sandbox import LARGE, SitecoreSendSandbox

    app = SitecoreSendSandbox(size=size)
    captured: dict[str, Any] = {}
    environ = {
        "PATH_INFO": f"/v3/campaigns/{LARGE}/stats/links.{fmt}",
        "QUERY_STRING": f"apikey={app.api_key}",
    }
    body = b"".join(app(environ, lambda status, headers: captured.update(status=status)))
    return body


def constant_contact() -> dict[str, Any]:
    from linkreport_constant_contact.source import link_records

    body = constant_contact_payload()
    now = utc_now()
    seconds, peak, count = _measure(
        lambda: link_records(json.loads(body), "c", "a", "primary_email", now)
    )
    with tempfile.NamedTemporaryFile("wb", suffix=".json") as handle:
        handle.write(body)
        handle.flush()
        sdk = run_sdk("sdk_worker.py", "parse", handle.name)
    return {
        "bytes": len(body),
        "linkreport": (count / seconds, peak),
        "sdk": (sdk["records"] / sdk["seconds"], sdk["peak"]),
    }


def sitecore_send(fmt: str) -> dict[str, Any]:
    from linkreport_sitecore_send.source import link_records

    body = sitecore_payload(fmt)
    now = utc_now()
    seconds, peak, count = _measure(lambda: link_records(body, fmt, "c", now))
    return {"bytes": len(body), "linkreport": (count / seconds, peak), "records": count}
