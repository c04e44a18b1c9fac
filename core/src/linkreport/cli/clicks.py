"""``linkreport clicks``: live click timelines from the click events of each ID."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import click

from linkreport.cli.driver import Run, drive
from linkreport.cli.options import examples, fetch_options
from linkreport.cli.reports import _pick_format, _read_ids, _reporter
from linkreport.cli.state import account_argument, debug_traceback, open_account
from linkreport.cli.types import SinceType
from linkreport.terminal import counted


@click.command(
    epilog=examples(
        "linkreport clicks constant-contact 3f5c0b2a-... --by hour --since 2d",
        "linkreport clicks sitecore-send 9d1e7c44-... --by week --format csv",
    )
)
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
@click.option(
    "--humans",
    is_flag=True,
    help="Add human_clicks and human_contacts: the clicks not marked as link scanners'"
    " (docs/humans.md).",
)
@fetch_options("IDs")
def clicks(
    account: str,
    ids: tuple[str, ...],
    since: datetime | None,
    by: str,
    humans: bool,
    fmt: str | None,
    output: str | None,
    jobs: int,
    progress: bool | None,
) -> None:
    """Print when the links of each campaign ID were clicked: clicks per link per period.

    Rows: provider, campaign_id, activity_id, url, period (the UTC start of the hour, day or
    week), clicks, unique_contacts (with --humans also human_clicks, human_contacts: each
    campaign's events classified as a whole, then counted per period). Periods without
    clicks are left out. An ID of - reads IDs from stdin.
    """
    wanted = _read_ids(ids)
    reporter = _reporter(progress)
    ctx = open_account(account, reporter)
    if not ctx.source.supports_clicks:
        raise click.UsageError(f"{account} ({ctx.provider}) does not provide click events")
    if isinstance(wanted, list) and not wanted:
        raise click.UsageError("give at least one campaign ID, or '-' to read IDs from stdin")
    write_timelines(
        ctx,
        wanted,
        since=since,
        by=by,
        fmt=_pick_format(fmt, output),
        output=output,
        jobs=jobs,
        humans=humans,
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
    humans: bool = False,
) -> None:
    """Fetch each ID's clicks and write its timeline whole, as ``links`` writes reports.

    With ``humans``, rows get people's clicks (:func:`linkreport.humans.live.human_timeline`),
    each campaign classified with its send time where its stats give one
    (:func:`linkreport.humans.live.campaign_verdicts`).

    A failed ID is one line on standard error and the others are written; exit 1 if any
    failed; ``--output`` is replaced only by a run that fetched something; an interrupt
    finishes the output with what was fetched (see :mod:`linkreport.cli.driver`).
    """
    from linkreport.click_events import run_clicks, timeline
    from linkreport.output import UnwritableRecord
    from linkreport.records import ClickPeriod

    cls: type = ClickPeriod

    def rows(report: Any, by: Any) -> Any:
        return timeline(report.events, by)

    if humans:
        from linkreport.humans import HumanRules
        from linkreport.humans.live import campaign_verdicts, human_timeline
        from linkreport.humans.records import HumanClickPeriod

        rules, cls = HumanRules.for_home(ctx.settings.home), HumanClickPeriod
        if since is not None:  # the first click seen is not the campaign's: no clock from it
            import attrs

            rules = attrs.evolve(rules, instant_first_click=False)

        def rows(report: Any, by: Any) -> Any:  # (the send time: the stats', else none)
            events = report.events
            verdicts = campaign_verdicts(ctx, report.campaign_id, events, rules=rules)
            return human_timeline(events, verdicts, by)

    def handle(report: Any, writer: Any, run: Run) -> None:
        if report.skipped:
            run.skip(report.campaign_id)
            return
        if report.error is not None:
            run.fail(report.campaign_id, report.error)
            debug_traceback(report.error)
            return
        try:
            held = writer.campaign(rows(report, by))
        except UnwritableRecord as exc:
            run.fail(report.campaign_id, f"cannot write: {exc}")
            return
        run.commit(held, events=len(report.events))

    drive(
        run_clicks(ctx, wanted, since=since, jobs=jobs),
        handle,
        cls=cls,
        fmt=fmt,
        output=output,
        reporter=ctx.reporter,
        name=ctx.account,
        stdin_only=not isinstance(wanted, list),
        summary=lambda t: (
            f"{counted(t.events, 'click')} in {counted(t.rows, 'row')} from {t.done}"
            f" of {counted(t.total, 'campaign')} in {t.seconds:.0f}s{t.where}"
        ),
    )
