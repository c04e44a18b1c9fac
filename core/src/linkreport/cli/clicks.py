"""``linkreport clicks``: live click timelines from the click events of each ID."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import click

from linkreport.cli.fetch import EXIT_FAILED
from linkreport.cli.reports import (
    SinceType,
    _pick_format,
    _read_ids,
    _reporter,
    format_option,
    output_option,
)
from linkreport.cli.state import account_argument, debug_traceback, open_account
from linkreport.cli.target import Interrupted, Target, uninterrupted


@click.command()
@account_argument
@click.argument("ids", nargs=-1)
@click.option("--since", type=SinceType(), help="Only clicks at or after DATE.")
@click.option(
    "--by",
    type=click.Choice(["hour", "day", "week"]),
    default="day",
    show_default=True,
    help="The length of a period (UTC; weeks start on Monday).",
)
@format_option
@output_option
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 32),
    default=4,
    show_default=True,
    help="IDs fetched at once (always within the provider's rate limit).",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show progress on standard error [default: when it is a terminal].",
)
def clicks(
    account: str,
    ids: tuple[str, ...],
    since: datetime | None,
    by: str,
    fmt: str | None,
    output: str | None,
    jobs: int,
    progress: bool | None,
) -> None:
    """Print when the links of each campaign ID were clicked: clicks per link per period.

    Rows: provider, campaign_id, activity_id, url, period (the UTC start of the hour, day or
    week), clicks, unique_contacts. Periods without clicks are left out. An ID of - reads
    IDs from stdin.
    """
    wanted = _read_ids(ids)
    reporter = _reporter(progress)
    ctx = open_account(account, reporter)
    if not ctx.source.supports_clicks:
        raise click.UsageError(f"{account} ({ctx.provider}) does not provide click events")
    if isinstance(wanted, list) and not wanted:
        raise click.UsageError("give at least one campaign ID, or '-' to read IDs from stdin")
    write_timelines(
        ctx, wanted, since=since, by=by, fmt=_pick_format(fmt, output), output=output, jobs=jobs
    )


def write_timelines(
    ctx: Any,
    wanted: Iterable[str],
    *,
    since: datetime | None,
    by: str,
    fmt: str,
    output: str | None,
    jobs: int,
) -> None:
    """Fetch each ID's clicks and write its timeline whole, as ``links`` writes reports.

    A failed ID is one line on standard error and the others are written; exit 1 if any
    failed; ``--output`` is replaced only by a run that fetched something; an interrupt
    finishes the output with what was fetched.
    """
    from linkreport.output import CampaignWriter, UnwritableRecord
    from linkreport.records import ClickPeriod
    from linkreport.timeline import run_clicks, timeline

    reporter, name = ctx.reporter, ctx.provider
    started = time.monotonic()
    done, failed, skipped, events = 0, 0, [], 0
    interrupted: Interrupted | None = None
    target = Target(output)
    writer = CampaignWriter(fmt, target.stream, ClickPeriod)
    reports = run_clicks(ctx, wanted, since=since, jobs=jobs)
    try:
        with uninterrupted():
            writer.begin()
        try:
            with contextlib.closing(reports):
                for report in reports:
                    if report.skipped:
                        skipped.append(report.campaign_id)
                        continue
                    if report.error is not None:
                        failed += 1
                        reporter.note(f"error: {name} {report.campaign_id}: {report.error}")
                        debug_traceback(report.error)
                        continue
                    try:
                        held = writer.campaign(timeline(report.events, by))  # type: ignore[arg-type]
                    except UnwritableRecord as exc:
                        failed += 1
                        reporter.note(f"error: {name} {report.campaign_id}: cannot write: {exc}")
                        continue
                    with uninterrupted():
                        held.commit()
                        done += 1
                        events += len(report.events)
        except Interrupted as exc:
            interrupted = exc
        with uninterrupted():
            writer.end()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise target.failed(exc) from None
    except BaseException:
        target.abandon()
        raise
    total = done + failed + len(skipped)
    if done or not (failed or skipped or interrupted):
        if total == 0 and not isinstance(wanted, list):
            target.abandon()
            raise click.UsageError("no campaign IDs on standard input")
        target.commit()
    else:
        target.abandon()
        if target.path:
            reporter.note(f"nothing was fetched: {target.path} was left as it was")
    if reporter.live:
        reporter.note(
            f"{events} clicks in {writer.count} rows from {done} of {total} campaigns "
            f"in {time.monotonic() - started:.0f}s"
        )
    if skipped:
        reporter.note(
            f"error: {len(skipped)} campaign(s) not fetched because the run stopped: "
            + ", ".join(skipped[:10])
        )
    if interrupted is not None:
        raise interrupted
    if failed or skipped:
        raise SystemExit(EXIT_FAILED)
