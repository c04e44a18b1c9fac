"""People's clicks counted from events and their verdicts: per link, and per period."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

import attrs

from linkreport.humans.classify import Verdict
from linkreport.records import ClickEvent

#: A link within one campaign: ``(campaign_id, activity_id, url)``.
LinkKey = tuple[str, str | None, str]
K = TypeVar("K", bound=Hashable)


@attrs.frozen
class HumanCounts:
    """People's clicks of one link: distinct contacts (``unique``) and clicks (``total``)."""

    unique: int = 0
    total: int = 0


def summarise(
    events: Sequence[ClickEvent], verdicts: Sequence[Verdict]
) -> dict[LinkKey, HumanCounts]:
    """Per link (``(campaign_id, activity_id, url)``), the clicks not marked ``machine``.

    A link whose clicks were all machines' has ``HumanCounts(0, 0)``; a link without events
    has no entry.
    """
    return summarise_by(events, verdicts, _link_key)


def summarise_by(
    events: Sequence[ClickEvent], verdicts: Sequence[Verdict], key: Callable[[ClickEvent], K]
) -> dict[K, HumanCounts]:
    """:func:`summarise` with links told apart by ``key`` (e.g. a provider's link ID)."""
    if len(events) != len(verdicts):
        raise ValueError(f"{len(events)} events but {len(verdicts)} verdicts")
    contacts: dict[K, set[str]] = {}
    totals: dict[K, int] = {}
    for event, verdict in zip(events, verdicts, strict=True):
        link = key(event)
        people = contacts.setdefault(link, set())
        if verdict.machine:
            totals.setdefault(link, 0)
            continue
        people.add(event.contact)
        totals[link] = totals.get(link, 0) + 1
    return {link: HumanCounts(len(contacts[link]), totals[link]) for link in totals}


def _link_key(event: ClickEvent) -> LinkKey:
    return (event.campaign_id, event.activity_id, event.url)


def machine_share(verdicts: Sequence[Verdict]) -> float:
    """The fraction of clicks marked ``machine`` (0.0 for none)."""
    return sum(v.machine for v in verdicts) / len(verdicts) if verdicts else 0.0
