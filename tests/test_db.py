"""The store: snapshots only on change, campaigns' best times, migrations, click events."""

from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from linkreport.canonical import canonical_url
from linkreport.db import SCHEMA_VERSION, Store, default_db_path, history, top
from linkreport.db.schema import APPLICATION_ID, MIGRATIONS, migrate
from linkreport.errors import ConfigurationError
from linkreport.records import Campaign, CampaignStats, ClickEvent, LinkClicks

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def link(url, unique, total=None, *, at=T0, campaign="c1", provider="sitecore-send", **extra):
    return LinkClicks(
        provider=provider,
        campaign_id=campaign,
        url=url,
        unique_clicks=unique,
        total_clicks=total,
        fetched_at=at,
        **extra,
    )


SPRING = Campaign(provider="sitecore-send", campaign_id="c1", name="Spring", sent_at=T0)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "home" / "linkreport.db") as opened:
        yield opened


def test_default_path(tmp_path):
    home = {"LINKREPORT_HOME": str(tmp_path)}
    assert default_db_path(home) == tmp_path / "linkreport.db"
    assert default_db_path({**home, "LINKREPORT_DB": "/x/y.db"}).as_posix() == "/x/y.db"
    assert default_db_path({**home, "LINKREPORT_DB": "/x/y.db"}, "z.db").as_posix() == "z.db"


def test_new_store_is_private_wal_and_current(store):
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.version == SCHEMA_VERSION
    assert store.query("PRAGMA journal_mode")[0][0] == "wal"
    assert store.query("PRAGMA busy_timeout")[0][0] >= 1000


def test_snapshot_rows_only_when_counts_change(store):
    run = store.start_run(["sitecore-send"], None)
    first = [link("https://a.com/?utm_source=x", 1, 2), link("https://b.com/", 5, 5)]
    assert store.write_campaign(run, "sitecore-send", SPRING, first, canonical=canonical_url) == (
        2,
        0,
    )
    later = T0 + timedelta(hours=1)
    same = [attrs.evolve(r, fetched_at=later) for r in first]
    assert store.write_campaign(run, "sitecore-send", SPRING, same, canonical=canonical_url) == (
        0,
        0,
    )
    grown = [attrs.evolve(same[0], unique_clicks=3, total_clicks=4, fetched_at=later), same[1]]
    assert store.write_campaign(run, "sitecore-send", SPRING, grown, canonical=canonical_url) == (
        1,
        0,
    )
    rows = history(store, "sitecore-send", "c1")
    assert [(r.url, r.unique_clicks, r.total_clicks, r.fetched_at) for r in rows] == [
        ("https://a.com/?utm_source=x", 1, 2, T0),
        ("https://b.com/", 5, 5, T0),
        ("https://a.com/?utm_source=x", 3, 4, later),
    ]
    assert rows[0].url_canonical == "https://a.com/"
    assert rows[0].account == "sitecore-send"
    fetches = store.query("SELECT links, links_changed FROM campaign_fetches")
    assert [tuple(r) for r in fetches] == [(2, 1)]  # one row per run and campaign: the last


def test_campaign_without_send_time_uses_updated_at_then_first_seen(store):
    updated = Campaign(provider="constant-contact", campaign_id="u", updated_at=T0)
    bare = Campaign(provider="constant-contact", campaign_id="b")
    store.write_campaign(None, "cc", updated, [], canonical=canonical_url)
    store.write_campaign(None, "cc", bare, [], canonical=canonical_url, fetched_at=T0)
    rows = store.query("SELECT campaign_id, sent_at, sent_at_source FROM campaigns ORDER BY 1")
    assert [tuple(r) for r in rows] == [
        ("b", "2026-03-02T09:00:00.000000Z", "first_seen"),
        ("u", "2026-03-02T09:00:00.000000Z", "updated_at"),
    ]
    store.write_campaign(
        None, "cc", bare, [], canonical=canonical_url, fetched_at=T0 + timedelta(1)
    )
    assert store.query("SELECT sent_at FROM campaigns WHERE campaign_id = 'b'")[0][0] == (
        "2026-03-02T09:00:00.000000Z"
    )  # the first sighting stays the best time


def test_top_sums_latest_snapshots_by_canonical_url(store):
    other = Campaign(provider="constant-contact", campaign_id="c2", updated_at=T0)
    store.write_campaign(
        None,
        "acme",
        SPRING,
        [link("https://a.com/?utm_source=x", 1, 2), link("https://b.com/x", 5, None)],
        canonical=canonical_url,
    )
    store.write_campaign(
        None,
        "acme",
        SPRING,
        [link("https://a.com/?utm_source=x", 4, 6), link("https://b.com/x", 5, None)],
        canonical=canonical_url,
    )
    store.write_campaign(
        None,
        "cc",
        other,
        [link("https://A.com:443/?fbclid=1", 10, campaign="c2", provider="constant-contact")],
        canonical=canonical_url,
    )
    rows = top(store)
    assert [tuple(r) for r in rows] == [
        # unique over both links, total over the one that reports it; no delivery counts
        ("https://a.com/", 14, 6, 2, 2, 2, 2, 2, 1, None, None),
        ("https://b.com/x", 5, None, 1, 1, 1, 1, 1, 0, None, None),
    ]
    raw = top(store, raw_urls=True, limit=1)
    assert [r.url for r in raw] == ["https://A.com:443/?fbclid=1"]
    assert len(top(store, limit=2**63)) == 2  # more rows than SQLite can count: all of them
    assert [(r.domain, r.unique_clicks) for r in top(store, by="domain")] == [
        ("a.com", 14),
        ("b.com", 5),
    ]
    assert [(r.campaign_id, r.unique_clicks, r.links) for r in top(store, by="campaign")] == [
        ("c2", 10, 1),
        ("c1", 9, 2),
    ]
    assert [r.url for r in top(store, accounts=["cc"])] == ["https://a.com/"]
    assert top(store, since=T0 + timedelta(seconds=1)) == []


def test_delivery_counts_are_snapshots_on_change_and_give_top_its_rates(store):
    news = Campaign(provider="constant-contact", campaign_id="n1", updated_at=T0)
    resent = T0 + timedelta(days=1)

    def stats(activity, sent, bounces, at, sent_at=None):
        return CampaignStats(
            provider="constant-contact",
            campaign_id="n1",
            activity_id=activity,
            sent=sent,
            bounces=bounces,
            sent_at=sent_at,
            fetched_at=at,
        )

    def links(at, unique):
        return [
            link("https://a.com/", unique, None, at=at, campaign="n1", activity_id="p"),
            link("https://a.com/", 5, None, at=at, campaign="n1", activity_id="r"),
            link("https://b.com/", 9, None, at=at, campaign="n1", activity_id="r"),
        ]

    sent = T0 - timedelta(hours=1)
    first = [stats("p", 1000, 50, T0, sent), stats("r", 200, 0, T0, resent)]
    store.write_campaign(None, "cc", news, links(T0, 19), canonical=canonical_url, stats=first)
    later = T0 + timedelta(hours=2)
    again = [stats("p", 1000, 50, later, sent), stats("r", 200, 10, later, resent)]  # the resend's
    store.write_campaign(None, "cc", news, links(later, 20), canonical=canonical_url, stats=again)
    store.write_campaign(None, "cc", news, links(later, 20), canonical=canonical_url, stats=None)
    assert store.tuples(
        "SELECT activity_id, sent, bounces, delivered FROM campaign_stats ORDER BY stats_id"
    ) == [("p", 1000, 50, 950), ("r", 200, 0, 200), ("r", 200, 10, 190)]
    assert store.tuples("SELECT activity_id, delivered FROM latest_stats ORDER BY 1") == [
        ("p", 950),
        ("r", 190),
    ]
    # the stats' send time (the earliest activity's) replaces the listing's update time
    assert store.tuples("SELECT sent_at, sent_at_source FROM campaigns") == [
        ("2026-03-02T08:00:00.000000Z", "sent_at")
    ]
    (url, bare) = top(store)
    assert (url.url, url.unique_clicks, url.delivered, url.click_rate) == (
        "https://a.com/",
        25,
        950 + 190,  # each activity once
        round(25 / 1140, 6),
    )
    assert (bare.url, bare.delivered, bare.click_rate) == ("https://b.com/", 190, round(9 / 190, 6))
    (campaign,) = top(store, by="campaign")
    assert (campaign.unique_clicks, campaign.delivered) == (34, 1140)
    assert [r.url for r in top(store, sort="rate")] == ["https://b.com/", "https://a.com/"]


def test_a_store_from_before_delivery_counts_is_read_without_them(tmp_path):
    from linkreport.db.report import report_data

    path = tmp_path / "v5.db"
    with Store(path) as store:
        store.write_campaign(None, "acme", SPRING, [link("https://a.com/", 3, 4)], canonical=str)
    with sqlite3.connect(path) as conn:  # as linkreport left it before schema version 6
        conn.executescript(
            "DROP VIEW latest_stats; DROP VIEW campaign_stats; DROP TABLE stats;"
            " PRAGMA user_version = 5;"
        )
    with Store(path, write=False) as old:
        assert old.version == 5
        (row,) = top(old)
        assert (row.unique_clicks, row.delivered, row.click_rate) == (3, None, None)
        (section,) = report_data(old, now=T0).campaigns
        assert (section.delivered, section.click_rate) == (None, None)


def test_click_events_are_idempotent_and_give_the_newest(store):
    def Event(provider, campaign_id, activity_id, url, link_id, clicked_at, contact):
        return ClickEvent(
            provider=provider,
            campaign_id=campaign_id,
            activity_id=activity_id,
            url=url,
            link_id=link_id,
            clicked_at=clicked_at,
            contact=contact,
        )

    events = [
        Event("constant-contact", "c", "a1", "https://x/", "1", T0, "p1"),
        Event("constant-contact", "c", "a1", "https://x/", "1", T0 + timedelta(1), "p2"),
        Event("constant-contact", "c", None, "https://x/", None, T0, "p1"),
    ]
    assert store.add_click_events("cc", events) == 3
    assert store.add_click_events("cc", events) == 0
    assert store.add_click_events("other", events[:1]) == 1  # the account is part of the key
    assert store.newest_click("cc", "c", "a1") == T0 + timedelta(1)
    assert store.newest_click("cc", "c") == T0
    assert store.newest_click("cc", "missing") is None
    assert store.newest_clicks("cc") == {("c", "a1"): T0 + timedelta(1), ("c", None): T0}


def test_newer_store_is_refused(tmp_path):
    path = tmp_path / "new.db"
    with sqlite3.connect(path) as conn:  # a newer linkreport's store: marked as linkreport's
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(ConfigurationError, match="newer than this linkreport knows"):
        Store(path)


def test_not_a_store_is_refused(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ConfigurationError, match="not a linkreport store"):
        Store(path)


def test_migrates_from_the_first_schema(tmp_path):
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=1) == 1
    conn.execute(
        "INSERT INTO accounts VALUES ('acme', 'sitecore-send', '2026-01-01T00:00:00.000000Z',"
        " '2026-01-01T00:00:00.000000Z')"
    )
    conn.execute(
        "INSERT INTO campaigns (account, campaign_id, provider, sent_at, sent_at_source,"
        " first_seen_at) VALUES ('acme', 'c1', 'sitecore-send', '2026-03-02T09:00:00.000000Z',"
        " 'sent_at', '2026-03-02T09:00:00.000000Z')"
    )
    for unique in (1, 7):
        conn.execute(
            "INSERT INTO link_snapshots (account, provider, campaign_id, url, unique_clicks,"
            " fetched_at, url_canonical) VALUES ('acme', 'sitecore-send', 'c1', 'https://a.com/',"
            " ?, '2026-03-02T09:00:00.000000Z', 'https://a.com/')",
            (unique,),
        )
    conn.close()
    with Store(path) as store:
        assert store.version == SCHEMA_VERSION == len(MIGRATIONS)
        assert [(r.url, r.unique_clicks) for r in top(store)] == [("https://a.com/", 7)]
        assert len(history(store, "acme", "c1")) == 2


def test_canonical_rules_are_applied_once_per_change(store):
    from linkreport.canonical import Canonicalizer

    store.write_campaign(
        None, "a", SPRING, [link("https://a.com/?ref=x", 1)], canonical=canonical_url
    )
    default = Canonicalizer()
    assert store.use_canonical_rules(default.rules, default) == 0  # already the default form
    assert store.use_canonical_rules(default.rules, default) == 0
    dropping = Canonicalizer(drop=("ref",))
    assert store.use_canonical_rules(dropping.rules, dropping) == 1
    assert [r.url_canonical for r in history(store, "a", "c1")] == ["https://a.com/"]
    assert store.use_canonical_rules(dropping.rules, dropping) == 0


def test_an_older_fetch_committed_later_never_becomes_the_latest(store):
    # two syncs at once: the one that fetched first commits last
    newer = [link("https://a.com/", 9, 12, at=T0 + timedelta(minutes=5))]
    older = [link("https://a.com/", 7, 10, at=T0)]
    assert store.write_campaign(None, "a", SPRING, newer, canonical=canonical_url) == (1, 0)
    assert store.write_campaign(None, "a", SPRING, older, canonical=canonical_url) == (0, 0)
    assert [(r.unique_clicks, r.fetched_at) for r in history(store, "a", "c1")] == [
        (9, T0 + timedelta(minutes=5))
    ]
    assert [r.unique_clicks for r in top(store)] == [9]
    last = store.query("SELECT last_fetched_at FROM campaigns")[0][0]
    assert last == "2026-03-02T09:05:00.000000Z"
