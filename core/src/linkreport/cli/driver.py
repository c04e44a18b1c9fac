"""The output driver of the commands that fetch IDs live (``links`` and ``clicks``).

Rules (docs/reliability.md): each campaign is written whole or not at all (``--output``: any
size, cut off its temporary file if it fails; standard output: up to
:data:`linkreport.output.HOLD` bytes of output, beyond which it streams); a failed campaign is
one line on standard error; ``--output`` is replaced only by a run that fetched something;
Ctrl-C and SIGTERM finish the file with what was fetched and exit 130 / 143; exit 1 when any
campaign failed or was never fetched, or the campaigns could not all be listed (``--since``: the
output is finished with those fetched, as when a campaign fails).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Generator
from types import SimpleNamespace
from typing import Any, TypeVar

import click

from linkreport.cli.state import debug_traceback
from linkreport.cli.target import Interrupted, Target, uninterrupted
from linkreport.errors import LinkReportError, UsageError
from linkreport.settings import without_account
from linkreport.terminal import clipped, counted

EXIT_FAILED, EXIT_USAGE = 1, 2

T = TypeVar("T")


class Run:
    """One run's tally: campaigns written, failed and never fetched; failures are noted."""

    def __init__(self, reporter: Any, name: str) -> None:
        self.reporter, self.name = reporter, name
        self.done = self.failed = self.events = 0
        self.skipped: list[str] = []
        self._said: set[str] = set()  # the account's own errors, each said once
        #: The error that ended the campaigns early (the listing of ``--since`` failed).
        self.stopped: BaseException | None = None

    @property
    def total(self) -> int:
        """Every campaign the run came to."""
        return self.done + self.failed + len(self.skipped)

    def fail(self, campaign_id: str, reason: object, written: int = 0) -> None:
        """Count a failed campaign and say so in one line (with how much was written).

        A fatal error before any record (a setting, a refused key) is the account's, not
        the campaign's: it is said once for the account, and the campaign counts as never
        fetched, like those after it.
        """
        if isinstance(reason, LinkReportError) and reason.fatal and not written:
            self._say(reason)
            self.skip(campaign_id)
            return
        self.failed += 1
        kept = f" ({written} of its records were already written)" if written else ""
        self.reporter.note(f"error: {self.name} {clipped(campaign_id)}: {reason}{kept}")

    def stop(self, error: BaseException) -> None:
        """The campaigns ended early (their listing failed): say so in one line."""
        self.stopped = error
        self._say(error)
        debug_traceback(error)

    def _say(self, error: BaseException) -> None:
        line = f"error: {self.name}: {without_account(str(error), self.name)}"
        if line not in self._said:
            self._said.add(line)
            self.reporter.note(line)

    def skip(self, campaign_id: str) -> None:
        """Count a campaign never fetched because the run stopped."""
        self.skipped.append(campaign_id)

    def commit(self, held: Any, events: int = 0) -> None:
        """Write a campaign's held records whole (an interrupt waits) and count it."""
        with uninterrupted():
            held.commit()
            self.done += 1
            self.events += events


def drive(
    items: Generator[T, None, None],
    handle: Callable[[T, Any, Run], None],
    *,
    cls: type,
    fmt: str,
    output: str | None,
    reporter: Any,
    name: str,
    stdin_only: bool,
    summary: Callable[[SimpleNamespace], str],
    empty: str | None = None,
) -> None:
    """Write ``items`` (one per campaign) as ``cls`` records in ``fmt`` to ``output``.

    ``handle(item, writer, run)`` writes one item with ``writer.campaign`` and commits it
    with :meth:`Run.commit`, or counts it failed or skipped. ``stdin_only``: the IDs came
    only from standard input, so none at all is a usage error. ``summary`` writes the last
    progress line from the tally (``rows``, ``done``, ``total``, ``events``, ``seconds``,
    ``where``); ``empty`` is said when there was no campaign to fetch.
    Exit 1 if any campaign failed or was skipped; an interrupt is raised again at the end.
    """
    from linkreport.output import CampaignWriter

    started = time.monotonic()
    run = Run(reporter, name)
    interrupted: Interrupted | None = None
    target = Target(output)
    # a file target is a temporary file nobody reads before it is renamed: campaigns go
    # straight to it and a failed one is cut off again, rather than held in memory
    writer = CampaignWriter(fmt, target.stream, cls, rewind=target.rewindable)
    with target.writing():
        with uninterrupted():
            writer.begin()
        try:
            with contextlib.closing(items):
                for item in items:
                    handle(item, writer, run)
        except Interrupted as exc:
            interrupted = exc
        except LinkReportError as exc:  # no more campaigns (a listing page failed): keep those
            run.stop(exc)  # fetched, and finish the output (JSON closed, the file replaced)
        with uninterrupted():
            writer.end()
    if run.done or not (run.failed or run.skipped or run.stopped or interrupted):
        if run.total == 0 and stdin_only:
            target.abandon()
            raise click.UsageError("no campaign IDs on standard input")
        target.commit()
    else:
        target.abandon()
        if target.path:
            reporter.note(f"nothing was fetched: {target.path} was left as it was")
    if reporter.live:
        where = f" to {output}" if output and output != "-" else ""
        seconds = time.monotonic() - started
        tally = SimpleNamespace(
            rows=writer.count,
            done=run.done,
            total=run.total,
            events=run.events,
            seconds=seconds,
            where=where,
        )
        reporter.note(summary(tally))
    if empty and run.total == 0 and not (run.stopped or interrupted):
        reporter.note(empty)
    if run.skipped:
        reporter.note(
            f"error: {counted(len(run.skipped), 'campaign')} not fetched because the run"
            " stopped: "
            + ", ".join(clipped(i) for i in run.skipped[:10])
            + (", ..." if len(run.skipped) > 10 else "")
        )
    if interrupted is not None:
        raise interrupted
    if isinstance(run.stopped, UsageError):
        raise SystemExit(EXIT_USAGE)
    if run.failed or run.skipped or run.stopped:
        raise SystemExit(EXIT_FAILED)
