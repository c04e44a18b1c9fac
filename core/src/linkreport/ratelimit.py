"""Proactive rate limiting: never send more than the provider's budget.

One limiter per provider, credential and rate, shared by every thread of the process, built
on the moving-window strategy of the ``limits`` library. A caller that must wait is told
how long, so progress can say so.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable

import attrs

from linkreport.errors import ConfigurationError

WaitCallback = Callable[[float, str], None]


def window_margin(seconds: int) -> float:
    """Extra pause after a window opens, so the server never sees the next call early.

    0.5% of the window (5 ms to 250 ms), since the server counts arrival times and we count
    send times. It absorbs ordinary jitter; a refusal that slips through anyway is waited out
    by the HTTP policy. A long run loses at most 0.5% to it.
    """
    return min(max(seconds * 0.005, 0.005), 0.25)


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
    """Blocks callers so that at most ``rate.requests`` start in any ``rate.seconds``."""

    def __init__(self, rate: Rate, name: str) -> None:
        from limits import RateLimitItemPerSecond
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter

        self.rate = rate
        self.name = name
        self._item = RateLimitItemPerSecond(rate.requests, rate.seconds)
        self._strategy = MovingWindowRateLimiter(MemoryStorage())
        self._margin = window_margin(rate.seconds)

    def acquire(self, on_wait: WaitCallback | None = None) -> float:
        """Wait for a slot; return the seconds waited."""
        waited = 0.0
        while not self._strategy.hit(self._item, self.name):
            reset = self._strategy.get_window_stats(self._item, self.name).reset_time
            delay = max(reset - time.time(), 0.0) + self._margin
            if on_wait is not None:
                on_wait(delay, f"rate limit {self.rate}")
            time.sleep(delay)
            waited += delay
        return waited


_limiters: dict[tuple[str, str, Rate], RateLimiter] = {}
_limiters_lock = threading.Lock()


def limiter_for(provider: str, credential: str, rate: Rate) -> RateLimiter:
    """Return the process-wide limiter of one provider, credential and rate."""
    digest = hashlib.sha256(credential.encode()).hexdigest()[:16]
    key = (provider, digest, rate)
    with _limiters_lock:
        if key not in _limiters:
            _limiters[key] = RateLimiter(rate, f"{provider}:{digest}")
        return _limiters[key]
