"""Proactive rate limiting: never send more than the provider's budget.

One limiter per account, credential and rate, shared by every thread of the process: a
moving window over the requests' estimated arrival times (see :class:`RateLimiter`). A
caller that must wait is told how long, so progress can say so.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

import attrs

from linkreport import cancel
from linkreport.errors import ConfigurationError

WaitCallback = Callable[[float, str], None]


def window_margin(seconds: int) -> float:
    """The extra pause after each window: 0.5% of the window (5 ms to 250 ms).

    The server counts arrival times and the limiter estimates them from the answers (see
    :class:`RateLimiter`); the margin covers what that estimate cannot see: clock
    granularity, and forward and return trips of unequal length. A run loses 0.5% to it.
    """
    return min(max(seconds * 0.005, 0.005), 0.25)


#: The share of the shortest round trip seen that the limiter takes off an answer's time to
#: date a request, once :data:`SETTLING` trips have been seen: it covers the next request's
#: own forward trip, and the rest (10%) covers trips that vary by as much. Each share of it
#: not taken costs that share of a round trip per window.
TRUSTED = 0.9
#: The round trips seen before :data:`TRUSTED` applies in full: a run's first trips are the
#: slowest (connections, cold code, a loaded machine: 82 ms seen against 52 ms later at 50 ms
#: latency), so the shortest of a few says little; the share grows with each one seen.
SETTLING = 8


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


class Ticket:
    """One granted request (see :class:`RateLimiter`): when it was granted and answered."""

    __slots__ = ("answered", "cold", "granted")

    def __init__(self, now: float, cold: bool) -> None:
        self.granted = now
        self.answered: float | None = None
        self.cold = cold  # granted before any answer: its trip may include opening a connection


class RateLimiter:
    """Blocks callers so that at most ``rate.requests`` start in any ``rate.seconds``.

    A moving window over the requests' estimated arrival times, made to hold on a loaded
    machine. An answered request counts from its answer (:meth:`sent`, called when the
    response's headers arrive) less a share (:attr:`trust`, growing to :data:`TRUSTED` as
    trips are seen) of the shortest round trip seen so far, and never from before its
    grant: no earlier than the server saw it, less about the shortest forward trip, which
    the next request's own forward trip makes up for.
    Requests granted before the first answer count from their answer: their trips include
    opening connections and cold code, so they say nothing of later forward trips.
    Estimates are made afresh each time, so a shorter trip seen later moves earlier
    requests later too. An unanswered request counts from no earlier than *now* less that
    share: a thread granted a slot but starved before sending (waiting for the GIL, the
    CPU, a connection), or a server slow to answer, holds the next window back until its
    answer says when it arrived. The pause after each window is :func:`window_margin`.
    The ``limits`` library's windows record a hit once and cannot be corrected after the
    fact, hence this small class.
    """

    def __init__(self, rate: Rate, name: str) -> None:
        self.rate = rate
        self.name = name
        self.margin = window_margin(rate.seconds)
        self._span = rate.seconds + self.margin
        self._tickets: list[Ticket] = []  # the requests that may still count
        self._shortest = 0.0  # the shortest round trip seen (0 until one is seen)
        self._trips = 0  # the round trips seen (of warm requests)
        self._warm = False  # an answer has come (connections are open)
        self._changed = threading.Condition(threading.Lock())

    def acquire(self, on_wait: WaitCallback | None = None) -> float:
        """Wait for a slot; return the seconds waited."""
        return self.grant(on_wait)[1]

    def grant(self, on_wait: WaitCallback | None = None) -> tuple[Ticket, float]:
        """Wait for a slot; return its ticket (pass it to :meth:`sent`) and the seconds waited.

        Raises :class:`~linkreport.cancel.Cancelled` if this thread's reader leaves meanwhile.
        """
        held: tuple[RateLimiter, Ticket] | None = getattr(_reserved, "held", None)
        if held is not None and held[0] is self:  # granted ahead (see reserved())
            _reserved.held = None
            return held[1], 0.0
        began: float | None = None  # when this caller started waiting, if it had to
        announced = 0.0  # when the wait last announced would end
        with self._changed:
            while True:
                now = time.monotonic()
                delay = self._delay(now)
                if delay <= 0:
                    ticket = Ticket(now, cold=not self._warm)
                    self._tickets.append(ticket)
                    return ticket, 0.0 if began is None else now - began
                began = now if began is None else began
                if on_wait is not None and abs(now + delay - announced) > 0.5:
                    announced = now + delay
                    self._changed.release()  # say so without holding the others up
                    try:
                        on_wait(delay, f"rate limit {self.rate}")
                    finally:
                        self._changed.acquire()
                    continue
                cancel.check()  # nobody reads the answer any longer: don't wait to send it
                # an answer may open the window earlier
                self._changed.wait(min(delay, cancel.POLL) if cancel.watched() else delay)

    def try_grant(self) -> tuple[Ticket | None, float]:
        """A ticket if a slot is free now, else ``None`` and the seconds until one may be.

        Never waits: for a scheduler that serves whichever account's limiter is ready
        (:mod:`linkreport.schedule`). The seconds are a lower bound (requests in flight may
        date later once answered): look again then.
        """
        with self._changed:
            now = time.monotonic()
            delay = self._delay(now)
            if delay > 0:
                return None, delay
            ticket = Ticket(now, cold=not self._warm)
            self._tickets.append(ticket)
            return ticket, 0.0

    @property
    def trust(self) -> float:
        """The share of the shortest round trip taken off answers now (see :data:`TRUSTED`)."""
        return TRUSTED * min(self._trips, SETTLING) / SETTLING

    def counted_from(self, ticket: Ticket, now: float | None = None) -> float:
        """When the request of ``ticket`` counts from, as far as is known ``now``."""
        shortest = 0.0 if ticket.cold else self._shortest * self.trust
        if ticket.answered is None:
            seen = (time.monotonic() if now is None else now) - shortest
        else:
            seen = ticket.answered - shortest
        return max(ticket.granted, seen)

    def _delay(self, now: float) -> float:
        """Seconds until a slot is free (0: one is); call it holding the lock."""
        horizon = now - self._span
        counted: list[float] = []
        kept: list[Ticket] = []
        for ticket in self._tickets:
            start = self.counted_from(ticket, now)
            if start > horizon:
                counted.append(start)
            if ticket.answered is None or ticket.answered > horizon:
                kept.append(ticket)  # a shorter trip seen later may date it later again
        self._tickets = kept
        if len(counted) < self.rate.requests:
            return 0.0
        counted.sort()
        return max(counted[len(counted) - self.rate.requests] - horizon, 0.001)

    def withdraw(self, ticket: Ticket) -> None:
        """The request of ``ticket`` was never sent (no connection): it does not count."""
        with self._changed:
            if ticket in self._tickets:
                self._tickets.remove(ticket)
                self._changed.notify_all()

    def sent(self, ticket: Ticket) -> None:
        """The request of ``ticket`` was answered now (only the first call counts)."""
        now = time.monotonic()
        with self._changed:
            if ticket.answered is not None:
                return
            ticket.answered = now
            self._warm = True
            trip = now - ticket.granted
            if not ticket.cold:
                self._trips += 1
                if not self._shortest or trip < self._shortest:
                    self._shortest = trip
            self._changed.notify_all()


_reserved = threading.local()


@contextlib.contextmanager
def reserved(limiter: RateLimiter | None, ticket: Ticket | None) -> Iterator[None]:
    """Within the block, this thread's first grant of ``limiter`` is ``ticket``, at once.

    ``ticket`` came from :meth:`RateLimiter.try_grant`; if no request used it, it is
    withdrawn at the end of the block (its place is free again).
    """
    if limiter is None or ticket is None:
        yield
        return
    previous = getattr(_reserved, "held", None)
    _reserved.held = (limiter, ticket)
    try:
        yield
    finally:
        held = getattr(_reserved, "held", None)
        _reserved.held = previous
        if held is not None and held[1] is ticket:
            limiter.withdraw(ticket)


_limiters: dict[tuple[str, str, Rate], RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(account: str, credential: str, rate: Rate) -> RateLimiter:
    """Return the process-wide limiter of one account, credential and rate."""
    import hashlib  # not at start-up

    digest = hashlib.sha256(credential.encode()).hexdigest()[:16]
    key = (account, digest, rate)
    with _limiters_lock:
        if key not in _limiters:
            _limiters[key] = RateLimiter(rate, f"{account}:{digest}")
        return _limiters[key]
