"""``linkreport links`` and ``linkreport campaigns``: fetching and writing records."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

import click

from linkreport.cli.options import (
    examples,
    fetch_options,
    format_option,
    output_option,
    sent_since_option,
)
from linkreport.cli.state import account_argument, open_account
from linkreport.cli.types import SinceType
from linkreport.terminal import clipped


def _reporter(progress: bool | None) -> Any:
    from linkreport.progress import Reporter, TerminalReporter

    show = sys.stderr.isatty() if progress is None else progress
    return TerminalReporter() if show else Reporter()


def _pick_format(fmt: str | None, output: str | None) -> str:
    from linkreport.formats import format_for_path

    if fmt:
        return fmt
    if output and output != "-":
        guessed = format_for_path(output)
        if guessed:
            return guessed
        extension = os.path.splitext(output)[1]
        if extension[1:].isalpha():  # a name without one (/dev/null, a pipe) gets NDJSON
            raise click.BadParameter(
                f"no format is written as {extension!r} files: pass --format (table, csv,"
                " json, ndjson) or name the file .csv, .json, .ndjson, .jsonl or .txt",
                param_hint="--output",
            )
        return "ndjson"
    return "table" if sys.stdout.isatty() else "ndjson"


@contextlib.contextmanager
def _open_output(output: str | None) -> Iterator[IO[str]]:
    """A text stream to standard output or to ``output``, replaced atomically at the end."""
    import io

    from linkreport.cli.target import Target

    target = Target(output)
    text = io.TextIOWrapper(target.stream, encoding="utf-8", newline="", write_through=True)
    try:
        yield text
        text.flush()
    except BaseException:
        text.detach()
        target.abandon()
        raise
    text.detach()
    target.commit()


def _read_ids(ids: tuple[str, ...]) -> list[str] | Iterator[str]:
    """The IDs given: a list, or (with ``-``) a lazy iterator that reads standard input."""
    for campaign_id in ids:
        if campaign_id != "-" and not campaign_id.strip():
            shown = clipped(campaign_id)
            raise click.UsageError(f"an ID must not be empty or blank, got {shown!r}")
    if "-" not in ids:
        return list(ids)

    def read() -> Iterator[str]:
        for campaign_id in ids:
            if campaign_id == "-":
                yield from (line.strip() for line in sys.stdin if line.strip())
            else:
                yield campaign_id

    return read()


@click.command(
    epilog=examples(
        "linkreport links sitecore-send 3f5c0b2a-... 9d1e7c44-...",
        "linkreport links constant-contact --since 7d --format csv -o links.csv",
        "linkreport links sitecore-send 3f5c0b2a-... --rates",
        "linkreport campaigns sitecore-send --format ndjson | jq -r .campaign_id \\",
        "  | linkreport links sitecore-send - | head",
    )
)
@account_argument
@click.argument("ids", nargs=-1)
@click.option("--since", type=SinceType(), help="Also every campaign sent since DATE.")
@click.option("--include-unclicked", is_flag=True, help="Include links nobody clicked.")
@click.option(
    "--humans",
    is_flag=True,
    help="Also estimate people's clicks (human_unique_clicks, human_total_clicks) from the"
    " click events, leaving out link scanners' (docs/humans.md).",
)
@click.option(
    "--rates",
    is_flag=True,
    help="Add delivered (sent - bounces) and click_rate (unique clicks / delivered); one"
    " request more per campaign.",
)
@fetch_options("Reports")
def links(
    account: str,
    ids: tuple[str, ...],
    since: datetime | None,
    include_unclicked: bool,
    humans: bool,
    rates: bool,
    fmt: str | None,
    output: str | None,
    jobs: int,
    progress: bool | None,
) -> None:
    """Fetch the link-click report of each campaign ID of ACCOUNT (a provider or account name).

    An ID of - reads IDs from stdin. With --humans, each campaign's click events are fetched
    too and classified ([humans] in config.toml); the provider's own counts stay as reported.
    """
    from linkreport.cli.fetch import write_links

    wanted = _read_ids(ids)
    if not wanted and since is None:
        raise click.UsageError(
            "give at least one campaign ID, '-' to read IDs from stdin, or --since DATE"
        )
    reporter = _reporter(progress)
    ctx = open_account(account, reporter)
    write_links(
        ctx,
        wanted,
        since=since,
        include_unclicked=include_unclicked,
        fmt=_pick_format(fmt, output),
        output=output,
        jobs=jobs,
        humans=humans,
        rates=rates,
    )


@click.command(
    epilog=examples(
        "linkreport campaigns sitecore-send",
        "linkreport campaigns acme --since 2026-01-01 --format json",
    )
)
@account_argument
@sent_since_option()
@format_option
@output_option
def campaigns(account: str, since: datetime, fmt: str | None, output: str | None) -> None:
    """List the campaigns of ACCOUNT (a provider or account name) sent since a date."""
    from linkreport.cli.fetch import write_campaigns

    ctx = open_account(account, _reporter(None))
    write_campaigns(ctx, since, fmt=_pick_format(fmt, output), output=output)
