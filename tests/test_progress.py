"""The live progress line's estimate of the time left (issue 10: no promise the limit breaks)."""

from __future__ import annotations

import io

from linkreport.progress import TerminalReporter


def line(reporter: TerminalReporter) -> str:
    return reporter.stream.getvalue().split("\r\x1b[2K")[-1]  # type: ignore[attr-defined]


def test_the_time_left_is_never_less_than_the_rate_limit_allows():
    reporter = TerminalReporter(io.StringIO())
    reporter.start(20, "campaigns")
    reporter.limit(2, 60)  # Sitecore Send: 2 calls a minute
    assert "ETA 9m00s" in line(reporter)  # 20 campaigns: the first 2 now, then 9 windows
    reporter.advance()
    reporter.advance()  # two answered at once: the average alone would say seconds
    assert "2/20 campaigns" in line(reporter)
    assert "ETA 8m00s" in line(reporter)
    reporter.finish()


def test_without_a_limit_the_time_left_is_the_average_so_far():
    reporter = TerminalReporter(io.StringIO())
    reporter.start(4, "campaigns")
    assert "ETA" not in line(reporter)  # nothing to go by yet
    reporter.started -= 10  # as if the first took 10 s
    reporter.advance()
    assert "ETA 30s" in line(reporter)


def test_the_cli_shows_the_limit_before_the_first_answer(cli, fakemail):
    result = cli(
        "links",
        "fakemail",
        "c1",
        "c2",
        "c3",
        "--progress",
        "--format",
        "ndjson",
        extra_env={"LINKREPORT_FAKEMAIL_RATE_LIMIT": "1/1"},
    )
    assert result.code == 0, result.err
    assert "0/3 campaigns | 0s | ETA 2s" in result.err
