"""Deciding which click events of one campaign were a machine's: :func:`classify`.

Each rule is a pass over the events sorted by time (per contact, per contact and link, or
per network) with a sliding window, so a campaign costs O(n log n) for the sort and O(n)
after it; there is no comparison of pairs. The result depends only on the events (ties in
time are broken by their order in the input), never on the order of a dict or a clock.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from fnmatch import fnmatchcase
from typing import NamedTuple

from linkreport.humans.rules import RULES, HumanRules
from linkreport.records import ClickEvent


class Verdict(NamedTuple):
    """Whether a click event was a machine's, and the rule that decided (``None``: a person)."""

    machine: bool
    reason: str | None


HUMAN = Verdict(False, None)
_RANK = {name: rank for rank, name in enumerate(RULES)}
_VERDICTS = {name: Verdict(True, name) for name in RULES}


def classify(
    events: Sequence[ClickEvent], *, sent_at: datetime | None, rules: HumanRules
) -> list[Verdict]:
    """One :class:`Verdict` per event of ONE campaign (one activity), in the events' order.

    ``sent_at`` is the campaign's send time (``None``: unknown, so ``instant`` is skipped);
    ``network`` is skipped for events without one. Where several rules mark an event, the
    reason is the first of :data:`~linkreport.humans.rules.RULES`.
    """
    n = len(events)
    if not n:
        return []
    times = [e.clicked_at.timestamp() for e in events]
    order = sorted(range(n), key=times.__getitem__)  # stable: ties keep the input order
    marks: list[int] = [len(RULES)] * n  # the best-ranked rule that marked each event

    def mark(i: int, rule: int) -> None:
        if rule < marks[i]:
            marks[i] = rule

    by_contact: dict[str, list[int]] = {}
    for i in order:
        by_contact.setdefault(events[i].contact, []).append(i)
    on = rules.switched_on()
    if "decoy" in on:
        _decoy(events, times, by_contact, rules, mark)
    if "burst" in on:
        _burst(events, times, by_contact, rules, mark)
    if "network" in on:
        _network(events, times, order, rules, mark)
    if "instant" in on and sent_at is not None:
        _instant(events, times, order, sent_at.timestamp(), rules, mark)
    if "echo" in on:
        _echo(events, times, by_contact, rules, mark)
    return [_VERDICTS[RULES[m]] if m < len(RULES) else HUMAN for m in marks]


def classify_campaigns(
    events: Sequence[ClickEvent],
    *,
    sent_at: Mapping[tuple[str, str | None], datetime | None] | None = None,
    rules: HumanRules,
) -> list[Verdict]:
    """:func:`classify` for the events of several campaigns, each (campaign, activity) apart.

    ``sent_at`` maps ``(campaign_id, activity_id)`` to its send time (missing: unknown).
    Verdicts come back in the events' order.
    """
    groups: dict[tuple[str, str | None], list[int]] = {}
    for i, event in enumerate(events):
        groups.setdefault((event.campaign_id, event.activity_id), []).append(i)
    verdicts: list[Verdict] = [HUMAN] * len(events)
    for key, indices in groups.items():
        when = None if sent_at is None else sent_at.get(key)
        group = [events[i] for i in indices]
        for i, verdict in zip(indices, classify(group, sent_at=when, rules=rules), strict=True):
            verdicts[i] = verdict
    return verdicts


Mark = Callable[[int, int], None]


def _window_marks(
    indices: list[int],
    times: list[float],
    key: Callable[[int], str],
    seconds: float,
    needed: int,
    rule: int,
    mark: Mark,
) -> None:
    """Mark every event of a window of ``seconds`` holding ``needed`` distinct ``key``s."""
    counts: dict[str, int] = {}
    start = 0
    marked = 0  # events before this index are marked already
    for j, i in enumerate(indices):
        k = key(i)
        counts[k] = counts.get(k, 0) + 1
        while times[i] - times[indices[start]] > seconds:
            old = key(indices[start])
            counts[old] -= 1
            if not counts[old]:
                del counts[old]
            start += 1
        if len(counts) >= needed:
            for m in range(max(start, marked), j + 1):
                mark(indices[m], rule)
            marked = j + 1


def _burst(
    events: Sequence[ClickEvent],
    times: list[float],
    by_contact: dict[str, list[int]],
    rules: HumanRules,
    mark: Mark,
) -> None:
    rank = _RANK["burst"]
    url = _url(events)
    for indices in by_contact.values():
        if len(indices) >= rules.burst_links:
            _window_marks(indices, times, url, rules.burst_seconds, rules.burst_links, rank, mark)


def _network(
    events: Sequence[ClickEvent],
    times: list[float],
    order: list[int],
    rules: HumanRules,
    mark: Mark,
) -> None:
    by_network: dict[str, list[int]] = {}
    for i in order:
        network = events[i].network
        if network is not None:
            by_network.setdefault(network, []).append(i)
    rank, needed = _RANK["network"], rules.network_contacts

    def contact(i: int) -> str:
        return events[i].contact

    for indices in by_network.values():
        if len(indices) >= needed:
            _window_marks(indices, times, contact, rules.network_seconds, needed, rank, mark)


def _instant(
    events: Sequence[ClickEvent],
    times: list[float],
    order: list[int],
    sent: float,
    rules: HumanRules,
    mark: Mark,
) -> None:
    early: list[int] = []
    for i in order:  # sorted by time: stop at the first click after the window
        if times[i] - sent > rules.instant_seconds:
            break
        early.append(i)
    per_contact: dict[str, int] = {}
    for i in early:
        per_contact[events[i].contact] = per_contact.get(events[i].contact, 0) + 1
    crowd = len(per_contact) >= rules.instant_contacts
    rank = _RANK["instant"]
    for i in early:
        if crowd or per_contact[events[i].contact] > 1:
            mark(i, rank)


def _echo(
    events: Sequence[ClickEvent],
    times: list[float],
    by_contact: dict[str, list[int]],
    rules: HumanRules,
    mark: Mark,
) -> None:
    rank, seconds = _RANK["echo"], rules.echo_seconds
    for indices in by_contact.values():
        last: dict[str, int] = {}  # url -> the contact's latest click of it
        for i in indices:
            event = events[i]
            before = last.get(event.url)
            last[event.url] = i
            if before is None or times[i] - times[before] > seconds:
                continue
            here, there = event.network, events[before].network
            if here is not None and here == there:
                continue  # the same network again: the person clicked twice
            mark(i, rank)


def _decoy(
    events: Sequence[ClickEvent],
    times: list[float],
    by_contact: dict[str, list[int]],
    rules: HumanRules,
    mark: Mark,
) -> None:
    patterns = rules.decoys
    rank, seconds = _RANK["decoy"], rules.decoy_seconds
    decoy_urls: dict[str, bool] = {}

    def is_decoy(url: str) -> bool:
        found = decoy_urls.get(url)
        if found is None:
            found = decoy_urls[url] = any(fnmatchcase(url, p) for p in patterns)
        return found

    for indices in by_contact.values():
        hits = [times[i] for i in indices if is_decoy(events[i].url)]
        if not hits:
            continue
        for i in indices:
            k = bisect_left(hits, times[i])
            near = [hits[m] for m in (k - 1, k) if 0 <= m < len(hits)]
            if any(abs(times[i] - h) <= seconds for h in near):
                mark(i, rank)


def _url(events: Sequence[ClickEvent]) -> Callable[[int], str]:
    def url(i: int) -> str:
        return events[i].url

    return url
