"""Secrets never reach a host program's own logging, nor cost a redaction per request.

A program that uses the Python API and calls ``logging.basicConfig(level=DEBUG)`` sees
urllib3's debug lines (``GET /v3/...?apikey=...``): the filter core attaches to urllib3's and
requests' loggers redacts them before any handler, including ones added after the client.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from faultserver import fault_server

from linkreport import http as http_module
from linkreport import transfer
from linkreport.http import HttpClient
from linkreport_sitecore_send import sandbox as ss

KEY = "SENTINEL-send-key-logging-91ab"

PROGRAM = textwrap.dedent(
    """
    import io, logging, sys
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    import linkreport
    later = io.StringIO()
    records = list(linkreport.fetch_links("sitecore-send", sys.argv[1:]))
    logging.getLogger().addHandler(logging.StreamHandler(later))  # added after the client
    records += list(linkreport.fetch_links("sitecore-send", sys.argv[1:]))
    print(len(records))
    sys.stderr.write(later.getvalue())
    """
)


def test_a_hosts_debug_logging_never_shows_the_key(provider_sandbox, linkreport_env):
    provider_sandbox("sitecore-send", api_key=KEY, window=0.1)
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, ss.SPRING, ss.DIGEST],
        env=linkreport_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) > 0
    assert "urllib3.connectionpool" in done.stderr  # urllib3's debug lines were shown
    assert "apikey=***" in done.stderr
    for piece in (KEY, KEY[:12], KEY[-12:]):
        assert piece not in done.stdout + done.stderr


def test_a_request_redacts_nothing_while_debug_logging_is_off(monkeypatch):
    calls: list[str] = []

    def counting(text: str) -> str:
        calls.append(text)
        return text

    monkeypatch.setattr(transfer, "redact", counting)
    monkeypatch.setattr(http_module, "redact", counting)
    with fault_server() as server:
        server.plan(("ok", {"a": 1}))
        assert HttpClient(base_url=server.url).get_json("/x?apikey=k") == {"a": 1}
    assert calls == []
