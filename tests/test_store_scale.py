"""The store at scale: compact rows, SQL aggregation, planner statistics, short canonical rewrites.

Speed itself is measured in ``benchmarks/store.py``; these tests guard the structure that
makes it: ``top`` aggregates in SQL and hands back only ranked rows, a sync leaves statistics
for the planner, a changed ``[canonical]`` rewrites distinct URLs in short transactions, the
migration from schema 3 keeps every row, and rows stay within their byte budget.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from linkreport.canonical import Canonicalizer, canonical_url
from linkreport.db import Store, history, top
from linkreport.db.schema import SCHEMA_VERSION, migrate
from linkreport.records import Campaign, CampaignStats, ClickEvent, LinkClicks

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOSTS = ("https://www.a.example", "HTTP://B.example:80", "https://c.example", "mailto:x")


def _fill(store: Store, rng: random.Random, campaigns: int = 12, links: int = 30) -> None:
    for c in range(campaigns):
        account, provider = ("cc", "constant-contact") if c % 3 == 0 else ("acme", "sitecore-send")
        campaign = Campaign(
            provider=provider, campaign_id=f"c{c % 8}", sent_at=T0 + timedelta(days=c)
        )
        for sync in range(3):
            records = [
                LinkClicks(
                    provider=provider,
                    campaign_id=campaign.campaign_id,
                    activity_id=f"a{n % 2}" if provider == "constant-contact" else None,
                    url=f"{HOSTS[n % 4]}/p{n % 7}?utm_source=x{n % 3}&id={n % 5}",
                    unique_clicks=None if n % 11 == 0 else rng.randint(0, 50) + sync,
                    total_clicks=None if provider == "constant-contact" else rng.randint(50, 99),
                    link_id=str(n % 4) if provider == "constant-contact" else None,
                    fetched_at=T0 + timedelta(days=c, hours=sync),
                )
                for n in range(links)
            ]
            store.write_campaign(None, account, campaign, records, canonical=canonical_url)


def _expected_top(store: Store, since, by: str, raw: bool, limit):
    """``top`` as linkreport computed it before the store aggregated in SQL (every row in Python)."""

    def domain(url: str) -> str:
        try:
            return (urlsplit(url).hostname or url).lower()
        except ValueError:
            return url

    rows = store.query(
        "SELECT l.* FROM latest_snapshots AS l JOIN campaigns AS c USING (account, campaign_id)"
        " WHERE c.sent_at >= ?",
        (since.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),),
    )
    groups: dict[str, list] = defaultdict(list)
    for r in rows:
        url = r["url"] if raw else r["url_canonical"]
        key = {"url": url, "domain": domain(url), "campaign": r["campaign_id"]}[by]
        groups[key].append(r)

    def total(values):
        found = [v for v in values if v is not None]
        return sum(found) if found else None

    ranked = [
        (
            key,
            total(r["unique_clicks"] for r in g),
            total(r["total_clicks"] for r in g),
            len({(r["account"], r["campaign_id"]) for r in g}),
            len({r["account"] for r in g}),
            len({r["url"] for r in g}),
            len(g),
            sum(1 for r in g if r["unique_clicks"] is not None),
            sum(1 for r in g if r["total_clicks"] is not None),
            None,  # delivered: no delivery counts stored
            None,  # click_rate
        )
        for key, g in groups.items()
    ]
    # by unique clicks; rows none of whose links report them last, by total clicks
    ranked.sort(key=lambda t: (t[1] is None, -(t[1] or 0), t[2] is None, -(t[2] or 0), t[0]))
    return ranked[: limit or None]


@pytest.fixture
def filled(tmp_path):
    with Store(tmp_path / "store.db") as store:
        _fill(store, random.Random(3))
        yield store


@pytest.mark.parametrize("by", ["url", "domain", "campaign"])
@pytest.mark.parametrize("raw", [False, True])
def test_top_in_sql_gives_what_the_rows_gave_in_python(filled, by, raw):
    for since, limit in ((T0, None), (T0 + timedelta(days=5), 3)):
        got = [tuple(row) for row in top(filled, since=since, by=by, raw_urls=raw, limit=limit)]
        assert got == _expected_top(filled, since, by, raw, limit)
        assert got  # the data has rows of every kind


def test_top_hands_python_only_the_ranked_rows(filled):
    statements: list[str] = []
    fetched = []
    filled._conn.set_trace_callback(statements.append)
    try:
        fetched = top(filled, since=T0, limit=2)
    finally:
        filled._conn.set_trace_callback(None)
    ranking = [s for s in statements if "snapshots" in s]
    assert len(ranking) == 1  # one statement, aggregating in SQL
    assert "GROUP BY name" in ranking[0]
    assert ranking[0].rstrip().endswith("LIMIT 2")
    assert len(fetched) == 2
    assert filled.query("SELECT COUNT(*) FROM snapshots")[0][0] > 200


def test_a_sync_leaves_statistics_for_the_query_planner(env, tmp_path, cli, provider_sandbox):
    provider_sandbox("sitecore-send")
    db = tmp_path / "store.db"
    env["LINKREPORT_DB"] = str(db)
    result = cli("sync", "--since", "2026-01-01")
    assert result.code == 0, result.err
    with sqlite3.connect(db) as conn:
        stats = {r[0] for r in conn.execute("SELECT tbl FROM sqlite_stat1")}
    assert {"snapshots", "links", "urls", "events", "campaigns"} <= stats


def test_reading_leaves_the_statistics_alone(filled, tmp_path):
    filled.close()
    path = filled.path
    with sqlite3.connect(path) as conn:
        before = sorted(conn.execute("SELECT * FROM sqlite_stat1"))
        conn.execute("DELETE FROM sqlite_stat1")
    with Store(path) as store:
        top(store, since=T0)
    with sqlite3.connect(path) as conn:
        assert before
        assert conn.execute("SELECT COUNT(*) FROM sqlite_stat1").fetchone()[0] == 0


def test_a_canonical_rule_change_rewrites_urls_in_short_transactions(tmp_path):
    with Store(tmp_path / "store.db") as store:
        urls = [f"https://a.example/p{n}?ref=x&id={n}" for n in range(35)]
        campaign = Campaign(provider="sitecore-send", campaign_id="c1", sent_at=T0)
        records = [
            LinkClicks(provider="sitecore-send", campaign_id="c1", url=u, unique_clicks=1)
            for u in urls
        ]
        store.write_campaign(None, "acme", campaign, records, canonical=canonical_url)
        statements: list[str] = []
        store._conn.set_trace_callback(statements.append)
        dropping = Canonicalizer(drop=("ref",))
        assert store.use_canonical_rules(dropping.rules, dropping, batch=10) == 35
        store._conn.set_trace_callback(None)
        transactions: list[list[str]] = []
        for statement in statements:
            if statement.startswith("BEGIN"):
                transactions.append([])
            elif transactions and not statement.startswith("COMMIT"):
                transactions[-1].append(statement)
        updates = [sum(s.startswith("UPDATE urls") for s in t) for t in transactions]
        assert updates[:4] == [10, 10, 10, 5]  # one short transaction per batch
        assert all(not any("snapshots" in s for s in t) for t in transactions)  # history untouched
        assert {r.url_canonical for r in history(store, "acme", "c1")} == {
            f"https://a.example/p{n}?id={n}" for n in range(35)
        }


def _v3_store(path, snapshots: int, events: int) -> None:
    """A schema-3 store (as linkreport wrote it before), filled fast with plain SQL."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=3)
    conn.execute("BEGIN")
    rng = random.Random(5)
    campaigns = [(f"acct{c % 3}", f"campaign-{c}") for c in range(200)]
    conn.executemany(
        "INSERT INTO accounts VALUES (?, 'sitecore-send', '2026-01-01T00:00:00.000000Z',"
        " '2026-01-01T00:00:00.000000Z')",
        [(f"acct{a}",) for a in range(3)],
    )
    conn.executemany(
        "INSERT INTO campaigns (account, campaign_id, provider, sent_at, sent_at_source,"
        " first_seen_at) VALUES (?, ?, 'sitecore-send', '2026-03-02T09:00:00.000000Z',"
        " 'sent_at', '2026-03-02T09:00:00.000000Z')",
        campaigns,
    )

    def snapshot(n):
        account, cid = campaigns[n % 200]
        url = f"https://x{n % 13}.example/p{n % 1000}?utm_source=n&k={n % 7}"
        activity = None if n % 4 else f"act-{n % 3}"
        return (
            account,
            "sitecore-send",
            cid,
            activity,
            "primary" if activity else None,
            url,
            rng.randint(0, 9) if n % 9 else None,
            rng.randint(0, 99),
            None if n % 5 else str(n % 11),
            "tag" if n % 17 == 0 else None,
            f"2026-03-{1 + n % 28:02d}T10:00:00.{n % 999999:06d}Z",
            url.partition("?")[0],  # a canonical form (the real one takes long at this scale)
        )

    conn.executemany(
        "INSERT INTO link_snapshots (account, provider, campaign_id, activity_id, activity_role,"
        " url, unique_clicks, total_clicks, link_id, link_tag, fetched_at, url_canonical)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (snapshot(n) for n in range(snapshots)),
    )
    conn.executemany(
        "INSERT INTO click_events VALUES (?, ?, 'sitecore-send', ?, ?, ?, ?, ?, ?)",
        (
            (
                f"{n:064x}",
                *campaigns[n % 200],
                None,
                f"https://ev{n % 5}.example/only-clicked/{n % 300}",
                None,
                f"2026-03-{1 + n % 28:02d}T11:00:00.{n:06d}Z",
                f"{n % 5000:032x}",
            )
            for n in range(events)
        ),
    )
    conn.execute("COMMIT")
    conn.close()


#: The columns of ``click_events`` a schema 3 store has (later ones add verdicts).
EVENT_COLUMNS = (
    "event_key, account, provider, campaign_id, activity_id, url, link_id, clicked_at, contact"
)


def test_the_migration_keeps_every_row_of_a_large_store(tmp_path):
    path = tmp_path / "v3.db"
    _v3_store(path, snapshots=200_000, events=50_000)
    columns = (
        "snapshot_id, run_id, account, provider, campaign_id, activity_id, activity_role, url,"
    )
    columns += " unique_clicks, total_clicks, link_id, link_tag, list_id, list_action, timestamp,"
    columns += " fetched_at, url_canonical"
    sample = sorted(random.Random(1).sample(range(1, 200_001), 2000))
    marks = ", ".join("?" for _ in sample)

    def read(conn):
        snapshots = conn.execute(
            f"SELECT {columns} FROM link_snapshots WHERE snapshot_id IN ({marks})", sample
        ).fetchall()
        events = conn.execute(f"SELECT {EVENT_COLUMNS} FROM click_events ORDER BY event_key")
        latest = conn.execute("SELECT COUNT(*), SUM(unique_clicks) FROM latest_snapshots")
        return snapshots, events.fetchall(), latest.fetchone()

    with sqlite3.connect(path) as conn:
        before = read(conn)
        size_before = path.stat().st_size
    with Store(path) as store:
        assert store.query("SELECT COUNT(*) FROM snapshots")[0][0] == 200_000
        assert store.query("SELECT COUNT(*) FROM events")[0][0] == 50_000
        canonical = {r[0]: r[1] for r in store.query("SELECT url, url_canonical FROM urls")}
    with sqlite3.connect(path) as conn:
        assert read(conn) == before
    assert canonical["https://ev1.example/only-clicked/1"] == "https://ev1.example/only-clicked/1"
    assert path.stat().st_size < size_before / 2  # the old tables' space was given back


def test_rows_stay_within_their_byte_budget(tmp_path):
    from linkreport.db.verdicts import decider, redecide_all

    path = tmp_path / "store.db"
    with Store(path) as store:
        for c in range(40):
            campaign = Campaign(
                provider="constant-contact", campaign_id=f"{c:08d}-aaaa-4bbb-8ccc-0123456789ab"
            )
            for sync in range(5):
                records = [
                    LinkClicks(
                        provider="constant-contact",
                        campaign_id=campaign.campaign_id,
                        activity_id=f"{c:08d}-bbbb-4bbb-8ccc-0123456789ab",
                        activity_role="primary_email",
                        url=f"https://www.shop.example/p{n}?utm_source=news&utm_campaign=c{c}",
                        unique_clicks=n + sync,
                        link_id=str(n),
                        fetched_at=T0 + timedelta(days=sync),
                    )
                    for n in range(50)
                ]
                events = [
                    ClickEvent(
                        provider="constant-contact",
                        campaign_id=campaign.campaign_id,
                        activity_id=records[0].activity_id,
                        url=records[k % 50].url,
                        link_id=str(k % 50),
                        clicked_at=T0 + timedelta(seconds=k * 97 + sync),
                        contact=f"{k * 7919 + c:032x}",
                        network=f"{k % 9:032x}",  # a pseudonym (where the provider gives IPs)
                    )
                    for k in range(50)
                ]
                store.write_campaign(
                    None, "cc", campaign, records, canonical=canonical_url, events=events
                )
        deciding = decider({"LINKREPORT_HOME": str(tmp_path)})
        redecide_all(store, deciding[1], deciding[0])  # every event decided
        assert not store.query("SELECT 1 FROM events WHERE machine IS NULL")
    with sqlite3.connect(path) as conn:
        pages = dict(conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
        owner = dict(conn.execute("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index'"))
        size: dict[str, int] = defaultdict(int)
        for name, bytes_ in pages.items():
            size[owner.get(name, name)] += bytes_
        snapshots = conn.execute("SELECT COUNT(*) FROM snapshots").fetchone()[0]
        events = conn.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    assert snapshots == events == 40 * 5 * 50
    per_snapshot = sum(size[t] for t in ("snapshots", "links", "urls", "campaign_keys"))
    assert per_snapshot / snapshots <= 250
    assert (size["events"] + size["networks"] + size["reasons"]) / events <= 150


def test_top_under_newer_canonical_settings_groups_as_after_the_rewrite(filled):
    dropping = Canonicalizer(drop=("id",))
    read_only = {by: top(filled, since=T0, by=by, canonical=dropping) for by in ("url", "domain")}
    assert len(read_only["url"]) < len(top(filled, since=T0, by="url"))  # forms merged
    filled.use_canonical_rules(dropping.rules, dropping)
    assert read_only == {by: top(filled, since=T0, by=by) for by in ("url", "domain")}


def _v5_store(path, campaigns: int, links: int, per_link: int) -> None:
    """A store of schema 5 (before verdicts) filled directly, quickly."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=5)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO campaigns (account, campaign_id, provider, sent_at, sent_at_source,"
        " first_seen_at) VALUES ('acme', ?, 'sitecore-send', '2026-03-02T09:00:00.000000Z',"
        " 'sent_at', '2026-03-02T09:00:00.000000Z')",
        [(f"c{c}",) for c in range(campaigns)],
    )
    conn.execute(
        "INSERT INTO accounts VALUES ('acme', 'sitecore-send', '2026-03-02T09:00:00.000000Z',"
        " '2026-03-02T09:00:00.000000Z')"
    )
    conn.executemany(
        "INSERT INTO campaign_keys (campaign_key, account, campaign_id, provider)"
        " VALUES (?, 'acme', ?, 'sitecore-send')",
        [(c + 1, f"c{c}") for c in range(campaigns)],
    )
    conn.executemany(
        "INSERT INTO urls (url_id, url, url_canonical, domain, domain_canonical)"
        " VALUES (?, ?, ?, 'a.example', 'a.example')",
        [(n + 1, f"https://a.example/{n}", f"https://a.example/{n}") for n in range(links)],
    )
    conn.executemany(
        "INSERT INTO links (link_key, campaign_key, url_id) VALUES (?, ?, ?)",
        [(c * links + n + 1, c + 1, n + 1) for c in range(campaigns) for n in range(links)],
    )
    conn.executemany(
        "INSERT INTO snapshots (link_key, unique_clicks, total_clicks, fetched_at)"
        " VALUES (?, 5, 9, '2026-03-03T09:00:00.000000Z')",
        [(k + 1,) for k in range(campaigns * links)],
    )

    def event(k: int, i: int) -> tuple:
        # people click one link each, minutes apart; every 50th "contact" (a scanner)
        # follows all of a campaign's links at the same moment
        when = T0 + timedelta(hours=1, seconds=i * 97 + (k % links) * 11 * bool(i % 50))
        who = f"{i:016x}{k % links:016x}" if i % 50 else f"{i:032x}"
        return (k + 1, when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), who, bytes(32))

    conn.executemany(
        "INSERT INTO events (link_key, clicked_at, contact, event_key) VALUES (?, ?, ?, ?)",
        (event(k, i) for k in range(campaigns * links) for i in range(per_link)),
    )
    conn.execute("COMMIT")
    conn.close()


def test_the_verdicts_step_is_quick_on_a_large_store_and_decided_in_short_batches(
    tmp_path, monkeypatch
):
    from linkreport.db.verdicts import decider, redecide_all, stored_fingerprint

    path = tmp_path / "v5.db"
    _v5_store(path, campaigns=100, links=10, per_link=100)  # 100,000 events
    columns = "event_key, account, provider, campaign_id, activity_id, url, link_id, clicked_at"
    with sqlite3.connect(path) as conn:
        before = conn.execute(f"SELECT {columns}, contact FROM click_events ORDER BY 1, 8, 9")
        before = before.fetchall()
    decide = decider({"LINKREPORT_HOME": str(tmp_path)})
    with Store(path, write=False) as old:  # the read commands decide as they read a v5 store
        ranked = top(old, since=T0, by="campaign", humans=decide)
        assert sum(r.human_total_clicks for r in ranked) == 100_000 - 100 * 10 * 2  # scanners
    started = time.monotonic()
    with Store(path) as store:
        assert time.monotonic() - started < 5  # columns added, no row rewritten
        assert store.version == SCHEMA_VERSION
        assert store.query("SELECT COUNT(*) FROM events WHERE machine IS NULL")[0][0] == 100_000
        transactions = []
        real = store.transaction

        def counting(**options):
            transactions.append(1)
            return real(**options)

        monkeypatch.setattr(store, "transaction", counting)
        redecide_all(store, decide[1], decide[0], batch=10_000)
        assert len(transactions) == 10 + 1  # 10 batches of 10 campaigns, then the fingerprint
        assert store.query("SELECT COUNT(*) FROM events WHERE machine IS NULL")[0][0] == 0
        assert stored_fingerprint(store) == decide[1]
        assert redecide_all(store, decide[1], decide[0]) == 0  # nothing to do: no transaction
        assert len(transactions) == 11
        again = top(store, since=T0, by="campaign", humans=decide)
        assert again == ranked  # stored verdicts give what deciding while reading gave
    with sqlite3.connect(path) as conn:
        after = conn.execute(f"SELECT {columns}, contact FROM click_events ORDER BY 1, 8, 9")
        assert after.fetchall() == before


def test_history_builds_the_views_rows_as_named_tuples(filled):
    """``history`` is the documented view's rows, typed, built as tuples (not attrs records)."""
    from linkreport.db import StoredLink
    from linkreport.db.store import from_text

    campaigns = filled.tuples("SELECT account, campaign_id FROM campaigns ORDER BY 1, 2")
    assert len(campaigns) > 4
    for account, campaign_id in campaigns:
        rows = history(filled, account, campaign_id)
        assert rows
        assert all(type(row) is StoredLink and isinstance(row, tuple) for row in rows)
        expected = [
            (*r[:11], from_text(r[11]) if r[11] else None, from_text(r[12]), *r[13:])
            for r in filled.tuples(
                "SELECT provider, campaign_id, activity_id, activity_role, url, unique_clicks,"
                " total_clicks, link_id, link_tag, list_id, list_action, timestamp, fetched_at,"
                " account, url_canonical, occurrence FROM link_snapshots"
                " WHERE account = ? AND campaign_id = ?"
                " ORDER BY fetched_at, snapshot_id",
                (account, campaign_id),
            )
        ]
        assert [tuple(row) for row in rows] == expected
        assert rows[0].fetched_at == expected[0][12]  # the fields by name


def test_the_reports_links_are_tuples_and_rank_as_top_ranks(filled):
    from linkreport.db.report import report_data
    from linkreport.report.model import LinkRow

    data = report_data(filled, since=T0, now=T0 + timedelta(days=30))
    links = [link for section in data.campaigns for link in section.links]
    assert len(links) > 100
    assert all(type(link) is LinkRow and isinstance(link, tuple) for link in links)
    ranked = top(filled, since=T0)
    assert [
        (t.url, t.unique_clicks, t.total_clicks, t.campaigns, t.accounts, t.links)
        for t in data.top_links[: len(ranked)]
    ] == [
        (r.url, r.unique_clicks, r.total_clicks, r.campaigns, r.accounts, r.links) for r in ranked
    ]


def test_the_reports_chart_buckets_look_up_click_times_only_near_a_limit(tmp_path):
    """The bucket comes from the span of the days with clicks; exact times only near a limit."""
    from linkreport.db.report import report_data

    spans = {  # campaign: span between its two clicks, and the bucket that span gives
        "far": (timedelta(days=30), "day"),
        "hour": (timedelta(days=2) - timedelta(minutes=1), "hour"),
        "day": (timedelta(days=2) + timedelta(minutes=1), "day"),
        "day2": (timedelta(days=120) - timedelta(minutes=1), "day"),
        "week": (timedelta(days=120) + timedelta(minutes=1), "week"),
    }
    with Store(tmp_path / "store.db") as store:
        for name, (span, _) in spans.items():
            link = LinkClicks(
                provider="sitecore-send", campaign_id=name, url="https://a.example/x", fetched_at=T0
            )
            events = [
                ClickEvent(
                    provider="sitecore-send",
                    campaign_id=name,
                    url=link.url,
                    clicked_at=T0 + offset,
                    contact=f"p{n}",
                )
                for n, offset in enumerate((timedelta(hours=1), timedelta(hours=1) + span))
            ]
            campaign = Campaign(provider="sitecore-send", campaign_id=name, sent_at=T0)
            store.write_campaign(
                None, "acme", campaign, [link], canonical=canonical_url, events=events
            )
        statements: list[str] = []
        store._conn.set_trace_callback(statements.append)
        try:
            data = report_data(store, now=T0 + timedelta(days=200))
        finally:
            store._conn.set_trace_callback(None)
    buckets = {c.campaign_id: c.series.bucket for c in data.campaigns if c.series}
    assert buckets == {name: bucket for name, (_, bucket) in spans.items()}
    exact = [s for s in statements if "MIN(e.clicked_at)" in s]
    assert len(exact) == 4  # the four campaigns within a day of a limit; not "far"
    assert all("'far'" not in s for s in exact)


def _varied(store: Store) -> None:
    """Campaigns of every shape the report sums: unique-only, total-only and both; several
    activities; delivery counts known, zero and unknown; people's and scanners' clicks; shared
    canonical URLs across campaigns and accounts; a campaign without links."""
    rng = random.Random(11)
    shapes = ("both", "unique", "total", "mixed")
    for c in range(16):
        account = ("acme", "beta", "cc")[c % 3]
        provider = "constant-contact" if account == "cc" else "sitecore-send"
        campaign = Campaign(provider=provider, campaign_id=f"v{c}", sent_at=T0 + timedelta(days=c))
        shape, activities = shapes[c % 4], ("a0", "a1") if account == "cc" else (None,)
        records, stats = [], []
        for n in range(0 if c == 5 else 12):
            activity = activities[n % len(activities)]
            unique = rng.randint(0, 40)
            total = unique + rng.randint(0, 9)
            if shape == "unique" or (shape == "mixed" and n % 3 == 0):
                total = None
            if shape == "total" or (shape == "mixed" and n % 3 == 1):
                unique = None
            records.append(
                LinkClicks(
                    provider=provider,
                    campaign_id=campaign.campaign_id,
                    activity_id=activity,
                    activity_role="primary_email" if activity else None,
                    url=f"{HOSTS[n % 3]}/shared{n % 5}?utm_campaign=v{c}&k={n % 2}",
                    unique_clicks=unique,
                    total_clicks=total,
                    link_id=str(n) if activity else None,
                    fetched_at=T0 + timedelta(days=c, hours=1),
                )
            )
        for activity in activities:
            if c % 5 != 4:  # else no delivery count known
                sent = 0 if c % 5 == 3 else 500 + c
                stats.append(
                    CampaignStats(
                        provider=provider,
                        campaign_id=campaign.campaign_id,
                        activity_id=activity,
                        sent=sent,
                        bounces=min(sent, c),
                        fetched_at=T0 + timedelta(days=c, hours=1),
                    )
                )
        events = []
        if records and c % 2 == 0:  # people's clicks, and a scanner following 3 links at once
            events = [
                ClickEvent(
                    provider=provider,
                    campaign_id=campaign.campaign_id,
                    activity_id=records[k % 4].activity_id,
                    url=records[k % 4].url,
                    link_id=records[k % 4].link_id,
                    clicked_at=T0 + timedelta(days=c, hours=2, seconds=k % 3 if k < 3 else k * 400),
                    contact="scanner" if k < 3 else f"person{k % 7}",
                )
                for k in range(20)
            ]
        store.write_campaign(
            None,
            account,
            campaign,
            records,
            canonical=lambda url: url.split("?")[0],
            events=events,
            stats=stats,
        )


@pytest.mark.parametrize("decided", ["all", "none", "partly"])
def test_the_reports_ranking_and_totals_in_sql_are_what_python_sums(tmp_path, decided):
    """The report's top links and totals, summed in SQL, equal the model's own sums."""
    from linkreport.db.report import TOP_LINKS_KEPT, report_data, top_links
    from linkreport.db.verdicts import decide_campaign, decider, redecide_all
    from linkreport.report.model import Totals

    humans = decider({"LINKREPORT_HOME": str(tmp_path)})
    with Store(tmp_path / "store.db") as store:
        _varied(store)
        if decided != "none":  # else the events are classified as the store is read
            redecide_all(store, humans[1], humans[0])
        if decided == "partly":  # a scanner's new clicks in one campaign, not yet decided
            before = report_data(store, humans=humans, now=T0).totals.machine_clicks
            late = [
                ClickEvent(
                    provider="sitecore-send",
                    campaign_id="v0",
                    url=url,
                    clicked_at=T0 + timedelta(days=3, seconds=n),
                    contact="late-scanner",
                )
                for n, url in enumerate(sorted({r.url for r in history(store, "acme", "v0")})[:3])
            ]
            campaign = Campaign(provider="sitecore-send", campaign_id="v0", sent_at=T0)
            store.write_campaign(None, "acme", campaign, [], canonical=canonical_url, events=late)
            assert store.query("SELECT 1 FROM events WHERE machine IS NULL")
            read = report_data(store, humans=humans, now=T0)  # classified as it is read
            assert read.totals.machine_clicks == before + 3
            decide_campaign(store, "acme", "v0", humans[0])
            assert report_data(store, humans=humans, now=T0) == read
        for since in (None, T0 + timedelta(days=9)):
            for asked in (humans, None):
                data = report_data(store, since=since, now=T0 + timedelta(days=30), humans=asked)
                assert data.top_links == top_links(data.campaigns, TOP_LINKS_KEPT)
                assert data.totals == Totals.of(data.campaigns, data.totals.click_events)
                assert data.top_links[:3] == top_links(data.campaigns, 3)
        full = report_data(store, humans=humans)  # the data has every shape
        assert full.totals.machine_clicks  # the scanner's
        assert {c.delivered for c in full.campaigns} >= {None, 0}
        assert any(link.unique_partial for link in full.top_links)
        assert any(link.total_partial for link in full.top_links)
        assert any(link.click_rate for link in full.top_links)
        assert any(c.links == () for c in full.campaigns)


def test_the_report_reads_each_link_and_event_once_and_ranks_in_sql(tmp_path):
    """The latest snapshots are read once; people's clicks in one pass over the events; only
    the ranked canonical URLs, the links and the totals reach Python."""
    from linkreport.db.report import report_data
    from linkreport.db.verdicts import decider, redecide_all

    humans = decider({"LINKREPORT_HOME": str(tmp_path)})
    with Store(tmp_path / "store.db") as store:
        _varied(store)
        redecide_all(store, humans[1], humans[0])
        statements: list[str] = []
        store._conn.set_trace_callback(statements.append)
        try:
            data = report_data(store, humans=humans)
        finally:
            store._conn.set_trace_callback(None)
    assert len(data.top_links) > 3
    latest = [s for s in statements if "MAX(x.snapshot_id)" in s]
    assert len(latest) == 1  # into the report's temporary table
    assert latest[0].startswith("CREATE TABLE temp.")
    human = [s for s in statements if "events AS e" in s and "e.contact" in s]
    assert len(human) == 1  # counts and undecided events together
    ranking = [s for s in statements if "GROUP BY url_canonical" in s]
    assert len(ranking) == 1
    assert ranking[0].rstrip().endswith("ranked.name")


def test_top_with_peoples_clicks_hands_python_only_the_ranked_rows(tmp_path):
    """With stored verdicts that follow the settings, ``top --humans`` reads the events once,
    in SQL (no campaign's events reach Python to be classified), then ranks in one statement."""
    from linkreport.db.verdicts import decider, redecide_all

    humans = decider({"LINKREPORT_HOME": str(tmp_path)})
    with Store(tmp_path / "store.db") as store:
        _varied(store)
        redecide_all(store, humans[1], humans[0])
        statements: list[str] = []
        store._conn.set_trace_callback(statements.append)
        try:
            ranked = top(store, limit=2, humans=humans)
        finally:
            store._conn.set_trace_callback(None)
    assert len(ranked) == 2
    assert ranked[0].human_unique_clicks is not None
    events = [s for s in statements if "events AS e" in s]
    assert len(events) == 1  # people's clicks counted in SQL, undecided events with them
    assert events[0].startswith("INSERT INTO temp.")
    ranking = [s for s in statements if "snapshots" in s]
    assert len(ranking) == 1
    assert ranking[0].rstrip().endswith("LIMIT 2")
