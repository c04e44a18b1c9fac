"""Sample click events for sandboxes, consistent with their link reports and data clock.

A sandbox knows each link's counts at tick 0 and how they grow per tick (see
:class:`linkreport.sandbox.Clock`). :func:`sample_clicks` turns them into the single clicks
behind those counts: exactly ``total`` clicks by exactly ``unique`` distinct contacts, oldest
first, and every tick only *adds* clicks, later than all earlier ones, so an incremental
sync sees the past unchanged. Contacts are numbers (0, 1, ...) shared by the links of one
send: contact 3 of one link is the same person as contact 3 of another.
"""

from __future__ import annotations

from datetime import datetime, timedelta

#: How long the clicks of tick 0 are spread over, from the send (they cross day boundaries).
SPAN = timedelta(days=3)
#: The time between two ticks' clicks, after the span.
TICK_SPACING = timedelta(hours=5)


def sample_clicks(
    unique: int,
    total: int,
    start: datetime,
    *,
    tick: int = 0,
    unique_per_tick: int = 0,
    total_per_tick: int = 0,
) -> list[tuple[int, datetime]]:
    """``(contact number, clicked at)`` of every click of one link at ``tick``, oldest first.

    At tick 0 there are ``total`` clicks by ``unique`` contacts (each clicks once, then the
    rest are repeat clicks in turn), spread over :data:`SPAN` from ``start`` in whole seconds.
    Each tick adds ``total_per_tick`` clicks, the first ``unique_per_tick`` of them by new
    contacts, ``TICK_SPACING`` apart after the span.
    """
    if not 0 <= unique <= total or (total and not unique):
        raise ValueError(f"cannot make {total} clicks by {unique} contacts")
    if not 0 <= unique_per_tick <= total_per_tick or (
        total_per_tick and not (unique_per_tick or unique)
    ):
        raise ValueError("each tick needs contacts for its clicks")
    seconds = int(SPAN.total_seconds())
    clicks = [
        (
            j if j < unique else (j - unique) % unique,
            start + timedelta(seconds=seconds * j // total),
        )
        for j in range(total)
    ]
    contacts = unique
    for i in range(tick):
        at = start + SPAN + TICK_SPACING * i
        for e in range(total_per_tick):
            if e < unique_per_tick:
                who = contacts + e
            else:
                who = contacts + unique_per_tick - 1 if unique_per_tick else e % contacts
            clicks.append((who, at + timedelta(minutes=e)))
        contacts += unique_per_tick
    return clicks
