"""A standard output closed from the start (``linkreport ... >&-``), over real subprocesses.

The rule: a run that writes nothing to standard output (``sync``, ``links --output FILE``)
is not affected; a run whose output would be lost says so in one line and exits 1, before
it asks a provider for anything, whichever way it runs (click, or the quick paths of
``top``, ``providers`` and ``--help``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from linkreport.kit.sandbox.server import serve

SINCE = ("--since", "2026-01-01")
CLOSED = "error: cannot write standard output: it is closed (to discard the output: >/dev/null)\n"


class Counted:
    """WSGI middleware: counts the requests that reach the FakeMail sandbox."""

    def __init__(self, app):
        self.app = app
        self.requests = 0

    def __call__(self, environ, start_response):
        self.requests += 1
        return self.app(environ, start_response)


@pytest.fixture
def sandbox(env: dict[str, str]) -> Iterator[Counted]:
    """The FakeMail sandbox on loopback, counting requests, with ``env`` pointing at it."""
    from linkreport_fakemail import SANDBOX_KEY, make_app

    counted = Counted(make_app())
    with serve(counted) as server:
        env["LINKREPORT_FAKEMAIL_BASE_URL"] = server.url
        env["LINKREPORT_FAKEMAIL_API_KEY"] = SANDBOX_KEY
        yield counted


def closed(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``linkreport ARGS >&-``: descriptor 1 closed (not /dev/null) before it starts."""
    return subprocess.run(
        [sys.executable, "-m", "linkreport", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,  # (then closed in the child, below)
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=lambda: os.close(1),  # a test's child: no threads to fear
    )


def test_sync_with_standard_output_closed_syncs_and_succeeds(env, db, sandbox):
    run = closed(env, "sync", "fakemail", *SINCE)
    assert run.returncode == 0, run.stderr
    assert "error" not in run.stderr
    assert run.stderr.startswith("synced 1 account: ")
    assert sandbox.requests > 0


def test_links_into_a_file_with_standard_output_closed_succeeds(env, sandbox, tmp_path):
    out = tmp_path / "links.json"
    run = closed(env, "links", "fakemail", "c1", "--output", str(out))
    assert run.returncode == 0, run.stderr
    assert "error" not in run.stderr
    assert {r["campaign_id"] for r in json.loads(out.read_text())} == {"c1"}


#: Commands whose output would be lost: (arguments, environment that makes click run them).
LOST = [
    (("top", *SINCE), {}),  # linkreport.cli.quicktop
    (("top", *SINCE), {"LINKREPORT_LOG_FILE": "{log}"}),  # click's top
    (("top", *SINCE, "--humans", "--format", "json"), {}),
    (("top", "--account", "fakemail", *SINCE), {}),  # click's (--account)
    (("providers",), {}),  # linkreport.cli.providers' quick path
    (("providers", "--format", "json"), {"LINKREPORT_LOG_FILE": "{log}"}),  # click's
    (("--help",), {}),  # linkreport.cli.quickhelp
    (("links", "--help"), {}),
    (("--version",), {}),
    (("history", "fakemail", "c1", "--format", "csv"), {}),
    (("store", "path"), {}),
]


@pytest.mark.parametrize(("args", "extra"), LOST)
def test_a_command_whose_output_is_lost_says_so_in_one_line(
    env, db, sandbox, tmp_path, args, extra
):
    assert closed(env, "sync", "fakemail", *SINCE).returncode == 0
    env.update({k: v.format(log=tmp_path / "debug.log") for k, v in extra.items()})
    before = sandbox.requests
    run = closed(env, *args)
    assert (run.returncode, run.stderr) == (1, CLOSED)
    assert sandbox.requests == before


@pytest.mark.parametrize(
    "args",
    [
        ("links", "fakemail", "c1", "c2"),
        ("links", "fakemail", "c1", "--format", "table"),
        ("campaigns", "fakemail", *SINCE),
    ],
)
def test_a_fetch_for_a_closed_standard_output_asks_the_provider_nothing(env, sandbox, args):
    run = closed(env, *args)
    assert (run.returncode, run.stderr) == (1, CLOSED)
    assert sandbox.requests == 0


def test_click_events_for_a_closed_standard_output_are_not_fetched(env, provider_sandbox):
    box = provider_sandbox("sitecore-send")
    run = closed(env, "clicks", "sitecore-send", "a1b2c3d4-0000-4000-8000-000000000001")
    assert (run.returncode, run.stderr) == (1, CLOSED)
    assert box.requests == []


def _processes_with(home: str) -> list[int]:
    """The processes whose environment names ``home`` (this test's own ``LINKREPORT_HOME``)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as environ:
                    if f"LINKREPORT_HOME={home}".encode() in environ.read().split(b"\0"):
                        found.append(int(entry))
            except OSError:  # gone, or another user's
                pass
    return found


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
@pytest.mark.parametrize("option", ["--background", "--env"])
def test_a_sandbox_whose_settings_would_be_lost_is_not_started(env, option):
    """`sandbox --background >&-` left a server running that nobody was told of."""
    run = subprocess.run(
        [sys.executable, "-m", "linkreport", "sandbox", "fakemail", option],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=lambda: os.close(1),
    )
    left = _processes_with(env["LINKREPORT_HOME"])
    for pid in left:  # (the processes this test started, by their IDs)
        os.kill(pid, 15)
    assert (run.returncode, run.stderr, left) == (1, CLOSED, [])
