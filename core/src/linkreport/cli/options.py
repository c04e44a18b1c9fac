"""Click options shared by core's commands, defined once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import click

from linkreport.cli.types import SinceType

F = TypeVar("F", bound=Callable[..., Any])

#: The output formats (spelled out here, not imported, so start-up never loads cattrs).
FORMATS = ("table", "csv", "json", "ndjson")


def examples(*lines: str) -> str:
    """A help epilog listing example command lines, kept as they are (not re-wrapped)."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


#: The one default ``--since`` of every command that picks campaigns by when they were sent
#: (sync, campaigns, top, report): so that ``top`` and the report rank what ``sync`` stored.
DEFAULT_SINCE = "30d"


def none_since(since: datetime, what: str = "no campaign was sent") -> str:
    """The note for an empty result: why, and what to try."""
    return f"note: {what} since {since:%Y-%m-%d %H:%M} UTC (try an earlier --since, e.g. 90d)"


def sent_since_option(default: str = DEFAULT_SINCE) -> Callable[[F], F]:
    """``--since DATE`` of the commands that pick campaigns by when they were sent."""
    return click.option(
        "--since",
        type=SinceType(),
        default=default,
        show_default=True,
        help="Campaigns sent since DATE.",
    )


def _complete_accounts(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from linkreport.cli.state import complete_accounts  # only when completing

    return complete_accounts(ctx, param, incomplete)


#: ``--account`` (repeatable) of the commands that read the store.
accounts_option = click.option(
    "--account",
    "accounts",
    multiple=True,
    metavar="ACCOUNT",
    help="Only this account (repeat).",
    shell_complete=_complete_accounts,
)
#: ``--db`` of the commands that use the store.
db_option = click.option(
    "--db",
    type=click.Path(dir_okay=False),
    help="The store [default: $LINKREPORT_DB, else $LINKREPORT_HOME/linkreport.db].",
)
format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="Output format [default: table on a terminal, else ndjson; or from --output's extension].",
)
output_option = click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Write records to FILE instead of standard output.",
)
progress_option = click.option(
    "--progress/--no-progress",
    default=None,
    help="Show progress on standard error [default: when it is a terminal].",
)


def jobs_option(what: str) -> Callable[[F], F]:
    """``--jobs``/``-j``: how many of ``what`` (e.g. ``"Reports"``) are fetched at once."""
    return click.option(
        "--jobs",
        "-j",
        type=click.IntRange(1, 32),
        default=4,
        show_default=True,
        help=f"{what} fetched at once (always within the provider's rate limit).",
    )


def fetch_options(what: str) -> Callable[[F], F]:
    """The options of a command that fetches IDs live: format, output, jobs and progress."""

    def decorate(command: F) -> F:
        for option in (progress_option, jobs_option(what), output_option, format_option):
            command = option(command)
        return command

    return decorate
