"""``linkreport history``: how one stored campaign's link counts changed, oldest first."""

from __future__ import annotations

import click

from linkreport.cli.options import (
    DEFAULT_SINCE,
    db_option,
    examples,
    format_option,
    output_option,
)
from linkreport.cli.reports import _open_output, _pick_format
from linkreport.cli.state import complete_accounts
from linkreport.cli.sync import open_store
from linkreport.terminal import clipped


@click.command(
    epilog=examples(
        "linkreport history sitecore-send 3f5c0b2a-...",
        "linkreport history acme 9d1e7c44-... --format csv -o history.csv",
    )
)
@click.argument("account", metavar="ACCOUNT", shell_complete=complete_accounts)
@click.argument("campaign_id")
@db_option
@format_option
@output_option
def history(
    account: str, campaign_id: str, db: str | None, fmt: str | None, output: str | None
) -> None:
    """One row per link per change of its counts in the store, oldest first.

    Rows are the fields of `links` plus `account`, `url_canonical` and `occurrence` (0, or
    which listing of a URL the report lists more than once it is); `fetched_at` is when those
    counts were first seen. Run `linkreport sync` first.
    """
    from linkreport import db as store_db
    from linkreport import formats

    with open_store(db, create=False) as store:
        try:
            store_db.stored_accounts(store, [account])
        except store_db.UnknownAccountError as exc:
            raise click.BadParameter(str(exc), param_hint="ACCOUNT") from None
        if not store_db.has_campaign(store, account, campaign_id):
            raise click.UsageError(
                f"no campaign {clipped(campaign_id)!r} of account {clipped(account)!r}"
                f" in {store.path} (sync stores the campaigns sent since its --since,"
                f" {DEFAULT_SINCE} by default: try `linkreport sync {clipped(account)}"
                " --since 90d`, or a date before it was sent)"
            )
        rows = store_db.history(store, account, campaign_id)
    _register_table(occurrence=any(row.occurrence for row in rows))
    with _open_output(output) as stream:
        formats.write(rows, _pick_format(fmt, output), stream, store_db.StoredLink)


def _register_table(*, occurrence: bool) -> None:
    """The table's columns; ``occurrence`` where the campaign lists a URL more than once."""
    from linkreport import formats
    from linkreport.dates import format_shared_timestamp
    from linkreport.db import StoredLink
    from linkreport.formats import header

    def number(value: int | None) -> str:
        return "-" if value is None else f"{value:,}"

    formats.register_columns(
        StoredLink,
        [
            (
                "SEEN (UTC)",
                lambda r: format_shared_timestamp(r.fetched_at)[:19].replace("T", " "),
                False,
            ),
            (header("activity_id"), lambda r: r.activity_role or r.activity_id or "", False),
            (header("url"), lambda r: r.url, False),
            *([(header("occurrence"), lambda r: str(r.occurrence), True)] if occurrence else []),
            (header("unique_clicks"), lambda r: number(r.unique_clicks), True),
            (header("total_clicks"), lambda r: number(r.total_clicks), True),
        ],
    )
