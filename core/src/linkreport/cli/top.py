"""``linkreport top``: what was clicked most across stored campaigns, accounts and providers."""

from __future__ import annotations

from datetime import datetime

import click

from linkreport.cli.options import (
    accounts_option,
    db_option,
    examples,
    format_option,
    output_option,
    sent_since_option,
)
from linkreport.cli.reports import _open_output, _pick_format
from linkreport.cli.sync import open_store


@click.command(
    epilog=examples(
        "linkreport top",
        "linkreport top --by domain --since 2026-01-01 --limit 0 --format csv",
        "linkreport top --account sitecore-send --by campaign",
        "linkreport top --humans",
        "linkreport top --sort total",
    )
)
@sent_since_option()
@accounts_option
@click.option(
    "--by",
    type=click.Choice(["url", "domain", "campaign"]),
    default="url",
    show_default=True,
    help="What to rank.",
)
@click.option(
    "--sort",
    type=click.Choice(["unique", "total", "rate"]),
    default="unique",
    show_default=True,
    help="Rank by unique clicks, total clicks or click rate; rows without it come last.",
)
@click.option("--raw-urls", is_flag=True, help="Group URLs as reported, not by canonical form.")
@click.option(
    "--humans",
    is_flag=True,
    help="Rank by people's unique clicks (link scanners' clicks left out, from stored click"
    " events); adds human_unique_clicks and human_total_clicks.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Rows to show (0: all).",
)
@db_option
@format_option
@output_option
def top(
    since: datetime,
    accounts: tuple[str, ...],
    by: str,
    sort: str,
    raw_urls: bool,
    humans: bool,
    limit: int,
    db: str | None,
    fmt: str | None,
    output: str | None,
) -> None:
    """Rank canonical URLs (or domains, or campaigns) by unique clicks in the store.

    Uses the latest snapshot of each stored campaign sent since --since; variants of a URL
    (tracking parameters, case, default ports) count as one unless --raw-urls. Each sum
    covers only the links that report its count (UNIQUE_LINKS, TOTAL_LINKS of SUMMED_LINKS);
    unique clicks are unique per campaign, so a person clicking in two campaigns counts twice.
    """
    from linkreport import db as store_db
    from linkreport import formats
    from linkreport.cli.ranking import nothing_ranked, ranked, row_kind

    try:
        rows, note = ranked(
            lambda: open_store(db, create=False),
            since=since,
            accounts=accounts,
            by=by,
            sort=sort,
            raw_urls=raw_urls,
            humans=humans,
            limit=limit,
        )
    except store_db.UnknownAccountError as exc:
        raise click.BadParameter(str(exc), param_hint="--account") from None
    with _open_output(output) as stream:
        formats.write(rows, _pick_format(fmt, output), stream, row_kind(by, humans))
    if not rows:
        note = nothing_ranked(accounts, since)
    if note:
        click.echo(note, err=True)
