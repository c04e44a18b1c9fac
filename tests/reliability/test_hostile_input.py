"""Careless input and hostile server text: one clear line each, never a traceback.

Terminal safety of standard error, ``LINKREPORT_HOME`` being a file, a broken or
world-readable ``credentials.json``, a ``--log-file`` that cannot be written, and limits that
make no sense, through the real CLI.
"""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest
from faultserver import fault_server

from linkreport.progress import TerminalReporter, clock_text
from linkreport.terminal import printable

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x1b[1A\rerror: forged line\u202etxt.exe\x9b31m"


def fakemail_env(server, **extra: str) -> dict[str, str]:
    return {
        "LINKREPORT_FAKEMAIL_BASE_URL": server.url,
        "LINKREPORT_FAKEMAIL_API_KEY": "k" * 16,
        "LINKREPORT_MAX_RETRIES": "0",
        **extra,
    }


def assert_terminal_safe(text: str) -> None:
    for bad in ("\x1b", "\x07", "\r", "\u202e", "\x9b"):
        assert bad not in text, repr(text)


# --- item 9: every message on standard error is terminal-safe ------------------------


@pytest.mark.parametrize(
    "answer",
    [
        ("body", (404, json.dumps({"error": HOSTILE, "message": HOSTILE}))),
        ("body", (200, HOSTILE)),
        ("body", (500, HOSTILE)),
        ("body", (400, HOSTILE)),
    ],
)
def test_server_text_cannot_control_the_terminal(cli, answer):
    with fault_server() as server:
        server.plan(answer, answer)
        result = cli("links", "fakemail", "c1", extra_env=fakemail_env(server))
    assert result.code == 1
    assert_terminal_safe(result.err)
    lines = result.err.splitlines()
    assert len(lines) == 1, lines  # no forged second line
    assert lines[0].startswith("error: fakemail c1:")


def test_debug_output_and_log_file_are_terminal_safe(cli, tmp_path):
    log = tmp_path / "debug.log"
    with fault_server() as server:
        server.plan(("body", (404, json.dumps({"error": HOSTILE}))))
        result = cli(
            "--debug",
            "--log-file",
            str(log),
            "links",
            "fakemail",
            "c1",
            extra_env=fakemail_env(server),
        )
    assert result.code == 1
    assert_terminal_safe(result.err)
    assert_terminal_safe(log.read_text())


def test_progress_line_and_notes_are_terminal_safe():
    stream = io.StringIO()
    reporter = TerminalReporter(stream)
    reporter.start(2, "campaigns")
    reporter.waiting(3, f"rate limited: {HOSTILE}")
    reporter.note(f"error: x: {HOSTILE}")
    reporter.finish()
    written = stream.getvalue().replace("\r\x1b[2K", "")  # our own line clearing
    assert_terminal_safe(written)
    assert "\\x1b]0;pwned" in written  # shown, not dropped


def test_a_wait_ending_on_another_day_shows_the_date():
    from datetime import datetime

    now = datetime(2026, 1, 1, 23, 0, 0)
    assert clock_text(30, now) == "23:00:30"
    assert clock_text(7200, now) == "2026-01-02 01:00:00"
    assert clock_text(1e20, now) == "the far future"


def test_printable_keeps_ordinary_text():
    text = "https://shop.example/ü?x=1&y=2 — 3 clicks"
    assert printable(text) == text


# --- item 11: careless environments -------------------------------------------------


def test_linkreport_home_being_a_file_is_one_usage_error(cli, tmp_path):
    home = tmp_path / "home-file"
    home.write_text("not a directory")
    result = cli("links", "fakemail", "c1", extra_env={"LINKREPORT_HOME": str(home)})
    assert result.code == 2
    assert result.err.strip() == f"error: LINKREPORT_HOME ({home}) is a file, not a directory"


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "is a directory"),
        ("{not json", "is not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "is not valid JSON"),
        ('{"a": ' * 5000 + "1" + "}" * 5000, "is not valid JSON"),
        (b"\xff\xfe{}", "cannot read"),
        ("[1, 2]", "is not a JSON object"),
    ],
)
def test_a_broken_credentials_file_is_one_clear_line(cli, env, content, words):
    path = Path(env["LINKREPORT_HOME"]) / "credentials.json"
    if content is None:
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    path.chmod(0o700 if content is None else 0o600)
    result = cli("links", "fakemail", "c1", extra_env={"LINKREPORT_FAKEMAIL_API_KEY": "k" * 16})
    assert result.code == 1
    assert "Traceback" not in result.err
    assert "unexpected" not in result.err
    assert len(result.err.splitlines()) == 1, result.err
    assert words in result.err


def test_a_world_readable_credentials_file_is_warned_about_once(cli, env, fakemail):
    path = Path(env["LINKREPORT_HOME"]) / "credentials.json"
    path.write_text(json.dumps({"fakemail": {"api_key": "k" * 16}}))
    path.chmod(0o644)
    result = cli("links", "fakemail", "c1", "c2", "--format", "ndjson")
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if "readable by other users" in line]
    assert len(warnings) == 1, result.err
    assert "mode 0644" in warnings[0]
    assert f"chmod 600 {path}" in warnings[0]


def test_files_linkreport_creates_are_private(cli, env, tmp_path):
    log = tmp_path / "new.log"
    result = cli("--log-file", str(log), "auth", "fakemail", stdin="typed-secret-key\n")
    assert result.code == 0, result.err
    home = Path(env["LINKREPORT_HOME"])
    assert stat.S_IMODE((home / "credentials.json").stat().st_mode) == 0o600
    assert stat.S_IMODE((home / "credentials.json.lock").stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


@pytest.mark.parametrize("where", ["missing-dir/x.log", "."])
def test_a_log_file_that_cannot_be_opened_is_one_usage_error(cli, tmp_path, where):
    path = tmp_path / where
    result = cli("--log-file", str(path), "providers")
    assert result.code == 2
    assert len(result.err.splitlines()) == 1, result.err
    assert result.err.startswith(f"error: cannot write the log file {path}")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_log_file_that_fills_up_is_said_once_and_fails_the_run(cli, fakemail):
    result = cli("--log-file", "/dev/full", "links", "fakemail", "c1", "c2", "--format", "ndjson")
    assert result.code == 1
    assert "Traceback" not in result.err
    lines = [line for line in result.err.splitlines() if "log file" in line]
    assert lines == ["warning: cannot write the log file /dev/full: No space left on device"]
    assert len(result.out.splitlines()) == 3  # the records are all there


# --- item 10: limits that make no sense are usage errors ----------------------------


@pytest.mark.parametrize(
    "name",
    [
        "LINKREPORT_REQUEST_TIMEOUT",
        "LINKREPORT_READ_TIMEOUT",
        "LINKREPORT_MAX_RETRY_SECONDS",
        "LINKREPORT_MAX_RESPONSE_MB",
    ],
)
@pytest.mark.parametrize("value", ["0", "nan", "inf", "-5"])
def test_nonsense_limits_exit_2(cli, fakemail, name, value):
    result = cli("links", "fakemail", "c1", extra_env={name: value})
    assert result.code == 2
    assert result.err.startswith(f"error: {name} must be")
    assert len(result.err.splitlines()) == 1


def test_a_config_file_holding_a_secret_readable_by_others_is_warned_about(cli, env, fakemail):
    path = Path(env["LINKREPORT_HOME"]) / "config.toml"
    path.write_text('[fakemail]\napi_key = "SENTINEL-config-key-0123"\n')
    path.chmod(0o644)
    result = cli("links", "fakemail", "c1", "--format", "ndjson")
    assert result.code == 0, result.err
    (warning,) = [line for line in result.err.splitlines() if "readable by other" in line]
    assert f"{path} holds a secret" in warning
    assert f"chmod 600 {path}" in warning
    assert "SENTINEL" not in result.err
    path.chmod(0o600)
    assert "readable" not in cli("links", "fakemail", "c1", "--format", "ndjson").err
    path.write_text('[fakemail]\nrate_limit = "9/1"\n')  # no secret in it: no warning
    path.chmod(0o644)
    assert "readable" not in cli("links", "fakemail", "c1", "--format", "ndjson").err
