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
) -> tuple[list[Any], str | None]:
    """The rows ``top`` writes, from the store ``open_store()`` opens (read only).

    With them, the note to print after them (or ``None``): with ``humans``, when a clicked
    campaign ranked has no click events stored (:func:`unestimated`). An account not in the
    store raises :class:`linkreport.db.UnknownAccountError`.
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
        rows = store_db.top(
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
        if not humans or not rows:
            return rows, None
        from linkreport.db.queries import without_click_events

        return rows, unestimated(*without_click_events(store, since=since, accounts=accounts))


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


def unestimated(without: int, clicked: int) -> str | None:
    """The note of ``top --humans`` on clicked campaigns without click events (``None``: none).

    ``without`` of the ``clicked`` campaigns ranked (those with clicks) have no click events
    stored, so their people's clicks are unknown.
    """
    if not without:
        return None
    hint = "(sync without --no-clicks, from a provider that reports click events)"
    if without == clicked:
        return (
            f"note: no click events are stored for the {clicked} clicked"
            f" campaign{'s' if clicked != 1 else ''} ranked, so people's clicks could not be"
            f" estimated: human_unique_clicks and human_total_clicks are empty {hint}"
        )
    return (
        f"note: no click events are stored for {without} of the {clicked} clicked campaigns"
        " ranked: people's clicks in them are left out of human_unique_clicks and"
        f" human_total_clicks {hint}"
    )
