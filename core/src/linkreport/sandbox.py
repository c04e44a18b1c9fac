"""Serving a provider's sandbox (a WSGI app) on a free loopback port, and its data clock."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import attrs

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


@contextlib.contextmanager
def serve(app: WSGIApp, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[RunningServer]:
    """Serve ``app`` on loopback in a background thread until the block ends."""
    server = make_server(
        host, port, app, server_class=_ThreadingServer, handler_class=_QuietHandler
    )
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
