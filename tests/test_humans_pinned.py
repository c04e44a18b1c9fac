"""The classifier's verdicts on a fixed corpus, pinned: making it faster must change none.

The corpus mixes every kind of traffic the rules look at (full and partial scans at the send,
re-scans hours later, first-link gateways, time-of-click echoes from another network, people
alone and behind shared offices, double clicks, decoy links, ties in time), and is classified
under several settings, with and without the send time and networks, in the live path
(:func:`classify` on events) and the store's (verdicts stored by ``redecide_all``). The digest
below was taken from the classifier before its columns rewrite (issue 29).
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from linkreport.humans import HumanRules, Verdict, classify
from linkreport.records import ClickEvent

SENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LINKS = [f"https://shop.example.com/l{i}" for i in range(6)] + ["https://shop.example.com/trap"]
SETTINGS = {
    "defaults": HumanRules(),
    "decoys": HumanRules(decoys=("https://shop.example.com/trap*",)),
    "no first click": HumanRules(instant_first_click=False),
    "wide": HumanRules(burst_seconds=10, echo_seconds=120, network_seconds=300, burst_links=3),
    "narrow": HumanRules(instant_seconds=60, instant_contacts=10, network_contacts=5),
}
#: sha256 of every verdict (setting, send time, networks: reasons in the events' order).
PINNED = "452b60b40d26facdb0d451cbe6d4d8e7f4958b1efdac209155c73b6e61ca3d15"


def corpus(seed: int = 29, recipients: int = 3000) -> list[ClickEvent]:
    """One campaign's click events of every kind (times on a 1/4 s grid: ties happen)."""
    rng = random.Random(seed)
    rows: list[tuple[float, str, int, str | None]] = []
    offices = [f"office-{i}" for i in range(recipients // 100)]
    clouds = [f"cloud-{i}" for i in range(4)]
    for r in range(recipients):
        who = f"r{r:05d}"
        delivered = rng.uniform(0, 180) + (rng.uniform(300, 1800) if rng.random() < 0.1 else 0)
        home = rng.choice(offices) if rng.random() < 0.2 else f"home-{r}"
        roll = rng.random()
        if roll < 0.06:  # behind a gateway that scans at delivery
            net = rng.choice(clouds)
            kind = rng.choice(("full", "partial", "first", "decoy"))
            chosen = {
                "full": list(range(6)),
                "partial": sorted(rng.sample(range(6), 3)),
                "first": [0],
                "decoy": [0, 6, 2],
            }[kind]
            passes = [delivered]
            if kind != "first" and rng.random() < 0.3:
                passes.append(delivered + rng.uniform(3, 8) * 3600)
            for start in passes:
                for link in chosen:
                    rows.append((start + rng.uniform(0, 2), who, link, net))
        if rng.random() >= 0.08:
            continue
        first = delivered + (
            rng.uniform(10, 60) if rng.random() < 0.05 else 60 * rng.lognormvariate(5, 1.8)
        )
        for k in range(rng.choice((1, 1, 1, 2, 3))):
            at = first + k * rng.choice((3, 30, 90, 3600))
            link = rng.randrange(6)
            rows.append((at, who, link, home))
            if rng.random() < 0.1:  # a double click, or the gateway's echo from elsewhere
                same = rng.random() < 0.5
                rows.append((at + rng.uniform(1, 20), who, link, home if same else clouds[0]))
    rng.shuffle(rows)
    return [
        ClickEvent(
            provider="p",
            campaign_id="c",
            url=LINKS[link],
            clicked_at=SENT + timedelta(seconds=round(at * 4) / 4),
            contact=who,
            network=net,
        )
        for at, who, link, net in rows
    ]


def cases(events: list[ClickEvent]):
    bare = [attrs.evolve(e, network=None) for e in events]
    for name, rules in SETTINGS.items():
        for sent in (SENT, None, SENT + timedelta(seconds=90)):
            for label, given in (("networks", events), ("none", bare)):
                yield f"{name}|{sent}|{label}", given, sent, rules


def digest(verdicts: dict[str, list[Verdict]]) -> str:
    text = "\n".join(
        f"{k}:{','.join(v.reason or '-' for v in found)}" for k, found in verdicts.items()
    )
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_verdicts_on_the_pinned_corpus_are_unchanged():
    events = corpus()
    assert len(events) > 1000
    found = {
        key: classify(given, sent_at=sent, rules=rules) for key, given, sent, rules in cases(events)
    }
    machines = sum(v.machine for verdicts in found.values() for v in verdicts)
    assert machines  # (the corpus has scanners)
    assert {v.reason for verdicts in found.values() for v in verdicts} == {
        None,
        "decoy",
        "burst",
        "network",
        "instant",
        "echo",
    }
    assert digest(found) == PINNED


@pytest.mark.parametrize("name", ["defaults", "decoys"])
def test_the_store_decides_the_pinned_corpus_as_classify_does(tmp_path, name):
    from linkreport.db import Store
    from linkreport.db.verdicts import redecide_all
    from linkreport.records import Campaign, LinkClicks

    events = corpus(recipients=800)
    rules = SETTINGS[name]
    path = tmp_path / "store.db"
    records = [LinkClicks(provider="p", campaign_id="c", url=url, total_clicks=1) for url in LINKS]
    with Store(path) as store:
        store.write_campaign(
            None,
            "acme",
            Campaign(provider="p", campaign_id="c", sent_at=SENT),
            records,
            canonical=lambda u: u,
            events=events,
        )

        def decide(given, sent_at):
            return classify(given, sent_at=sent_at, rules=rules)

        redecide_all(store, name, decide)
        stored = store.query(
            "SELECT e.clicked_at, e.contact, u.url, r.reason FROM events AS e"
            " JOIN links AS l ON l.link_key = e.link_key JOIN urls AS u ON u.url_id = l.url_id"
            " LEFT JOIN reasons AS r ON r.reason_id = e.reason_id"
        )
    from linkreport.db.store import to_text

    by_event = {(r[0], r[1], r[2]): r[3] for r in stored}
    # the store keeps one event per (link, time, contact): classify those, oldest first
    unique = {(to_text(e.clicked_at), e.contact, e.url): e for e in events}
    ordered = [unique[k] for k in sorted(unique, key=lambda k: (k[0], LINKS.index(k[2]), k[1]))]
    expected = classify(ordered, sent_at=SENT, rules=rules)
    key = [(to_text(e.clicked_at), e.contact, e.url) for e in ordered]
    assert [by_event[k] for k in key] == [v.reason for v in expected]


@pytest.mark.parametrize("writer", ["another connection", "the same connection"])
def test_events_added_while_a_batch_is_classified_are_decided_too(tmp_path, writer):
    # verdicts are classified outside the write lock: a sync that adds events meanwhile (in
    # another process, or another thread on the same connection) must not leave them
    # undecided, nor the campaign decided without them
    from linkreport.db import Store
    from linkreport.db.store import to_text
    from linkreport.db.verdicts import redecide_all
    from linkreport.records import Campaign, LinkClicks

    events = corpus(recipients=400)
    first, later = events[: len(events) // 2], events[len(events) // 2 :]
    records = [LinkClicks(provider="p", campaign_id="c", url=url, total_clicks=1) for url in LINKS]
    campaign = Campaign(provider="p", campaign_id="c", sent_at=SENT)
    path = tmp_path / "store.db"
    rules = SETTINGS["defaults"]
    with Store(path) as store:
        store.write_campaign(None, "acme", campaign, records, canonical=str, events=first)
        calls = []

        def decide(given, sent_at):
            if not calls:  # the first classification: a sync stores the other half meanwhile
                if writer == "another connection":
                    with Store(path) as other:
                        other.write_campaign(
                            None, "acme", campaign, records, canonical=str, events=later
                        )
                else:
                    store.write_campaign(
                        None, "acme", campaign, records, canonical=str, events=later
                    )
            calls.append(len(given))
            return classify(given, sent_at=sent_at, rules=rules)

        redecide_all(store, "x", decide)
        stored = store.query(
            "SELECT e.clicked_at, e.contact, u.url, e.machine, r.reason FROM events AS e"
            " JOIN links AS l ON l.link_key = e.link_key JOIN urls AS u ON u.url_id = l.url_id"
            " LEFT JOIN reasons AS r ON r.reason_id = e.reason_id"
        )
    assert len(calls) == 2  # classified again, with every event
    assert all(r[3] is not None for r in stored)
    unique = {(to_text(e.clicked_at), e.contact, e.url): e for e in events}
    assert len(stored) == len(unique) == calls[1]
    ordered = [unique[k] for k in sorted(unique, key=lambda k: (k[0], LINKS.index(k[2]), k[1]))]
    expected = dict(zip(ordered, classify(ordered, sent_at=SENT, rules=rules), strict=True))
    by_event = {(r[0], r[1], r[2]): r[4] for r in stored}
    assert {k: by_event[k] for k in unique} == {k: expected[e].reason for k, e in unique.items()}
