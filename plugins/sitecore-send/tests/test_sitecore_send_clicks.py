"""Sitecore Send click events over real HTTP: stats/LinkClicked, both row shapes, paging."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pytest

from linkreport import fetch_links
from linkreport.click_events import fetch_clicks
from linkreport.progress import Reporter
from linkreport_sitecore_send import sandbox as sb

SPRING, DIGEST, LARGE, DRAFT = sb.SPRING, sb.DIGEST, sb.LARGE, sb.DRAFT


class Recorder(Reporter):
    """Keeps what a run reports: notes and rate-limit waits."""

    def __init__(self) -> None:
        super().__init__()
        self.notes: list[str] = []
        self.waits: list[str] = []

    def note(self, text: str) -> None:
        self.notes.append(text)

    def waiting(self, seconds: float, reason: str) -> None:
        self.waits.append(reason)


def per_link(events):
    clicks = Counter(e.url for e in events)
    contacts = {url: len({e.contact for e in events if e.url == url}) for url in clicks}
    return clicks, contacts


def assert_consistent(events, env, campaign_id):
    """Clicks per link = its total clicks; distinct contacts = its unique clicks."""
    clicks, contacts = per_link(events)
    for record in fetch_links("sitecore-send", [campaign_id], env=env):
        assert clicks.get(record.url, 0) == (record.total_clicks or 0), record.url
        assert contacts.get(record.url, 0) == (record.unique_clicks or 0), record.url


def test_thousands_of_clicks_page_by_1000_and_match_the_link_report(
    provider_sandbox, linkreport_env
):
    # 2 calls per 4 s (a window long enough that a loaded machine cannot outwait it)
    box = provider_sandbox("sitecore-send", size=100, window=4)
    recorder = Recorder()
    events = list(fetch_clicks("sitecore-send", [LARGE], env=linkreport_env, reporter=recorder))
    assert len(events) == 4959  # five pages: 1000 x 4 + 959
    assert box.app.stats["served"] == 5
    assert recorder.waits  # 2 calls per window: paging waited for the rate limit
    assert_consistent(events, linkreport_env, LARGE)
    assert {(e.provider, e.campaign_id, e.activity_id, e.link_id) for e in events} == {
        ("sitecore-send", LARGE, None, None)
    }
    assert all(e.clicked_at.tzinfo is UTC for e in events)
    assert len({(e.url, e.clicked_at, e.contact) for e in events}) == len(events)


def test_refused_pages_are_waited_out(provider_sandbox, linkreport_env):
    box = provider_sandbox("sitecore-send", size=100, window=4)
    linkreport_env["LINKREPORT_SITECORE_SEND_RATE_LIMIT"] = "50/1"  # the server refuses instead
    recorder = Recorder()
    events = list(fetch_clicks("sitecore-send", [LARGE], env=linkreport_env, reporter=recorder))
    assert len(events) == 4959
    assert box.app.stats["refused"] >= 1  # Code 429 in a 200 body, waited out until expiry
    assert any("rate limit" in reason.lower() for reason in recorder.waits)


@pytest.mark.parametrize("shape", ["activity", "analytics"])
def test_both_row_shapes_give_the_same_clicks(provider_sandbox, linkreport_env, shape):
    provider_sandbox("sitecore-send", click_rows=shape)
    events = list(fetch_clicks("sitecore-send", [SPRING, DIGEST], env=linkreport_env))
    assert len(events) == 130 + 129
    for campaign_id in (SPRING, DIGEST):
        assert_consistent(
            [e for e in events if e.campaign_id == campaign_id], linkreport_env, campaign_id
        )
    first = min(e.clicked_at for e in events if e.campaign_id == SPRING)
    assert first == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # sent 09:00 + 1 h


def test_the_default_sandbox_mixes_both_shapes(provider_sandbox):
    box = provider_sandbox("sitecore-send")
    assert {box.app.click_shape(SPRING), box.app.click_shape(DIGEST)} == {"activity", "analytics"}


def test_xml_click_pages(provider_sandbox, linkreport_env):
    provider_sandbox("sitecore-send")
    linkreport_env["LINKREPORT_SITECORE_SEND_WIRE_FORMAT"] = "xml"
    events = list(fetch_clicks("sitecore-send", [SPRING, DIGEST], env=linkreport_env))
    assert len(events) == 130 + 129


def test_unusable_rows_are_counted_and_said(provider_sandbox, linkreport_env, run_linkreport):
    provider_sandbox("sitecore-send", bad_rows=4)
    result = run_linkreport("clicks", "sitecore-send", SPRING, "--format", "json")
    assert result.code == 0, result.err
    assert sum(row["clicks"] for row in json.loads(result.out)) == 130
    assert (
        f"warning: sitecore-send {SPRING}: skipped 4 click row(s) without a link, time or contact"
        in result.err
    )


def test_a_campaign_without_clicks_is_empty_not_an_error(provider_sandbox, run_linkreport):
    provider_sandbox("sitecore-send")
    result = run_linkreport("clicks", "sitecore-send", DRAFT, "--format", "table")
    assert result.code == 0, result.err
    assert "(no records)" in result.out
    csv = run_linkreport("clicks", "sitecore-send", DRAFT, "--format", "csv")
    assert csv.out == "provider,campaign_id,activity_id,url,period,clicks,unique_contacts\n"


def test_since_asks_from_its_day_and_keeps_clicks_at_or_after_it(provider_sandbox, linkreport_env):
    box = provider_sandbox("sitecore-send")
    everything = list(fetch_clicks("sitecore-send", [SPRING], env=linkreport_env))
    since = sorted(e.clicked_at for e in everything)[70]
    served = box.app.stats["served"]
    later = list(fetch_clicks("sitecore-send", [SPRING], since=since, env=linkreport_env))
    assert sorted(later, key=repr) == sorted(
        (e for e in everything if e.clicked_at >= since), key=repr
    )
    assert box.app.stats["served"] == served + 1
    assert box.app.last_click_query["From"] == [since.strftime("%d-%m-%Y")]


def test_the_data_clock_only_adds_later_clicks(provider_sandbox, linkreport_env):
    box = provider_sandbox("sitecore-send")
    before = set(fetch_clicks("sitecore-send", [SPRING], env=linkreport_env))
    box.app.advance(3)
    after = set(fetch_clicks("sitecore-send", [SPRING], env=linkreport_env))
    assert before < after
    assert len(after - before) == 2 * 2 * 3  # two growing links, 2 clicks per tick
    assert min(e.clicked_at for e in after - before) > max(e.clicked_at for e in before)
    assert_consistent(list(after), linkreport_env, SPRING)


def test_unknown_and_archived_campaigns_fail_alone(provider_sandbox, run_linkreport):
    provider_sandbox("sitecore-send")
    missing = "a1b2c3d4-0000-4000-8000-999999999999"
    result = run_linkreport(
        "clicks", "sitecore-send", missing, sb.ARCHIVED, SPRING, "--format", "ndjson"
    )
    assert result.code == 1
    assert f"error: sitecore-send {missing}: campaign not found (code 400)" in result.err
    assert f"error: sitecore-send {sb.ARCHIVED}: the campaign is archived" in result.err
    rows = [json.loads(line) for line in result.out.splitlines()]
    assert {r["campaign_id"] for r in rows} == {SPRING}
    assert "Traceback" not in result.err


def test_an_invalid_id_never_reaches_a_url(provider_sandbox, run_linkreport):
    box = provider_sandbox("sitecore-send")
    result = run_linkreport("clicks", "sitecore-send", "../links", "--format", "json")
    assert result.code == 1
    assert "'../links' is not a Sitecore Send campaign ID" in result.err
    assert box.app.stats["served"] == 0


def paged_server(pages: list[int], total_pages: object):
    """LinkClicked pages of ``pages[n]`` rows each, with ``TotalPageCount`` as given."""
    seen: list[str] = []

    def app(environ, start):
        query = dict(p.split("=", 1) for p in environ["QUERY_STRING"].split("&"))
        number = int(query["Page"])
        seen.append(query["Page"])
        count = pages[number - 1] if number <= len(pages) else 0
        rows = [
            {
                "Context": f"https://a.example/{number}",
                "MemberId": f"m{number}-{i}",
                "Timestamp": f"/Date({1767225600000 + i * 1000})/",
            }
            for i in range(count)
        ]
        paging = {"PageSize": 1000, "CurrentPage": number, "TotalPageCount": total_pages}
        body = json.dumps(
            {"Code": 0, "Error": None, "Context": {"Paging": paging, "CampaignActivity": rows}}
        )
        start("200 OK", [("Content-Type", "application/json")])
        return [body.encode()]

    return app, seen


@pytest.mark.parametrize(
    ("pages", "total_pages", "requests", "events"),
    [
        ([100, 100, 100], 3, 3, 300),  # the server pages by fewer than asked: trust its count
        ([1000, 1000, 5], None, 3, 2005),  # no count: the first short page is the last
        ([1000, 1000, 0], -2147483648, 3, 2000),  # a nonsense count: an empty page ends it
        ([0], 0, 1, 0),
    ],
)
def test_paging_ends_where_it_should(linkreport_env, pages, total_pages, requests, events):
    from linkreport.kit.sandbox.server import serve

    app, seen = paged_server(pages, total_pages)
    with serve(app) as server:
        env = {
            **linkreport_env,
            "LINKREPORT_SITECORE_SEND_API_KEY": "k-123456",
            "LINKREPORT_SITECORE_SEND_BASE_URL": server.url + "/v3",
            "LINKREPORT_SITECORE_SEND_RATE_LIMIT": "100/1",
        }
        found = list(fetch_clicks("sitecore-send", ["c1"], env=env))
    assert (len(seen), len(found)) == (requests, events)


def test_ip_addresses_become_network_pseudonyms_and_scanners_keep_the_counts_consistent(
    provider_sandbox, linkreport_env
):
    from linkreport.privacy import network_of
    from linkreport_sitecore_send import sandbox_clicks as sc

    box = provider_sandbox("sitecore-send", scanners=True, click_rows="activity")
    events = list(fetch_clicks("sitecore-send", [SPRING], env=linkreport_env))
    assert_consistent(events, linkreport_env, SPRING)  # the link report counts scanners too
    scans = sc.scans(box.app.links[SPRING], datetime.fromisoformat(box.app.campaigns[0][4]))
    assert len(events) == 130 + len(scans)
    networks = {e.network for e in events}
    assert None not in networks
    assert all(len(n) == 32 and int(n, 16) >= 0 for n in networks)  # pseudonyms, 128 bits
    # one pseudonym per /24 or /48: as many as the addresses' networks, never an address
    rows = box.app.click_rows_of(SPRING)
    assert len(networks) == len({network_of(row["IpAddress"]) for _, row in rows})
    text = json.dumps([e.network for e in events])
    assert all(row["IpAddress"] not in text for _, row in rows)


def test_rows_without_an_ip_address_have_no_network(provider_sandbox, linkreport_env):
    provider_sandbox("sitecore-send", click_rows="analytics")
    events = list(fetch_clicks("sitecore-send", [SPRING], env=linkreport_env))
    assert events
    assert {e.network for e in events} == {None}
