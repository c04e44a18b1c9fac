"""The CLI's shell habits (issue 28): closed pipes, option placement, machine-readable output."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys

import pytest

from linkreport.cli import COMMANDS

SINCE = ("--since", "2026-01-01")


def run_into_closed_pipe(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with standard output a pipe whose reader is already gone (``| head``)."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [sys.executable, "-m", "linkreport", *args],
            env=env,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write)


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("links", "--help"),
        ("providers",),
        ("links", "fakemail", "c1", "c2", "--format", "table"),
        ("links", "fakemail", "c1", "c2", "--format", "json"),
        ("campaigns", "fakemail", *SINCE),
        ("top", "--account", "fakemail", *SINCE),
        ("history", "fakemail", "c1", "--format", "csv"),
        ("demo", "fakemail"),
    ],
)
def test_a_closed_pipe_ends_quietly_with_status_141(cli, env, fakemail, args):
    assert cli("sync", "fakemail", *SINCE).code == 0
    result = run_into_closed_pipe(env, *args)
    assert (result.returncode, result.stderr) == (141, "")


def test_global_options_also_work_after_the_command(cli, fakemail, tmp_path):
    log = tmp_path / "run.log"
    result = cli("links", "fakemail", "boom-2", "c1", "--debug", "--log-file", str(log))
    assert result.code == 1
    assert "Traceback" in result.err
    assert "GET" in result.err  # the redacted request log of --debug
    assert "GET" in log.read_text()
    same = cli("campaigns", "fakemail", *SINCE, f"--log-file={log}", "--format", "json")
    assert same.code == 0, same.err
    # after --, it is an argument like any other
    ids = cli("links", "fakemail", "--format", "ndjson", "--", "--debug")
    assert "Traceback" not in ids.err
    assert "--debug" in ids.err


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_demo_in_a_machine_readable_format_prints_only_records(cli, fmt):
    result = cli("demo", "fakemail", "--format", fmt)
    assert result.code == 0, result.err
    decoder, text, values = json.JSONDecoder(), result.out, []
    at = 0
    while text[at:].strip():
        at += len(text[at:]) - len(text[at:].lstrip())
        value, at = decoder.raw_decode(text, at)
        values.append(value)
    assert values  # nothing but JSON on standard output
    assert "== fakemail: sandbox at http://127.0.0.1:" in result.err
    assert "== history: synced twice" in result.err
    table = cli("demo", "fakemail")
    assert "== fakemail: sandbox at http://127.0.0.1:" in table.out


ISO_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S")


def test_lines_meant_for_logs_carry_an_iso_time(cli, fakemail, tmp_path):
    log = tmp_path / "cron.log"
    auto = {"LINKREPORT_LOG_TIMES": "auto"}  # the fixture turns them off for other tests
    result = cli("links", "fakemail", "boom-2", "c1", "--log-file", str(log), extra_env=auto)
    assert result.code == 1
    lines = result.err.splitlines()
    assert any(" error: fakemail boom-2: " in line for line in lines), lines
    assert all(ISO_LINE.match(line) for line in lines), lines
    logged = log.read_text().splitlines()
    assert logged
    assert all(ISO_LINE.match(line) for line in logged), logged
    plain = cli("links", "fakemail", "boom-2", "c1", extra_env={"LINKREPORT_LOG_TIMES": "0"})
    assert plain.err.startswith("error: fakemail boom-2: ")
    # the one-line error that ends a run and click's usage errors are stamped too
    for args, code in ((("sync", "nosuchaccount"), 2), (("top", "--limit", "x"), 2)):
        ended = cli(*args, extra_env=auto)
        assert ended.code == code, ended.err
        assert "Traceback" not in ended.err
        lines = [line for line in ended.err.splitlines() if line]
        assert all(ISO_LINE.match(line) for line in lines), ended.err


def test_the_terminal_gets_no_times(env, fakemail):
    import pty

    main, secondary = pty.openpty()
    try:
        subprocess.run(
            [sys.executable, "-m", "linkreport", "links", "fakemail", "boom-2", "c1"],
            env={**env, "LINKREPORT_LOG_TIMES": "auto", "NO_COLOR": "1"},  # colour: test_colour
            stdout=subprocess.DEVNULL,
            stderr=secondary,
            timeout=120,
            check=False,
        )
        os.close(secondary)
        text = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # EIO: the terminal's other end closed
                break
            if not chunk:
                break
            text += chunk
    finally:
        os.close(main)
    assert b"error: fakemail boom-2: " in text
    assert not re.search(rb"\d{4}-\d\d-\d\dT\d\d:\d\d", text), text


def test_providers_for_tests_are_hidden_unless_asked_for(cli, fakemail, tmp_path):
    user = {"LINKREPORT_SHOW_TEST_PROVIDERS": "0"}  # as a user's development environment
    assert "fakemail" not in cli("providers", extra_env=user).out
    assert "fakemail  (linkreport-fakemail" in cli("providers", "--all", extra_env=user).out
    assert "fakemail" in cli("providers", extra_env={"LINKREPORT_SHOW_TEST_PROVIDERS": "1"}).out
    assert "fakemail" not in cli("auth", "--help", extra_env=user).out
    synced = cli("sync", "--db", str(tmp_path / "s.db"), *SINCE, extra_env=user)
    assert "fakemail" not in synced.err
    # named, it works as ever
    named = cli("sync", "fakemail", "--db", str(tmp_path / "s.db"), *SINCE, extra_env=user)
    assert named.code == 0, named.err
    assert cli("links", "fakemail", "c1", extra_env=user).code == 0


def test_store_path_prints_the_store_and_nothing_else(cli, env, fakemail, tmp_path):
    home = env["LINKREPORT_HOME"]
    default = cli("store", "path")
    assert (default.code, default.out) == (0, f"{home}/linkreport.db\n")
    assert "no store there yet" in default.err
    assert cli("store", "path", extra_env={"LINKREPORT_DB": str(tmp_path / "e.db")}).out == (
        f"{tmp_path / 'e.db'}\n"
    )
    given = cli("store", "path", "--db", str(tmp_path / "g.db"))
    assert given.out == f"{tmp_path / 'g.db'}\n"
    assert cli("sync", "fakemail", *SINCE).code == 0
    synced = cli("store", "path")
    assert (synced.out, synced.err) == (f"{home}/linkreport.db\n", "")
    with sqlite3.connect(synced.out.strip()) as conn:  # as datasette or sqlite3 open it
        assert conn.execute("select count(*) from campaigns").fetchone()[0] == 3


def test_table_headers_say_role_or_activity_id_never_both_as_one(provider_sandbox, cli):
    from linkreport_constant_contact import sandbox as cc

    provider_sandbox("constant-contact")
    links = cli("links", "constant-contact", cc.NEWSLETTER, "--format", "table")
    assert links.code == 0, links.err
    head = links.out.splitlines()[0].split()
    assert head[:2] == ["CAMPAIGN", "ROLE"]
    assert "ACTIVITY" not in head  # every row has a role: the ID is in csv/json
    assert "primary_email" in links.out
    clicks = cli("clicks", "constant-contact", cc.NEWSLETTER, "--format", "table")
    assert clicks.code == 0, clicks.err
    assert clicks.out.splitlines()[0].split()[:2] == ["CAMPAIGN", "ACTIVITY"]
    assert "primary_email" not in clicks.out  # the activity ID, not its role


def complete(cli, words: str, **extra: str) -> list[str]:
    """What bash completion offers for the command line ``words`` (the last word incomplete)."""
    cword = str(len(words.split()) - (0 if words.endswith(" ") else 1))
    env = {"_LINKREPORT_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": cword}
    result = cli(extra_env={**env, **extra})
    assert result.code == 0, result.err
    return [line.partition(",")[2] for line in result.out.splitlines()]


def test_shell_completion_offers_accounts_and_providers(cli, env):
    home = env["LINKREPORT_HOME"]
    with open(os.path.join(home, "config.toml"), "w") as config:
        config.write('[accounts.acme]\nprovider = "sitecore-send"\n')
    assert complete(cli, "linkreport links ") == [
        "constant-contact",
        "fakemail",
        "kitmail",
        "mailchimp",
        "sitecore-send",
        "acme",
    ]
    assert complete(cli, "linkreport clicks s") == ["sitecore-send"]
    assert complete(cli, "linkreport sync a") == ["acme"]
    assert complete(cli, "linkreport history ac") == ["acme"]
    assert complete(cli, "linkreport top --account a") == ["acme"]
    assert complete(cli, "linkreport sandbox c") == ["constant-contact"]
    assert "fakemail" not in complete(
        cli, "linkreport sandbox ", LINKREPORT_SHOW_TEST_PROVIDERS="0"
    )
    assert complete(cli, "linkreport auth a") == ["acme"]
    assert complete(cli, "linkreport st") == ["store"]
    script = cli(extra_env={"_LINKREPORT_COMPLETE": "bash_source"})
    assert "_linkreport_completion()" in script.out


@pytest.mark.parametrize(
    "command",
    [
        *([name] for name in COMMANDS),
        ["store", "path"],
        ["plugin", "new"],
        [],
    ],
)
def test_every_help_has_examples(cli, command):
    result = cli(*command, "--help")
    assert result.code == 0, result.err
    examples = result.out.partition("Examples:\n")[2].splitlines()
    assert examples, result.out
    assert "linkreport " in examples[0]


def test_one_default_since_and_empty_results_say_what_to_try(cli, fakemail, tmp_path):
    for command in ("sync", "campaigns", "top", "report"):
        result = cli(command, "--help")
        since = result.out.partition("--since DATE")[2].split("\n  -")[0]
        assert "[default: 30d]" in " ".join(since.split()), (command, result.out)
    # fakemail's campaigns were sent in spring 2026: nothing in the last 30 days
    db = str(tmp_path / "s.db")
    synced = cli("sync", "fakemail", "--db", db)
    assert synced.code == 0, synced.err
    assert "note: no campaign was sent since " in synced.err
    assert "(try an earlier --since, e.g. 90d)" in synced.err
    top = cli("top", "--db", db, "--format", "json")
    assert (top.code, top.out.strip()) == (0, "[]")
    assert "note: no stored campaign was sent since " in top.err
    assert "try an earlier --since" in top.err
    report = cli("report", "--db", db, "-o", str(tmp_path / "r.html"))
    assert report.code == 0, report.err
    assert "try an earlier --since" in report.err
