"""Colour in tables and message prefixes: on terminals only, ``NO_COLOR`` and ``FORCE_COLOR``."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest

from linkreport import colour
from linkreport.formats import table_text
from linkreport.records import LinkClicks

BOLD, DIM, RED = "\x1b[1m", "\x1b[2m", "\x1b[31m"


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("tty", "env", "expected"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": ""}, True),  # set but empty: no-color.org says it does not count
        (True, {"TERM": "dumb"}, False),
        (False, {"FORCE_COLOR": "1"}, True),
        (False, {"FORCE_COLOR": "0"}, False),
        (False, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ],
)
def test_which_streams_get_colour(tty, env, expected):
    stream = _Tty() if tty else io.StringIO()
    assert colour.enabled(stream, env) is expected


def test_colour_changes_no_alignment():
    when = datetime(2026, 3, 2, 9, tzinfo=UTC)
    rows = [
        LinkClicks(
            provider="p",
            campaign_id="c1",
            url="https://a.example/",
            unique_clicks=0,
            total_clicks=3,
            timestamp=when,
        ),
        LinkClicks(provider="p", campaign_id="c1", url="https://b.example/"),
    ]
    plain = table_text(rows, LinkClicks)
    coloured = table_text(rows, LinkClicks, colour=True)
    assert click.unstyle(coloured) == plain
    header, first, second, rule, totals = coloured.splitlines()
    assert header.startswith(f"{BOLD}CAMPAIGN")
    assert f"{DIM}0\x1b[0m" in first
    assert f"{DIM}-\x1b[0m" in second
    assert "3" in first
    assert f"{DIM}3" not in first
    assert rule.startswith(DIM)
    assert totals.startswith(f"{BOLD}TOTAL")
    assert table_text([], LinkClicks, colour=True).endswith(f"{DIM}(no records)\x1b[0m\n")


def _run(args: list[str], env: dict[str, str], tty: str, tmp_path: Path) -> tuple[str, str]:
    """Run the CLI with ``tty`` ("stdout" or "stderr") a terminal and the other a file."""
    leader, follower = pty.openpty()
    other = open(tmp_path / "other.txt", "w+b")  # noqa: SIM115
    streams = (
        {"stdout": follower, "stderr": other}
        if tty == "stdout"
        else {
            "stdout": other,
            "stderr": follower,
        }
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "linkreport", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        **streams,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the program closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(leader)
    other.seek(0)
    terminal = b"".join(chunks).decode().replace("\r\n", "\n")
    rest = other.read().decode()
    other.close()
    return (terminal, rest) if tty == "stdout" else (rest, terminal)


LINKS = ["links", "sitecore-send", "--since", "1970-01-01", "--include-unclicked"]


def test_a_table_on_a_terminal_has_colour(env, provider_sandbox, tmp_path):
    provider_sandbox("sitecore-send")
    out, _ = _run([*LINKS, "--no-progress"], env, "stdout", tmp_path)
    assert out.startswith(f"{BOLD}CAMPAIGN\x1b[0m")
    assert f"{DIM}-\x1b[0m" in out  # the unclicked link's unknown counts
    assert "TOTAL" in click.unstyle(out)


@pytest.mark.parametrize("extra", [{"NO_COLOR": "1"}, {"NO_COLOR": "1", "FORCE_COLOR": "1"}])
def test_no_color_turns_it_off(env, provider_sandbox, tmp_path, extra):
    provider_sandbox("sitecore-send")
    out, _ = _run([*LINKS, "--no-progress"], {**env, **extra}, "stdout", tmp_path)
    assert out.startswith("CAMPAIGN ")
    assert "\x1b" not in out


def test_a_pipe_or_file_gets_colour_only_when_forced(env, provider_sandbox, cli, tmp_path):
    provider_sandbox("sitecore-send")
    piped = cli(*LINKS, "--format", "table")
    assert piped.code == 0
    assert piped.out.startswith("CAMPAIGN ")
    assert "\x1b" not in piped.out
    forced = cli(*LINKS, "--format", "table", extra_env={"FORCE_COLOR": "1"})
    assert forced.out.startswith(f"{BOLD}CAMPAIGN")  # for a pager: linkreport ... | less -R
    target = tmp_path / "links.txt"
    written = cli(*LINKS, "--output", str(target), extra_env={"FORCE_COLOR": "1"})
    assert written.code == 0
    assert target.read_text().startswith("CAMPAIGN ")
    assert "\x1b" not in target.read_text()


def test_errors_on_a_terminal_are_red(env, provider_sandbox, tmp_path):
    provider_sandbox("sitecore-send")
    args = ["links", "sitecore-send", "no-such-campaign", "--format", "json"]
    _, err = _run(args, env, "stderr", tmp_path)
    assert f"{RED}{BOLD}error:\x1b[0m sitecore-send no-such-campaign: " in err
    _, plain = _run(args, {**env, "NO_COLOR": "1"}, "stderr", tmp_path)
    assert "error: sitecore-send no-such-campaign: " in plain
    assert RED not in plain
    _, usage = _run(["links", "--no-such-option"], env, "stderr", tmp_path)
    assert f"{RED}{BOLD}Error:\x1b[0m No such option" in usage
