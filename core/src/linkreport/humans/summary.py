"""People's clicks counted from events and their verdicts: per link, and per period."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from linkreport.humans.classify import Verdict
from linkreport.records import ClickEvent

#: A link within one campaign: ``(campaign_id, activity_id, url)``.
LinkKey = tuple[str, str | None, str]


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
    if len(events) != len(verdicts):
        raise ValueError(f"{len(events)} events but {len(verdicts)} verdicts")
    contacts: dict[LinkKey, set[str]] = {}
    totals: dict[LinkKey, int] = {}
    for event, verdict in zip(events, verdicts, strict=True):
        key = (event.campaign_id, event.activity_id, event.url)
        people = contacts.setdefault(key, set())
        if verdict.machine:
            totals.setdefault(key, 0)
            continue
        people.add(event.contact)
        totals[key] = totals.get(key, 0) + 1
    return {key: HumanCounts(len(contacts[key]), totals[key]) for key in totals}


def machine_share(verdicts: Sequence[Verdict]) -> float:
    """The fraction of clicks marked ``machine`` (0.0 for none)."""
    return sum(v.machine for v in verdicts) / len(verdicts) if verdicts else 0.0
