"""get_json with an absolute URL and auth=, under the same URL rules as paths."""

from __future__ import annotations

import base64

import pytest
from faultserver import fault_server

from linkreport.errors import LinkReportError
from linkreport.http import HttpClient


def test_absolute_url_and_basic_auth():
    with fault_server() as server:
        server.plan(("ok", {"ok": 1}))
        http = HttpClient(base_url="https://api.unused.invalid/3.0")
        assert http.get_json(
            server.url + "/3.0/ping", auth=("anystring", "SENTINEL-basic-key-1")
        ) == {"ok": 1}
        sent = server.requests[0]
        assert sent["path"] == "/3.0/ping"
        token = base64.b64encode(b"anystring:SENTINEL-basic-key-1").decode()
        assert sent["headers"]["Authorization"] == f"Basic {token}"


def test_an_absolute_plain_http_url_elsewhere_is_refused_unsent():
    http = HttpClient(base_url="https://api.example.invalid/3.0")
    with pytest.raises(LinkReportError, match="only https, or http to a loopback host"):
        http.get_json(
            "http://api.example.invalid/3.0/ping", auth=("anystring", "SENTINEL-basic-key-2")
        )
