"""Authorisation flows against odd servers and stray requests: one clear line, never a crash."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from faultserver import fault_server

ENV = "LINKREPORT_CONSTANT_CONTACT_"
GOOD = {
    "device_code": "dc-1",
    "user_code": "ABCD-EFGH",
    "verification_uri": "https://example.com/activate",
    "expires_in": 600,
    "interval": 1,
}


def run_device_flow(run_linkreport, server, *extra: str):
    return run_linkreport(
        "auth",
        "constant-contact",
        "--timeout",
        "5",
        *extra,
        extra_env={
            ENV + "DEVICE_AUTHORIZATION_URL": server.url + "/device",
            ENV + "TOKEN_URL": server.url + "/token",
            ENV + "CLIENT_ID": "client-id-for-tests",
        },
    )


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (("body", (200, "<html>login</html>")), "no JSON object"),
        (("body", (200, "[1, 2, 3]")), "no JSON object"),
        (("body", (200, "{}")), "lacks device_code, user_code, verification_uri"),
        (("body", (200, json.dumps({**GOOD, "user_code": 7}))), "lacks user_code"),
        (("body", (400, json.dumps({"error": "invalid_client"}))), "refused: invalid_client"),
        (("body", (503, "")), "HTTP 503"),
        (
            ("body", (200, json.dumps({**GOOD, "verification_uri": "http://evil.example/"}))),
            "not https",
        ),
    ],
)
def test_malformed_device_authorization_answers(run_linkreport, answer, words):
    with fault_server() as server:
        server.plan(answer, answer, answer, answer, answer, answer, answer, answer, answer)
        result = run_device_flow(run_linkreport, server)
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "unexpected" not in result.err
    assert len(result.err.splitlines()) == 1, result.err
    assert words in result.err


@pytest.mark.parametrize("interval", ["abc", -5, "nan", 1e300, None, [1]])
def test_odd_polling_intervals_are_tolerated(run_linkreport, interval):
    grant = {**GOOD, "interval": interval}
    with fault_server() as server:
        server.plan(
            ("body", (200, json.dumps(grant))),
            ("body", (400, json.dumps({"error": "access_denied"}))),
        )
        result = run_device_flow(run_linkreport, server)
    assert result.code == 1
    assert "Traceback" not in result.err
    assert result.err.splitlines()[-1] in {  # polled (at a sane interval) or waited it out
        "Error: authorisation was denied in the browser",
        "Error: timed out waiting for the authorisation; run the command again",
    }


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_nonsense_auth_timeouts_are_usage_errors(run_linkreport, value):
    result = run_linkreport("auth", "constant-contact", "--timeout", value)
    assert result.code == 2
    assert "is not a number of seconds greater than 0" in result.err


def test_a_stray_callback_during_pkce_is_ignored(provider_sandbox, linkreport_env):
    provider_sandbox("constant-contact")
    for name in ("ACCESS_TOKEN", "REFRESH_TOKEN"):
        del linkreport_env[ENV + name]
    command = [sys.executable, "-m", "linkreport", "auth", "constant-contact", "--pkce"]
    proc = subprocess.Popen(
        [*command, "--no-browser", "--timeout", "30"],
        env=linkreport_env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        proc.stderr.readline()
        url = proc.stderr.readline().strip()
        redirect = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        for stray in ("?code=forged", "?code=forged&state=wrong", "?error=access_denied", ""):
            answer = requests.get(redirect + stray, timeout=10)
            assert answer.status_code == 400  # ignored: still waiting for the real one
        assert proc.poll() is None
        page = requests.get(url, timeout=10)  # the real browser step
        assert "linkreport is authorised" in page.text
        assert proc.wait(20) == 0
        rest = proc.stderr.read()
    finally:
        proc.kill()
    assert "authorised; tokens stored" in rest
