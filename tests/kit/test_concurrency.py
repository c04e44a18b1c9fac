"""Concurrency limits: declared by a source, overridable, enforced by core's HTTP client."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from linkreport.concurrency import ConnectionSlots, decoding, parse_concurrency
from linkreport.errors import ConfigurationError
from linkreport.http import HttpClient
from linkreport.kit.sandbox.server import serve
from linkreport.runner import open_context
from linkreport.settings import resolve_settings
from linkreport_fakemail import FakeMail


class CountingApp:
    """A slow API that records the most requests it ever served at once."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start: Any) -> list[bytes]:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(0.15)
        with self.lock:
            self.now -= 1
        start("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
        return [b"{}"]


def hammer(http: HttpClient, n: int = 8) -> None:
    with ThreadPoolExecutor(n) as pool:
        list(pool.map(lambda _: http.get_json("/x"), range(n)))


def test_slots_bound_requests_in_flight():
    app = CountingApp()
    with serve(app) as server:
        hammer(HttpClient(base_url=server.url, slots=ConnectionSlots(2, "t")))
    assert app.peak == 2


def test_without_slots_requests_overlap():
    app = CountingApp()
    with serve(app) as server:
        hammer(HttpClient(base_url=server.url))
    assert app.peak > 2


def test_bodies_are_decoded_one_at_a_time_while_requests_overlap():
    app = CountingApp()
    done: list[object] = []
    with serve(app) as server:
        http = HttpClient(base_url=server.url)
        with decoding():  # another thread is decoding: requests go out, decoding waits
            worker = threading.Thread(target=lambda: done.append(http.get_json("/x")))
            worker.start()
            time.sleep(0.6)  # the request (0.15 s) is long answered
            assert done == []
            assert worker.is_alive()
        worker.join(10)
    assert done == [{}]


class Limited(FakeMail):
    name = "limited-mail"
    concurrency = 3


def test_the_declared_limit_is_the_default_and_users_override_it(env):
    settings = resolve_settings(Limited(), env=env)
    assert (settings.get("concurrency"), settings.origin("concurrency")) == ("3", "default")
    app = CountingApp()
    with serve(app) as server:
        env["LINKREPORT_LIMITED_MAIL_BASE_URL"] = server.url
        ctx = open_context(Limited(), env=env)
        assert ctx.http.slots is not None
        assert ctx.http.slots.limit == 3
        hammer(ctx.http)
        assert app.peak == 3
        env["LINKREPORT_LIMITED_MAIL_CONCURRENCY"] = "1"
        ctx = open_context(Limited(), env=env)
        assert ctx.http.slots is not None
        assert ctx.http.slots.limit == 1
        env["LINKREPORT_LIMITED_MAIL_CONCURRENCY"] = "none"
        assert open_context(Limited(), env=env).http.slots is None


def test_no_declared_limit_means_none(env):
    assert open_context(FakeMail(), env=env).http.slots is None


def test_one_account_shares_its_slots_across_runs(env):
    first = open_context(Limited(), env=env)
    second = open_context(Limited(), env=env)
    assert first.http.slots is second.http.slots


@pytest.mark.parametrize("bad", ["0", "-2", "many", "1.5"])
def test_bad_values_are_configuration_errors(env, bad):
    with pytest.raises(ConfigurationError, match="LINKREPORT_FAKEMAIL_CONCURRENCY"):
        open_context(FakeMail(), env={**env, "LINKREPORT_FAKEMAIL_CONCURRENCY": bad})


def test_parse():
    assert parse_concurrency("10") == 10
    assert parse_concurrency(None) is None
    assert parse_concurrency(" none ") is None


def test_a_bad_setting_is_one_line_with_exit_2_or_1(cli, fakemail):
    result = cli("links", "fakemail", "c1", extra_env={"LINKREPORT_FAKEMAIL_CONCURRENCY": "zero"})
    assert result.code != 0
    assert "LINKREPORT_FAKEMAIL_CONCURRENCY must be a positive whole number" in result.err
    assert "Traceback" not in result.err
