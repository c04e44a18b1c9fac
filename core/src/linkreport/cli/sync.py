"""``linkreport sync``: fetch accounts' campaigns and link reports into the local store."""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING

import click

from linkreport.cli.options import (
    db_option,
    examples,
    none_since,
    progress_option,
    sent_since_option,
)
from linkreport.cli.reports import _reporter
from linkreport.cli.state import complete_accounts, sources, steady_memory

if TYPE_CHECKING:
    from linkreport.db import Store

EXIT_FAILED = 1


def open_store(db: str | None, *, create: bool = True) -> Store:
    """Open the store named by ``--db``, ``LINKREPORT_DB`` or ``LINKREPORT_HOME``.

    With ``create=False`` (commands that only read it) the store is opened read-only: a
    missing one is a clear error, and it is never created, migrated or changed.
    """
    from linkreport.db import Store, default_db_path

    path = default_db_path(db=db)
    if not create and not path.exists():
        raise click.ClickException(
            f"no store at {path}: run `linkreport sync` first (or give --db)"
        )
    return Store(path, write=create)


@click.command(
    epilog=examples(
        "linkreport sync",
        "linkreport sync sitecore-send --since 7d --no-clicks",
        "crontab: 0 6 * * * linkreport sync 2>> ~/linkreport-sync.log",
    )
)
@click.argument("accounts", nargs=-1, metavar="[ACCOUNT]...", shell_complete=complete_accounts)
@sent_since_option()
@click.option(
    "--clicks/--no-clicks",
    default=True,
    show_default=True,
    help="Also store click events where the provider reports them.",
)
@db_option
@progress_option
def sync(
    accounts: tuple[str, ...], since: datetime, clicks: bool, db: str | None, progress: bool | None
) -> None:
    """Fetch campaigns sent since a date and their link reports into the store.

    Syncs each ACCOUNT (default: every configured account) concurrently, each within its
    own rate limit. Link counts are kept as snapshots: a row only when they change.
    """
    from linkreport.plugins import shown_sources
    from linkreport.sync import SyncResult, configured_accounts
    from linkreport.sync import sync as run_sync

    steady_memory()

    if accounts:
        ready, unconfigured = configured_accounts(sources=sources())
        unknown = [name for name in accounts if name not in {*ready, *unconfigured}]
        if unknown:
            known = ", ".join(sorted({*ready, *unconfigured})) or "none"
            raise click.UsageError(f"unknown account {unknown[0]!r} (accounts: {known})")
    reporter = _reporter(progress)
    started = time.monotonic()
    result = SyncResult()
    try:
        with open_store(db) as store:
            run_sync(
                store,
                accounts,
                since=since,
                reporter=reporter,
                clicks=clicks,
                # every account: those of providers for tests only when named
                sources=sources() if accounts else shown_sources(sources()),
                result=result,
            )
    except KeyboardInterrupt:  # Ctrl-C, SIGTERM: say what was kept (each campaign is whole)
        seconds = time.monotonic() - started
        reporter.note(f"{result.summary()} in {seconds:.0f}s before the interrupt")
        raise
    reporter.note(f"{result.summary()} in {time.monotonic() - started:.0f}s")
    if not result.campaigns and not result.failures:
        reporter.note(none_since(since))
    if result.failures:
        raise SystemExit(EXIT_FAILED)
