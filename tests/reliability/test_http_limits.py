"""The HTTP policy's limits against hostile loopback servers: deadline, size cap, redirects.

Each test starts small real HTTP servers (``tests/faultserver.py``) that trickle a body, send
one that never ends, redirect to another port, or answer with odd ``Retry-After`` headers.
"""

from __future__ import annotations

import json
import time

import pytest
from faultserver import fault_server

from linkreport.errors import (
    AuthenticationError,
    BadResponseError,
    ProviderError,
    RateLimitedError,
    TransientError,
    UsageError,
)
from linkreport.http import HttpClient, parse_retry_after
from linkreport.redaction import add_secret
from linkreport.transfer import MIB, Limits

FAST = {"backoff": (0.01, 0.05)}


@pytest.fixture
def server():
    with fault_server() as s:
        yield s


@pytest.fixture
def other():
    with fault_server() as s:
        yield s


def client(server, **kwargs) -> HttpClient:
    limits = kwargs.pop("limits", Limits(connect_timeout=2.0, read_timeout=2.0, deadline=1.0))
    return HttpClient(base_url=server.url, limits=limits, **{**FAST, **kwargs})


# --- item 4: an overall deadline per request ------------------------------------------


def test_a_trickling_body_fails_within_the_deadline(server):
    server.plan(("trickle", ('{"a": 1, "padding": "xxxxxxxxxxxxxxxxxxxx"}', 0.2)))
    started = time.monotonic()
    with pytest.raises(TransientError, match=r"took longer than 1s in all"):
        client(server, max_attempts=1).get_json("/x")
    assert time.monotonic() - started < 2.5  # the body alone would take 8 s


def test_a_trickling_body_is_retried_within_the_budget(server):
    slow = ("trickle", ('{"a": 1, "padding": "xxxxxxxxxxxxxxxxxxxx"}', 0.2))
    server.plan(slow, slow, ("ok", {"done": True}))
    started = time.monotonic()
    assert client(server).get_json("/x") == {"done": True}
    assert len(server.requests) == 3
    assert time.monotonic() - started < 5


def test_a_fast_trickle_within_the_deadline_succeeds(server):
    server.plan(("trickle", ('{"a": 1}', 0.01)))
    assert client(server).get_json("/x") == {"a": 1}


# --- item 5: a size cap -----------------------------------------------------------------


def test_an_endless_body_fails_at_the_size_cap(server):
    server.plan(("endless", 65536))
    limits = Limits(read_timeout=2.0, deadline=30.0, max_bytes=2 * MIB)
    started = time.monotonic()
    with pytest.raises(BadResponseError, match=r"more than 2 MiB \(LINKREPORT_MAX_RESPONSE_MB\)"):
        client(server, limits=limits).get_json("/x")
    assert time.monotonic() - started < 10
    assert len(server.requests) == 1  # not retried: it would be as big again


def test_a_declared_length_over_the_cap_fails_before_reading(server):
    server.plan(("headers", (200, {"a": 1}, {"X-Ignored": "1"})))
    limits = Limits(max_bytes=4)
    with pytest.raises(BadResponseError, match="more than"):
        client(server, limits=limits).get_json("/x")


# --- item 7: redirects ----------------------------------------------------------------


def test_a_redirect_to_another_port_is_refused(server, other):
    secret = "SENTINEL-redirect-token-4411"
    add_secret(secret)
    server.plan(("redirect", (302, f"{other.url}/stolen")))
    other.plan(("ok", {"foreign": True}))
    with pytest.raises(ProviderError) as info:
        client(server).get_json("/x", headers={"Authorization": f"Bearer {secret}"})
    message = str(info.value)
    assert "refused a redirect of GET /x to another origin" in message
    assert f"127.0.0.1:{other.server_address[1]}" in message
    assert "\n" not in message
    assert other.requests == []  # nothing at all reached the other origin
    assert len(server.requests) == 1  # and it is not retried


@pytest.mark.parametrize(
    "location",
    ["http://localhost:{port}/x", "https://127.0.0.1:{port}/x", "http://example.com/x"],
)
def test_every_cross_origin_redirect_is_refused(server, location):
    server.plan(("redirect", (301, location.format(port=server.server_address[1]))))
    with pytest.raises(ProviderError, match="another origin"):
        client(server).get_json("/x")
    assert len(server.requests) == 1


def test_a_same_origin_redirect_is_followed_without_credentials(server):
    add_secret("SENTINEL-header-key-9921")
    server.plan(("redirect", (302, "/moved?page=2")), ("ok", {"moved": True}))
    result = client(server).get_json(
        "/x",
        params={"apikey": "SENTINEL-param-key-1234"},
        headers={"Authorization": "Bearer abc", "X-Api-Key": "SENTINEL-header-key-9921"},
    )
    assert result == {"moved": True}
    first, second = server.requests
    assert "apikey=" in first["path"]
    assert second["path"] == "/moved?page=2"  # the query is not re-sent
    assert "Authorization" not in second["headers"]
    assert "X-Api-Key" not in second["headers"]


def test_a_redirect_that_then_wants_credentials_is_one_clear_error(server):
    server.plan(("redirect", (302, "/moved")), ("status", 401))
    with pytest.raises(AuthenticationError, match="never re-sends credentials on a redirect"):
        client(server).get_json("/x", headers={"Authorization": "Bearer abc"})


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_a_post_is_never_redirected_even_within_its_origin(server, code):
    server.plan(("redirect", (code, "/token2")))
    with pytest.raises(ProviderError, match="never follows a redirect of a request with a body"):
        client(server).request("POST", "/token", data={"refresh_token": "rt-secret-body"})
    assert len(server.requests) == 1
    assert server.requests[0]["method"] == "POST"


def test_redirect_loops_end(server):
    server.plan(*[("redirect", (302, f"/hop{i}")) for i in range(10)])
    with pytest.raises(ProviderError, match="redirected more than 5 times"):
        client(server).get_json("/x")


def test_a_redirect_to_an_invalid_url_is_one_clear_error(server):
    # requests parses the Location at once and raised ValueError: it escaped as a plugin bug
    server.plan(("redirect", (302, "http://[::1/x")))
    with pytest.raises(ProviderError, match=r"^GET /x failed: unreadable answer \(Invalid IPv6"):
        client(server).get_json("/x")
    assert len(server.requests) == 1  # not retried


def test_plain_http_to_another_host_is_never_requested(server):
    http = client(server)
    with pytest.raises(ProviderError, match=r"refused to request http://example\.com:80"):
        http.get_json("http://example.com/api?apikey=abc")


# --- item 11: odd Retry-After headers ----------------------------------------------------


@pytest.mark.parametrize("value", ["\u00b2", "\u0663", "1e3", "-5", "NaN", "Fri, 31 Dec 99999"])
def test_odd_retry_after_values_are_ignored_not_fatal(value):
    assert parse_retry_after(value) is None


def test_a_wait_beyond_the_budget_fails_at_once_showing_the_date(server):
    server.plan(("retry_after", (429, "Fri, 31 Dec 9999 23:59:59 GMT")), ("ok", {}))
    started = time.monotonic()
    with pytest.raises(RateLimitedError) as info:
        client(server, max_retry_seconds=5).get_json("/x")
    assert time.monotonic() - started < 2
    assert "until 9999-12-31 23:59:59 UTC" in str(info.value)
    assert "LINKREPORT_MAX_RETRY_SECONDS=5" in str(info.value)


def test_an_enormous_retry_after_fails_at_once(server):
    server.plan(("retry_after", (429, "99999999999999999999999")), ("ok", {}))
    with pytest.raises(RateLimitedError, match=r"the far future|longer than the retry budget"):
        client(server, max_retry_seconds=5).get_json("/x")


# --- item 10: limits given by the user must make sense ---------------------------------


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "-inf", "ten", "1e400"])
@pytest.mark.parametrize(
    "name", ["LINKREPORT_REQUEST_TIMEOUT", "LINKREPORT_READ_TIMEOUT", "LINKREPORT_MAX_RESPONSE_MB"]
)
def test_non_finite_or_non_positive_limits_are_usage_errors(name, value):
    with pytest.raises(UsageError, match=name):
        Limits.from_env({name: value})


def test_limits_from_env():
    limits = Limits.from_env(
        {"LINKREPORT_REQUEST_TIMEOUT": "5", "LINKREPORT_MAX_RESPONSE_MB": "0.5"}
    )
    assert limits.deadline == 5.0
    assert limits.read_timeout == 5.0  # never longer than the whole deadline
    assert limits.max_bytes == MIB // 2


# --- Sitecore Send's x-ratelimit-expires -----------------------------------------------


def _sitecore_limited(run_linkreport, expires: str, **env: str):
    from linkreport_sitecore_send import sandbox as ss

    limited = json.dumps({"Code": 429, "Error": "rate limited", "Context": None})
    with fault_server() as server:
        server.plan(
            *[("headers", (200, json.loads(limited), {"x-ratelimit-expires": expires}))] * 4
        )
        started = time.monotonic()
        result = run_linkreport(
            "links",
            "sitecore-send",
            ss.SPRING,
            extra_env={
                "LINKREPORT_SITECORE_SEND_BASE_URL": server.url,
                "LINKREPORT_SITECORE_SEND_API_KEY": "k" * 16,
                "LINKREPORT_SITECORE_SEND_RATE_LIMIT": "50/1",
                **env,
            },
        )
    return result, time.monotonic() - started


def test_a_reset_time_in_year_9999_fails_at_once_with_its_date(run_linkreport):
    result, took = _sitecore_limited(run_linkreport, "12/31/9999 23:59:59")
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "until 9999-12-31 23:59:59 UTC" in result.err
    assert "LINKREPORT_MAX_RETRY_SECONDS=900" in result.err
    assert len(result.err.splitlines()) == 1, result.err
    assert took < 20


@pytest.mark.parametrize("value", ["\u00b9\u00b2/31/2026 10:00:00", "13/45/2026 99:00:00", "soon"])
def test_odd_reset_times_fall_back_to_the_window(run_linkreport, value):
    result, _ = _sitecore_limited(
        run_linkreport, value, LINKREPORT_MAX_RETRIES="1", LINKREPORT_MAX_RETRY_SECONDS="5"
    )
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "Sitecore Send rate limit" in result.err
