r"""Fault injection for sandboxes: wrap any WSGI app so chosen requests misbehave.

A spec is a comma-separated list of ``KIND[*COUNT][@PATH]``: the first COUNT requests
(default 1; ``*all`` for every one) whose path contains PATH get the fault, then requests
pass through untouched. Kinds:

- ``500``, ``502``, ``503``...: that status with an HTML error page
- ``429``: HTTP 429 with ``Retry-After: 1``; ``429bare``: HTTP 429 without it
- ``reset``: the connection is reset before any answer
- ``slow``: the answer comes after 2.5 s (set ``LINKREPORT_READ_TIMEOUT`` below that)
- ``cut``: the body stops half-way while ``Content-Length`` promises all of it
- ``truncated``: half of the body, with a matching ``Content-Length`` (truncated JSON)
- ``html``: HTTP 200 with an HTML page; ``empty``: HTTP 200 with an empty body
- ``types``: JSON with every number turned into a string and every string into a number
- ``missing``: JSON whose objects inside lists lost all their fields
- ``trickle``: the real answer, its body sent one byte every 0.2 s (set
  ``LINKREPORT_REQUEST_TIMEOUT`` low to see the overall deadline at work)
- ``slowstatus``: the real answer, its status line sent one byte every 0.5 s;
  ``slowheaders``: its headers so (the overall deadline covers them: set
  ``LINKREPORT_REQUEST_TIMEOUT`` low)
- ``endless``: HTTP 200 with a body that never ends (see ``LINKREPORT_MAX_RESPONSE_MB``)
- ``repeat``: the answer to the previous request matching PATH, served again (a listing
  or event page that comes back once more: the first matching request is answered as
  usual, and each of the next COUNT gets the answer before it)
- ``redirect``: HTTP 302 to the same path on another origin (``localhost`` instead of
  ``127.0.0.1``: the same server, so following it would look like success)

Bad values, in the first object of each list of objects in a JSON answer (the first link of
a report, the first campaign of a listing page, the first click row), so one item is bad
and the others beside it are good:

- ``hugecount``: every count (number) becomes 10^30, beyond any store's integer range
- ``hugedigits``: every count and time becomes a string of 4,301 digits (Python refuses to
  read more than 4,300 digits as an integer); a ``/Date()/`` keeps its wrapper
- ``surrogate``: every text but IDs, statuses and times gets a lone surrogate (JSON's
  ``"\ud800"``)
- ``farfuture``: every time becomes ``9999-12-31T23:00:00-05:00``, which UTC cannot hold
- ``controlchars``: every text but IDs, statuses and times gets NUL, an ESC sequence, C1
  controls and the separators U+2028, U+2029 and U+0085 (all valid JSON; the item stays
  usable)

Used by ``linkreport sandbox PROVIDER -o faults=...`` and the ``provider_sandbox`` fixture.
"""

from __future__ import annotations

import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import attrs

from linkreport.errors import ConfigurationError
from linkreport.source import WSGIApp

HTML = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
KINDS = {
    "429",
    "429bare",
    "reset",
    "slow",
    "cut",
    "truncated",
    "html",
    "empty",
    "types",
    "missing",
    "trickle",
    "endless",
    "redirect",
    "slowstatus",
    "slowheaders",
    "repeat",
}
#: Seconds between the bytes of a trickled body (``trickle``) and head (``slowstatus``...).
TRICKLE_PAUSE, SLOW_HEAD_PAUSE = 0.2, 0.5
#: The bad-value kinds (see the module doc): they spoil one item of each list.
VALUE_KINDS = {"hugecount", "hugedigits", "surrogate", "farfuture", "controlchars"}
KINDS |= VALUE_KINDS


@attrs.define
class Fault:
    """One planned fault: ``kind`` for the next ``remaining`` requests matching ``path``."""

    kind: str
    remaining: float
    path: str = ""
    #: ``repeat``: the latest answer to a matching request (status, headers, body).
    last: tuple[str, list[tuple[str, str]], bytes] | None = None


def parse_faults(spec: str) -> list[Fault]:
    """Parse ``KIND[*COUNT][@PATH],...``."""
    faults = []
    for entry in filter(None, (e.strip() for e in spec.split(","))):
        head, _, path = entry.partition("@")
        kind, _, count = head.partition("*")
        if kind not in KINDS and not (kind.isdigit() and len(kind) == 3):
            raise ConfigurationError(
                f"unknown fault {kind!r} (known: {', '.join(sorted(KINDS))}, or a status)"
            )
        remaining = float("inf") if count == "all" else int(count or 1)
        faults.append(Fault(kind, remaining, path))
    return faults


def _mutate(value: Any, kind: str) -> Any:
    if isinstance(value, dict):
        return {k: _mutate(v, kind) for k, v in value.items()}
    if isinstance(value, list):
        if kind == "missing":
            return [{} if isinstance(v, dict) else _mutate(v, kind) for v in value]
        return [_mutate(v, kind) for v in value]
    if kind == "types" and isinstance(value, bool | type(None)):
        return value
    if kind == "types" and isinstance(value, int | float):
        return f"n{value}"
    if kind == "types" and isinstance(value, str):
        return len(value)
    return value


class FaultInjector:
    """A WSGI middleware applying planned faults to the wrapped sandbox."""

    def __init__(self, app: WSGIApp, faults: list[Fault]) -> None:
        self.app = app
        self.faults = faults
        self.injected: list[str] = []
        self._lock = threading.Lock()

    def _take(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.remaining > 0 and fault.path in path:
                    if fault.kind == "repeat" and fault.last is None:
                        return fault  # (nothing to repeat yet: this answer will be)
                    fault.remaining -= 1
                    self.injected.append(fault.kind)
                    return fault
        return None

    def __call__(self, environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        """Answer one request, perhaps badly."""
        fault = self._take(environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", ""))
        if fault is None:
            return self.app(environ, start)
        kind = fault.kind
        if kind == "repeat":
            return self._repeat(fault, environ, start)
        if kind in {"slowstatus", "slowheaders"}:
            return self._slow_head(kind, environ, start)
        if kind.isdigit():
            start(
                f"{kind} Injected",
                [("Content-Type", "text/html"), ("Content-Length", str(len(HTML)))],
            )
            return [HTML]
        if kind in {"429", "429bare"}:
            headers = [("Content-Type", "text/plain"), ("Content-Length", "0")]
            start(
                "429 Too Many Requests", headers + ([("Retry-After", "1")] if kind == "429" else [])
            )
            return [b""]
        if kind == "reset":
            sock = environ.get("linkreport.socket")
            if isinstance(sock, socket.socket):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
            start("500 Reset", [("Content-Length", "0")])
            return [b""]
        if kind == "slow":
            time.sleep(2.5)
            return self.app(environ, start)
        if kind == "redirect":
            query = environ.get("QUERY_STRING", "")
            target = f"http://localhost:{environ.get('SERVER_PORT', '80')}"
            target += environ.get("PATH_INFO", "/") + (f"?{query}" if query else "")
            start("302 Found", [("Location", target), ("Content-Length", "0")])
            return [b""]
        if kind == "endless":
            start("200 OK", [("Content-Type", "application/json")])
            return _endless()
        if kind == "trickle":
            return _trickle(self.app(environ, start))
        if kind in {"html", "empty"}:
            body = HTML if kind == "html" else b""
            start("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))])
            return [body]
        return self._rewrite(kind, environ, start)

    def _answer(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        """The wrapped app's whole answer: status, headers, body."""
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        body = b"".join(self.app(environ, capture))
        return captured["status"], list(captured["headers"]), body

    def _repeat(
        self, fault: Fault, environ: dict[str, Any], start: Callable[..., Any]
    ) -> Iterable[bytes]:
        with self._lock:
            previous = fault.last
        answer = self._answer(environ)
        if answer[0].startswith("2"):
            with self._lock:
                fault.last = fault.last if previous is not None else answer
        status, headers, body = previous or answer
        start(status, headers)
        return [body]

    def _slow_head(
        self, kind: str, environ: dict[str, Any], start: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Write the answer to the socket itself, its status line or headers byte by byte."""
        status, headers, body = self._answer(environ)
        sock = environ.get("linkreport.socket")
        if not isinstance(sock, socket.socket):
            start(status, headers)
            return [body]
        head = [(k, v) for k, v in headers if k.lower() not in {"content-length", "connection"}]
        head += [("Content-Length", str(len(body))), ("Connection", "close")]
        status_line = f"HTTP/1.1 {status}\r\n".encode("latin-1")
        fields = "".join(f"{k}: {v}\r\n" for k, v in head).encode("latin-1") + b"\r\n"
        slow, fast = (status_line, fields) if kind == "slowstatus" else (fields, b"")
        try:
            if kind == "slowheaders":
                sock.sendall(status_line)
            for byte in slow:
                time.sleep(SLOW_HEAD_PAUSE)
                sock.sendall(bytes([byte]))
            sock.sendall(fast + body)
            sock.shutdown(socket.SHUT_RDWR)  # (wsgiref's own answer then goes nowhere)
        except OSError:
            pass  # the client gave up, as it should
        start(status, headers)
        return [b""]

    def _rewrite(
        self, kind: str, environ: dict[str, Any], start: Callable[..., Any]
    ) -> Iterable[bytes]:
        status, headers, body = self._answer(environ)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        if kind == "cut":
            start(status, [*headers, ("Content-Length", str(len(body)))])
            return [body[: len(body) // 2]]
        if kind == "truncated":
            body = body[: len(body) // 2]
        elif kind in VALUE_KINDS:
            body = spoil_body(body, kind)
        else:
            try:
                body = json.dumps(_mutate(json.loads(body), kind)).encode()
            except ValueError:
                body = body[: len(body) // 2]
        start(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]


def _endless() -> Iterator[bytes]:
    chunk = b"[" * 65536
    while True:
        yield chunk


def _trickle(body: Iterable[bytes]) -> Iterator[bytes]:
    for byte in b"".join(body):
        time.sleep(TRICKLE_PAUSE)
        yield bytes([byte])


def inject_faults(app: WSGIApp, spec: str | None) -> WSGIApp:
    """Wrap ``app`` with the faults of ``spec`` (no spec: ``app`` itself)."""
    return FaultInjector(app, parse_faults(spec)) if spec else app


# --- bad values ------------------------------------------------------------------------

_TIME = re.compile(r"^(\\?/Date\(|\d{4}-\d{2}-\d{2})")
_DIGITS = "9" * 4301
_CONTROLS = "\x00\x1b[2J\x1b]0;title\x07\x85\x9b\u2028\u2029\x7f"


def spoil_body(body: bytes, kind: str) -> bytes:
    """A JSON ``body`` with the bad value ``kind`` in one item of each list (see the module).

    A body that is not JSON is passed on unchanged.
    """
    try:
        document = json.loads(body)
    except ValueError:
        return body
    return json.dumps(_spoil(document, kind)).encode()


def _spoil(value: Any, kind: str) -> Any:
    """Spoil the first object of each list of objects inside ``value``."""
    if isinstance(value, dict):
        return {k: _spoil(v, kind) for k, v in value.items()}
    if isinstance(value, list):
        first = next((i for i, v in enumerate(value) if isinstance(v, dict)), None)
        return [_bad(v, kind) if i == first else _spoil(v, kind) for i, v in enumerate(value)]
    return value


def _bad(value: Any, kind: str, key: str = "") -> Any:
    """``value`` (one item, deeply) with the bad value ``kind`` in place of its values."""
    if isinstance(value, dict):
        return {k: _bad(v, kind, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_bad(v, kind, key) for v in value]
    if isinstance(value, bool) or value is None or key.lower().endswith("id"):
        return value  # (numeric IDs stay too: the item must still be named)
    if isinstance(value, int | float):  # counts (Sitecore Send sends them as 34.0)
        return {"hugecount": 10**30, "hugedigits": _DIGITS}.get(kind, value)
    if not isinstance(value, str):
        return value
    if _TIME.match(value):
        if kind == "farfuture":
            return "9999-12-31T23:00:00-05:00"
        if kind == "hugedigits":
            return f"/Date({_DIGITS})/" if "Date(" in value else _DIGITS
        return value
    if key.lower().endswith("id") or "status" in key.lower():
        return value  # IDs and statuses stay (the item must still be named and listed)
    if kind == "surrogate":
        return value + "\ud800"
    if kind == "controlchars":
        return value + _CONTROLS
    return value
