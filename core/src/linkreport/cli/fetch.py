"""The work behind ``links`` and ``campaigns``: fetch, write campaign by campaign, report.

The rules of writing (each campaign whole or not at all, ``--output`` replaced only by a run
that fetched something, interrupts, exit codes) live in :mod:`linkreport.cli.driver`.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable
from datetime import datetime
from typing import Any

from linkreport.cli.driver import EXIT_FAILED, EXIT_USAGE, Run, drive
from linkreport.cli.state import debug_traceback
from linkreport.cli.target import Target
from linkreport.terminal import counted


def write_links(
    ctx: Any,
    wanted: Iterable[str],
    *,
    since: datetime | None,
    include_unclicked: bool,
    fmt: str,
    output: str | None,
    jobs: int,
    humans: bool = False,
) -> None:
    """Fetch each ID's links and write them; exit 1 if any failed, re-raise an interrupt.

    With ``humans``, each whole report gets people's clicks from the campaign's click events
    (:func:`linkreport.humans.live.human_links`); a failure to fetch them fails the campaign.
    """
    from linkreport.output import UnwritableRecord
    from linkreport.records import LinkClicks
    from linkreport.runner import stream_reports

    cls: type = LinkClicks
    if humans:
        from linkreport.humans import HumanRules
        from linkreport.humans.records import HumanLinkClicks

        rules = HumanRules.for_home(ctx.settings.home)
        cls = HumanLinkClicks

    def handle(stream: Any, writer: Any, run: Run) -> None:
        if humans and not _with_humans(stream, run, rules, ctx):
            return
        try:
            held = writer.campaign(stream.records if humans else stream)
        except UnwritableRecord as exc:
            run.fail(stream.campaign_id, f"cannot write a record: {exc}")
            return
        if stream.ok:
            run.commit(held)
            return
        held.discard()
        if stream.skipped:
            run.skip(stream.campaign_id)
        else:
            run.fail(stream.campaign_id, stream.error, held.written)
            if stream.error is not None:
                debug_traceback(stream.error)

    streams: Generator[Any, None, None] = stream_reports(  # type: ignore[assignment]
        ctx, wanted, include_unclicked=include_unclicked, since=since, jobs=jobs
    )
    drive(
        streams,
        handle,
        cls=cls,
        fmt=fmt,
        output=output,
        reporter=ctx.reporter,
        name=ctx.account,
        stdin_only=since is None and not isinstance(wanted, list),
        summary=lambda t: (
            f"{counted(t.rows, 'link')} from {t.done} of {counted(t.total, 'campaign')}"
            f" in {t.seconds:.0f}s{t.where}"
        ),
        empty=None if since is None else _none_since(ctx.account, since),
    )
    from linkreport.listing import skipped

    if skipped(ctx):  # --since listed a campaign it had to leave out (said in one line)
        raise SystemExit(EXIT_FAILED)


def _with_humans(stream: Any, run: Run, rules: Any, ctx: Any) -> bool:
    """Read a whole report into ``stream.records`` with people's clicks; False: failed."""
    from linkreport.errors import LinkReportError
    from linkreport.humans.live import human_links

    records = list(stream)
    stream.records = ()
    if not stream.ok:  # written as without --humans: nothing, then the failure or skip
        return True
    try:
        stream.records = human_links(ctx, stream.campaign_id, records, rules=rules)
    except LinkReportError as exc:
        error = exc.for_campaign(stream.campaign_id)
        run.fail(stream.campaign_id, f"cannot estimate people's clicks: {error}")
        debug_traceback(error)
        return False
    return True


def _none_since(account: str, since: datetime) -> str:
    when = f"{since:%Y-%m-%d %H:%M} UTC"
    return f"note: {account} sent no campaign since {when} (try an earlier --since)"


def write_campaigns(ctx: Any, since: datetime, *, fmt: str, output: str | None) -> None:
    """List the campaigns sent since ``since`` and write them as one unit.

    A listing that fails part-way (a page refused, a bad key) keeps the campaigns listed
    before it: the output is finished with them (JSON stays one valid array), the error is
    one line naming the account, and the exit status is 1 (2 for a usage error). A campaign
    left out of the listing for an unusable value (said in one line by the listing) leaves
    the others written and the exit status 1.
    """
    from linkreport.errors import LinkReportError, UsageError
    from linkreport.listing import skipped
    from linkreport.output import CampaignWriter, UnwritableRecord
    from linkreport.records import Campaign
    from linkreport.settings import without_account

    listed: list[Campaign] = []
    stopped: LinkReportError | None = None
    try:
        listed.extend(ctx.source.list_campaigns(ctx, since))
    except LinkReportError as exc:  # keep the pages listed before it
        stopped = exc
        debug_traceback(exc)
    target = Target(output)
    writer = CampaignWriter(fmt, target.stream, Campaign)
    with target.writing():
        try:
            writer.begin()
            writer.campaign(listed).commit()
            writer.end()
        except UnwritableRecord as exc:
            target.abandon()
            ctx.reporter.note(f"error: {ctx.account}: cannot write a campaign: {exc}")
            raise SystemExit(EXIT_FAILED) from None
    if stopped is None or listed:
        target.commit()
    else:
        target.abandon()
    if stopped is not None:
        ctx.reporter.note(f"error: {ctx.account}: {without_account(str(stopped), ctx.account)}")
        if listed:
            ctx.reporter.note(
                f"note: {counted(len(listed), 'campaign')} listed before it were written"
            )
        raise SystemExit(EXIT_USAGE if isinstance(stopped, UsageError) else EXIT_FAILED)
    if skipped(ctx):
        raise SystemExit(EXIT_FAILED)
    if not writer.count:
        ctx.reporter.note(_none_since(ctx.account, since))
