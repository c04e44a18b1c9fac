"""Deciding which click events of one campaign were a machine's: :func:`classify`.

Each rule is a pass over the events sorted by time (per contact, per contact and link, or
per network) with a sliding window, so a campaign costs O(n log n) for the sort and O(n)
after it; there is no comparison of pairs. The result depends only on the events (ties in
time are broken by their order in the input), never on the order of a dict or a clock.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from datetime import datetime
from fnmatch import fnmatchcase
from operator import sub
from typing import NamedTuple

from linkreport.humans.rules import RULES, HumanRules
from linkreport.records import ClickEvent


class Verdict(NamedTuple):
    """Whether a click event was a machine's, and the rule that decided (``None``: a person)."""

    machine: bool
    reason: str | None


HUMAN = Verdict(False, None)
_VERDICTS = {name: Verdict(True, name) for name in RULES}
#: ``instant``: how many windows after the first the spike is compared with, and how much
#: faster than in them contacts must click in the first (see :func:`_instant`).
AFTER, SPIKE = 12, 2


def classify(
    events: Sequence[ClickEvent], *, sent_at: datetime | None, rules: HumanRules
) -> list[Verdict]:
    """One :class:`Verdict` per event of ONE campaign (one activity), in the events' order.

    ``sent_at`` is the campaign's send time (``None``: unknown; ``instant`` then starts its
    clock at the campaign's first click if ``rules.instant_first_click``, else is skipped);
    ``network`` is skipped for events without one. Where several rules mark an event, the
    reason is the first of :data:`~linkreport.humans.rules.RULES`.
    """
    if not events:
        return []
    return classify_columns(
        [e.clicked_at.timestamp() for e in events],
        [e.contact for e in events],
        [e.url for e in events],
        [e.network for e in events],
        sent_at=None if sent_at is None else sent_at.timestamp(),
        rules=rules,
    )


def classify_columns(
    times: Sequence[float],
    contacts: Sequence[Hashable],
    urls: Sequence[str],
    networks: Sequence[Hashable | None],
    *,
    sent_at: float | None,
    rules: HumanRules,
) -> list[Verdict]:
    """:func:`classify` of events given as columns: the verdicts are the same.

    ``times`` are the events' POSIX timestamps (``clicked_at.timestamp()``), ``sent_at`` the
    send time's; ``contacts`` and ``networks`` may be any keys equal exactly where the
    events' contacts (networks) are (the store passes its network IDs); ``urls`` are the
    URLs. For callers that hold events as rows (the store), not as records.
    """
    if not times:
        return []
    c = _Columns(times, contacts, urls, networks)
    on = rules.switched_on()
    for name in on:  # in RULES order: the first rule to mark an event names it
        verdict = _VERDICTS[name]
        if name == "decoy":
            _decoy(c, rules, verdict)
        elif name == "burst":
            _burst(c, rules, verdict)
        elif name == "network":
            _network(c, rules, verdict)
        elif name == "instant" and (sent_at is not None or rules.instant_first_click):
            start = c.times[c.order[0]] if sent_at is None else sent_at
            _instant(c, start, rules, verdict)
        elif name == "echo":
            _echo(c, rules, verdict)
    return c.verdicts


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
    if len(groups) == 1:
        when = None if sent_at is None else sent_at.get(next(iter(groups)))
        return classify(events, sent_at=when, rules=rules)
    verdicts: list[Verdict] = [HUMAN] * len(events)
    for key, indices in groups.items():
        when = None if sent_at is None else sent_at.get(key)
        group = [events[i] for i in indices]
        for i, verdict in zip(indices, classify(group, sent_at=when, rules=rules), strict=True):
            verdicts[i] = verdict
    return verdicts


class _Columns:
    """The events as columns (times, contacts, URLs, networks), in time order, and verdicts.

    Each rule's pass reads the columns and marks the verdicts.
    """

    def __init__(
        self,
        times: Sequence[float],
        contacts: Sequence[Hashable],
        urls: Sequence[str],
        networks: Sequence[Hashable | None],
    ) -> None:
        self.times, self.contacts, self.urls, self.networks = times, contacts, urls, networks
        n = len(times)
        if not all(len(column) == n for column in (contacts, urls, networks)):
            raise ValueError("the columns must be of one length")
        #: indices by time; ties keep the input order (sorted is stable)
        self.order = sorted(range(n), key=times.__getitem__)
        self.verdicts: list[Verdict] = [HUMAN] * n
        self._by_contact: list[tuple[list[int], float]] | None = None

    def by_contact(self) -> list[tuple[list[int], float]]:
        """Each contact's events (indices, by time) with their :func:`_gap`, if two or more."""
        if self._by_contact is None:
            groups: defaultdict[Hashable, list[int]] = defaultdict(list)
            contacts, times = self.contacts, self.times
            for i in self.order:
                groups[contacts[i]].append(i)
            self._by_contact = [(g, _gap(times, g)) for g in groups.values() if len(g) > 1]
        return self._by_contact

    def mark(self, indices: Sequence[int], verdict: Verdict) -> None:
        """Mark ``indices`` with ``verdict`` unless an earlier rule marked them."""
        verdicts = self.verdicts
        for i in indices:
            if verdicts[i] is HUMAN:
                verdicts[i] = verdict


def _windows(
    c: _Columns, indices: list[int], keys: Sequence[Hashable], seconds: float, needed: int
) -> list[int]:
    """The events of every window of ``seconds`` holding ``needed`` distinct ``keys``."""
    times = c.times
    if len({keys[i] for i in indices}) < needed:
        return []  # not even all of them together
    if times[indices[-1]] - times[indices[0]] <= seconds:
        return indices  # one window holds them all (a gateway's scan): every one is found
    counts: dict[Hashable, int] = {}
    found: list[int] = []
    start = 0
    marked = 0  # events before this position are found already
    for j, i in enumerate(indices):
        k = keys[i]
        counts[k] = counts.get(k, 0) + 1
        t = times[i]
        while t - times[indices[start]] > seconds:
            old = keys[indices[start]]
            left = counts[old] - 1
            if left:
                counts[old] = left
            else:
                del counts[old]
            start += 1
        if len(counts) >= needed:
            if marked == j:  # (the window before was found already: just this one)
                found.append(i)
            else:
                found.extend(indices[max(start, marked) : j + 1])
            marked = j + 1
    return found


def _gap(times: Sequence[float], indices: list[int]) -> float:
    """The shortest time between two consecutive events of ``indices`` (two or more, by time).

    Two events are ``seconds`` apart or less somewhere exactly when this is ``<= seconds``.
    """
    at = list(map(times.__getitem__, indices))
    gap: float = min(map(sub, at[1:], at))
    return gap


def _burst(c: _Columns, rules: HumanRules, verdict: Verdict) -> None:
    needed, seconds = rules.burst_links, rules.burst_seconds
    for indices, gap in c.by_contact():
        if gap <= seconds and len(indices) >= needed:
            c.mark(_windows(c, indices, c.urls, seconds, needed), verdict)


def _network(c: _Columns, rules: HumanRules, verdict: Verdict) -> None:
    networks, needed, seconds = c.networks, rules.network_contacts, rules.network_seconds
    by_network: defaultdict[Hashable, list[int]] = defaultdict(list)
    for i in c.order:
        network = networks[i]
        if network is not None:
            by_network[network].append(i)
    verdicts = c.verdicts
    for indices in by_network.values():
        if len(indices) < needed or _gap(c.times, indices) > seconds:
            continue
        if HUMAN in list(map(verdicts.__getitem__, indices)):  # (else all marked already)
            c.mark(_windows(c, indices, c.contacts, seconds, needed), verdict)


def _instant(c: _Columns, sent: float, rules: HumanRules, verdict: Verdict) -> None:
    """Clicks in the window after the send, marked when they make a spike or repeat.

    A spike: ``instant_contacts`` or more contacts in the window, clicking at least
    :data:`SPIKE` times as fast as contacts did in the :data:`AFTER` windows that follow
    (people's clicks grow over the first hours; scanners' are all at delivery).
    """
    window, times, contacts, order = rules.instant_seconds, c.times, c.contacts, c.order

    def since(i: int) -> float:
        return times[i] - sent

    # sorted by time: the window is a prefix of the order, the windows after it what follows
    split = bisect_right(order, window, key=since)
    early = order[:split]
    after = bisect_right(order, window * (1 + AFTER), key=since)
    later = {contacts[i] for i in order[split:after]}
    per_contact = Counter([contacts[i] for i in early])
    crowd = len(per_contact) >= rules.instant_contacts
    if crowd and len(per_contact) * AFTER < SPIKE * len(later):
        crowd = False  # as many clicking after: people reading, not a spike at delivery
    c.mark(early if crowd else [i for i in early if per_contact[contacts[i]] > 1], verdict)


def _echo(c: _Columns, rules: HumanRules, verdict: Verdict) -> None:
    seconds, times, urls, networks = rules.echo_seconds, c.times, c.urls, c.networks
    echoes: list[int] = []
    for indices, gap in c.by_contact():
        if gap > seconds or len({urls[i] for i in indices}) == len(indices):
            continue  # no two clicks close, or no link twice (a gateway's scan)
        last: dict[str, int] = {}  # url -> the contact's latest click of it
        for i in indices:
            before = last.get(urls[i])
            last[urls[i]] = i
            if before is None or times[i] - times[before] > seconds:
                continue
            here = networks[i]
            if here is not None and here == networks[before]:
                continue  # the same network again: the person clicked twice
            echoes.append(i)
    c.mark(echoes, verdict)


def _decoy(c: _Columns, rules: HumanRules, verdict: Verdict) -> None:
    patterns, seconds, times, urls = rules.decoys, rules.decoy_seconds, c.times, c.urls
    decoys = {u for u in set(urls) if any(fnmatchcase(u, p) for p in patterns)}
    if not decoys:
        return
    by_contact: defaultdict[Hashable, list[int]] = defaultdict(list)
    for i in c.order:
        by_contact[c.contacts[i]].append(i)
    found: list[int] = []
    for indices in by_contact.values():
        hits = [times[i] for i in indices if urls[i] in decoys]
        if not hits:
            continue
        for i in indices:
            k = bisect_left(hits, times[i])
            if any(abs(times[i] - hits[m]) <= seconds for m in (k - 1, k) if 0 <= m < len(hits)):
                found.append(i)
    c.mark(found, verdict)
