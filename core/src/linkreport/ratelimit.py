"""Proactive rate limiting: never send more than the provider's budget.

One limiter per account, credential and rate, shared by every thread of the process: a
moving window over the requests' send times (see :class:`RateLimiter`). A caller that must
wait is told how long, so progress can say so.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable

import attrs

from linkreport.errors import ConfigurationError

WaitCallback = Callable[[float, str], None]


def window_margin(seconds: int) -> float:
    """The least extra pause after a window opens: 0.5% of the window (5 ms to 250 ms).

    The server counts arrival times, and the limiter counts each request from its estimated
    send time (see :class:`RateLimiter`); the margin covers what that estimate cannot see
    (the forward trip on the wire). On a quiet machine a long run loses 0.5% to it; when
    round trips vary (a loaded machine), the limiter widens it (see :data:`MAX_MARGIN`).
    """
    return min(max(seconds * 0.005, 0.005), 0.25)


#: The widest margin, as a share of the window, that varying round trips may ask for.
MAX_MARGIN = 0.05
#: Round trips remembered to judge how much they vary.
TRIPS = 16


@attrs.frozen
class Rate:
    """A request budget: at most ``requests`` in any ``seconds``-long window."""

    requests: int
    seconds: int

    def __str__(self) -> str:
        return f"{self.requests}/{self.seconds}s"


def parse_rate(text: str, *, what: str = "rate_limit") -> Rate:
    """Parse ``<requests>/<seconds>`` (e.g. ``2/60``, ``4/1``)."""
    try:
        count, _, window = text.strip().partition("/")
        rate = Rate(int(count), int(window or "1"))
    except ValueError:
        rate = Rate(0, 0)
    if rate.requests < 1 or rate.seconds < 1:
        msg = f"{what} must look like <requests>/<seconds> with positive integers, got {text!r}"
        raise ConfigurationError(msg)
    return rate


class RateLimiter:
    """Blocks callers so that at most ``rate.requests`` start in any ``rate.seconds``.

    A moving window over the requests' start times, with a correction that makes it hold on
    a loaded machine: a request is counted from when it was granted, and once it is answered
    (:meth:`sent`) from no earlier than its answer time minus the shortest round trip seen.
    A thread that was granted a slot but got to send only later (waiting for the GIL, a
    connection, the CPU) therefore moves its own entry later, and the next window opens later
    with it: the server never sees ``rate.requests + 1`` arrivals in one window. That
    estimate is as good as round trips are alike, so the margin after each window is twice
    how much the recent round trips exceed the shortest (their upper quartile; at least
    :func:`window_margin`, at most :data:`MAX_MARGIN` of the window). The ``limits``
    library's windows record a hit once and cannot be corrected after the fact, hence this
    small implementation.
    """

    def __init__(self, rate: Rate, name: str) -> None:
        self.rate = rate
        self.name = name
        self._least = window_margin(rate.seconds)
        self._margin = self._least
        self._span = rate.seconds + self._least
        self._entries: list[list[float]] = []  # [start] of the requests of the last window
        self._shortest: float | None = None  # the shortest round trip seen
        self._trips: deque[float] = deque(maxlen=TRIPS)
        self._lock = threading.Lock()

    @property
    def margin(self) -> float:
        """The pause added after each window now (see the class doc)."""
        return self._margin

    def acquire(self, on_wait: WaitCallback | None = None) -> float:
        """Wait for a slot; return the seconds waited."""
        return self.grant(on_wait)[1]

    def grant(self, on_wait: WaitCallback | None = None) -> tuple[list[float], float]:
        """Wait for a slot; return its ticket (pass it to :meth:`sent`) and the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = time.monotonic()
                self._entries = [e for e in self._entries if e[0] > now - self._span]
                if len(self._entries) < self.rate.requests:
                    ticket = [now, now]  # [counted start, granted at]
                    self._entries.append(ticket)
                    return ticket, waited
                starts = sorted(e[0] for e in self._entries)
                delay = max(starts[len(starts) - self.rate.requests] + self._span - now, 0.001)
            if on_wait is not None:
                on_wait(delay, f"rate limit {self.rate}")
            time.sleep(delay)
            waited += delay

    def sent(self, ticket: list[float]) -> None:
        """The request of ``ticket`` was answered now: correct its start (see the class doc)."""
        now = time.monotonic()
        with self._lock:
            trip = now - ticket[1]
            if self._shortest is None or trip < self._shortest:
                self._shortest = trip
            ticket[0] = max(ticket[0], now - self._shortest)
            self._trips.append(trip)
            if len(self._trips) >= 4:
                upper = sorted(self._trips)[len(self._trips) * 3 // 4]
                wanted = 2 * (upper - self._shortest)
                self._margin = min(max(wanted, self._least), self.rate.seconds * MAX_MARGIN)
                self._span = self.rate.seconds + self._margin


_limiters: dict[tuple[str, str, Rate], RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(account: str, credential: str, rate: Rate) -> RateLimiter:
    """Return the process-wide limiter of one account, credential and rate."""
    digest = hashlib.sha256(credential.encode()).hexdigest()[:16]
    key = (account, digest, rate)
    with _limiters_lock:
        if key not in _limiters:
            _limiters[key] = RateLimiter(rate, f"{account}:{digest}")
        return _limiters[key]
