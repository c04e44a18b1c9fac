"""Constant Contact click events over real HTTP: tracking/clicks, cursor paging, since."""

from __future__ import annotations

import json
import math
from collections import Counter

from linkreport import fetch_links
from linkreport.click_events import fetch_clicks
from linkreport.progress import Reporter
from linkreport_constant_contact import sandbox as sb

ENV = "LINKREPORT_CONSTANT_CONTACT_"
A_LARGE = sb.ident("a-large")


class Recorder(Reporter):
    def __init__(self) -> None:
        super().__init__()
        self.notes: list[str] = []
        self.waits: list[str] = []

    def note(self, text: str) -> None:
        self.notes.append(text)

    def waiting(self, seconds: float, reason: str) -> None:
        self.waits.append(reason)


def assert_consistent(events, env, some_id):
    """Distinct contacts per link = its unique clicks (the report has no total)."""
    contacts: dict[tuple[str | None, str], set[str]] = {}
    for e in events:
        contacts.setdefault((e.activity_id, e.url), set()).add(e.contact)
    reported = list(fetch_links("constant-contact", [some_id], env=env))
    for record in reported:
        assert len(contacts.get((record.activity_id, record.url), ())) == record.unique_clicks
    assert set(contacts) == {(r.activity_id, r.url) for r in reported}


def test_thousands_of_clicks_follow_the_cursor(provider_sandbox, linkreport_env):
    box = provider_sandbox("constant-contact", size=60)
    events = list(fetch_clicks("constant-contact", [sb.LARGE], env=linkreport_env))
    expected = sum(u + u // 3 for u in (i % 97 + 1 for i in range(60)))
    assert len(events) == expected > 2000
    pages = math.ceil(expected / 500)
    assert box.app.stats["click_pages"] == pages  # each page once
    assert_consistent(events, linkreport_env, sb.LARGE)
    assert {(e.campaign_id, e.activity_id) for e in events} == {(sb.LARGE, A_LARGE)}
    times = [e.clicked_at for e in events]
    assert times == sorted(times, reverse=True)  # as served: newest first


def test_a_campaign_expands_to_its_activities(provider_sandbox, linkreport_env):
    provider_sandbox("constant-contact")
    events = list(fetch_clicks("constant-contact", [sb.NEWSLETTER], env=linkreport_env))
    assert Counter(e.activity_id for e in events) == {sb.A_NEWS: 154, sb.R_NEWS: 16}
    assert {e.campaign_id for e in events} == {sb.NEWSLETTER}
    assert_consistent(events, linkreport_env, sb.NEWSLETTER)
    resend = list(fetch_clicks("constant-contact", [sb.R_NEWS], env=linkreport_env))
    assert sorted(resend, key=repr) == sorted(
        (e for e in events if e.activity_id == sb.R_NEWS), key=repr
    )


def test_link_ids_are_strings_whatever_the_wire_type(provider_sandbox, linkreport_env):
    provider_sandbox("constant-contact")
    events = list(fetch_clicks("constant-contact", [sb.A_SALE], env=linkreport_env))
    assert {e.link_id for e in events} == {"555617788878"}  # an int on the wire
    assert len(events) == 40 + 13


def test_since_stops_paging_at_the_first_older_click(provider_sandbox, linkreport_env):
    box = provider_sandbox("constant-contact", size=60)
    everything = list(fetch_clicks("constant-contact", [A_LARGE], env=linkreport_env))
    since = everything[99].clicked_at
    pages = box.app.stats["click_pages"]
    newer = list(fetch_clicks("constant-contact", [A_LARGE], since=since, env=linkreport_env))
    assert newer == [e for e in everything if e.clicked_at >= since]
    assert box.app.stats["click_pages"] == pages + 1  # never the other pages


def test_throttled_pages_are_waited_out(provider_sandbox, linkreport_env):
    box = provider_sandbox("constant-contact", size=60, rate=2)
    linkreport_env[ENV + "RATE_LIMIT"] = "50/1"
    recorder = Recorder()
    events = list(
        fetch_clicks("constant-contact", [sb.LARGE], env=linkreport_env, reporter=recorder)
    )
    assert len(events) == sum(u + u // 3 for u in (i % 97 + 1 for i in range(60)))
    assert box.app.stats["throttled"] >= 1
    assert recorder.waits


def test_unusable_rows_are_counted_and_said(provider_sandbox, run_linkreport):
    provider_sandbox("constant-contact", bad_rows=3)
    result = run_linkreport("clicks", "constant-contact", sb.A_NEWS, "--format", "json")
    assert result.code == 0, result.err
    assert sum(row["clicks"] for row in json.loads(result.out)) == 154
    assert (
        f"warning: constant-contact {sb.A_NEWS}: skipped 3 click row(s) without a link, time or contact"
        in result.err
    )


def test_unsent_campaigns_have_no_clicks(provider_sandbox, run_linkreport):
    provider_sandbox("constant-contact")
    result = run_linkreport("clicks", "constant-contact", sb.DRAFT, "--format", "ndjson")
    assert (result.code, result.out) == (0, ""), result.err


def test_unknown_ids_fail_alone(provider_sandbox, run_linkreport):
    provider_sandbox("constant-contact")
    missing = "00000000-0000-4000-8000-000000000000"
    result = run_linkreport(
        "clicks", "constant-contact", missing, sb.A_SALE, "not-a-uuid", "--format", "ndjson"
    )
    assert result.code == 1
    assert (
        f"error: constant-contact {missing}: {missing} is neither a campaign nor a campaign activity"
        in result.err
    )
    assert "'not-a-uuid' is not a Constant Contact campaign or activity ID" in result.err
    assert {json.loads(line)["campaign_id"] for line in result.out.splitlines()} == {sb.SALE}


def test_the_data_clock_only_adds_newer_clicks(provider_sandbox, linkreport_env):
    box = provider_sandbox("constant-contact")
    before = set(fetch_clicks("constant-contact", [sb.A_NEWS], env=linkreport_env))
    box.app.advance(2)
    after = set(fetch_clicks("constant-contact", [sb.A_NEWS], env=linkreport_env))
    assert before < after
    assert len(after - before) == 2 * 2  # links 0 and 2 grow by one click per tick
    assert min(e.clicked_at for e in after - before) > max(e.clicked_at for e in before)
    assert_consistent(list(after), linkreport_env, sb.A_NEWS)
