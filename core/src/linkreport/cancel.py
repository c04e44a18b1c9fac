"""Sending no request for a reader who has left; finishing what must not be cut short.

A worker of :mod:`linkreport.pipeline` fetches for a consumer that may stop reading (a
``break`` out of :func:`linkreport.runner.fetch_reports`, a closed pipe, the program
exiting). From then on its answers are thrown away, so :class:`~linkreport.http.HttpClient`
sends nothing more for it: the check runs before each attempt, while waiting for the rate
limit and while waiting to retry (which may last minutes). A request already sent is left
to finish, and :func:`finishing` marks work the program waits for when it exits (a token
refresh and storing its answer: the old refresh token may be dead once it is sent).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

from linkreport.errors import LinkReportError

_local = threading.local()
#: How often a wait looks at whether its reader left (seconds).
POLL = 0.2


class Cancelled(LinkReportError):
    """Nobody will read the answer any longer: the request was not sent."""


@contextlib.contextmanager
def cancelled_when(check: Callable[[], bool]) -> Iterator[None]:
    """Within the block, this thread's requests are given up once ``check()`` is true."""
    previous = getattr(_local, "check", None)
    _local.check = check
    try:
        yield
    finally:
        _local.check = previous


def cancelled() -> bool:
    """Whether this thread's reader has left (see :func:`cancelled_when`)."""
    check: Callable[[], bool] | None = getattr(_local, "check", None)
    return check is not None and check()


def watched() -> bool:
    """Whether this thread's requests may be given up (a wait should look now and then)."""
    return getattr(_local, "check", None) is not None


def check() -> None:
    """Raise :class:`Cancelled` if this thread's reader has left."""
    if cancelled():
        raise Cancelled("not sent: nobody reads the answers any longer")


def sleep(seconds: float) -> None:
    """``time.sleep``, ended early (by :class:`Cancelled`) if this thread's reader leaves."""
    if not watched():
        time.sleep(seconds)
        return
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        check()
        time.sleep(min(left, POLL))
    check()


_finishing = 0
_finished = threading.Condition(threading.Lock())


@contextlib.contextmanager
def finishing() -> Iterator[None]:
    """Work the program waits for if it exits meanwhile (a refresh and storing its tokens).

    Workers are daemon threads (a reader that left must not wait for a stalled server), so
    whatever must not be cut short, even when the caller has left, holds this.
    """
    global _finishing
    with _finished:
        _finishing += 1
    try:
        yield
    finally:
        with _finished:
            _finishing -= 1
            _finished.notify_all()


def _wait_for_finishing() -> None:
    with _finished:
        _finished.wait_for(lambda: _finishing == 0)


_register_atexit = getattr(threading, "_register_atexit", None)
if _register_atexit is not None:  # (called before the interpreter stops daemon threads)
    _register_atexit(_wait_for_finishing)
