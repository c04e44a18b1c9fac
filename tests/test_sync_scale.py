"""Many accounts in one sync (issue 27): a bounded pool of threads, config parsed once, no
polling, and campaigns stored as they complete (issue 26.6). Real HTTP against sandboxes."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

import linkreport.config
import linkreport_fakemail
from linkreport.db import Store
from linkreport.kit.sandbox.server import serve
from linkreport.progress import Reporter
from linkreport.ratelimit import Rate, RateLimiter
from linkreport.runner import load_sources, open_account
from linkreport.sync import sync
from linkreport_sitecore_send import sandbox as ss

SINCE = datetime(2026, 1, 1, tzinfo=UTC)
ACCOUNTS = 40


def _ours(before: frozenset[int] = frozenset()) -> int:
    """The threads of linkreport's own (not the sandboxes' servers and their connections),
    leaving out those alive ``before`` (an earlier test's daemon threads still ending)."""
    return sum(
        1
        for t in threading.enumerate()
        if t.name.startswith("linkreport")
        and t.name != "linkreport-sandbox"
        and t.ident not in before
    )


def test_many_accounts_share_a_bounded_pool_and_parse_the_config_once(env, tmp_path, monkeypatch):
    parses = []
    loads = tomllib.loads  # (config.py imports it when it first reads a file)
    monkeypatch.setattr(tomllib, "loads", lambda text: parses.append(1) or loads(text))
    with contextlib.ExitStack() as stack:
        tables, apps = [], []
        for n in range(ACCOUNTS):
            box = ss.sandbox(api_key=f"many-key-{n}")
            server = stack.enter_context(serve(box.app))
            tables.append(
                f'[accounts.client{n}]\nprovider = "sitecore-send"\n'
                + "".join(f'{k} = "{v}"\n' for k, v in box.settings_for(server.url).items())
            )
            apps.append(box.app)
        config = Path(env["LINKREPORT_HOME"]) / "config.toml"
        config.write_text("\n".join(tables))
        config.chmod(0o600)
        names = [f"client{n}" for n in range(ACCOUNTS)]
        peak, done = [0], threading.Event()
        before = frozenset(t.ident for t in threading.enumerate() if t.ident is not None)

        def sample() -> None:
            while not done.wait(0.005):
                peak[0] = max(peak[0], _ours(before))

        sampler = threading.Thread(target=sample, name="sampler", daemon=True)
        sampler.start()
        with Store(tmp_path / "s.db") as store:
            result = sync(store, names, since=SINCE, env=env, reporter=Reporter())
        done.set()
        sampler.join()
    assert result.failures == []
    assert result.campaigns == 2 * ACCOUNTS
    # sync.MAX_THREADS workers and the one process-wide header watchdog (headers_deadline),
    # whatever the accounts: was 6 threads per account (240)
    assert 0 < peak[0] <= 32 + 1
    assert sum(app.stats["refused"] for app in apps) == 0
    assert len({app.stats["served"] for app in apps}) == 1  # every account synced alike
    assert len(parses) == 1  # was 3 per account


def test_the_config_is_parsed_again_once_changed(env):
    home = Path(env["LINKREPORT_HOME"])
    (home / "config.toml").write_text('[accounts.a]\nprovider = "fakemail"\n')
    first = linkreport.config.read_config(home)
    assert linkreport.config.read_config(home) is first
    (home / "config.toml").write_text('[accounts.bb]\nprovider = "fakemail"\n')
    assert list(linkreport.config.read_config(home)["accounts"]) == ["bb"]


class _CountingCondition(threading.Condition):
    """A condition counting how often a waiter woke up."""

    def __init__(self) -> None:
        super().__init__(threading.Lock())
        self.wakeups = 0

    def wait(self, timeout: float | None = None) -> bool:
        woke = super().wait(timeout)
        self.wakeups += 1
        return woke


def test_idle_workers_block_until_a_limiter_is_ready_not_polling():
    from linkreport.schedule import Lane, Pool

    limiter = RateLimiter(Rate(1, 2), "lane")
    waits: list[float] = []
    pool = Pool(8, on_wait=lambda seconds, lane: waits.append(seconds))
    pool._cond = _CountingCondition()
    lane = Lane("lane", 4, limiter)
    granted: list[float] = []

    def task():
        granted.append(time.monotonic())
        limiter.sent(limiter.grant()[0])  # the reserved slot: no wait
        yield from ()

    for _ in range(3):
        pool.add(lane, task())
    started = time.monotonic()
    pool.run()
    elapsed = time.monotonic() - started
    assert len(granted) == 3
    assert 4.0 <= elapsed < 5.0  # one a window: 0, 2 and 4 s (plus the margin)
    assert len(waits) == 2  # the progress line says so, once per wait
    assert all(1.9 < w <= 2.02 for w in waits)
    # 8 idle workers polling every 0.2 s would wake 160 times; blocked on the condition,
    # a worker wakes when the limiter may have a slot, or at the end
    assert pool._cond.wakeups < 30


class _Hold:
    """WSGI middleware holding the link report of ``campaign`` until released."""

    def __init__(self, app, campaign: str) -> None:
        self.app, self.campaign = app, campaign
        self.release = threading.Event()
        self.reached = threading.Event()

    def __call__(self, environ, start_response):
        if environ["PATH_INFO"] == f"/api/campaigns/{self.campaign}/links":
            self.reached.set()
            self.release.wait(30)
        return self.app(environ, start_response)


def test_campaigns_are_stored_as_they_complete_not_behind_a_big_one(env, tmp_path, monkeypatch):
    big = [(f"https://big.example/{n}", 1, 1) for n in range(3000)]
    small = {
        f"s{n}": (f"S{n}", "2026-03-01T10:00:00+00:00", [(f"https://s.example/{n}", 1, 1)])
        for n in range(40)
    }
    campaigns = {"big": ("Big", "2026-06-01T10:00:00+00:00", big), **small}
    monkeypatch.setattr(linkreport_fakemail, "CAMPAIGNS", campaigns)
    hold = _Hold(linkreport_fakemail.make_app(), "big")
    db = tmp_path / "s.db"
    with serve(hold) as server:
        env["LINKREPORT_FAKEMAIL_BASE_URL"] = server.url
        env["LINKREPORT_FAKEMAIL_API_KEY"] = linkreport_fakemail.SANDBOX_KEY
        env["LINKREPORT_FAKEMAIL_RATE_LIMIT"] = "1000/1"
        sources = load_sources(env)
        listed = [
            c.campaign_id
            for c in sources["fakemail"].source.list_campaigns(
                open_account("fakemail", env=env), SINCE
            )
        ]
        assert listed[0] == "big"  # ahead of the small ones
        outcome = {}
        with Store(db) as store:
            worker = threading.Thread(
                target=lambda: outcome.update(
                    result=sync(store, ["fakemail"], since=SINCE, env=env, sources=sources)
                )
            )
            worker.start()
            try:
                assert hold.reached.wait(10)
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline and _stored(db) < len(small):
                    time.sleep(0.05)
                stored_while_held = _stored(db)
                big_while_held = _stored(db, "big")
            finally:
                hold.release.set()
                worker.join(30)
    assert stored_while_held == len(small)  # every small one, while the big one is fetched
    assert big_while_held == 0
    assert outcome["result"].failures == []
    assert _stored(db) == len(small) + 1


def _stored(db: Path, campaign: str | None = None) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        if campaign is None:
            return int(conn.execute("SELECT count(*) FROM campaigns").fetchone()[0])
        sql = "SELECT count(*) FROM campaigns WHERE campaign_id = ?"
        return int(conn.execute(sql, (campaign,)).fetchone()[0])


@pytest.fixture(autouse=True)
def _fresh_limiters(monkeypatch):
    """Each test its own process-wide limiters (accounts and keys repeat across tests)."""
    import linkreport.ratelimit

    monkeypatch.setattr(linkreport.ratelimit, "_limiters", {})
