"""``linkreport store``: the local store, for other tools (``path``, ``datasette-metadata``)."""

from __future__ import annotations

import click

from linkreport.cli.options import db_option, examples


@click.group(epilog=examples("linkreport store path", 'datasette "$(linkreport store path)"'))
def store() -> None:
    """The local store (SQLite) that sync fills and top, history and report read."""


@store.command(
    short_help="Print the store's file and nothing else.",
    epilog=examples(
        """sqlite3 "$(linkreport store path)" 'select count(*) from campaigns'""",
        'datasette "$(linkreport store path)"',
    ),
)
@db_option
def path(db: str | None) -> None:
    """Print the store's file (--db, else LINKREPORT_DB, else LINKREPORT_HOME) and nothing else.

    It is printed even before the first sync (a note on standard error says so).
    """
    from linkreport.db import default_db_path

    where = default_db_path(db=db).absolute()
    click.echo(str(where))
    if not where.exists():
        click.echo("note: no store there yet: `linkreport sync` creates it", err=True)


@store.command(
    name="datasette-metadata",
    short_help="Print Datasette metadata with canned queries for the store.",
    epilog=examples(
        "linkreport store datasette-metadata > linkreport-metadata.json",
        'datasette "$(linkreport store path)" -m linkreport-metadata.json',
    ),
)
@db_option
def datasette_metadata(db: str | None) -> None:
    """Print Datasette's metadata.json for the store, with canned queries.

    "Top links", "History of a campaign" and "Campaigns", under the database name Datasette
    gives the store's file (--db, else LINKREPORT_DB, else LINKREPORT_HOME's linkreport.db).
    """
    import json

    from linkreport.db import default_db_path
    from linkreport.db.datasette import metadata

    name = default_db_path(db=db).stem  # the name Datasette gives a file
    click.echo(json.dumps(metadata(name), indent=2))
