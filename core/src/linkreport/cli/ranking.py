"""``linkreport top``'s work, without click.

The click command (:mod:`linkreport.cli.top`) and its quick path (:mod:`linkreport.cli.quicktop`)
both run it.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing's, without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime
    from typing import Any

    from linkreport.db import Store


def ranked(
    open_store: Callable[[], Store],
    *,
    since: datetime,
    accounts: Sequence[str],
    by: str,
    sort: str,
    raw_urls: bool,
    humans: bool,
    limit: int,
) -> list[Any]:
    """The rows ``top`` writes, from the store ``open_store()`` opens (read only).

    An account not in the store raises :class:`linkreport.db.UnknownAccountError`.
    """
    from linkreport import db as store_db
    from linkreport.canonical import canonicalizer

    canonical = canonicalizer()
    deciding = None
    if humans:
        from linkreport.db.verdicts import decider

        deciding = decider()
    with open_store() as store:
        # the store is only read: new [canonical] settings apply here, and in it at the next sync
        stale = store.canonical_rules() != canonical.rules
        return store_db.top(
            store,
            since=since,
            accounts=accounts,
            by=by,
            raw_urls=raw_urls,
            limit=limit or None,
            canonical=canonical if stale else None,
            humans=deciding,
            sort=sort,
        )


def row_kind(by: str, humans: bool) -> type:
    """The kind of row ``top --by BY [--humans]`` writes (for :func:`linkreport.formats.write`)."""
    from linkreport import db as store_db

    return (store_db.TOP_HUMAN_ROWS if humans else store_db.TOP_ROWS)[by]


def nothing_ranked(accounts: Sequence[str], since: datetime) -> str:
    """The note ``top`` prints when no stored campaign was sent since ``since``."""
    return (
        f"note: no stored campaign{' of ' + ', '.join(accounts) if accounts else ''}"
        f" was sent since {since:%Y-%m-%d %H:%M} UTC (try an earlier --since, or"
        " run linkreport sync)"
    )
