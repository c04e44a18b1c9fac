"""``linkreport links`` and ``linkreport campaigns``: fetching and writing records."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

import click

from linkreport.cli.state import account_argument, debug_traceback, open_account

EXIT_FAILED = 1
#: The output formats (spelled out here, not imported, so start-up never loads cattrs).
FORMATS = ("table", "csv", "json", "ndjson")


class SinceType(click.ParamType):  # type: ignore[type-arg]
    """A date: ``YYYY-MM-DD``, an ISO 8601 time (UTC unless it says), or ``7d`` / ``2w`` ago."""

    name = "DATE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        """Parse to an aware UTC datetime."""
        from linkreport.dates import parse_since

        try:
            return parse_since(value)
        except ValueError as error:
            self.fail(str(error))


def _reporter(progress: bool | None) -> Any:
    from linkreport.progress import Reporter, TerminalReporter

    show = sys.stderr.isatty() if progress is None else progress
    return TerminalReporter() if show else Reporter()


def _pick_format(fmt: str | None, output: str | None) -> str:
    from linkreport.formats import format_for_path

    if fmt:
        return fmt
    if output and output != "-":
        return format_for_path(output) or "ndjson"
    return "table" if sys.stdout.isatty() else "ndjson"


@contextlib.contextmanager
def _open_output(output: str | None) -> Iterator[IO[str]]:
    if not output or output == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    try:
        handle = open(output, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise click.FileError(output, hint=exc.strerror or str(exc)) from None
    with handle:
        yield handle


def _read_ids(ids: tuple[str, ...]) -> list[str]:
    result: list[str] = []
    for campaign_id in ids:
        if campaign_id == "-":
            result.extend(line.strip() for line in sys.stdin if line.strip())
        else:
            result.append(campaign_id)
    return result


format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Output format [default: table on a terminal, else ndjson; or from --output's extension].",
)
output_option = click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write records to FILE instead of standard output.",
)


@click.command()
@account_argument
@click.argument("ids", nargs=-1)
@click.option("--since", type=SinceType(), help="Also every campaign sent since DATE.")
@click.option("--include-unclicked", is_flag=True, help="Include links nobody clicked.")
@format_option
@output_option
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    help="Reports fetched at once (always within the provider's rate limit).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show progress on standard error [default: when it is a terminal].",
)
def links(
    account: str,
    ids: tuple[str, ...],
    since: datetime | None,
    include_unclicked: bool,
    fmt: str | None,
    output: str | None,
    jobs: int,
    progress: bool | None,
) -> None:
    """Fetch the link-click report of each campaign ID of ACCOUNT (a provider or account name).

    An ID of - reads IDs from stdin.
    """
    from linkreport import formats
    from linkreport.records import LinkClicks
    from linkreport.runner import run_reports

    wanted = _read_ids(ids)
    if not wanted and since is None:
        raise click.UsageError(
            "give at least one campaign ID, '-' to read IDs from stdin, or --since DATE"
        )
    reporter = _reporter(progress)
    ctx = open_account(account, reporter)
    failures: list[Any] = []

    def records() -> Iterator[LinkClicks]:
        for report in run_reports(
            ctx, wanted, include_unclicked=include_unclicked, since=since, jobs=jobs
        ):
            if report.error is not None:
                failures.append(report)
                reporter.note(f"error: {account} {report.campaign_id}: {report.error}")
                debug_traceback(report.error)
            elif report.skipped:
                failures.append(report)
            yield from report.records

    started = time.monotonic()
    with _open_output(output) as stream:
        count = formats.write(records(), _pick_format(fmt, output), stream, LinkClicks)
    if reporter.live:
        where = f" to {output}" if output and output != "-" else ""
        reporter.note(
            f"{count} links from {ctx.reporter.total - len(failures)} of "
            f"{ctx.reporter.total} campaigns in {time.monotonic() - started:.0f}s{where}"
        )
    skipped = [r for r in failures if r.skipped]
    if skipped:
        reporter.note(
            f"error: {len(skipped)} campaign(s) not fetched because the run stopped: "
            + ", ".join(r.campaign_id for r in skipped[:10])
        )
    if failures:
        raise SystemExit(EXIT_FAILED)


@click.command()
@account_argument
@click.option(
    "--since", type=SinceType(), default="90d", show_default=True, help="Campaigns sent since DATE."
)
@format_option
@output_option
def campaigns(account: str, since: datetime, fmt: str | None, output: str | None) -> None:
    """List the campaigns of ACCOUNT (a provider or account name) sent since a date."""
    from linkreport import formats
    from linkreport.records import Campaign

    ctx = open_account(account, _reporter(None))
    with _open_output(output) as stream:
        formats.write(
            ctx.source.list_campaigns(ctx, since), _pick_format(fmt, output), stream, Campaign
        )
