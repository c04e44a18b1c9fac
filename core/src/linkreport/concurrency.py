"""Concurrency limits: at most N requests in flight at once, per account.

Some ESPs limit simultaneous connections rather than (or as well as) requests per second. A
source declares its documented limit as :attr:`~linkreport.source.LinkReportSource.concurrency`;
users override it with the ``concurrency`` setting. Core's HTTP client holds a slot of the
account's :class:`ConnectionSlots` for each request, from sending it until its body is read,
so every thread (and every ``--jobs`` worker) of the process shares one bound.

:func:`decoding` is the other side: turning a body into records is pure computation, which
threads cannot share anyway (the GIL), so one thread does it at a time and ``--jobs 4``
never holds four decoded reports at once. A runner may also make a thread wait before it
decodes (:func:`decode_after`): :mod:`linkreport.pipeline` holds back bodies of campaigns
ahead of the reader while another such campaign decodes, or waits, decoded, to be read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import TracebackType

from linkreport.about import CONCURRENCY as CONCURRENCY  # the setting's name (re-exported)
from linkreport.errors import ConfigurationError


def parse_concurrency(text: str | None, *, what: str = CONCURRENCY) -> int | None:
    """Parse a concurrency setting: a positive integer; empty or ``none`` means no limit."""
    if text is None or text.strip().lower() in {"", "none", "unlimited"}:
        return None
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if value < 1:
        msg = f"{what} must be a positive whole number (or 'none'), got {text!r}"
        raise ConfigurationError(msg)
    return value


class ConnectionSlots:
    """A bounded number of requests in flight; use as ``with slots: ...``."""

    def __init__(self, limit: int, name: str) -> None:
        if limit < 1:
            raise ValueError("limit must be positive")
        self.limit = limit
        self.name = name
        self._semaphore = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self._in_flight = 0
        #: The most requests ever in flight at once (for tests and diagnostics).
        self.peak = 0

    def __enter__(self) -> ConnectionSlots:
        self._semaphore.acquire()
        with self._lock:
            self._in_flight += 1
            self.peak = max(self.peak, self._in_flight)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with self._lock:
            self._in_flight -= 1
        self._semaphore.release()


_slots: dict[tuple[str, str, int], ConnectionSlots] = {}
_slots_lock = threading.Lock()


def slots_for(account: str, credential: str, limit: int) -> ConnectionSlots:
    """Return the process-wide slots of one account (and credential) with ``limit``."""
    import hashlib  # not at start-up

    digest = hashlib.sha256(credential.encode()).hexdigest()[:16]
    key = (account, digest, limit)
    with _slots_lock:
        if key not in _slots:
            _slots[key] = ConnectionSlots(limit, f"{account}:{digest}")
        return _slots[key]


_decoding = threading.Lock()
_local = threading.local()


@contextmanager
def decoding(size: int | None = None) -> Iterator[None]:
    """Hold while decoding a response body or mapping it to records: one thread at a time.

    Under the GIL, decoding on several threads at once saves no time but multiplies the
    memory held by the number of workers. Wrap pure computation only: no requests, no
    waiting for other locks. Core's :meth:`~linkreport.http.HttpClient.get_json` and
    :meth:`~linkreport.http.HttpClient.get_records` (decoding, with a source's own decoder too,
    and mapping to records) and the kit's ``ApiSource`` already take it: a plugin needs it
    only for bytes it decodes itself (from ``ctx.http.request``).
    Pass the body's ``size`` in bytes: a runner may hold a large body back until its records
    are wanted (see :func:`decode_after`).
    """
    turn: Callable[[int], None] | None = getattr(_local, "turn", None)
    if turn is not None and size is not None:
        turn(size)
    with _decoding:
        yield


@contextmanager
def decode_after(turn: Callable[[int], None] | None) -> Iterator[None]:
    """Within the block, :func:`decoding` a body first calls ``turn(size)``, which may wait.

    For runners, not plugins; ``turn`` is called with no lock or connection slot held.
    ``None``: no body waits (see :func:`never_held`).
    """
    with _bound("turn", turn):
        yield


@contextmanager
def _bound(name: str, value: object) -> Iterator[None]:
    """Within the block, this thread's ``name`` hook is ``value`` (then what it was)."""
    previous = getattr(_local, name, None)
    setattr(_local, name, value)
    try:
        yield
    finally:
        setattr(_local, name, previous)


@contextmanager
def on_request(callback: Callable[[], None]) -> Iterator[None]:
    """Within the block, each request this thread sends first calls ``callback()``.

    For runners, not plugins: a worker going back to the network is done decoding its
    previous body (see :mod:`linkreport.pipeline`). ``callback`` must not wait.
    """
    with _bound("request", callback):
        yield


def requesting() -> None:
    """Say that this thread sends a request now (core's HTTP client calls it)."""
    callback: Callable[[], None] | None = getattr(_local, "request", None)
    if callback is not None:
        callback()


def never_held() -> AbstractContextManager[None]:
    """Within the block, no body waits for a turn: for lookups other workers may wait for.

    A plugin whose workers wait for one another (one probes, the others wait for what it
    learns) wraps the awaited requests in it, so a runner never holds them back.
    """
    return decode_after(None)


__all__ = [
    "CONCURRENCY",
    "ConnectionSlots",
    "decode_after",
    "decoding",
    "never_held",
    "on_request",
    "parse_concurrency",
    "requesting",
    "slots_for",
]
