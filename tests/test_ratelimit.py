"""The proactive limiter counts a request from when it was really sent (issue 10, goal 4).

Structural, not a speed claim: a request granted a slot but sent late (its thread starved
of CPU, waiting for the GIL or a connection) must push the next window back by as much, or
the server sees one request too many in a window on a loaded machine.
"""

from __future__ import annotations

import time

from linkreport.ratelimit import Rate, RateLimiter, window_margin


def test_a_late_send_moves_the_next_window_with_it():
    limiter = RateLimiter(Rate(1, 1), "test-late-send")
    limiter.sent(limiter.grant()[0])  # a prompt request: the shortest round trip is ~0
    granted, _ = limiter.grant()
    time.sleep(0.4)  # granted, but sent only now (and answered at once)
    limiter.sent(granted)
    before = time.monotonic()
    limiter.acquire()
    waited = time.monotonic() - before
    assert waited >= 0.4 + 1 - 0.4 - 0.05  # the window counts from the late send, not the grant
    assert granted[0] - granted[1] >= 0.39


def test_a_prompt_request_is_counted_from_its_grant():
    limiter = RateLimiter(Rate(2, 1), "test-prompt")
    first, waited = limiter.grant()
    assert waited == 0.0
    limiter.sent(first)
    assert first[0] == first[1]  # nothing to correct: the shortest trip is its own
    assert window_margin(1) == 0.005
    assert window_margin(60) == 0.25


def _trips(limiter: RateLimiter, seconds: list[float]) -> None:
    for trip in seconds:
        ticket = limiter.grant()[0]
        ticket[1] -= trip  # as if granted `trip` seconds ago and answered now
        limiter.sent(ticket)


def test_alike_round_trips_keep_the_least_margin():
    limiter = RateLimiter(Rate(100, 1), "test-alike")
    _trips(limiter, [0.050, 0.051, 0.050, 0.052, 0.050, 0.051])
    assert limiter.margin == window_margin(1)


def test_varying_round_trips_widen_the_margin_within_bounds():
    limiter = RateLimiter(Rate(100, 1), "test-varying")
    _trips(limiter, [0.050, 0.060, 0.065, 0.070, 0.058, 0.066])
    assert 0.025 <= limiter.margin <= 0.05  # twice the upper quartile's excess over 50 ms
    _trips(limiter, [2.0] * 16)  # wildly slow answers: capped at 5% of the window
    assert limiter.margin == 0.05
