"""``linkreport sync``, ``history`` and ``top`` over real HTTP against both providers' sandboxes."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
import requests

from linkreport.db.schema import APPLICATION_ID
from linkreport_constant_contact import sandbox as cc
from linkreport_sitecore_send import sandbox as ss

SINCE = ("--since", "2026-01-01")


@pytest.fixture
def boxes(provider_sandbox):
    return provider_sandbox("sitecore-send"), provider_sandbox("constant-contact")


def rows(path, sql, *params):
    with sqlite3.connect(path) as conn:
        return [tuple(r) for r in conn.execute(sql, params)]


def advance(box, steps=1):
    return requests.post(f"{box.url}/_sandbox/advance?steps={steps}", timeout=5).json()["tick"]


def test_first_sync_stores_every_account_campaign_and_link(boxes, db, cli):
    result = cli("sync", *SINCE)
    assert result.code == 0, result.err
    lines = result.err.strip().splitlines()
    assert "note: skipping fakemail: its credentials are not configured" in lines
    # click events: Sitecore Send 130 + 129 (every TotalCount), Constant Contact 154 + 16 + 53
    # (each link's unique clicks plus a third again, as the sandbox documents)
    assert lines[-1].startswith(
        "synced 2 accounts: 4 campaigns, 10 links changed, 482 click events added, 0 failures"
    )
    assert rows(db, "SELECT account, provider FROM accounts ORDER BY 1") == [
        ("constant-contact", "constant-contact"),
        ("sitecore-send", "sitecore-send"),
    ]
    assert rows(
        db, "SELECT campaign_id, name, subject, sent_at, sent_at_source FROM campaigns ORDER BY 4"
    ) == [
        (
            ss.DIGEST,
            "Weekly digest #12",
            "This week at Example",
            "2026-02-10T07:00:00.000000Z",
            "sent_at",
        ),
        (
            ss.SPRING,
            "Spring launch",
            "Our spring collection is here",
            "2026-03-02T09:00:00.000000Z",
            "sent_at",
        ),
        # Constant Contact: the campaign summaries' last_sent_date (the newsletter's resend, a day on)
        (cc.SALE, "Flash sale", None, "2026-10-20T15:30:00.000000Z", "sent_at"),
        (cc.NEWSLETTER, "November newsletter", None, "2026-11-03T09:00:00.000000Z", "sent_at"),
    ]
    snapshot = rows(
        db,
        "SELECT account, provider, campaign_id, activity_id, activity_role, url, unique_clicks,"
        " total_clicks, link_id, link_tag, list_id, list_action, url_canonical FROM link_snapshots"
        " WHERE activity_id = ? ORDER BY snapshot_id LIMIT 1",
        cc.A_NEWS,
    )
    assert snapshot == [
        (
            "constant-contact",
            "constant-contact",
            cc.NEWSLETTER,
            cc.A_NEWS,
            "primary_email",
            "https://www.example.com/?utm_campaign=nov",
            99,
            None,
            "1100577727123",
            "hero",
            cc.LIST_ID,
            "add",
            "https://www.example.com/",
        )
    ]
    assert rows(db, "SELECT COUNT(*) FROM sync_runs WHERE finished_at IS NOT NULL") == [(1,)]


def test_repeated_sync_adds_rows_only_for_changed_counts(boxes, db, cli):
    send, contact = boxes
    assert cli("sync", *SINCE).code == 0
    before = rows(db, "SELECT COUNT(*) FROM link_snapshots")[0][0]
    again = cli("sync", *SINCE)
    assert again.code == 0, again.err
    assert "4 campaigns, 0 links changed" in again.err.splitlines()[-1]
    assert rows(db, "SELECT COUNT(*) FROM link_snapshots")[0][0] == before
    assert rows(db, "SELECT run_id, COUNT(*) FROM campaign_fetches GROUP BY 1") == [(1, 4), (2, 4)]
    advance(send)
    advance(contact)
    third = cli("sync", *SINCE)
    assert third.code == 0, third.err
    # Sitecore Send: links 1 and 3 of each report; Constant Contact: the first (and the
    # unsubscribe link, now clicked) of the newsletter, its resend, and the sale's first
    assert "4 campaigns, 7 links changed" in third.err.splitlines()[-1]
    changed = rows(
        db,
        "SELECT url, unique_clicks, total_clicks FROM link_snapshots WHERE run_id = 3 AND campaign_id = ? ORDER BY snapshot_id",
        ss.SPRING,
    )
    assert changed == [
        ("https://shop.example.com/spring?utm_source=send", 31, 36),
        ("https://twitter.com/myCompany", 2, 3),
    ]


def test_history_in_every_format(boxes, db, cli):
    send, _ = boxes
    assert cli("sync", *SINCE).code == 0
    advance(send, 2)
    assert cli("sync", *SINCE).code == 0
    found = cli("history", "sitecore-send", ss.SPRING, "--format", "ndjson")
    assert found.code == 0, found.err
    records = [json.loads(line) for line in found.out.splitlines()]
    assert [(r["url"], r["unique_clicks"], r["total_clicks"]) for r in records] == [
        ("https://shop.example.com/spring?utm_source=send", 30, 34),
        ("https://shop.example.com/", 67, 95),
        ("https://twitter.com/myCompany", 1, 1),
        ("https://shop.example.com/unsubscribe", None, None),
        ("https://shop.example.com/spring?utm_source=send", 32, 38),
        ("https://twitter.com/myCompany", 3, 5),
    ]
    assert list(records[0]) == [
        "provider",
        "campaign_id",
        "activity_id",
        "activity_role",
        "url",
        "unique_clicks",
        "total_clicks",
        "link_id",
        "link_tag",
        "list_id",
        "list_action",
        "timestamp",
        "fetched_at",
        "account",
        "url_canonical",
        "occurrence",
    ]
    assert {r["occurrence"] for r in records} == {0}
    assert records[0]["account"] == "sitecore-send"
    assert records[0]["url_canonical"] == "https://shop.example.com/spring"
    assert records[0]["timestamp"] == "2026-03-02T10:15:00Z"
    assert records[0]["fetched_at"] < records[4]["fetched_at"]
    as_json = cli("history", "sitecore-send", ss.SPRING, "--format", "json")
    assert json.loads(as_json.out) == records
    as_csv = list(
        csv.DictReader(
            io.StringIO(cli("history", "sitecore-send", ss.SPRING, "--format", "csv").out)
        )
    )
    assert [r["unique_clicks"] for r in as_csv] == ["30", "67", "1", "", "32", "3"]
    table = cli("history", "sitecore-send", ss.SPRING, "--format", "table").out.splitlines()
    assert table[0].split() == ["SEEN", "(UTC)", "URL", "UNIQUE", "TOTAL"]
    assert table[5].split()[-3:] == ["https://shop.example.com/spring?utm_source=send", "32", "38"]


def test_history_tells_apart_a_url_the_report_lists_twice_in_every_format(
    provider_sandbox, db, cli, monkeypatch
):
    """Each listing of the same URL is a link of its own: ``occurrence`` says which, 0 or 1."""

    def item(unique, total):
        return {
            "Context": "https://shop.example.com/twice",
            "TotalCount": total,
            "UniqueCount": unique,
        }

    monkeypatch.setitem(ss.LINKS, ss.SPRING, [item(4, 5), item(7, 9)])
    provider_sandbox("sitecore-send")
    assert cli("sync", "sitecore-send", *SINCE).code == 0
    found = cli("history", "sitecore-send", ss.SPRING, "--format", "ndjson")
    assert found.code == 0, found.err
    records = [json.loads(line) for line in found.out.splitlines()]
    twice = [(r["url"], r["occurrence"], r["unique_clicks"]) for r in records]
    assert twice == [
        ("https://shop.example.com/twice", 0, 4),
        ("https://shop.example.com/twice", 1, 7),
    ]
    assert json.loads(cli("history", "sitecore-send", ss.SPRING, "--format", "json").out) == records
    as_csv = cli("history", "sitecore-send", ss.SPRING, "--format", "csv").out
    assert [(r["occurrence"], r["unique_clicks"]) for r in csv.DictReader(io.StringIO(as_csv))] == [
        ("0", "4"),
        ("1", "7"),
    ]
    table = cli("history", "sitecore-send", ss.SPRING, "--format", "table").out.splitlines()
    assert table[0].split() == ["SEEN", "(UTC)", "URL", "OCCURRENCE", "UNIQUE", "TOTAL"]
    assert [line.split()[-4:] for line in table[1:3]] == [
        ["https://shop.example.com/twice", "0", "4", "5"],
        ["https://shop.example.com/twice", "1", "7", "9"],
    ]


def test_history_of_an_unknown_campaign_is_a_usage_error(boxes, db, cli):
    assert cli("sync", *SINCE).code == 0
    result = cli("history", "sitecore-send", "nope")
    assert result.code == 2
    assert "no campaign 'nope' of account 'sitecore-send'" in result.err
    assert "Traceback" not in result.err


def test_reading_an_account_the_store_does_not_have_is_a_usage_error(boxes, db, cli):
    assert cli("sync", *SINCE).code == 0
    stored = "(stored: constant-contact, sitecore-send)"
    for args in [("top", "--account", "nope"), ("history", "nope", ss.SPRING)]:
        result = cli(*args)
        assert result.code == 2, args
        assert f"no account 'nope' in the store {stored}" in result.err
        assert result.out == ""
    named = cli("top", "--account", "sitecore-send", *SINCE, "--format", "ndjson")
    assert named.code == 0
    assert named.out
    empty = cli("top", "--account", "sitecore-send", "--since", "1d", "--format", "json")
    assert (empty.code, empty.out.strip()) == (0, "[]")
    assert empty.err.startswith("note: no stored campaign of sitecore-send was sent since ")


def test_top_in_every_format(boxes, db, cli):
    _, contact = boxes
    assert cli("sync", *SINCE).code == 0
    advance(contact)
    assert cli("sync", *SINCE).code == 0
    result = cli("top", "--since", "2026-01-01", "--format", "ndjson")
    assert result.code == 0, result.err
    ranked = [json.loads(line) for line in result.out.splitlines()]
    assert list(ranked[0]) == [
        "url",
        "unique_clicks",
        "total_clicks",
        "campaigns",
        "accounts",
        "links",
        "summed_links",
        "unique_links",
        "total_links",
        "delivered",
        "click_rate",
    ]
    assert {k: v for k, v in ranked[0].items() if k not in ("delivered", "click_rate")} == {
        "url": "https://www.example.com/",
        "unique_clicks": 113,  # 100 (primary) + 13 (resend), the variants counted as one
        "total_clicks": None,
        "campaigns": 1,
        "accounts": 1,
        "links": 1,
        "summed_links": 2,  # the link of the primary email and of its resend
        "unique_links": 2,
        "total_links": 0,
    }
    assert [r["url"] for r in ranked[:4]] == [
        "https://www.example.com/",
        "https://shop.example.com/",
        "https://shop.example.com/linen-shirt",
        "https://shop.example.com/sale",
    ]
    # the homepage: the Spring launch's and the digest's (?utm_source=digest) links as one
    assert (ranked[1]["unique_clicks"], ranked[1]["campaigns"], ranked[1]["links"]) == (97, 2, 2)
    # a product page both providers' campaigns link to
    assert (ranked[2]["unique_clicks"], ranked[2]["campaigns"], ranked[2]["accounts"]) == (84, 2, 2)
    assert json.loads(cli("top", *SINCE, "--format", "json").out) == ranked
    as_csv = list(csv.DictReader(io.StringIO(cli("top", *SINCE, "--format", "csv").out)))
    assert {k: v for k, v in as_csv[0].items() if k not in ("delivered", "click_rate")} == {
        "url": "https://www.example.com/",
        "unique_clicks": "113",
        "total_clicks": "",
        "campaigns": "1",
        "accounts": "1",
        "links": "1",
        "summed_links": "2",
        "unique_links": "2",
        "total_links": "0",
    }
    table = cli("top", *SINCE, "--format", "table").out.splitlines()
    # the short headers of `links`
    assert table[0].split() == [
        "URL",
        "UNIQUE",
        "TOTAL",
        "CAMPAIGNS",
        "ACCOUNTS",
        "LINKS",
        "SUMMED_LINKS",
        "UNIQUE_LINKS",
        "TOTAL_LINKS",
        "DELIVERED",
        "CLICK_RATE",
    ]
    assert table[1].split()[:9] == [
        "https://www.example.com/",
        "113",
        "-",
        "1",
        "1",
        "1",
        "2",
        "2",
        "0",
    ]
    raw = [
        json.loads(x)
        for x in cli(
            "top", *SINCE, "--raw-urls", "--limit", "1", "--format", "ndjson"
        ).out.splitlines()
    ]
    assert [r["url"] for r in raw] == ["https://www.example.com/?utm_campaign=nov"]
    domains = [
        json.loads(x)
        for x in cli("top", *SINCE, "--by", "domain", "--format", "ndjson").out.splitlines()
    ]
    assert [(d["domain"], d["campaigns"]) for d in domains[:2]] == [
        ("shop.example.com", 4),
        ("www.example.com", 1),
    ]
    by_campaign = [
        json.loads(x)
        for x in cli(
            "top", *SINCE, "--by", "campaign", "--account", "sitecore-send", "--format", "ndjson"
        ).out.splitlines()
    ]
    assert [c["campaign_id"] for c in by_campaign] == [ss.SPRING, ss.DIGEST]
    by_domain = cli("top", *SINCE, "--by", "domain", "--format", "table").out.splitlines()
    assert by_domain[0].split()[:6] == [
        "DOMAIN",
        "UNIQUE",
        "TOTAL",
        "CAMPAIGNS",
        "ACCOUNTS",
        "LINKS",
    ]
    campaign_table = cli("top", *SINCE, "--by", "campaign", "--format", "table").out
    assert campaign_table.split()[:2] == ["CAMPAIGN", "UNIQUE"]
    recent = [
        json.loads(x)
        for x in cli("top", "--since", "2026-10-01", "--format", "ndjson").out.splitlines()
    ]
    assert {r["url"] for r in recent} >= {
        "https://www.example.com/",
        "https://shop.example.com/sale",
    }
    assert "https://shop.example.com/spring" not in {r["url"] for r in recent}


def test_a_failing_campaign_loses_nothing_else(provider_sandbox, db, cli):
    provider_sandbox("sitecore-send", faults=f"500*all@{ss.DIGEST}")
    provider_sandbox("constant-contact")
    result = cli("sync", *SINCE)
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert errors[0].startswith(f"error: sitecore-send {ss.DIGEST}: ")
    assert " 1 failure in " in result.err.splitlines()[-1]
    assert rows(db, "SELECT COUNT(*) FROM campaigns") == [(3,)]


def test_a_failing_account_loses_nothing_else(provider_sandbox, env, db, cli):
    provider_sandbox("sitecore-send")
    provider_sandbox("constant-contact")
    env["LINKREPORT_SITECORE_SEND_API_KEY"] = "wrong-key"
    result = cli("sync", *SINCE)
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert errors[0].startswith("error: sitecore-send: ")
    assert "wrong-key" not in result.err
    assert rows(db, "SELECT DISTINCT account FROM campaigns") == [("constant-contact",)]


def test_a_newer_store_is_refused_clearly(env, tmp_path, cli):
    path = tmp_path / "newer.db"
    with sqlite3.connect(path) as conn:  # a newer linkreport's store: marked as linkreport's
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute("PRAGMA user_version = 999")
    for args in (("top",), ("history", "a", "b"), ("sync", "sitecore-send")):
        result = cli(*args, "--db", str(path))
        assert result.code == 1
        assert "schema version 999, newer than this linkreport knows" in result.err
        assert len(result.err.strip().splitlines()) == 1


def test_new_canonical_settings_apply_to_the_whole_store(boxes, db, env, cli):
    from pathlib import Path

    assert cli("sync", *SINCE).code == 0
    first = [json.loads(x) for x in cli("top", *SINCE, "--format", "ndjson").out.splitlines()]
    assert first[0]["url"] == "https://www.example.com/"
    config = Path(env["LINKREPORT_HOME"]) / "config.toml"
    config.write_text('[canonical]\nkeep = ["utm_campaign"]\n')
    again = [json.loads(x) for x in cli("top", *SINCE, "--format", "ndjson").out.splitlines()]
    assert again[0]["url"] == "https://www.example.com/?utm_campaign=nov"
    stored = "SELECT DISTINCT url_canonical FROM link_snapshots WHERE url LIKE '%utm_campaign%'"
    assert rows(db, stored) == [("https://www.example.com/",)]  # top only reads the store
    assert cli("sync", *SINCE).code == 0  # the next sync rewrites the derived forms
    assert rows(db, stored) == [("https://www.example.com/?utm_campaign=nov",)]
    # the URL as reported never changes
    assert rows(db, "SELECT DISTINCT url FROM link_snapshots WHERE url LIKE '%utm_campaign%'") == [
        ("https://www.example.com/?utm_campaign=nov",)
    ]
    config.write_text('[canonical]\nkeep = "utm_campaign"\n')
    broken = cli("top", *SINCE)
    assert broken.code == 1
    assert "[canonical] keep must be a list" in broken.err


def test_an_unknown_account_is_a_usage_error(boxes, db, cli):
    result = cli("sync", "nope", *SINCE)
    assert result.code == 2
    assert (
        "unknown account 'nope' (accounts: constant-contact, fakemail, kitmail, mailchimp, "
        "sitecore-send)" in result.err
    )
    assert not db.exists()


def test_a_named_account_without_credentials_fails_alone(boxes, db, cli):
    result = cli("sync", "fakemail", "sitecore-send", *SINCE)
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert errors[0].startswith("error: fakemail: ")
    assert rows(db, "SELECT DISTINCT account FROM campaigns") == [("sitecore-send",)]


def test_many_accounts_at_once_each_under_its_own_name(boxes, db, env, cli):
    import contextlib
    from pathlib import Path

    from linkreport.kit.sandbox.server import serve

    with contextlib.ExitStack() as stack:
        tables, apps = [], []
        for n in range(3):
            box = ss.sandbox(api_key=f"agency-key-{n}")
            server = stack.enter_context(serve(box.app))
            settings = box.settings_for(server.url)
            tables.append(
                f'[accounts.client{n}]\nprovider = "sitecore-send"\n'
                + "".join(f'{k} = "{v}"\n' for k, v in settings.items())
            )
            apps.append(box.app)
        (Path(env["LINKREPORT_HOME"]) / "config.toml").write_text("\n".join(tables))
        apps[1].advance(5)  # one client's counts differ from the others'
        result = cli("sync", *SINCE, "--progress")
    assert result.code == 0, result.err
    assert "synced 5 accounts: 10 campaigns, 28 links changed" in result.err
    assert "10/10 campaigns" in result.err  # one progress line adds up every account
    assert rows(db, "SELECT account, COUNT(*) FROM campaigns GROUP BY 1 ORDER BY 1") == [
        ("client0", 2),
        ("client1", 2),
        ("client2", 2),
        ("constant-contact", 2),
        ("sitecore-send", 2),
    ]
    assert rows(
        db,
        "SELECT account, unique_clicks FROM link_snapshots WHERE campaign_id = ? AND url = ?"
        " ORDER BY account",
        ss.SPRING,
        "https://shop.example.com/spring?utm_source=send",
    ) == [("client0", 30), ("client1", 35), ("client2", 30), ("sitecore-send", 30)]
    assert sorted(json.loads(rows(db, "SELECT accounts FROM sync_runs")[0][0])) == [
        "client0",
        "client1",
        "client2",
        "constant-contact",
        "sitecore-send",
    ]
    top = [json.loads(x) for x in cli("top", *SINCE, "--format", "ndjson").out.splitlines()]
    spring = next(r for r in top if r["url"] == "https://shop.example.com/spring")
    assert (spring["unique_clicks"], spring["campaigns"], spring["accounts"]) == (125, 4, 4)
    only = [
        json.loads(x)
        for x in cli("top", *SINCE, "--account", "client1", "--format", "ndjson").out.splitlines()
    ]
    assert {r["accounts"] for r in only} == {1}


def test_reading_a_missing_store_is_a_clear_error(env, tmp_path, cli):
    missing = tmp_path / "nowhere.db"
    for args in (("top",), ("history", "sitecore-send", "x")):
        result = cli(*args, "--db", str(missing))
        assert result.code == 1
        assert f"no store at {missing}: run `linkreport sync` first" in result.err
        assert not missing.exists()


def test_an_interrupted_sync_says_what_it_kept(env, tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from linkreport.kit.sandbox.server import serve
    from linkreport_sitecore_send.sandbox import sandbox

    box = sandbox(window=60)
    with serve(box.app) as server:
        settings = {
            f"LINKREPORT_SITECORE_SEND_{k.upper()}": v
            for k, v in box.settings_for(server.url).items()
        }
        settings["LINKREPORT_SITECORE_SEND_RATE_LIMIT"] = "2/60"  # the listing, one report
        proc = subprocess.Popen(
            [sys.executable, "-m", "linkreport", "sync", "sitecore-send", *SINCE, "--no-clicks"],
            env={**env, **settings, "LINKREPORT_DB": str(tmp_path / "s.db")},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while box.app.stats["served"] < 1 and time.monotonic() < deadline:  # (link reports)
            time.sleep(0.05)
        time.sleep(1)  # the first campaign is stored; the next waits a minute for the limiter
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 130
    summary = [line for line in err.splitlines() if line.startswith("synced")]
    assert len(summary) == 1, err
    assert summary[0].startswith("synced 1 account: 1 campaign, ")
    assert summary[0].endswith("before the interrupt")
    assert rows(tmp_path / "s.db", "SELECT count(*) FROM campaigns") == [(1,)]
