"""Output guarantees: one bad value fails one campaign, --output is atomic, interrupts keep
what was fetched, the table is terminal-safe, CSV is exact (issue 9.2, 9.3, 9.9, 9.10).

Driven through the CLI (a real process) against the FakeMail sandbox on loopback; campaigns
with hostile values are added to the sandbox's data for the test.
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import signal
import stat
import subprocess
import sys
import threading
import time

import pytest

import linkreport_fakemail
from linkreport.kit.sandbox.server import serve

FORMATS = ("json", "ndjson", "csv", "table")
SURROGATE = "https://bad.example/\ud800"
ESCAPE = "https://evil.example/\x1b[2J\x1b]0;pwned\x07\nc9  https://forged.example/  999"


@pytest.fixture
def hostile(monkeypatch, env):
    campaigns = dict(linkreport_fakemail.CAMPAIGNS)
    campaigns["bad"] = (
        "Bad",
        "2026-03-02T10:00:00+00:00",
        [("https://ok.example/", 1, 1), (SURROGATE, 2, 2)],
    )
    campaigns["esc"] = ("Esc", "2026-03-03T10:00:00+00:00", [(ESCAPE, 4, 4)])
    campaigns["formula"] = (
        "F",
        "2026-03-04T10:00:00+00:00",
        [('=HYPERLINK("http://x")', 5, 5)],
    )
    monkeypatch.setattr(linkreport_fakemail, "CAMPAIGNS", campaigns)
    with serve(linkreport_fakemail.make_app()) as server:  # the app copies CAMPAIGNS
        env["LINKREPORT_FAKEMAIL_BASE_URL"] = server.url
        env["LINKREPORT_FAKEMAIL_API_KEY"] = linkreport_fakemail.SANDBOX_KEY
        yield server.url


def campaign_ids(fmt: str, out: str) -> list[str]:
    if fmt == "json":
        return [r["campaign_id"] for r in json.loads(out)]
    if fmt == "ndjson":
        return [json.loads(line)["campaign_id"] for line in out.splitlines()]
    if fmt == "csv":
        return [r["campaign_id"] for r in csv.DictReader(io.StringIO(out))]
    return [line.split()[0] for line in out.splitlines()[1:] if line.startswith("c")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_value_the_format_cannot_hold_fails_only_its_campaign(cli, hostile, fmt):
    result = cli("links", "fakemail", "c1", "bad", "c2", "--format", fmt)
    assert result.code == 1
    assert campaign_ids(fmt, result.out) == ["c1", "c1", "c2"]  # c1 and c2 in full
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    # the record refuses the value (issue 26 item 1): the campaign fails as it is fetched
    assert errors[0].startswith("error: fakemail bad: ")
    assert "url holds '\\ud800', which is not valid text" in errors[0]
    assert "Traceback" not in result.err


@pytest.mark.parametrize("fmt", ["json", "ndjson", "csv"])
def test_with_output_a_campaign_failing_after_thousands_of_records_leaves_none(
    cli, hostile, monkeypatch, tmp_path, fmt
):
    good = [(f"https://ok.example/{n}", 1, 1) for n in range(3000)]  # written before it fails
    campaigns = {
        **linkreport_fakemail.CAMPAIGNS,
        "bigbad": ("B", "2026-03-05", [*good, (SURROGATE, 2, 2)]),
    }
    monkeypatch.setattr(linkreport_fakemail, "CAMPAIGNS", campaigns)
    with serve(linkreport_fakemail.make_app()) as server:
        target = tmp_path / f"report.{fmt}"
        result = cli(
            "links", "fakemail", "c1", "bigbad", "c2", "--output", str(target),
            extra_env={"LINKREPORT_FAKEMAIL_BASE_URL": server.url},
        )  # fmt: skip
    assert result.code == 1
    assert campaign_ids(fmt, target.read_text()) == ["c1", "c1", "c2"]
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert errors[0].startswith("error: fakemail bigbad: ")
    assert "url holds '\\ud800'" in errors[0]
    assert "already written" not in errors[0]


def test_the_table_neutralises_control_characters(cli, hostile):
    result = cli("links", "fakemail", "esc", "c2", "--format", "table")
    assert result.code == 0, result.err
    assert "\x1b" not in result.out
    assert "\x07" not in result.out
    lines = result.out.splitlines()
    assert [line.split()[0] for line in lines[1:3]] == ["esc", "c2"]  # no forged row
    assert "\\x1b[2J\\x1b]0;pwned\\x07\\x0ac9" in lines[1]
    assert "2 links in 2 campaigns" in result.out


@pytest.mark.parametrize("fmt", ["csv", "json", "ndjson"])
def test_machine_formats_keep_values_exact(cli, hostile, fmt):
    result = cli("links", "fakemail", "formula", "esc", "--format", fmt)
    assert result.code == 0, result.err
    if fmt == "csv":
        urls = [r["url"] for r in csv.DictReader(io.StringIO(result.out, newline=""))]
    elif fmt == "json":
        urls = [r["url"] for r in json.loads(result.out)]
    else:
        urls = [json.loads(line)["url"] for line in result.out.splitlines()]
    assert urls == ['=HYPERLINK("http://x")', ESCAPE]


def test_output_is_replaced_only_at_the_end_and_only_when_something_was_fetched(
    cli, fakemail, tmp_path
):
    target = tmp_path / "report.json"
    target.write_text("previous\n")
    os.chmod(target, 0o640)
    wrong_key = cli(
        "links",
        "fakemail",
        "c1",
        "--output",
        str(target),
        extra_env={"LINKREPORT_FAKEMAIL_API_KEY": "wrong-key-0123456789"},
    )
    assert wrong_key.code == 1
    assert target.read_text() == "previous\n"
    assert "was left as it was" in wrong_key.err
    unknown = cli("links", "fakemail", "nope", "--output", str(target))
    assert unknown.code == 1
    assert target.read_text() == "previous\n"
    unreachable = cli(
        "links",
        "fakemail",
        "c1",
        "--output",
        str(target),
        extra_env={
            "LINKREPORT_FAKEMAIL_BASE_URL": "http://127.0.0.1:9",
            "LINKREPORT_MAX_RETRIES": "0",
        },
    )
    assert unreachable.code == 1
    assert target.read_text() == "previous\n"
    partly = cli("links", "fakemail", "nope", "c2", "--output", str(target))
    assert partly.code == 1
    assert [r["campaign_id"] for r in json.loads(target.read_text())] == ["c2"]
    assert os.stat(target).st_mode & 0o777 == 0o640  # the file's permissions are kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["linkreport-home", "report.json"]


@pytest.mark.parametrize("to_file", [False, True], ids=["stdout", "output"])
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_listing_failing_part_way_keeps_the_campaigns_fetched_in_a_finished_output(
    cli, env, tmp_path, fmt, to_file
):
    # --since lists campaigns page by page while the first ones are fetched: a bad page 2
    # left JSON on standard output without its closing bracket, and dropped the whole
    # --output file, although a dozen campaigns had been fetched
    from linkreport.kit.sandbox.faults import inject_faults

    app = inject_faults(linkreport_fakemail.make_app(campaigns=25), "html*all@page=2")
    target = tmp_path / f"report.{fmt}"
    target.write_text("previous\n")
    where = ["--output", str(target)] if to_file else []
    with serve(app) as server:
        env["LINKREPORT_FAKEMAIL_BASE_URL"] = server.url
        env["LINKREPORT_FAKEMAIL_API_KEY"] = linkreport_fakemail.SANDBOX_KEY
        result = cli(
            "links",
            "fakemail",
            "c1",
            "--since",
            "2020-01-01",
            "--format",
            fmt,
            *where,
            extra_env={"LINKREPORT_MAX_RETRIES": "0"},
        )
    assert result.code == 1
    lines = result.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: fakemail: GET /api/campaigns?")
    assert "page=2" in lines[0]
    assert "not JSON" in lines[0]
    out = target.read_text() if to_file else result.out
    ids = campaign_ids(fmt, out)  # (JSON: the whole array parses)
    assert ids[0] == "c1"
    assert set(ids) == {"c1", "c2"} | {f"x{n}" for n in range(1, 8)}  # page 1 (c3 is empty)


def read_fifo_in_background(path) -> list[bytes]:
    got: list[bytes] = []

    def read() -> None:
        with open(path, "rb") as fifo:
            got.append(fifo.read())

    threading.Thread(target=read, daemon=True).start()
    return got


def test_output_to_a_device_a_named_pipe_or_a_symlink_never_puts_a_file_in_its_place(
    cli, fakemail, tmp_path
):
    # the temporary file was renamed over the path: as root, `-o /dev/null` replaced the
    # device with a file; a named pipe was replaced (its reader got nothing); a symlink was
    # replaced by a file, the file it named left as it was
    real = tmp_path / "real.json"
    real.write_text("previous\n")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert cli("links", "fakemail", "c1", "--output", str(link)).code == 0
    assert link.is_symlink()
    assert [r["campaign_id"] for r in json.loads(real.read_text())] == ["c1", "c1"]
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    got = read_fifo_in_background(fifo)
    assert cli("links", "fakemail", "c1", "c2", "--output", str(fifo)).code == 0
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    wait = time.monotonic() + 10
    while not got and time.monotonic() < wait:
        time.sleep(0.05)
    assert campaign_ids("csv", got[0].decode()) == ["c1", "c1", "c2"]
    if os.geteuid() == 0:  # (CI runs as root: a device node of our own, never /dev/null)
        null = tmp_path / "null"
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        assert cli("links", "fakemail", "c1", "--output", str(null)).code == 0
        assert stat.S_ISCHR(os.lstat(null).st_mode)
    from linkreport.report import save_report
    from linkreport.report.sample import sample_report

    page = tmp_path / "page.html"
    os.mkfifo(page)
    got = read_fifo_in_background(page)
    size = save_report(sample_report(), page)
    assert stat.S_ISFIFO(os.lstat(page).st_mode)
    wait = time.monotonic() + 10
    while not got and time.monotonic() < wait:
        time.sleep(0.05)
    assert len(got[0]) == size
    assert got[0].startswith(b"<!DOCTYPE html>")
    left = {p.name for p in tmp_path.iterdir()} - {"null"}  # no temporary file anywhere
    assert left == {"link.json", "linkreport-home", "page.html", "pipe.csv", "real.json"}


def test_a_failed_write_is_one_line_and_the_previous_file_survives(env, fakemail, tmp_path):
    target = tmp_path / "report.ndjson"
    target.write_text("previous\n")

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))

    proc = subprocess.run(
        [sys.executable, "-m", "linkreport", "links", "fakemail", "c1", "c2", "-o", str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=small_files,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith(f"error: cannot write {target}: ")
    assert "was left as it was" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert target.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["linkreport-home", "report.ndjson"]


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_interrupted_run_keeps_what_was_fetched_in_a_valid_file(env, tmp_path, sig, code):
    from linkreport_sitecore_send.sandbox import DIGEST, SPRING, sandbox

    box = sandbox(window=60)
    target = tmp_path / "report.json"
    target.write_text("previous\n")
    with serve(box.app) as server:
        settings = {
            f"LINKREPORT_SITECORE_SEND_{k.upper()}": v
            for k, v in box.settings_for(server.url).items()
        }
        settings["LINKREPORT_SITECORE_SEND_RATE_LIMIT"] = "1/60"
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "linkreport",
                "links",
                "sitecore-send",
                SPRING,
                DIGEST,
                "-o",
                str(target),
                "--jobs",
                "1",  # one at a time: the second report's request waits for the limiter
            ],
            env={**env, **settings},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until the first report is in the temporary file
            parts = list(tmp_path.glob(".report.json.*.part"))
            if parts and SPRING in parts[0].read_text():
                break
            time.sleep(0.05)
        assert target.read_text() == "previous\n"  # nothing replaced before the run ends
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == code, err
    assert target.read_text() != "previous\n", err
    records = json.loads(target.read_text())
    assert {r["campaign_id"] for r in records} == {SPRING}
    assert "interrupted" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["links", "fakemail", ""],
        ["links", "fakemail", "c1", "   "],
        ["links", "fakemail", "--since", "740000d"],
        ["links", "fakemail", "--since", "0001-01-01"],
        ["campaigns", "fakemail", "--since", "99999999w"],
    ],
)
def test_blank_ids_and_out_of_range_dates_are_usage_errors(cli, fakemail, args):
    result = cli(*args)
    assert result.code == 2, result.err
    assert "Traceback" not in result.err
    assert "unexpected" not in result.err


def test_no_ids_on_stdin_is_a_usage_error_and_leaves_the_file(cli, fakemail, tmp_path):
    target = tmp_path / "out.json"
    target.write_text("previous\n")
    result = cli("links", "fakemail", "-", "-o", str(target), stdin="\n  \n")
    assert result.code == 2
    assert "no campaign IDs on standard input" in result.err
    assert target.read_text() == "previous\n"
