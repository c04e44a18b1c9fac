"""Sample click events for sandboxes, consistent with their link reports and data clock.

A sandbox knows each link's counts at tick 0 and how they grow per tick (see
:class:`~linkreport.kit.sandbox.server.Clock`). :func:`sample_clicks` turns them into the single
clicks behind those counts: exactly ``total`` clicks by exactly ``unique`` distinct contacts, oldest
first, and every tick only *adds* clicks, later than all earlier ones, so an incremental
sync sees the past unchanged. Contacts are numbers (0, 1, ...) shared by the links of one
send: contact 3 of one link is the same person as contact 3 of another.

:func:`scanner_clicks` adds link scanners' clicks beside people's (a sandbox's ``scanners``
option), and :func:`scanner_counts` what they add to the links' counts, since every ESP
counts a scanner's click as a click.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

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


class ScannerClick(NamedTuple):
    """A link scanner's click in a sandbox: whose mail, which link (position), when, from where.

    ``network`` numbers one of :data:`SCANNER_NETWORKS` cloud networks; sandboxes turn it into
    an IP address of that network where their API gives addresses.
    """

    contact: int
    link: int
    at: datetime
    network: int
    kind: str


#: How many cloud networks the sandboxes' scanners click from.
SCANNER_NETWORKS = 4
#: Contact numbers of scanned recipients who never click themselves start here.
SCANNED_BASE = 1_000_000
#: Machine clicks added, as a share of people's clicks (practitioners report 10-40% of all
#: clicks on business lists: 0.4 of people's clicks is about 29% of all).
SCANNER_SHARE = 0.4


def scanner_clicks(
    people: Sequence[Sequence[tuple[int, datetime]]], sent: datetime, *, seed: str = ""
) -> list[ScannerClick]:
    """Link scanners' clicks beside people's: what a sandbox adds when asked for scanners.

    ``people`` holds, per link position, the ``(contact, clicked at)`` of people's clicks at
    tick 0 (:func:`sample_clicks`). The scanners follow published behaviour (docs/humans.md):
    gateways that follow every link within ~2 s of delivery (delivery: up to 90 s after
    ``sent``), some again 3-8 hours later, partial scans of a few links, gateways that fetch
    only the first link, and time-of-click echoes of a person's click 5-15 s later, each from
    one of a few cloud networks. Deterministic for the same arguments. Scanned recipients who
    click themselves are scanned only on links they click (so a link's unique count stays
    exact); the others are new contacts numbered from :data:`SCANNED_BASE`.
    """
    links = len(people)
    total = sum(len(clicks) for clicks in people)
    if not links or not total:
        return []
    rng = random.Random(f"{seed}|{sent.isoformat()}|{links}|{total}")  # noqa: S311 (sample data)
    clicked: dict[int, list[int]] = {}
    for position, clicks in enumerate(people):
        for contact, _at in clicks:
            own = clicked.setdefault(contact, [])
            if not own or own[-1] != position:
                own.append(position)
    out: list[ScannerClick] = []
    budget = max(3, round(total * SCANNER_SHARE))
    clickers = sorted(clicked)
    rng.shuffle(clickers)
    echoed = set(clickers[: max(1, len(clickers) // 10)])  # time-of-click protection
    for position, clicks in enumerate(people):
        for contact, at in clicks:
            if contact in echoed:
                when = at + timedelta(seconds=rng.uniform(5, 15))
                network = rng.randrange(SCANNER_NETWORKS)
                out.append(ScannerClick(contact, position, when, network, "echo"))
    behind = iter(clickers[len(echoed) : len(echoed) + len(clickers) // 5])
    fresh = 0
    while len(out) < budget:
        clicker = next(behind, None)
        if clicker is None:
            contact, fresh = SCANNED_BASE + fresh, fresh + 1
            scannable = list(range(links))
        else:
            contact, scannable = clicker, sorted(set(clicked[clicker]))
        network = rng.randrange(SCANNER_NETWORKS)
        delivered = sent + timedelta(seconds=rng.uniform(1, 90))
        roll = rng.random()
        if roll < 0.2:
            kind, chosen = "first", scannable[:1]
        elif roll < 0.4 and len(scannable) > 2:
            kind, chosen = (
                "partial",
                sorted(rng.sample(scannable, rng.randint(2, len(scannable) - 1))),
            )
        else:
            kind, chosen = "full", scannable
        passes = [delivered]
        if kind != "first" and rng.random() < 0.3:
            passes.append(delivered + timedelta(hours=rng.uniform(3, 8)))
        for start in passes:
            for link in chosen:
                when = start + timedelta(seconds=rng.uniform(0, 2))
                out.append(ScannerClick(contact, link, when, network, kind))
    out.sort(key=lambda click: click.at)
    return out


def scanner_counts(scans: Sequence[ScannerClick], links: int) -> list[tuple[int, int]]:
    """What ``scans`` add to each link's ``(unique, total)`` counts, per link position.

    Scanned recipients who click themselves are already counted as unique (see
    :func:`scanner_clicks`), so only new contacts add to the unique count.
    """
    unique: list[set[int]] = [set() for _ in range(links)]
    totals = [0] * links
    for scan in scans:
        totals[scan.link] += 1
        if scan.contact >= SCANNED_BASE:
            unique[scan.link].add(scan.contact)
    return [(len(unique[p]), totals[p]) for p in range(links)]
