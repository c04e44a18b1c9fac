"""The proactive limiter counts a request from when the server saw it (issue 10, goal 4).

Structural, not speed claims: a request granted a slot but sent late (its thread starved of
CPU, waiting for the GIL or a connection), or answered late, must push the next window back
by as much, or the server sees one request too many in a window on a loaded machine.
"""

from __future__ import annotations

import threading
import time

import pytest

from linkreport.ratelimit import SETTLING, TRUSTED, Rate, RateLimiter, Ticket, window_margin


def _warmed(rate: Rate, name: str) -> RateLimiter:
    """A limiter that has seen an answer and a prompt round trip (~0 s) after it."""
    limiter = RateLimiter(rate, name)
    limiter.sent(limiter.grant()[0])  # granted before any answer: cold, says nothing of trips
    limiter.sent(limiter.grant()[0])  # a prompt request: the shortest round trip is ~0
    return limiter


def test_a_late_send_moves_the_next_window_with_it():
    limiter = _warmed(Rate(1, 1), "test-late-send")
    granted, _ = limiter.grant()
    time.sleep(0.4)  # granted, but sent only now (and answered at once)
    limiter.sent(granted)
    before = time.monotonic()
    limiter.acquire()
    waited = time.monotonic() - before
    assert waited >= 0.4 + 1 - 0.4 - 0.05  # the window counts from the late send, not the grant
    assert limiter.counted_from(granted) - granted.granted >= 0.39


def test_a_request_is_answered_once():
    limiter = RateLimiter(Rate(2, 1), "test-once")
    first, waited = limiter.grant()
    assert waited == 0.0
    limiter.sent(first)
    answered = first.answered
    limiter.sent(first)  # a second answer (the body after the headers) changes nothing
    assert first.answered == answered
    assert limiter.margin == window_margin(1) == 0.005
    assert window_margin(60) == 0.25


def test_requests_granted_before_any_answer_count_from_their_answer():
    limiter = RateLimiter(Rate(4, 1), "test-cold")
    cold, _ = limiter.grant()
    cold.granted -= 0.3  # as if its trip took 0.3 s (opening a connection, a cold process)
    limiter.sent(cold)
    assert cold.answered is not None
    assert limiter.counted_from(cold) == cold.answered  # its trip says nothing of later ones
    warm, _ = limiter.grant()
    warm.granted -= 0.3
    limiter.sent(warm)  # the shortest trip now: 0.3 s, of which a share is taken off
    assert warm.answered is not None
    assert 0 < limiter.trust < TRUSTED  # one trip seen: it is trusted only in part
    expected = warm.answered - 0.3 * limiter.trust
    assert limiter.counted_from(warm) == pytest.approx(expected, abs=0.01)


def test_a_shorter_trip_seen_later_moves_earlier_requests_later():
    limiter = RateLimiter(Rate(4, 1), "test-shorter-later")
    limiter.sent(limiter.grant()[0])  # cold
    slow, _ = limiter.grant()
    slow.granted -= 0.3  # the shortest trip so far: 0.3 s
    limiter.sent(slow)
    assert slow.answered is not None
    assert limiter.counted_from(slow) <= slow.answered - 0.3 * limiter.trust + 0.01
    limiter.sent(limiter.grant()[0])  # a prompt one: the shortest trip is ~0 now
    # the server may have seen `slow` as late as its answer: it counts from there now
    assert limiter.counted_from(slow) >= slow.answered - 0.01


def test_the_shortest_trip_is_trusted_more_as_trips_are_seen():
    limiter = RateLimiter(Rate(100, 1), "test-settling")
    limiter.sent(limiter.grant()[0])  # cold: not a trip
    assert limiter.trust == 0  # no trip seen: an answer dates its request
    shares = []
    for _ in range(SETTLING + 2):
        ticket, _ = limiter.grant()
        ticket.granted -= 0.1  # every trip 0.1 s: the shortest is 0.1 s from the first
        limiter.sent(ticket)
        shares.append(limiter.trust)
    assert shares == sorted(shares)  # the first trips of a run are the slowest: trust grows
    assert shares[0] < TRUSTED / 4
    assert shares[-1] == shares[SETTLING - 1] == TRUSTED
    assert ticket.answered is not None
    assert limiter.counted_from(ticket) == pytest.approx(ticket.answered - 0.1 * TRUSTED)


def _seen(limiter: RateLimiter, trip: float, ago: float) -> Ticket:
    """A request granted and answered now, its trip ``trip`` s, then moved ``ago`` s back."""
    ticket, _ = limiter.grant()
    ticket.granted -= trip
    limiter.sent(ticket)
    assert ticket.answered is not None
    ticket.granted -= ago
    ticket.answered -= ago
    return ticket


def test_a_request_out_of_the_window_comes_back_when_a_shorter_trip_dates_it_later():
    limiter = RateLimiter(Rate(2, 1), "test-comes-back")
    _seen(limiter, 0, 5)  # cold
    for _ in range(SETTLING):  # trips of 0.5 s: an answer dates its request 0.45 s earlier
        _seen(limiter, 0.5, 5)
    late = _seen(limiter, 0.5, 0.6)  # counts from 0.6 + 0.45 s ago: out of the window
    quick, waited = limiter.grant()
    assert waited == 0.0
    limiter.sent(quick)  # a prompt trip: the server may have seen `late` as late as its answer
    assert late.answered is not None
    assert limiter.counted_from(late) >= late.answered - 0.01
    assert limiter.acquire() > 0.3  # `late` counts again (0.6 s ago), with `quick` (now)


def test_an_unanswered_request_holds_the_next_window_until_its_answer():
    limiter = _warmed(Rate(1, 1), "test-unanswered")
    slow, _ = limiter.grant()  # its window opens; this request is not answered for 1.5 s
    granted_at: list[float] = []
    waiter = threading.Thread(target=lambda: granted_at.append(limiter.grant()[0].granted))
    waiter.start()
    time.sleep(1.5)
    assert not granted_at  # a window has passed, but the server may not have seen `slow` yet
    answered = time.monotonic()
    limiter.sent(slow)
    waiter.join(5)
    # counted from its answer (less the shortest trip), not from its grant 1.5 s earlier
    assert granted_at[0] >= answered + 1 - 0.05


def test_waiting_is_announced_once_per_wait_not_per_answer():
    limiter = RateLimiter(Rate(2, 1), "test-announce")
    first, _ = limiter.grant()
    second, _ = limiter.grant()
    announced: list[float] = []
    waiter = threading.Thread(target=lambda: limiter.grant(lambda s, _r: announced.append(s)))
    waiter.start()
    time.sleep(0.2)
    limiter.sent(first)  # each answer wakes the waiter to look again
    limiter.sent(second)
    waiter.join(5)
    assert len(announced) == 1
    assert 0.5 < announced[0] <= 1.01


def test_try_grant_never_waits_and_a_reserved_slot_is_used_or_given_back():
    from linkreport.ratelimit import reserved

    limiter = RateLimiter(Rate(1, 1), "test-try-grant")
    ticket, delay = limiter.try_grant()
    assert ticket is not None
    assert delay == 0
    started = time.monotonic()
    assert limiter.try_grant()[0] is None  # full: says when, at once
    assert 0.9 < limiter.try_grant()[1] <= 1.01
    with reserved(limiter, ticket):  # the thread's next grant is the slot granted already
        assert limiter.grant() == (ticket, 0.0)
    assert time.monotonic() - started < 0.1
    limiter.sent(ticket)
    assert limiter.try_grant()[0] is None  # used: it counts
    other = RateLimiter(Rate(1, 1), "test-try-grant-unused")
    unused, _ = other.try_grant()
    with reserved(other, unused):
        pass  # no request: the slot is given back
    assert other.try_grant()[0] is not None
