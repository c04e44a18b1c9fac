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
from linkreport.terminal import clipped, counted


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
    rates: bool = False,
) -> None:
    """Fetch each ID's links and write them; exit 1 if any failed, re-raise an interrupt.

    With ``humans``, each whole report gets people's clicks from the campaign's click events
    (:class:`linkreport.humans.live.HumanStream`); a failure to fetch them fails the campaign.
    ``rates``: each link also gets ``delivered`` and ``click_rate`` (and ``human_click_rate``
    with ``humans``); a campaign whose counts could not be had is written without them, said
    in one line, and the exit status is 1.
    """
    from linkreport.output import UnwritableRecord
    from linkreport.runner import stream_reports

    unrated: list[str] = []

    def handle(stream: Any, writer: Any, run: Run) -> None:
        try:
            held = writer.campaign(stream)
        except UnwritableRecord as exc:
            run.fail(stream.campaign_id, f"cannot write a record: {exc}")
            return
        if stream.ok:
            run.commit(held)
            stats_error = getattr(stream, "stats_error", None)
            if stats_error is not None:
                unrated.append(stream.campaign_id)
                run.reporter.note(
                    f"error: {run.name} {clipped(stream.campaign_id)}: no delivery counts,"
                    f" so no click rates: {stats_error}"
                )
            return
        held.discard()
        if stream.skipped:
            run.skip(stream.campaign_id)
            return
        reason: Any = stream.error
        if getattr(stream, "humans_error", None) is not None:
            reason = f"cannot estimate people's clicks: {stream.error}"
        run.fail(stream.campaign_id, reason, held.written)
        if stream.error is not None:
            debug_traceback(stream.error)

    inner: Generator[Any, None, None] = stream_reports(  # type: ignore[assignment]
        ctx, wanted, include_unclicked=include_unclicked, since=since, jobs=jobs
    )
    cls, streams = _wrapped(ctx, inner, humans=humans, rates=rates)
    drive(
        _closing(streams, inner),
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

    if skipped(ctx) or unrated:  # --since left one out, or a campaign's counts are missing
        raise SystemExit(EXIT_FAILED)


def _wrapped(ctx: Any, streams: Iterable[Any], *, humans: bool, rates: bool) -> tuple[type, Any]:
    """The record class and campaign streams of ``links`` with ``--humans``/``--rates``."""
    from linkreport.records import LinkClicks

    cls: type = LinkClicks
    if humans:
        from linkreport.humans import HumanRules
        from linkreport.humans.live import human_streams
        from linkreport.humans.records import HumanLinkClicks

        cls, streams = (
            HumanLinkClicks,
            human_streams(ctx, streams, HumanRules.for_home(ctx.settings.home)),
        )
    if rates:
        from linkreport.rates import HumanRatedLinkClicks, RatedLinkClicks, rated_streams

        cls = HumanRatedLinkClicks if humans else RatedLinkClicks
        streams = rated_streams(ctx, streams)
        if not ctx.source.supports_stats:
            ctx.reporter.note(
                f"note: {ctx.provider} reports no delivery counts: delivered and click_rate"
                " stay empty"
            )
    return cls, streams


def _closing(outer: Any, inner: Generator[Any, None, None]) -> Generator[Any, None, None]:
    """``outer`` as a generator whose closing closes ``inner`` (the driver closes what it reads)."""
    try:
        yield from outer
    finally:
        inner.close()


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
    target = Target(output)  # first: output that cannot be written costs no request
    try:
        listed.extend(ctx.source.list_campaigns(ctx, since))
    except LinkReportError as exc:  # keep the pages listed before it
        stopped = exc
        debug_traceback(exc)
    except BaseException:  # an interrupt: no temporary file left behind
        target.abandon()
        raise
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
