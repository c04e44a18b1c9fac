"""The HTTP client's sessions: proxies and ``.netrc`` honoured but read once per host, and
sessions kept per client, not per thread (issue 27). Real HTTP on loopback."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from linkreport.http import HttpClient
from linkreport.kit.sandbox.server import serve

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


class _Recorder:
    """A WSGI app answering ``{}`` and recording each request's path and Authorization."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            self.seen.append((environ["PATH_INFO"], environ.get("HTTP_AUTHORIZATION")))
        body = json.dumps({}).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]


@pytest.fixture
def clean_environment(monkeypatch, tmp_path):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


@pytest.fixture
def lookups(monkeypatch):
    """How often ``requests`` read the proxy variables and ``.netrc``."""
    counted = {"proxies": 0, "netrc": 0}
    proxies = requests.sessions.get_environ_proxies
    netrc = requests.utils.get_netrc_auth

    def count_proxies(*args, **kwargs):
        counted["proxies"] += 1
        return proxies(*args, **kwargs)

    def count_netrc(*args, **kwargs):
        counted["netrc"] += 1
        return netrc(*args, **kwargs)

    monkeypatch.setattr(requests.sessions, "get_environ_proxies", count_proxies)
    monkeypatch.setattr(requests.sessions, "get_netrc_auth", count_netrc)
    monkeypatch.setattr(requests.utils, "get_netrc_auth", count_netrc)
    return counted


def test_a_proxy_in_the_environment_is_used_and_read_once(clean_environment, lookups, monkeypatch):
    target, proxy = _Recorder(), _Recorder()
    with serve(target) as direct, serve(proxy) as via:
        monkeypatch.setenv("HTTP_PROXY", via.url)
        client = HttpClient(base_url=direct.url)
        for _ in range(10):
            client.get_json("/x")
        assert target.seen == []
        assert [path for path, _ in proxy.seen] == [f"{direct.url}/x"] * 10
        assert lookups["proxies"] == 1  # was once per request
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        bypassing = HttpClient(base_url=direct.url)
        bypassing.get_json("/y")
        assert target.seen == [("/y", None)]


def test_netrc_credentials_are_sent_and_read_once(
    clean_environment, lookups, monkeypatch, tmp_path
):
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login user password secret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    target = _Recorder()
    with serve(target) as server:
        client = HttpClient(base_url=server.url)
        for _ in range(10):
            client.get_json("/x")
        auths = {auth for _, auth in target.seen}
        client.get_json("/z", auth=("other", "pw"))  # a request's own auth wins
    assert auths == {"Basic dXNlcjpzZWNyZXQ="}  # user:secret
    assert target.seen[-1][1] == "Basic b3RoZXI6cHc="
    assert lookups["netrc"] == 1  # was once per request


def test_sessions_are_kept_per_client_not_per_thread(clean_environment):
    target = _Recorder()
    with serve(target) as server:
        client = HttpClient(base_url=server.url)
        with ThreadPoolExecutor(4) as pool:  # 16 threads' worth of work on 4 at a time
            list(pool.map(lambda _: client.get_json("/x"), range(40)))
        for _ in range(3):  # new threads, one at a time, reuse the sessions
            thread = threading.Thread(target=client.get_json, args=("/y",))
            thread.start()
            thread.join()
    assert len(target.seen) == 43
    assert 1 <= len(client._free) <= 4
