"""The HTTP policy against a real loopback server injecting faults."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from faultserver import fault_server

from linkreport.errors import (
    AuthenticationError,
    BadResponseError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
    TransientError,
)
from linkreport.http import USER_AGENT, HttpClient, parse_retry_after
from linkreport.ratelimit import Rate, RateLimiter
from linkreport.redaction import add_secret

FAST = {"backoff": (0.01, 0.05), "timeout": (2.0, 0.5)}


@pytest.fixture
def server():
    with fault_server() as s:
        yield s


def client(server, **kwargs) -> HttpClient:
    return HttpClient(base_url=server.url, **{**FAST, **kwargs})


def test_success_sends_user_agent(server):
    server.plan(("ok", {"a": 1}))
    assert client(server).get_json("/x") == {"a": 1}
    assert server.requests[0]["headers"]["User-Agent"] == USER_AGENT


@pytest.mark.parametrize(
    "fault",
    [
        ("status", 500),
        ("status", 503),
        ("reset", None),
        ("sleep", 1.5),
        ("retry_after", (429, "0")),
        ("status", 429),
    ],
)
def test_transient_faults_are_retried(server, fault):
    server.plan(fault, fault, ("ok", {"done": True}))
    assert client(server).get_json("/x") == {"done": True}
    assert len(server.requests) == 3


def test_retry_after_is_honoured(server):
    server.plan(("retry_after", (429, "1")), ("ok", {}))
    waits: list[float] = []
    client(server, on_wait=lambda s, r: waits.append(s)).get_json("/x")
    gap = server.requests[1]["time"] - server.requests[0]["time"]
    assert gap >= 0.95
    assert waits == [1.0]


def test_a_200_body_meaning_rate_limited_until_t_is_waited_out(server):
    until = datetime.now(UTC) + timedelta(seconds=1)
    server.plan(("ok", {"limited": True}), ("ok", {"fine": True}))

    def classify(response: requests.Response) -> None:
        if response.json().get("limited"):
            raise RateLimitedError("limited in body", retry_at=until)

    reasons: list[str] = []
    result = client(server, classify=classify, on_wait=lambda s, r: reasons.append(r)).get_json(
        "/x"
    )
    assert result == {"fine": True}
    assert server.requests[1]["time"] - server.requests[0]["time"] >= 0.9
    assert reasons == ["limited in body"]


def test_retrying_is_bounded_in_attempts_and_time(server):
    server.plan(*[("status", 503)] * 10)
    with pytest.raises(TransientError, match="503"):
        client(server, max_attempts=3).get_json("/x")
    assert len(server.requests) == 3
    server.requests.clear()
    server.plan(("retry_after", (429, "30")), ("ok", {}))
    started = time.monotonic()
    with pytest.raises(RateLimitedError):
        client(server, max_retry_seconds=5).get_json("/x")
    assert time.monotonic() - started < 2  # it gave up instead of waiting 30 s


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, NotFoundError),
        (400, ProviderError),
    ],
)
def test_client_errors_are_mapped_and_not_retried(server, status, error):
    server.plan(("status", status))
    with pytest.raises(error):
        client(server).get_json("/x")
    assert len(server.requests) == 1


def test_non_json_body_is_a_bad_response(server):
    server.plan(("body", (200, "<html>gateway</html>")))
    with pytest.raises(BadResponseError, match="not JSON"):
        client(server).get_json("/x")


def test_secrets_never_reach_error_messages(server):
    secret = "SENTINEL-http-secret-77"
    add_secret(secret)
    server.plan(*[("status", 503)] * 3)
    with pytest.raises(TransientError) as info:
        client(server, max_attempts=2).get_json(f"/x?apikey={secret}")
    assert secret not in str(info.value)
    assert "apikey=***" in str(info.value)
    dead = HttpClient(base_url="http://127.0.0.1:9", max_attempts=1)
    with pytest.raises(TransientError) as refused:
        dead.get_json("/x", params={"apikey": "another-unregistered-key"})
    assert "another-unregistered-key" not in str(refused.value)
    assert "connection refused" in str(refused.value)


def test_proactive_limiter_spaces_requests(server):
    limiter = RateLimiter(Rate(2, 1), "test-limiter-spacing")
    http = client(server, limiter=limiter)
    for _ in range(5):
        http.get_json("/x")
    times = [r["time"] for r in server.requests]
    assert times[4] - times[0] >= 1.95  # 5 requests at 2/s need two full windows
    for i in range(2, 5):
        assert times[i] - times[i - 2] >= 0.95


def test_parse_retry_after():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:10 GMT", now=now) == 10.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
