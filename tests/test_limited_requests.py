"""Requests under the limiter: every request on the wire holds a place, and only those (issue 10).

A request is dated when its headers arrive, each redirect hop waits like a request of its
own, and an attempt that could not connect gives its place back; a request the server got
keeps its place even when it failed.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from linkreport.concurrency import ConnectionSlots
from linkreport.errors import TransientError
from linkreport.http import HttpClient
from linkreport.ratelimit import Rate, RateLimiter
from linkreport.transfer import Limits, send


class _SlowBody(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.flush()
        time.sleep(0.5)  # the headers are out; the body takes a while
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def _serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on a free loopback port; yield its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def slow_body() -> Iterator[str]:
    with _serving(_SlowBody) as url:
        yield url + "/"


def test_a_request_is_answered_when_its_headers_arrive_not_its_body(slow_body):
    answers: list[float] = []
    with requests.Session() as session:
        response = send(
            session, "GET", slow_body, {}, Limits(), lambda: answers.append(time.monotonic())
        )
        done = time.monotonic()
    assert response.content == b"{}"
    # once, when the headers came, not after the body: a long download does not hold the
    # limiter's window back (see RateLimiter)
    assert len(answers) == 1
    assert done - answers[0] >= 0.4


def test_a_request_failing_before_it_is_sent_does_not_hold_the_window_forever():
    class Interrupted(ConnectionSlots):
        """Ctrl-C while waiting for a connection slot, after the rate limit granted one."""

        def __enter__(self) -> ConnectionSlots:
            raise KeyboardInterrupt

    limiter = RateLimiter(Rate(1, 1), "leak")
    client = HttpClient(base_url="http://127.0.0.1:9", limiter=limiter, slots=Interrupted(1, "x"))
    with pytest.raises(KeyboardInterrupt):
        client.request("GET", "/x")
    done = threading.Event()

    def next_request() -> None:
        limiter.acquire()
        done.set()

    threading.Thread(target=next_request, daemon=True).start()
    assert done.wait(5), "the interrupted request's ticket held the window for good"


class _Budget(BaseHTTPRequestHandler):
    """At most 2 requests in any 1 s (arrivals timed under a lock); /r/N redirects to /t/N."""

    lock = threading.Lock()
    arrivals: list[float] = []
    refused = 0

    def do_GET(self) -> None:
        cls = type(self)
        with cls.lock:
            now = time.monotonic()
            if len([t for t in cls.arrivals if t > now - 1]) >= 2:
                cls.refused += 1
                self.send_response(429)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            cls.arrivals.append(now)
        if self.path.startswith("/r/"):
            self.send_response(302)
            self.send_header("Location", "/t/" + self.path[3:])
            self.send_header("Content-Length", "0")
        else:
            self.send_response(200)
            self.send_header("Content-Length", "2")
        self.end_headers()
        if self.path.startswith("/t/"):
            self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


def test_every_redirect_hop_waits_for_the_limit_like_the_request_before_it():
    limiter = RateLimiter(Rate(2, 1), "test-hops")
    with _serving(_Budget) as url:
        client = HttpClient(base_url=url, limiter=limiter, max_attempts=1)
        for n in range(3):  # each fetch is two requests on the wire: the redirect, its target
            assert client.get_json(f"/r/{n}") == {}
    assert len(_Budget.arrivals) == 6
    assert _Budget.refused == 0  # the server saw no more than 2 requests in any second


def _closed_port() -> int:
    import socket

    with socket.socket() as probe:  # a port just freed: nothing listens there
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _acquired_within(limiter: RateLimiter, seconds: float) -> bool:
    done = threading.Event()

    def acquire() -> None:
        limiter.acquire()
        done.set()

    threading.Thread(target=acquire, daemon=True).start()
    return done.wait(seconds)


def test_a_refused_connection_frees_its_place_in_the_window():
    limiter = RateLimiter(Rate(1, 60), "test-refused")  # one a minute
    client = HttpClient(
        base_url=f"http://127.0.0.1:{_closed_port()}", limiter=limiter, max_attempts=1
    )
    with pytest.raises(TransientError, match="connection refused"):
        client.request("GET", "/x")
    # nothing reached a server: the next request need not wait a minute
    assert _acquired_within(limiter, 5)


class _HangUp(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.close_connection = True  # read the request, then hang up without an answer

    def log_message(self, *args: object) -> None:
        pass


def test_a_request_the_server_received_counts_even_when_it_failed():
    limiter = RateLimiter(Rate(1, 60), "test-hung-up")
    with _serving(_HangUp) as url:
        client = HttpClient(base_url=url, limiter=limiter, max_attempts=1)
        with pytest.raises(TransientError, match="without a response"):
            client.request("GET", "/x")
    assert not _acquired_within(limiter, 1)  # the server may have counted it: it holds its place
