"""The human-clicks classifier: each rule, each switch, the [humans] settings and their errors."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from linkreport.errors import ConfigurationError
from linkreport.humans import (
    HUMAN,
    HumanCounts,
    HumanRules,
    Verdict,
    classify,
    classify_campaigns,
    summarise,
)
from linkreport.records import ClickEvent

SENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RULES = HumanRules()


def ev(
    contact: str,
    url: str,
    seconds: float,
    network: str | None = None,
    campaign: str = "c1",
) -> ClickEvent:
    return ClickEvent(
        provider="p",
        campaign_id=campaign,
        url=f"https://example.com/{url}",
        clicked_at=SENT + timedelta(seconds=seconds),
        contact=contact,
        network=network,
    )


def reasons(verdicts: list[Verdict]) -> list[str | None]:
    return [v.reason for v in verdicts]


def test_a_person_clicking_one_or_two_links_minutes_apart_is_a_person():
    events = [ev("a", "x", 3600), ev("a", "y", 3900), ev("b", "x", 86400)]
    assert classify(events, sent_at=SENT, rules=RULES) == [HUMAN, HUMAN, HUMAN]


def test_burst_marks_every_link_a_contact_follows_within_seconds():
    events = [ev("s", "x", 7200), ev("s", "y", 7200.8), ev("s", "z", 7201.5), ev("p", "x", 7201)]
    assert reasons(classify(events, sent_at=SENT, rules=RULES)) == ["burst"] * 3 + [None]
    # three links a minute apart are a person reading
    slow = [ev("s", "x", 7200), ev("s", "y", 7260), ev("s", "z", 7320)]
    assert reasons(classify(slow, sent_at=SENT, rules=RULES)) == [None] * 3


def test_burst_settings_and_switch():
    events = [ev("s", "x", 7200), ev("s", "y", 7208)]
    assert reasons(classify(events, sent_at=SENT, rules=RULES)) == [None, None]
    wide = HumanRules(burst_seconds=10)
    assert reasons(classify(events, sent_at=SENT, rules=wide)) == ["burst", "burst"]
    three = HumanRules(burst_links=3)
    near = [ev("s", "x", 7200), ev("s", "y", 7201)]
    assert reasons(classify(near, sent_at=SENT, rules=three)) == [None, None]
    off = HumanRules(burst=False)
    assert reasons(classify(near, sent_at=SENT, rules=off)) == [None, None]


def test_echo_keeps_the_persons_click_and_marks_the_echo():
    events = [ev("a", "x", 5000, "net1"), ev("a", "x", 5012, "net2"), ev("a", "x", 9000, "net1")]
    assert reasons(classify(events, sent_at=SENT, rules=RULES)) == [None, "echo", None]
    # without networks (a provider without IPs), a click seconds after the same one is an echo
    bare = [ev("a", "x", 5000), ev("a", "x", 5012)]
    assert reasons(classify(bare, sent_at=SENT, rules=RULES)) == [None, "echo"]
    # from the same network again: the person clicked twice
    same = [ev("a", "x", 5000, "net1"), ev("a", "x", 5012, "net1")]
    assert reasons(classify(same, sent_at=SENT, rules=RULES)) == [None, None]
    assert reasons(classify(bare, sent_at=SENT, rules=HumanRules(echo=False))) == [None, None]
    assert reasons(classify(bare, sent_at=SENT, rules=HumanRules(echo_seconds=5))) == [None, None]


def test_instant_needs_other_evidence_and_a_send_time():
    lone = [ev("a", "x", 20), ev("b", "y", 4000)]
    assert reasons(classify(lone, sent_at=SENT, rules=RULES)) == [None, None]  # fast person
    crowd = [ev(c, "x", 3 + i) for i, c in enumerate("abc")] + [ev("d", "x", 4000)]
    assert reasons(classify(crowd, sent_at=SENT, rules=RULES)) == ["instant"] * 3 + [None]
    assert reasons(classify(crowd, sent_at=SENT, rules=HumanRules(instant=False))) == [None] * 4
    few = HumanRules(instant_contacts=4)
    assert reasons(classify(crowd, sent_at=SENT, rules=few)) == [None] * 4
    narrow = HumanRules(instant_seconds=4)
    assert reasons(classify(crowd, sent_at=SENT, rules=narrow)) == [None] * 4
    twice = [ev("a", "x", 2), ev("a", "x", 40)]  # the same contact twice at the send
    assert reasons(classify(twice, sent_at=SENT, rules=RULES)) == ["instant", "instant"]


def test_instant_wants_a_spike_not_a_busy_start():
    # three fast people, and people clicking as fast or faster in the hour after: no spike
    busy = [ev(c, "x", 100 + i) for i, c in enumerate("abc")]
    busy += [ev(f"p{i}", "x", 400 + 150 * i) for i in range(20)]
    assert reasons(classify(busy, sent_at=SENT, rules=RULES)) == [None] * 23
    # scanners at delivery: many contacts in the first minutes, few after
    spike = [ev(f"s{i}", "x", 1 + 2 * i) for i in range(40)] + busy[3:]
    assert reasons(classify(spike, sent_at=SENT, rules=RULES)) == ["instant"] * 40 + [None] * 20


def test_instant_without_a_send_time_starts_at_the_first_click():
    crowd = [ev(c, "x", 7200 + i) for i, c in enumerate("abc")] + [ev("d", "x", 99000)]
    assert reasons(classify(crowd, sent_at=None, rules=RULES)) == ["instant"] * 3 + [None]
    assert reasons(classify(crowd, sent_at=SENT, rules=RULES)) == [None] * 4  # sent 2 h before
    skip = HumanRules(instant_first_click=False)
    assert reasons(classify(crowd, sent_at=None, rules=skip)) == [None] * 4


def test_decoy_marks_the_decoy_and_the_contacts_clicks_near_it():
    rules = HumanRules(decoys=("https://example.com/hidden*",))
    events = [
        ev("s", "hidden-pixel", 600),
        ev("s", "x", 630),
        ev("s", "x", 90000),  # the person behind the gateway, a day later
        ev("p", "x", 640),
    ]
    assert reasons(classify(events, sent_at=SENT, rules=rules)) == ["decoy", "decoy", None, None]
    off = HumanRules(decoys=rules.decoys, decoy=False)
    assert reasons(classify(events, sent_at=SENT, rules=off)) == [None] * 4
    assert reasons(classify(events, sent_at=SENT, rules=RULES)) == [None] * 4  # no patterns


def test_network_marks_many_contacts_from_one_network_within_seconds():
    events = [ev(c, "x", 9000 + i, "cloud") for i, c in enumerate("abc")]
    events.append(ev("d", "x", 9001, "home"))
    assert reasons(classify(events, sent_at=SENT, rules=RULES)) == ["network"] * 3 + [None]
    assert reasons(classify(events, sent_at=SENT, rules=HumanRules(network=False))) == [None] * 4
    assert (
        reasons(classify(events, sent_at=SENT, rules=HumanRules(network_contacts=4))) == [None] * 4
    )
    spread = [ev(c, "x", 9000 + 60 * i, "office") for i, c in enumerate("abc")]
    assert reasons(classify(spread, sent_at=SENT, rules=RULES)) == [None] * 3
    # without networks the rule is skipped
    bare = [ev(c, "x", 9000 + i) for i, c in enumerate("abc")]
    assert reasons(classify(bare, sent_at=SENT, rules=RULES)) == [None] * 3


def test_the_reason_is_the_first_rule_in_order_and_order_is_kept():
    rules = HumanRules(decoys=("*/hidden",))
    events = [ev("s", "y", 1), ev("s", "hidden", 1.5), ev("s", "x", 1.2)]
    assert reasons(classify(events, sent_at=SENT, rules=rules)) == ["decoy"] * 3
    assert reasons(classify(events, sent_at=SENT, rules=RULES)) == ["burst"] * 3


def test_classification_is_deterministic_whatever_the_input_order():
    rng = random.Random(7)
    events = [
        ev(
            f"c{rng.randrange(40)}",
            f"l{rng.randrange(5)}",
            rng.uniform(0, 20000),
            f"n{rng.randrange(9)}",
        )
        for _ in range(600)
    ]
    first = dict(zip(events, classify(events, sent_at=SENT, rules=RULES), strict=True))
    shuffled = events[:]
    rng.shuffle(shuffled)
    again = dict(zip(shuffled, classify(shuffled, sent_at=SENT, rules=RULES), strict=True))
    assert len(first) == len(events)  # distinct events (times are floats)
    assert {e: v.machine for e, v in first.items()} == {e: v.machine for e, v in again.items()}


def test_campaigns_are_classified_apart():
    events = [ev("s", "x", 100, campaign="c1"), ev("s", "y", 101, campaign="c2")]
    assert reasons(classify_campaigns(events, rules=RULES)) == [None, None]
    assert reasons(classify(events, sent_at=None, rules=RULES)) == ["burst", "burst"]


def test_summarise_counts_peoples_clicks_per_link():
    events = [ev("s", "x", 100), ev("s", "y", 101), ev("a", "x", 5000), ev("a", "x", 9000)]
    verdicts = classify(events, sent_at=SENT, rules=RULES)
    assert summarise(events, verdicts) == {
        ("c1", None, "https://example.com/x"): HumanCounts(1, 2),
        ("c1", None, "https://example.com/y"): HumanCounts(0, 0),
    }
    with pytest.raises(ValueError):
        summarise(events, verdicts[:1])


def test_rules_from_config_defaults_and_values():
    assert HumanRules.from_config(None) == HumanRules() == HumanRules.from_config({})
    rules = HumanRules.from_config(
        {"burst_seconds": 3, "echo": False, "decoys": ["*/hidden"], "network_contacts": 5}
    )
    assert rules.burst_seconds == 3.0
    assert not rules.echo
    assert rules.decoys == ("*/hidden",)
    assert rules.network_contacts == 5
    assert rules.switched_on() == ("decoy", "burst", "network", "instant")
    assert HumanRules.from_config({"instant_first_click": False}).instant_first_click is False


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ({"bursts": True}, "'bursts'"),
        ({"burst": "yes"}, "burst must be true or false"),
        ({"burst_links": 0}, "burst_links must be a whole number"),
        ({"burst_links": 2.5}, "burst_links must be a whole number"),
        ({"echo_seconds": -1}, "echo_seconds must be a number of seconds"),
        ({"instant_seconds": True}, "instant_seconds must be a number of seconds"),
        ({"decoys": "*/x"}, "decoys must be a list of URL patterns"),
        ({"decoys": [""]}, "decoys must be a list of URL patterns"),
    ],
)
def test_bad_settings_are_one_line_errors_naming_the_key(table, named):
    with pytest.raises(ConfigurationError) as caught:
        HumanRules.from_config(table)
    assert named in str(caught.value)
    assert "\n" not in str(caught.value)


def test_rules_for_home_read_the_humans_table(tmp_path):
    (tmp_path / "config.toml").write_text("[humans]\nburst_links = 3\n")
    assert HumanRules.for_home(tmp_path).burst_links == 3
    (tmp_path / "config.toml").write_text("humans = 3\n")
    with pytest.raises(ConfigurationError, match="humans must be a table"):
        HumanRules.for_home(tmp_path)


def test_summarise_by_link_id_tells_one_url_twice_apart():
    from linkreport.humans import summarise_by

    events = [
        ClickEvent(
            provider="p",
            campaign_id="c1",
            url="https://example.com/x",
            link_id=link,
            clicked_at=SENT + timedelta(hours=h),
            contact=who,
        )
        for link, h, who in (("1", 1, "a"), ("2", 2, "b"), ("2", 3, "c"))
    ]
    verdicts = classify(events, sent_at=SENT, rules=RULES)
    counts = summarise_by(events, verdicts, lambda e: e.link_id)
    assert counts == {"1": HumanCounts(1, 1), "2": HumanCounts(2, 2)}
