"""The overall deadline over the status line and headers of an answer (the header phase).

A socket's read timeout applies to each ``recv``: a server that sends its status line or
headers one byte a second never trips it, and ``requests`` waits for the headers before
:mod:`linkreport.transfer` can check its deadline. Here urllib3's connections are watched
while they wait for headers: one shared watchdog thread shuts a connection's socket down
when the exchange's deadline passes (the blocked read then ends at once), and
:func:`timed_out` tells the caller that this, not the server, ended it.

:class:`DeadlineAdapter` is mounted on each session of :class:`~linkreport.http.HttpClient`;
:func:`watching` sets the deadline for the requests the current thread sends in its block.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests.adapters
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ProtocolError
from urllib3.response import HTTPResponse

_local = threading.local()


class _Watch:
    __slots__ = ("cancelled", "fired", "sock")

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.fired, self.cancelled = sock, False, False


class _Watchdog:
    """One daemon thread that shuts sockets down at their deadlines (a heap of them)."""

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Watch]] = []
        self._cond = threading.Condition()
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, when: float, sock: socket.socket) -> _Watch:
        watch = _Watch(sock)
        with self._cond:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="linkreport-headers-deadline", daemon=True
                )
                self._thread.start()
            earliest = self._heap[0][0] if self._heap else float("inf")
            heapq.heappush(self._heap, (when, next(self._order), watch))
            if when < earliest:
                self._cond.notify()
        return watch

    def cancel(self, watch: _Watch) -> bool:
        """Stop watching; return whether the deadline had already shut the socket."""
        with self._cond:
            watch.cancelled = True
            return watch.fired

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][2].cancelled:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                left = self._heap[0][0] - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                watch = heapq.heappop(self._heap)[2]
                watch.fired = True
                with contextlib.suppress(OSError):
                    watch.sock.shutdown(socket.SHUT_RDWR)

    def forget_thread(self) -> None:
        self._cond = threading.Condition()
        self._heap, self._thread = [], None


_WATCHDOG = _Watchdog()
if hasattr(os, "register_at_fork"):  # a forked child has no watchdog thread: start another
    os.register_at_fork(after_in_child=_WATCHDOG.forget_thread)


@contextlib.contextmanager
def watching(deadline: float) -> Iterator[None]:
    """Requests this thread sends in the block must have their headers by ``deadline``."""
    _local.deadline, _local.fired = deadline, False
    try:
        yield
    finally:
        _local.deadline = None


def timed_out() -> bool:
    """Whether the deadline ended the header phase of this thread's latest request."""
    return bool(getattr(_local, "fired", False))


class _CutByDeadline(logging.Filter):
    """Drops urllib3's "Failed to parse headers" about headers our deadline cut short."""

    def filter(self, record: logging.LogRecord) -> bool:
        watch: _Watch | None = getattr(_local, "watch", None)
        return not (watch is not None and watch.fired)


logging.getLogger("urllib3.connection").addFilter(_CutByDeadline())


def _watched(conn: HTTPConnection, getresponse: Callable[[], HTTPResponse]) -> HTTPResponse:
    deadline: float | None = getattr(_local, "deadline", None)
    if deadline is None or conn.sock is None:
        return getresponse()
    watch = _local.watch = _WATCHDOG.watch(deadline, conn.sock)
    try:
        response = getresponse()
    finally:
        _local.watch = None
        _local.fired = _WATCHDOG.cancel(watch)
    if _local.fired:  # headers cut short by the deadline: never an answer to read
        response.close()
        raise ProtocolError("the deadline passed while the headers came in")
    return response


class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self) -> HTTPResponse:  # type: ignore[override]  # (urllib3 does too)
        return _watched(self, super().getresponse)


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self) -> HTTPResponse:  # type: ignore[override]
        return _watched(self, super().getresponse)


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class DeadlineAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter whose connections keep :func:`watching`'s deadline for headers."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Create the pool manager with watched connection pools."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        """The proxy's pool manager, with watched connection pools too."""
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}
        return manager
