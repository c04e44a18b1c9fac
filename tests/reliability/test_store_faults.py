"""The store under faults: duplicate links, a full disk, racing first runs, foreign and damaged
files, read-only stores, private directories (issue 26, items 3, 4, 5, 8, 14, 15).

Through the Store API where the item is about the store, through the CLI against the
sandboxes where it is about the commands.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import resource
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from linkreport.db import SCHEMA_VERSION, Store, StoreError, StoreUnwritable, StoreValueError, top
from linkreport.db.guard import store_error
from linkreport.db.schema import APPLICATION_ID, migrate
from linkreport.errors import ConfigurationError
from linkreport.records import Campaign, LinkClicks
from linkreport_sitecore_send import sandbox as ss

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T1 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
SPRING = Campaign(provider="sitecore-send", campaign_id="c1", name="Spring", sent_at=T0)


def link(url, unique, total=None, *, at=T0, campaign="c1", **extra):
    return LinkClicks(
        provider="sitecore-send",
        campaign_id=campaign,
        url=url,
        unique_clicks=unique,
        total_clicks=total,
        fetched_at=at,
        **extra,
    )


def rows(path, sql, *params):
    conn = sqlite3.connect(f"{Path(path).absolute().as_uri()}?mode=ro", uri=True)
    try:
        return [tuple(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(args, env, *, limit_file_size=None, umask=None, timeout=180):
    """``python -m linkreport ARGS``, optionally with RLIMIT_FSIZE (SIGXFSZ ignored)."""

    def limits():
        if umask is not None:
            os.umask(umask)
        if limit_file_size is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past it fail with EFBIG
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    return subprocess.run(
        [sys.executable, "-m", "linkreport", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limits,
        check=False,
    )


def one_error_line(err: str, *words: str) -> str:
    assert "Traceback" not in err
    assert "rollback" not in err
    assert "unexpected" not in err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert errors, err
    for word in words:
        assert word in errors[0], err
    return errors[0]


SYNC = ["sync", "sitecore-send", "--since", "2025-01-01", "--no-clicks", "--no-progress"]


@pytest.fixture
def synced(provider_sandbox, env, tmp_path):
    """A store with the Sitecore Send sandbox synced into it."""
    provider_sandbox("sitecore-send", calls=1000)
    db = tmp_path / "store.db"
    env["LINKREPORT_DB"] = str(db)
    result = run(SYNC, env)
    assert result.returncode == 0, result.stderr
    return db


# --- item 3: a URL listed twice in one report ---------------------------------------------


def test_a_url_listed_twice_is_two_links_and_an_unchanged_resync_adds_nothing(tmp_path):
    report = [link("https://a.example/x", 3, 4), link("https://a.example/x", 7, 9)]
    with Store(tmp_path / "s.db") as store:
        assert store.write_campaign(None, "acct", SPRING, report, canonical=str) == (2, 0)
        for _ in range(3):  # unchanged re-syncs (later fetches of the same counts)
            again = [attrs_evolve(r, fetched_at=T1) for r in report]
            assert store.write_campaign(None, "acct", SPRING, again, canonical=str) == (0, 0)
        assert store.query("SELECT COUNT(*) FROM link_snapshots")[0][0] == 2
        latest = store.query("SELECT unique_clicks FROM latest_snapshots ORDER BY occurrence")
        assert [r[0] for r in latest] == [3, 7]  # the latest view keeps both
        ranked = top(store)
        assert [(r.url, r.unique_clicks, r.total_clicks) for r in ranked] == [
            ("https://a.example/x", 10, 13)
        ]
        # the second one changes: one new row, for it alone
        changed = [report[0], attrs_evolve(report[1], unique_clicks=8, fetched_at=T1)]
        assert store.write_campaign(None, "acct", SPRING, changed, canonical=str) == (1, 0)
        latest = store.query("SELECT unique_clicks FROM latest_snapshots ORDER BY occurrence")
        assert [r[0] for r in latest] == [3, 8]


def test_links_told_apart_by_link_id_are_not_duplicates(tmp_path):
    report = [
        link("https://a.example/x", 1, link_id="L1"),
        link("https://a.example/x", 2, link_id="L2"),
    ]
    with Store(tmp_path / "s.db") as store:
        store.write_campaign(None, "acct", SPRING, report, canonical=str)
        store.write_campaign(None, "acct", SPRING, report, canonical=str)
        got = store.query("SELECT link_id, occurrence, unique_clicks FROM latest_snapshots")
        assert sorted(tuple(r) for r in got) == [("L1", 0, 1), ("L2", 0, 2)]


def test_a_sync_of_a_report_listing_a_url_twice_keeps_both(
    provider_sandbox, env, tmp_path, monkeypatch
):
    def item(unique, total):
        return {
            "Context": "https://shop.example.com/twice",
            "ContextName": None,
            "TotalCount": total,
            "UniqueCount": unique,
            "ContextDescription": None,
        }

    monkeypatch.setitem(ss.LINKS, ss.SPRING, [item(4, 5), item(7, 9)])
    provider_sandbox("sitecore-send", calls=1000)
    db = tmp_path / "store.db"
    env["LINKREPORT_DB"] = str(db)
    for _ in range(3):  # unchanged re-syncs
        result = run(SYNC, env)
        assert result.returncode == 0, result.stderr
    stored = "SELECT unique_clicks FROM {} WHERE campaign_id = ? ORDER BY unique_clicks"
    assert rows(db, stored.format("link_snapshots"), ss.SPRING) == [(4,), (7,)]
    assert rows(db, stored.format("latest_snapshots"), ss.SPRING) == [(4,), (7,)]
    ranked = run(["top", "--by", "campaign", "--since", "2025-01-01", "--format", "json"], env)
    assert ranked.returncode == 0, ranked.stderr
    spring = [r for r in json.loads(ranked.stdout) if r["campaign_id"] == ss.SPRING]
    assert (spring[0]["unique_clicks"], spring[0]["total_clicks"]) == (11, 14)


def attrs_evolve(record, **changes):
    import attrs

    return attrs.evolve(record, **changes)


# --- writing one campaign fails: that campaign only ---------------------------------------


def unchecked(record, **values):
    """``record`` with values its own checks would refuse (the store's guard is a second line)."""
    for name, value in values.items():
        object.__setattr__(record, name, value)
    return record


@pytest.mark.parametrize(
    "bad",
    [
        {"unique_clicks": 2**70},  # OverflowError binding the count
        {"url": "https://a.example/\ud800"},  # UnicodeEncodeError: a lone surrogate
    ],
    ids=["overflow", "surrogate"],
)
def test_a_value_sqlite_cannot_store_fails_its_campaign_alone(tmp_path, bad):
    bad = unchecked(link("https://a.example/big", 1), **bad)
    other = Campaign(provider="sitecore-send", campaign_id="c2", name="Other", sent_at=T0)
    with Store(tmp_path / "s.db") as store:
        store.write_campaign(
            None, "acct", other, [link("https://ok/", 1, campaign="c2")], canonical=str
        )
        good = link("https://a.example/fine", 5)
        with pytest.raises(StoreValueError, match="a value cannot be stored") as caught:
            store.write_campaign(None, "acct", SPRING, [good, bad], canonical=str)
        assert "\n" not in str(caught.value)
        # nothing of it was written, the other campaign is whole, the store still works
        assert [r[0] for r in store.query("SELECT campaign_id FROM campaigns")] == ["c2"]
        assert (
            store.query("SELECT COUNT(*) FROM link_snapshots WHERE campaign_id = 'c1'")[0][0] == 0
        )
        assert store.write_campaign(None, "acct", SPRING, [good], canonical=str) == (1, 0)


def test_a_campaign_sqlite_cannot_store_fails_alone_in_a_sync(
    provider_sandbox, env, tmp_path, monkeypatch
):
    huge = {"Context": "https://shop.example.com/huge", "TotalCount": 2**70, "UniqueCount": 2**70}
    monkeypatch.setitem(ss.LINKS, ss.SPRING, [huge])
    provider_sandbox("sitecore-send", calls=1000, campaigns=3)
    db = tmp_path / "store.db"
    env["LINKREPORT_DB"] = str(db)
    result = run(SYNC, env)
    assert result.returncode == 1, result.stderr
    # refused as it is read ("unexpected link report": the plugin's words for a bad payload)
    assert "Traceback" not in result.stderr
    assert "rollback" not in result.stderr
    errors = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert ss.SPRING in errors[0], result.stderr
    assert "too large to store" in errors[0], errors[0]
    stored = {c for (c,) in rows(db, "SELECT campaign_id FROM campaigns")}
    assert ss.SPRING not in stored
    assert len(stored) >= 3  # every other campaign is kept


# --- item 4: a full disk, a store that cannot be written ----------------------------------


def test_a_full_disk_mid_sync_keeps_the_campaigns_stored_before(provider_sandbox, env, tmp_path):
    provider_sandbox("sitecore-send", calls=1000, campaigns=60)
    db = tmp_path / "store.db"
    env["LINKREPORT_DB"] = str(db)
    result = run([*SYNC, "--no-progress"], env, limit_file_size=500_000)
    assert result.returncode == 1, result.stderr
    line = one_error_line(result.stderr, str(db))
    assert "is full" in line or "is not writable" in line, line
    summary = result.stderr.strip().splitlines()[-1]
    assert summary.startswith("synced 1 account:"), result.stderr
    kept = rows(db, "SELECT COUNT(*) FROM campaign_fetches")[0][0]
    assert kept >= 3, result.stderr
    assert f"synced 1 account: {kept} campaigns" in summary
    # every campaign kept is whole; the next sync (with space) completes the rest
    for campaign_id, links in rows(db, "SELECT campaign_id, links FROM campaign_fetches"):
        stored = rows(db, "SELECT COUNT(*) FROM link_snapshots WHERE campaign_id = ?", campaign_id)
        assert stored == [(links,)]
    again = run(SYNC, env)
    assert again.returncode == 0, again.stderr


def asked_campaigns(requests: list[str]) -> set[str]:
    """The campaigns the sandbox was asked about (link report, clicks, delivery counts)."""
    paths = (request.split()[1].split("?")[0].split("/") for request in requests)
    return {p[3] for p in paths if p[:3] == ["", "v3", "campaigns"] and "-" in p[3]}


def test_a_full_disk_stops_the_sync_fetching(provider_sandbox, env, tmp_path):
    """Once the store cannot write, no campaign is fetched that could not be stored."""
    box = provider_sandbox("sitecore-send", calls=1000, campaigns=60)
    db = tmp_path / "store.db"
    env["LINKREPORT_DB"] = str(db)
    sync = ["sync", "sitecore-send", "--since", "2025-01-01", "--no-progress"]  # clicks too
    result = run(sync, env, limit_file_size=500_000)
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr  # the store's, once: not one per campaign
    line = one_error_line(result.stderr, str(db), "sync stopped")
    assert "is full" in line or "is not writable" in line, line
    kept = rows(db, "SELECT COUNT(*) FROM campaign_fetches")[0][0]
    asked = len(asked_campaigns(box.requests))
    again = run(sync, env)  # with space: the rest are fetched
    assert again.returncode == 0, again.stderr
    listed = rows(db, "SELECT COUNT(DISTINCT campaign_id) FROM campaign_fetches")[0][0]
    assert 1 <= kept < listed - 50, result.stderr
    note = next(line for line in result.stderr.splitlines() if line.startswith("note: sync"))
    found = re.search(r"(\d+) campaigns? not fetched, (\d+) fetched but not stored", note)
    assert found, note
    not_fetched, not_stored = map(int, found.groups())
    assert kept + not_stored + not_fetched == listed, note
    # asked about: those stored, those read but not stored, at most the few being read then
    assert kept + not_stored <= asked <= kept + not_stored + 4, (kept, asked, note)
    assert asked <= kept + 8, (kept, asked)  # where it used to ask about every campaign
    summary = result.stderr.strip().splitlines()[-1]
    assert summary.startswith(f"synced 1 account: {kept} campaigns,"), result.stderr
    assert ", 1 failure in " in summary, summary


def test_a_full_disk_stops_every_account_of_the_sync(provider_sandbox, env, tmp_path):
    """The store is every account's: once it cannot write, no account fetches any more."""
    from linkreport.kit.sandbox.server import serve

    box = provider_sandbox("sitecore-send", calls=1000, campaigns=60)
    other = ss.sandbox(api_key="client-b-key", calls=1000, campaigns=60)
    seen: list[str] = []

    def logged(environ, start_response):
        seen.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
        return other.app(environ, start_response)

    db = tmp_path / "store.db"
    env["LINKREPORT_DB"] = str(db)
    with serve(logged) as server:
        settings = other.settings_for(server.url)
        config = Path(env["LINKREPORT_HOME"]) / "config.toml"
        config.write_text(
            '[accounts.client-b]\nprovider = "sitecore-send"\n'
            + "".join(f'{k} = "{v}"\n' for k, v in settings.items())
        )
        config.chmod(0o600)
        sync = ["sync", "sitecore-send", "client-b", "--since", "2025-01-01", "--no-progress"]
        result = run(sync, env, limit_file_size=500_000)
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    one_error_line(result.stderr, str(db), "sync stopped")
    note = next(line for line in result.stderr.splitlines() if line.startswith("note: sync"))
    found = re.search(r"(\d+) campaigns? not fetched, (\d+) fetched but not stored", note)
    assert found, note
    not_stored = int(found.group(2))
    kept = rows(db, "SELECT COUNT(*) FROM campaign_fetches")[0][0]
    asked = len(asked_campaigns(box.requests)) + len(asked_campaigns(seen))
    # two accounts, each with at most a few campaigns being read when it stopped
    assert kept + not_stored <= asked <= kept + not_stored + 8, (kept, asked, note)
    assert asked <= kept + 16, (kept, asked)  # of the 120 campaigns listed
    assert "(sitecore-send: " in note
    assert ", client-b: " in note or "; 1 account not listed (client-b)" in note, note
    assert "warning" not in result.stderr


def test_a_full_or_read_only_store_is_unwritable_and_other_faults_are_not(tmp_path):
    """What stops a sync (``StoreUnwritable``): SQLite's full, I/O and read-only errors."""
    path = tmp_path / "s.db"
    with Store(path) as store:
        store.write_campaign(None, "acct", SPRING, [link("https://a.example/", 1)], canonical=str)
    read_only = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as refused:
        read_only.execute("CREATE TABLE t (x)")
    read_only.close()
    full = sqlite3.connect(path)
    pages = full.execute("PRAGMA page_count").fetchone()[0]
    full.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(sqlite3.OperationalError, match="full") as filled:
        full.execute("CREATE TABLE t AS SELECT zeroblob(100000) AS x")
    full.close()
    for exc in (refused.value, filled.value):
        error = store_error(path, exc)
        assert isinstance(error, StoreUnwritable), exc
        assert str(path) in str(error)
        assert "give another --db" in str(error)
    locked = sqlite3.OperationalError("database is locked")
    locked.sqlite_errorcode = 5  # type: ignore[attr-defined]  # SQLITE_BUSY
    for exc in (locked, OverflowError("int too large"), sqlite3.IntegrityError("x")):
        assert not isinstance(store_error(path, exc), StoreUnwritable), exc


def test_a_store_that_cannot_be_written_at_all_is_one_line(provider_sandbox, env, tmp_path):
    provider_sandbox("sitecore-send", calls=1000)
    env["LINKREPORT_DB"] = str(tmp_path / "full.db")
    full = run(SYNC, env, limit_file_size=2048)  # not even its first page fits: a full home
    assert full.returncode == 1
    one_error_line(full.stderr, str(tmp_path / "full.db"))
    env["LINKREPORT_DB"] = os.devnull
    null = run(SYNC, env)
    assert null.returncode == 1
    one_error_line(null.stderr, f"the store {os.devnull} is not a regular file")


# --- item 5: two first runs at once ----------------------------------------------------------


def test_opening_a_new_store_waits_for_another_process_creating_it(tmp_path):
    path = tmp_path / "s.db"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # another process, mid-way through creating it
    threading.Timer(0.5, lambda: holder.execute("ROLLBACK")).start()
    started = time.monotonic()
    with Store(path, timeout=10) as store:
        assert store.version == SCHEMA_VERSION
    assert time.monotonic() - started >= 0.4
    holder.close()


def _open_at_once(path: str, barrier, results) -> None:
    barrier.wait()
    try:
        with Store(path) as store:
            store.start_run(["a"], None)
        results.put("ok")
    except BaseException as exc:  # reported, not raised, from the child
        results.put(f"{exc.__class__.__name__}: {exc}")


def test_first_runs_at_once_all_succeed(tmp_path):
    ctx = multiprocessing.get_context("fork")
    failures = []
    for trial in range(12):
        path = str(tmp_path / f"t{trial}" / "s.db")
        barrier, results = ctx.Barrier(5), ctx.Queue()
        procs = [ctx.Process(target=_open_at_once, args=(path, barrier, results)) for _ in range(5)]
        for proc in procs:
            proc.start()
        outcomes = [results.get(timeout=60) for _ in procs]
        for proc in procs:
            proc.join(30)
        failures += [o for o in outcomes if o != "ok"]
    assert failures == []


# --- item 8: another application's SQLite file; read commands never write ------------------


FOREIGN = {
    "other-tables": "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
    "same-names": "CREATE TABLE accounts (id INTEGER, email TEXT); CREATE TABLE campaigns (x)",
    "same-version": "CREATE TABLE notes (body TEXT); PRAGMA user_version = 3",
}


@pytest.mark.parametrize("kind", list(FOREIGN))
@pytest.mark.parametrize("command", ["sync", "top", "history", "report"])
def test_another_applications_file_is_never_changed(provider_sandbox, env, tmp_path, kind, command):
    provider_sandbox("sitecore-send", calls=1000)
    db = tmp_path / "other.db"
    conn = sqlite3.connect(db)
    conn.executescript(FOREIGN[kind])
    conn.execute("INSERT INTO notes VALUES (1, 'x')" if kind == "other-tables" else "SELECT 1")
    conn.commit()
    conn.close()
    before = digest(db)
    args = {
        "sync": SYNC,
        "top": ["top"],
        "history": ["history", "sitecore-send", ss.SPRING],
        "report": ["report", "-o", str(tmp_path / "r.html")],
    }[command]
    result = run([*args, "--db", str(db)], env)
    assert result.returncode == 1, result.stderr
    one_error_line(result.stderr, f"{db} is not a linkreport store")
    assert digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("other")) == ["other.db"]


@pytest.mark.parametrize("command", [["top"], ["history", "a", "b"], ["report", "-o", "-"]])
def test_read_commands_never_create_a_store(env, tmp_path, command):
    missing = tmp_path / "sub" / "missing.db"
    result = run([*command, "--db", str(missing)], env)
    assert result.returncode == 1
    assert f"no store at {missing}: run `linkreport sync` first" in result.stderr
    assert not missing.parent.exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    result = run([*command, "--db", str(empty)], env)
    assert result.returncode == 1
    one_error_line(result.stderr, "is an empty store: run `linkreport sync` first")
    assert empty.stat().st_size == 0


def _old_store(path: Path, version: int) -> None:
    """A store as an older linkreport left it: ``version``, and no application_id."""
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, target=version)
    conn.execute("PRAGMA application_id = 0")
    conn.close()


def test_an_older_store_is_upgraded_only_by_sync(tmp_path):
    # a store before the compact schema (5) cannot be read as it is: the read commands say
    # to sync, which migrates it; a read changes nothing
    for version in (1, 3, 4):
        path = tmp_path / f"v{version}.db"
        _old_store(path, version)
        before = digest(path)
        with pytest.raises(ConfigurationError, match="run `linkreport sync` to upgrade it"):
            Store(path, write=False)
        assert digest(path) == before
        assert rows(path, "PRAGMA user_version") == [(version,)]
    with Store(path) as store:  # a write command: migrated and marked as linkreport's
        assert store.version == SCHEMA_VERSION
    assert rows(path, "PRAGMA application_id") == [(APPLICATION_ID,)]
    with Store(path, write=False) as store:
        assert top(store) == []
        with pytest.raises(StoreError, match="opened for reading only"):
            store.start_run(["a"], None)


def test_an_older_store_with_a_table_a_user_added_is_still_recognised(tmp_path):
    path = tmp_path / "v3.db"
    _old_store(path, 3)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE my_notes (campaign_id TEXT, note TEXT)")
    with pytest.raises(ConfigurationError, match="run `linkreport sync` to upgrade it"):
        Store(path, write=False)  # recognised as linkreport's (not another application's)
    with Store(path) as store:
        assert store.version == SCHEMA_VERSION
    assert rows(path, "SELECT COUNT(*) FROM my_notes") == [(0,)]


def test_top_on_an_older_store_says_to_upgrade(env, tmp_path):
    path = tmp_path / "v1.db"
    _old_store(path, 1)
    before = digest(path)
    result = run(["top", "--db", str(path)], env)
    assert result.returncode == 1
    one_error_line(result.stderr, "older than this linkreport reads", "run `linkreport sync`")
    assert digest(path) == before


# --- item 14: a damaged store, a read-only store ---------------------------------------------


@pytest.mark.parametrize(
    "command",
    [["top"], ["history", "sitecore-send", ss.SPRING], ["report", "-o", "-"], SYNC],
    ids=["top", "history", "report", "sync"],
)
def test_a_damaged_store_is_one_line(synced, env, command):
    with open(synced, "r+b") as handle:  # random bytes over pages 2 and 3
        handle.seek(4096)
        handle.write(os.urandom(8192))
    result = run(command, env)
    assert result.returncode == 1, result.stderr
    line = one_error_line(result.stderr)
    assert f"the store {synced} is damaged" in line or "is not a linkreport store" in line, line


def test_read_commands_open_the_store_read_only(synced, env):
    before = digest(synced)
    for command in (["top"], ["history", "sitecore-send", ss.SPRING], ["report", "-o", "-"]):
        result = run(command, env)
        assert result.returncode == 0, result.stderr
    assert digest(synced) == before


def test_a_store_whose_wal_index_cannot_be_made_is_still_read(synced, env):
    # as when its directory is read-only (root ignores permission bits, so block the -shm file)
    shm = Path(f"{synced}-shm")
    shm.unlink(missing_ok=True)
    shm.mkdir()
    result = run(["history", "sitecore-send", ss.SPRING, "--format", "json"], env)
    assert result.returncode == 0, result.stderr
    assert ss.SPRING in result.stdout


# --- item 15: private directories, LINKREPORT_HOME a file ------------------------------------


def test_directories_linkreport_creates_are_private(provider_sandbox, env, tmp_path):
    provider_sandbox("sitecore-send", calls=1000)
    home = tmp_path / "new" / "home"
    env["LINKREPORT_HOME"] = str(home)
    result = run(SYNC, env, umask=0o022)
    assert result.returncode == 0, result.stderr
    for directory in (home, home.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, directory
    assert stat.S_IMODE((home / "linkreport.db").stat().st_mode) == 0o600
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    result = run([*SYNC, "--db", str(shared / "deeper" / "s.db")], env, umask=0o022)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755  # existing ones are left alone
    assert stat.S_IMODE((shared / "deeper").stat().st_mode) == 0o700


@pytest.mark.parametrize("command", [["providers"], ["top"], SYNC])
def test_linkreport_home_that_is_a_file_is_one_line(env, tmp_path, command):
    home = tmp_path / "home-file"
    home.write_text("not a directory")
    result = run(command, {**env, "LINKREPORT_HOME": str(home)})
    assert result.returncode == 2, result.stderr
    one_error_line(result.stderr, f"LINKREPORT_HOME ({home}) is a file, not a directory")
    assert "warning" not in result.stderr
