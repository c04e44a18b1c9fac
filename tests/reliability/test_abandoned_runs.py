"""A reader that leaves (``break``, a closed pipe, the program ending) costs no request and no wait.

Real HTTP against the FakeMail sandbox on loopback, behind a middleware that logs link
requests and holds those of IDs starting with ``stall`` (a server that never answers).
Each program runs in its own process, so what is measured is when that process ends.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time

import pytest

import linkreport_fakemail
from linkreport.kit.sandbox.server import serve


class Stalling:
    """WSGI middleware: logs link requests; holds those of ``stall*`` IDs until released."""

    def __init__(self, app) -> None:
        self.app = app
        self.release = threading.Event()
        self.seen: list[str] = []

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        if path.endswith("/links"):
            campaign = path.split("/")[3]
            self.seen.append(campaign)
            if campaign.startswith("stall"):
                self.release.wait(120)
        return self.app(environ, start_response)


@pytest.fixture
def server(env, monkeypatch):
    for name in ("g0", "g1", "g2", "stall1", "stall2"):
        links = [(f"https://g.example/{name}", 1, 1)]
        monkeypatch.setitem(linkreport_fakemail.CAMPAIGNS, name, ("G", "2026-03-01", links))
    app = Stalling(linkreport_fakemail.make_app())
    with serve(app) as running:
        env["LINKREPORT_FAKEMAIL_BASE_URL"] = running.url
        env["LINKREPORT_FAKEMAIL_API_KEY"] = linkreport_fakemail.SANDBOX_KEY
        try:
            yield app
        finally:
            app.release.set()


def first_report_then_leave(env, ids: list[str]) -> tuple[float, str]:
    """Run a program that reads the first report of ``ids`` and ends; its duration and output."""
    script = textwrap.dedent(
        f"""
        import linkreport
        for report in linkreport.fetch_reports("fakemail", {ids!r}, jobs=4):
            print(report.campaign_id, report.ok, flush=True)
            break
        """
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=100
    )
    assert done.returncode == 0, done.stderr
    return time.monotonic() - started, done.stdout


def test_a_program_that_stops_reading_does_not_wait_for_a_stalled_server(env, server):
    # the stalled requests would be waited for (60 s read timeout), then retried for minutes
    seconds, out = first_report_then_leave(env, ["g0", "stall1", "stall2"])
    assert out == "g0 True\n"
    assert seconds < 15
    assert "g0" in server.seen
    assert len(server.seen) == len(set(server.seen))  # never retried (a stalled one may not
    # even have been sent before the reader left)


def test_no_request_is_sent_for_a_reader_that_left(env, server):
    env["LINKREPORT_FAKEMAIL_RATE_LIMIT"] = "1/30"  # g1 and g2 wait 30 and 60 s for their turn
    seconds, out = first_report_then_leave(env, ["g0", "g1", "g2"])
    assert out == "g0 True\n"
    assert seconds < 15
    time.sleep(0.5)
    assert server.seen == ["g0"]


def test_the_program_waits_for_a_token_refresh_in_progress(env, tmp_path):
    # a worker refreshing tokens holds the account's lock until the new pair is stored: the
    # old refresh token may be dead, so the program must not end before it is written
    script = textwrap.dedent(
        f"""
        import threading, time
        from pathlib import Path
        from linkreport.credentials import CredentialStore

        store = CredentialStore(Path({str(tmp_path)!r}))
        inside = threading.Event()

        def refresh():
            with store.account_lock("acme"):
                inside.set()
                time.sleep(1.0)  # the token endpoint answers
                store.save("acme", {{"refresh_token": "rotated"}})

        threading.Thread(target=refresh, daemon=True).start()
        inside.wait(10)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    from linkreport.credentials import CredentialStore

    assert CredentialStore(tmp_path).read("acme").get("refresh_token") == "rotated"


def test_no_click_events_are_requested_for_a_reader_that_left(env, provider_sandbox):
    from linkreport_sitecore_send import sandbox as sb

    box = provider_sandbox("sitecore-send")
    env["LINKREPORT_SITECORE_SEND_RATE_LIMIT"] = "1/30"  # the 2nd and 3rd wait 30 and 60 s
    # (one worker: with several, which campaign's first request the limiter grants first is a
    # race, and the reader waits for its first campaign's)
    ids = [sb.SPRING, sb.DIGEST, sb.ARCHIVED]
    script = textwrap.dedent(
        f"""
        import linkreport
        for event in linkreport.fetch_clicks("sitecore-send", {ids!r}, jobs=1):
            print(event.campaign_id, flush=True)
            break
        """
    )
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=100
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"{sb.SPRING}\n"
    assert time.monotonic() - started < 15, box.requests
    time.sleep(0.5)
    assert [r for r in box.requests if sb.SPRING not in r] == []


def test_a_campaign_left_part_way_is_fetched_no_further(env):
    # a reader that stops reading one campaign's records (stream_reports, or a record the
    # output cannot hold) left its worker fetching the rest into memory: here the resend
    # activity's report, 30 s later, once the rate limit allowed it
    from linkreport.runner import open_account, stream_reports
    from linkreport.settings import env_var
    from linkreport_constant_contact import sandbox as sb
    from linkreport_constant_contact.source import ConstantContact

    box = ConstantContact().sandbox(rate=1000, campaigns=1, resend=True)
    campaign, first, resend = (sb.ident(f"{k}-extra-0") for k in ("c", "a", "r"))
    box.app.links[first] = [sb._link(f"https://example.com/{n}", str(n), 1) for n in range(3000)]
    seen: list[str] = []

    def logged(environ, start_response):
        seen.append(environ["PATH_INFO"])
        return box.app(environ, start_response)

    with serve(logged) as server:
        for name, value in box.settings_for(server.url).items():
            env[env_var("constant-contact", name)] = value
        env[env_var("constant-contact", "rate_limit")] = "3/30"  # probe, campaign, 1st report
        ctx = open_account("constant-contact", env=env)
        started = time.monotonic()
        streams = stream_reports(ctx, [campaign], jobs=1)
        stream = next(streams)
        assert next(iter(stream)).activity_id == first
        assert list(streams) == []  # the reader moves on
        assert time.monotonic() - started < 15, box.requests
    assert f"/v3/reports/email_reports/{first}/links" in seen
    assert f"/v3/reports/email_reports/{resend}/links" not in seen
