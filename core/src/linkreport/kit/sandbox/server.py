"""Serving a provider's sandbox (a WSGI app) on a free loopback port; its data clock and day.

A sandbox's sample data is dated relative to a day (:func:`data_day`): by default the UTC day
the sandbox starts, so every command's default ``--since`` finds campaigns; the option
``today=YYYY-MM-DD`` (or ``today=sample``, or ``LINKREPORT_SANDBOX_TODAY``) pins it. Accounts
other than the default one get data of their own, chosen deterministically from the account's
name (:func:`account_digest`), with links from :data:`SHARED_LINKS` among their own.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import attrs

from linkreport.errors import ConfigurationError
from linkreport.source import WSGIApp


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        environ["linkreport.socket"] = self.connection  # lets fault injection reset it
        return environ


@attrs.frozen
class RunningServer:
    """A server started by :func:`serve`: its base URL (``http://127.0.0.1:PORT``)."""

    url: str
    port: int


def bind(app: WSGIApp, *, host: str = "127.0.0.1", port: int = 0) -> WSGIServer:
    """A server for ``app`` listening on ``host:port`` (0: a free port), not serving yet."""
    return make_server(host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler)


@contextlib.contextmanager
def serve(
    app: WSGIApp, *, host: str = "127.0.0.1", port: int = 0, server: WSGIServer | None = None
) -> Iterator[RunningServer]:
    """Serve ``app`` (or the bound ``server``) on loopback in a thread until the block ends."""
    server = server or bind(app, host=host, port=port)
    host = str(server.server_address[0])
    thread = threading.Thread(target=server.serve_forever, name="linkreport-sandbox", daemon=True)
    thread.start()
    try:
        bound = server.server_address[1]
        yield RunningServer(f"http://{host}:{bound}", bound)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


#: The loopback control request that advances a sandbox's data clock (``POST``, ``?steps=N``).
ADVANCE_PATH = "/_sandbox/advance"


class Clock:
    """The tick of a sandbox's data, so counts can change between two fetches.

    Link counts in ESP APIs are running totals: a sandbox computes each link's counts from
    its base counts and the tick (see :func:`grown`), so they only grow, some links change
    and some do not. The tick starts at 0 (the documented sample data) and is advanced by
    ``POST {url}/_sandbox/advance[?steps=N]`` or, in process, :meth:`advance`.
    """

    def __init__(self) -> None:
        self._tick = 0
        self._lock = threading.Lock()

    @property
    def tick(self) -> int:
        """The current tick (0 until advanced)."""
        return self._tick

    def advance(self, steps: int = 1) -> int:
        """Advance by ``steps`` (at least 0) and return the new tick."""
        with self._lock:
            self._tick += max(0, steps)
            return self._tick

    def control(self, environ: dict[str, Any], start: Callable[..., Any]) -> list[bytes] | None:
        """Answer the control request (``{"tick": N}``), or return ``None`` for any other."""
        if environ.get("PATH_INFO") != ADVANCE_PATH:
            return None
        if environ.get("REQUEST_METHOD") != "POST":
            start("405 Method Not Allowed", [("Content-Type", "text/plain"), ("Allow", "POST")])
            return [b"use POST\n"]
        query = parse_qs(environ.get("QUERY_STRING", ""))
        raw = query.get("steps", ["1"])[0]
        if not raw.isdigit():
            start("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"steps must be a whole number\n"]
        body = json.dumps({"tick": self.advance(int(raw))}).encode()
        start("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def grown(count: Any, tick: int, per_tick: int) -> Any:
    """``count`` after ``tick`` ticks growing by ``per_tick`` each (``None`` stays ``None``).

    Keeps the type (a float count stays a float), so a sandbox's wire quirks survive.
    """
    if count is None or not per_tick or not tick:
        return count
    return type(count)(count + tick * per_tick)


#: The environment variable that pins every sandbox's data day (``YYYY-MM-DD`` or ``sample``)
#: when no ``today`` option is given; linkreport's own tests set it to ``sample``.
TODAY_ENV = "LINKREPORT_SANDBOX_TODAY"
#: ``today=sample``: the day a sandbox's documented sample data was written for.
SAMPLE = "sample"


def data_day(today: str, *, sample: date) -> datetime:
    """The midnight (UTC) a sandbox's data is dated from.

    ``today`` is a date (``2026-03-10``), ``sample`` (the provider's ``sample`` day: the dates
    its docs show) or empty: then :data:`TODAY_ENV` if set, else the current UTC day.
    """
    text = (today or os.environ.get(TODAY_ENV, "")).strip()
    if not text:
        day = datetime.now(UTC).date()
    elif text == SAMPLE:
        day = sample
    else:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            msg = f"sandbox option today must be a date (YYYY-MM-DD) or {SAMPLE}, got {text!r}"
            raise ConfigurationError(msg) from None
    return datetime.combine(day, time(), UTC)


def shift_of(today: str, *, sample: date) -> timedelta:
    """How far (whole days) a sandbox's sample dates move for ``today`` (see :func:`data_day`)."""
    return data_day(today, sample=sample) - datetime.combine(sample, time(), UTC)


def account_digest(account: str, salt: str = "") -> bytes:
    """32 bytes chosen by an account's name (and ``salt``): its sandbox data's dice."""
    return hashlib.sha256(f"{account}\x00{salt}".encode()).digest()


#: Links that several campaigns, accounts and providers share in the sandboxes' data (the shop's
#: homepage and product pages, tagged per campaign), so ``linkreport top`` merges something.
SHARED_LINKS = (
    "https://shop.example.com/",
    "https://shop.example.com/linen-shirt",
    "https://shop.example.com/canvas-tote",
    "https://shop.example.com/sale",
)
