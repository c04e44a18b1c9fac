"""The work behind ``links`` and ``campaigns``: fetch, write campaign by campaign, report.

Rules (docs/reliability.md): each campaign is written whole or not at all (up to
:data:`linkreport.output.HOLD` bytes of output, beyond which it streams); a failed campaign is
one line on standard error; ``--output`` is replaced only by a run that fetched something;
Ctrl-C and SIGTERM finish the file with what was fetched and exit 130 / 143.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Generator, Iterable
from datetime import datetime
from typing import Any

import click

from linkreport.cli.state import debug_traceback
from linkreport.cli.target import Interrupted, Target, uninterrupted

EXIT_FAILED = 1


def write_links(
    ctx: Any,
    wanted: Iterable[str],
    *,
    since: datetime | None,
    include_unclicked: bool,
    fmt: str,
    output: str | None,
    jobs: int,
) -> None:
    """Fetch each ID's links and write them; exit 1 if any failed, re-raise an interrupt."""
    from linkreport.output import CampaignWriter, UnwritableRecord
    from linkreport.records import LinkClicks
    from linkreport.runner import stream_reports

    reporter, name = ctx.reporter, ctx.account
    started = time.monotonic()
    done, failed, skipped = 0, 0, []
    interrupted: Interrupted | None = None

    def fail(campaign_id: str, reason: object, written: int = 0) -> None:
        nonlocal failed
        failed += 1
        kept = f" ({written} of its records were already written)" if written else ""
        reporter.note(f"error: {name} {campaign_id}: {reason}{kept}")

    streams: Generator[Any, None, None] = stream_reports(  # type: ignore[assignment]
        ctx, wanted, include_unclicked=include_unclicked, since=since, jobs=jobs
    )
    target = Target(output)
    writer = CampaignWriter(fmt, target.stream, LinkClicks)
    try:
        with uninterrupted():
            writer.begin()
        try:
            with contextlib.closing(streams):
                for stream in streams:
                    try:
                        held = writer.campaign(stream)
                    except UnwritableRecord as exc:
                        fail(stream.campaign_id, f"cannot write a record: {exc}")
                        continue
                    if stream.ok:
                        with uninterrupted():
                            held.commit()
                            done += 1
                        continue
                    held.discard()
                    if stream.skipped:
                        skipped.append(stream.campaign_id)
                    else:
                        fail(stream.campaign_id, stream.error, held.written)
                        if stream.error is not None:
                            debug_traceback(stream.error)
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
        if total == 0 and since is None and not isinstance(wanted, list):
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
        reporter.note(
            f"{writer.count} links from {done} of {total} campaigns in {seconds:.0f}s{where}"
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


def write_campaigns(ctx: Any, since: datetime, *, fmt: str, output: str | None) -> None:
    """List the campaigns sent since ``since`` and write them as one unit."""
    from linkreport.output import CampaignWriter, UnwritableRecord
    from linkreport.records import Campaign

    target = Target(output)
    writer = CampaignWriter(fmt, target.stream, Campaign)
    try:
        writer.begin()
        writer.campaign(ctx.source.list_campaigns(ctx, since)).commit()
        writer.end()
    except UnwritableRecord as exc:
        target.abandon()
        ctx.reporter.note(f"error: {ctx.account}: cannot write a campaign: {exc}")
        raise SystemExit(EXIT_FAILED) from None
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise target.failed(exc) from None
    except BaseException:
        target.abandon()
        raise
    target.commit()
