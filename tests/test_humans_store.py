"""Human clicks in the store, over real HTTP: verdicts stored by ``sync``, re-decided when new
events arrive or ``[humans]`` changes, ``top --humans``, and nothing personal in the store.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from linkreport_sitecore_send import sandbox as ss

SINCE = ("--since", "2026-01-01")
BURST = "0d7eb0b0-5a1e-4b1e-9c1e-00000000b0b0"  # a campaign the tests add to the sandbox


def rows(path, sql, *params):
    with sqlite3.connect(path) as conn:
        return [tuple(r) for r in conn.execute(sql, params)]


def configure(env, text: str) -> None:
    (env_home(env) / "config.toml").write_text(text, encoding="utf-8")


def env_home(env):
    from pathlib import Path

    return Path(env["LINKREPORT_HOME"])


def ok(result):
    assert result.code == 0, result.err
    return result


def human_by_url(db) -> dict[str, tuple[int, int]]:
    """``top --humans``'s numbers from the documented view by hand: per link, summed by URL."""
    found = rows(
        db,
        "SELECT url_canonical, SUM(people), SUM(clicks) FROM (SELECT u.url_canonical,"
        " COUNT(DISTINCT CASE WHEN e.machine = 0 THEN e.contact END) AS people,"
        " SUM(e.machine = 0) AS clicks FROM click_events AS e JOIN urls AS u ON u.url = e.url"
        " GROUP BY e.account, e.campaign_id, e.activity_id, e.link_id, e.url)"
        " GROUP BY url_canonical",
    )
    return {url: (unique, total) for url, unique, total in found}


def test_sync_stores_a_verdict_on_every_event_and_top_humans_ranks_by_people(
    provider_sandbox, db, env, cli
):
    provider_sandbox("sitecore-send", scanners=True)  # link scanners beside people
    provider_sandbox("constant-contact", scanners=True)
    ok(cli("sync", *SINCE))
    verdicts = rows(db, "SELECT machine, reason, COUNT(*) FROM click_events GROUP BY 1, 2")
    assert all(machine in (0, 1) for machine, _, _ in verdicts)  # every event decided
    assert {r for m, r, _ in verdicts if m}  # the sandboxes' scanners
    assert all(r is None for m, r, _ in verdicts if not m)
    assert {r for m, r, _ in verdicts if m} <= {"decoy", "burst", "network", "instant", "echo"}
    expected = human_by_url(db)
    top = json.loads(ok(cli("top", *SINCE, "--humans", "--limit", "0", "--format", "json")).out)
    assert list(top[0]) == [
        "url",
        "unique_clicks",
        "total_clicks",
        "human_unique_clicks",
        "human_total_clicks",
        "campaigns",
        "accounts",
        "links",
        "summed_links",
        "unique_links",
        "total_links",
        "delivered",
        "click_rate",
    ]
    assert {r["url"]: (r["human_unique_clicks"], r["human_total_clicks"]) for r in top} == {
        url: expected.get(url, (0, 0)) for url in (r["url"] for r in top)
    }
    people = [r["human_unique_clicks"] for r in top]
    assert people == sorted(people, reverse=True)
    # the ESP's own counts are those of plain `top`, untouched
    plain = json.loads(ok(cli("top", *SINCE, "--limit", "0", "--format", "json")).out)
    assert {r["url"]: r["unique_clicks"] for r in plain} == {
        r["url"]: r["unique_clicks"] for r in top
    }
    assert "human_unique_clicks" not in plain[0]
    # every format carries the columns
    table = ok(cli("top", *SINCE, "--humans", "--by", "campaign", "--format", "table")).out
    assert table.splitlines()[0].split()[1:7] == [
        "UNIQUE",
        "TOTAL",
        "HUMAN",
        "UNIQUE",
        "HUMAN",
        "TOTAL",
    ]
    sheet = list(
        csv.DictReader(io.StringIO(ok(cli("top", *SINCE, "--humans", "--format", "csv")).out))
    )
    assert sheet[0]["human_unique_clicks"] == str(top[0]["human_unique_clicks"])
    lines = ok(
        cli("top", *SINCE, "--humans", "--by", "domain", "--format", "ndjson")
    ).out.splitlines()
    assert all("human_total_clicks" in json.loads(line) for line in lines)
    networks = [n for (n,) in rows(db, "SELECT network FROM networks")]
    assert networks  # kept in the store as pseudonyms, never shown
    assert not any(n in "\n".join([*lines, table]) for n in networks)


def _burst_campaign(box, links: int) -> None:
    """A sent campaign of ``links`` links, each clicked once by the same contact, 7 s apart."""
    sent = datetime.fromisoformat(ss.CAMPAIGNS[0][4]) + timedelta(days=1)
    if not any(c[0] == BURST for c in box.app.campaigns):
        box.app.campaigns.append((BURST, "Burst", "Burst", "Sent", sent.isoformat()))
    box.app.links[BURST] = [
        {"Context": f"https://burst.example/{n}", "TotalCount": 1, "UniqueCount": 1}
        for n in range(links)
    ]
    box.app._click_cache.clear()


def burst_verdicts(db) -> list[tuple[str, int, str | None]]:
    return rows(
        db,
        "SELECT url, machine, reason FROM click_events WHERE campaign_id = ? ORDER BY url",
        BURST,
    )


def test_a_burst_that_spans_two_syncs_is_re_decided(provider_sandbox, db, env, cli):
    box = provider_sandbox("sitecore-send", click_rows="activity")
    configure(env, "[humans]\nburst_seconds = 10\n")
    _burst_campaign(box, 1)  # the provider reports the first click of the burst only
    ok(cli("sync", "sitecore-send", *SINCE))
    assert burst_verdicts(db) == [("https://burst.example/0", 0, None)]  # one click: a person
    _burst_campaign(box, 2)  # the second click, 7 s later, comes with the next sync
    ok(cli("sync", "sitecore-send", *SINCE))
    assert burst_verdicts(db) == [
        ("https://burst.example/0", 1, "burst"),
        ("https://burst.example/1", 1, "burst"),
    ]


def test_changed_settings_show_at_once_and_are_stored_at_the_next_sync(
    provider_sandbox, db, env, cli
):
    box = provider_sandbox("sitecore-send", click_rows="activity")
    _burst_campaign(box, 2)  # 7 s apart: no burst under the default 5 s
    ok(cli("sync", "sitecore-send", *SINCE))
    assert [m for _, m, _ in burst_verdicts(db)] == [0, 0]

    def burst_row():
        found = json.loads(
            ok(cli("top", *SINCE, "--humans", "--by", "campaign", "--format", "json")).out
        )
        return next(r for r in found if r["campaign_id"] == BURST)

    assert burst_row()["human_unique_clicks"] == 2
    configure(env, "[humans]\nburst_seconds = 10\n")
    assert burst_row()["human_unique_clicks"] == 0  # read-only: decided again as it reads
    assert [m for _, m, _ in burst_verdicts(db)] == [0, 0]  # the store is unchanged
    page = env_home(env) / "report.html"
    ok(cli("report", *SINCE, "-o", str(page)))
    assert "Clicks by machines" in page.read_text(encoding="utf-8")
    ok(cli("sync", "sitecore-send", *SINCE))
    assert [m for _, m, _ in burst_verdicts(db)] == [1, 1]
    meta = rows(db, "SELECT value FROM store_meta WHERE key = 'humans'")
    assert json.loads(meta[0][0])["burst_seconds"] == 10
    ranked = ok(cli("top", *SINCE, "--humans", "--by", "campaign", "--format", "json")).out
    assert any(r["human_unique_clicks"] for r in json.loads(ranked))
    with sqlite3.connect(db) as conn:  # as if a sync was killed between storing and deciding
        conn.execute("UPDATE events SET machine = NULL, reason_id = NULL")
    again = ok(cli("top", *SINCE, "--humans", "--by", "campaign", "--format", "json")).out
    assert again == ranked  # undecided events: decided as it reads
    configure(env, "")
    assert burst_row()["human_unique_clicks"] == 2


def test_no_address_or_network_in_clear_reaches_the_store(provider_sandbox, db, cli):
    box = provider_sandbox("sitecore-send", click_rows="activity")
    ok(cli("sync", "sitecore-send", *SINCE))
    networks = rows(db, "SELECT network FROM networks")
    assert networks  # Sitecore Send gives IP addresses: their networks are kept, as pseudonyms
    assert all(re.fullmatch(r"[0-9a-f]{16,64}", n) for (n,) in networks)
    assert rows(db, "SELECT COUNT(*) FROM click_events WHERE network IS NULL") == [(0,)]
    dump = "\n".join(sqlite3.connect(db).iterdump())
    rows_served = box.app.click_rows_of(ss.CAMPAIGNS[0][0])
    for _, row in rows_served:
        ip = row["IpAddress"]
        assert ip not in dump
        assert ip.rsplit(".", 1)[0] + "." not in dump  # nor the /24 it belongs to
        assert row["Email"] not in dump


def test_the_report_shows_people_and_machines_side_by_side(provider_sandbox, db, env, cli):
    from html.parser import HTMLParser

    box = provider_sandbox("sitecore-send", click_rows="activity")
    configure(env, "[humans]\nburst_seconds = 10\n")
    _burst_campaign(box, 2)
    provider_sandbox("constant-contact")
    ok(cli("sync", *SINCE))
    page = env_home(env) / "report.html"
    ok(cli("report", *SINCE, "-o", str(page)))
    html = page.read_text(encoding="utf-8")
    machines, people = rows(db, "SELECT SUM(machine = 1), SUM(machine = 0) FROM click_events")[0]
    share = f"{machines * 100 / (machines + people):.0f}%"
    assert re.search(rf"Clicks by machines</dt><dd>{share}<small>{machines:,} of", html)

    class Tables(HTMLParser):  # the rows of every table, by class
        def __init__(self):
            super().__init__()
            self.tables, self.cell = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.tables.append((dict(attrs).get("class", ""), []))
            elif tag == "tr" and self.tables:
                self.tables[-1][1].append([])
            elif tag == "td":
                self.cell = ""

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

        def handle_endtag(self, tag):
            if tag == "td" and self.tables:
                self.tables[-1][1][-1].append(self.cell.strip())
                self.cell = None

    parsed = Tables()
    parsed.feed(html)
    index = next(body for cls, body in parsed.tables if cls.startswith("index"))
    by_name = {r[0]: r for r in index if r}
    assert by_name["Burst"][-2:] == ["0", "100%"]  # no person; every click a machine's
    assert by_name["Flash sale"][-1] == "0%"  # Constant Contact: its events, all people's
    burst_links = next(
        body
        for cls, body in parsed.tables
        if cls == "links" and any(r and r[0].startswith("https://burst.example/") for r in body)
    )
    assert [r[3:5] for r in burst_links if r] == [["0", "1"], ["0", "1"]]  # people, machines
    assert "<strong>100%</strong> of its click events" in html
    # people's unique clicks over its deliveries: none of its clickers was a person
    assert (
        "<strong>100%</strong> of its click events · <strong>0.0%</strong> human click rate" in html
    )
    assert html.count("human click rate") >= 2  # the Spring launch's too (people clicked it)
    networks = [n for (n,) in rows(db, "SELECT network FROM networks")]
    assert networks
    for _, row in box.app.click_rows_of(ss.SPRING):  # nothing personal on the page
        assert row["IpAddress"] not in html
        assert row["IpAddress"].rsplit(".", 1)[0] + "." not in html
        assert row["Email"] not in html
    assert not any(n in html for n in networks)  # not even the networks' pseudonyms


#: ``linkreport ARGS`` through click, never through linkreport.cli.quicktop.
CLICK = "import sys\nfrom linkreport.cli.app import run\nrun(sys.argv[1:])\n"
NO_EVENTS = "note: no click events are stored for "
UNCLICKED = "0d7eb0b0-5a1e-4b1e-9c1e-0000000000c0"  # a campaign nobody clicked


def top_both_ways(cli, env, *args):
    """``top ARGS`` answered without click (quicktop) and by click: the same, to the byte."""
    quick = ok(cli("top", *args))
    clicks = subprocess.run(
        [sys.executable, "-c", CLICK, "top", *args], capture_output=True, text=True, env=env
    )
    assert (quick.code, quick.out, quick.err) == (clicks.returncode, clicks.stdout, clicks.stderr)
    return quick


def test_top_humans_says_when_campaigns_have_no_click_events(provider_sandbox, db, env, cli):
    """Synced with --no-clicks: one note that people's clicks could not be estimated."""
    box = provider_sandbox("sitecore-send")
    provider_sandbox("constant-contact")
    box.app.campaigns.append((UNCLICKED, "Quiet", "Quiet", "Sent", "2026-11-20T09:00:00+00:00"))
    box.app.links[UNCLICKED] = [
        {"Context": "https://quiet.example/", "TotalCount": 0, "UniqueCount": 0}
    ]
    ok(cli("sync", "constant-contact", *SINCE, "--no-clicks"))
    ok(cli("sync", "sitecore-send", *SINCE, "--no-clicks"))
    for args in (["--limit", "1"], ["--by", "campaign", "--format", "json"]):
        none = top_both_ways(cli, env, *SINCE, "--humans", *args)
        assert none.err == (
            f"{NO_EVENTS}the 4 clicked campaigns ranked, so people's clicks could not be"
            " estimated: human_unique_clicks and human_total_clicks are empty (sync without"
            " --no-clicks, from a provider that reports click events)\n"
        )
        assert none.out  # the rows are still written
    assert all(r["human_unique_clicks"] is None for r in json.loads(none.out))
    assert top_both_ways(cli, env, *SINCE).err == ""  # without --humans: nothing to say
    only_quiet = top_both_ways(cli, env, "--since", "2026-11-15", "--humans")  # the newest
    assert json.loads(only_quiet.out)["unique_clicks"] == 0
    assert only_quiet.err == ""  # its one campaign has no clicks: no events to miss
    ok(cli("sync", "sitecore-send", *SINCE))  # with click events, but for the quiet one
    some = top_both_ways(cli, env, *SINCE, "--humans", "--format", "csv")
    assert some.err == (
        f"{NO_EVENTS}2 of the 4 clicked campaigns ranked: people's clicks in them are left out"
        " of human_unique_clicks and human_total_clicks (sync without --no-clicks, from a"
        " provider that reports click events)\n"
    )
    one = top_both_ways(cli, env, *SINCE, "--humans", "--account", "constant-contact")
    assert one.err.startswith(f"{NO_EVENTS}the 2 clicked campaigns ranked, so ")
    assert top_both_ways(cli, env, *SINCE, "--humans", "--account", "sitecore-send").err == ""
    ok(cli("sync", "constant-contact", *SINCE))
    assert top_both_ways(cli, env, *SINCE, "--humans").err == ""


def _quiet_campaign(box) -> None:
    """Add to the Sitecore Send sandbox a campaign whose one link nobody clicked."""
    box.app.campaigns.append((UNCLICKED, "Quiet", "Quiet", "Sent", "2026-11-20T09:00:00+00:00"))
    box.app.links[UNCLICKED] = [
        {"Context": "https://quiet.example/", "TotalCount": 0, "UniqueCount": 0}
    ]


def test_people_clicked_a_campaign_synced_with_click_events_but_none_zero_times(
    provider_sandbox, db, env, cli
):
    """Its click events were fetched (none came): people's clicks are 0, not unknown."""
    from linkreport.db import Store
    from linkreport.db.report import report_data
    from linkreport.db.verdicts import decider

    _quiet_campaign(provider_sandbox("sitecore-send"))
    ok(cli("sync", "sitecore-send", *SINCE, "--no-clicks"))
    unknown = top_both_ways(cli, env, "--since", "2026-11-15", "--humans")  # the quiet one
    assert json.loads(unknown.out)["human_unique_clicks"] is None  # its events never fetched
    ok(cli("sync", "sitecore-send", *SINCE))  # with click events: none for the quiet one
    assert rows(db, "SELECT COUNT(*) FROM click_events WHERE campaign_id = ?", UNCLICKED) == [(0,)]
    for args in (["--since", "2026-11-15"], [*SINCE, "--by", "campaign", "--format", "ndjson"]):
        ranked = top_both_ways(cli, env, *args, "--humans")
        assert ranked.err == ""  # no note: every campaign's click events were fetched
        quiet = [
            r
            for r in map(json.loads, ranked.out.splitlines())
            if r.get("campaign_id", UNCLICKED) == UNCLICKED
        ]
        assert [
            (r["unique_clicks"], r["human_unique_clicks"], r["human_total_clicks"]) for r in quiet
        ] == [(0, 0, 0)]
    with Store(db, write=False) as store:
        data = report_data(store, since=datetime(2026, 1, 1, tzinfo=UTC), humans=decider(env))
    section = next(s for s in data.campaigns if s.campaign_id == UNCLICKED)
    assert [(link.human_unique_clicks, link.human_total_clicks) for link in section.links] == [
        (0, 0)
    ]


def test_a_store_from_before_clicks_fetched_is_read_as_is_and_learns_it_at_the_next_sync(
    provider_sandbox, db, env, cli
):
    """Schema version 7 (no ``campaigns.clicks_fetched_at``): read as it is, migrated by sync."""
    from linkreport.db.schema import CLICKS_FETCHED_VERSION, SCHEMA_VERSION

    _quiet_campaign(provider_sandbox("sitecore-send"))
    ok(cli("sync", "sitecore-send", *SINCE))
    with sqlite3.connect(db) as conn:  # as a linkreport of version 7 left it
        conn.execute("ALTER TABLE campaigns DROP COLUMN clicks_fetched_at")
        conn.execute(f"PRAGMA user_version = {CLICKS_FETCHED_VERSION - 1}")
    conn.close()
    quiet = ["--since", "2026-11-15", "--humans"]
    old = top_both_ways(cli, env, *quiet)  # read as it is: not known then
    assert json.loads(old.out)["human_unique_clicks"] is None
    assert rows(db, "PRAGMA user_version") == [(CLICKS_FETCHED_VERSION - 1,)]  # never migrated
    ok(cli("sync", "sitecore-send", *SINCE))
    assert rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert rows(db, "SELECT clicks_fetched_at IS NOT NULL FROM campaigns") == [(1,)] * 3
    assert json.loads(top_both_ways(cli, env, *quiet).out)["human_unique_clicks"] == 0
