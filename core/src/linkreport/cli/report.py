"""``linkreport report``: one self-contained HTML page from the store."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from linkreport.cli.options import (
    accounts_option,
    db_option,
    examples,
    none_since,
    sent_since_option,
)

DEFAULT_OUTPUT = "linkreport-report.html"


@click.command(
    epilog=examples(
        "linkreport report",
        "linkreport report --since 2026-01-01 --account acme -o acme.html",
    )
)
@sent_since_option()
@accounts_option
@db_option
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True),
    default=DEFAULT_OUTPUT,
    show_default=True,
    help="The HTML file to write ('-': standard output).",
)
def report(since: datetime, accounts: tuple[str, ...], db: str | None, output: str) -> None:
    """Write an HTML report from the store: totals, top links, each campaign's clicks.

    One self-contained page (no script, nothing loaded from the network) for campaigns
    sent since --since: it opens offline, on a phone and on paper. Run linkreport sync first.
    """
    from linkreport.cli.sync import open_store
    from linkreport.db import UnknownAccountError
    from linkreport.db.report import report_data
    from linkreport.db.verdicts import decider
    from linkreport.report import save_report, write_report

    humans = decider()  # people's clicks beside the ESP's, under the current [humans]
    with open_store(db, create=False) as store:
        try:
            data = report_data(store, since=since, accounts=accounts, humans=humans)
        except UnknownAccountError as exc:
            raise click.BadParameter(str(exc), param_hint="--account") from None
    if not data.totals.campaigns:
        click.echo(none_since(since, "no stored campaign was sent"), err=True)
    if output == "-":
        write_report(data, sys.stdout)
        sys.stdout.flush()
        return
    try:
        size = save_report(data, output)
    except OSError as exc:
        raise click.FileError(output, hint=exc.strerror or str(exc)) from None
    totals = data.totals
    click.echo(
        f"wrote {output}: {totals.campaigns:,} campaigns, {totals.links:,} links,"
        f" {len(data.accounts)} accounts ({size / 1024:,.0f} KB)",
        err=True,
    )
