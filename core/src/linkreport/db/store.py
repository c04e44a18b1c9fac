"""The local store: one SQLite file of accounts, campaigns, link snapshots, sync runs, clicks.

The only place with SQL (with its sibling query modules in this package).

Writes are one ``BEGIN IMMEDIATE`` transaction per campaign, so a killed sync leaves every
campaign it completed and none half-written; WAL and a busy timeout let two syncs (and
readers) share one file. The connection is shared by threads under a lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linkreport.db.compact import URL_BATCH, domain, stored_canonicalizer, url_row
from linkreport.db.guard import StoreError, translated
from linkreport.db.opening import connect, open_error, retrying_busy
from linkreport.db.schema import (
    COMPACT_VERSION,
    READABLE_FROM,
    SCHEMA_VERSION,
    identify,
    migrate,
    rollback,
    schema_version,
)
from linkreport.errors import ConfigurationError

if TYPE_CHECKING:  # the records load with the first write: reading the store needs no attrs
    from linkreport.records import Campaign, CampaignStats, ClickEvent, LinkClicks

DB_FILE = "linkreport.db"
BUSY_TIMEOUT_SECONDS = 60.0
_LinkKey = tuple[str | None, str | None, str, int]  # activity_id, link_id, url, occurrence
_IN_CHUNK = 500  # values per ``IN (...)`` list


def default_db_path(
    env: Mapping[str, str] | None = None, db: str | os.PathLike[str] | None = None
) -> Path:
    """``db`` (``--db``), else ``LINKREPORT_DB``, else ``LINKREPORT_HOME/linkreport.db``."""
    from linkreport.config import home_dir  # not settings: reading the store needs none of it

    env = os.environ if env is None else env
    if db:
        return Path(db).expanduser()
    if env.get("LINKREPORT_DB"):
        return Path(env["LINKREPORT_DB"]).expanduser()
    return home_dir(env) / DB_FILE


def to_text(value: datetime) -> str:
    """A UTC time as the store writes it: fixed width, so text order is time order."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_text(value: str) -> datetime:
    """A stored time back as an aware UTC datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def event_key(account: str, event: ClickEvent) -> str:
    """The stable key of a click event: a hash of every field (so re-fetching adds nothing)."""
    parts = (
        account,
        event.provider,
        event.campaign_id,
        event.activity_id or "",
        event.url,
        event.link_id or "",
        to_text(event.clicked_at),
        event.contact,
    )
    import hashlib  # (OpenSSL loads with the first write: reading the store needs none of it)

    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def best_sent_time(campaign: Campaign, seen: datetime) -> tuple[datetime, str]:
    """The send time to store, and its source: ``sent_at``, ``updated_at`` or ``first_seen``."""
    if campaign.sent_at is not None:
        return campaign.sent_at, "sent_at"
    if campaign.updated_at is not None:
        return campaign.updated_at, "updated_at"
    return seen, "first_seen"


class Store:
    """An open store. Use as a context manager, or call :meth:`close`.

    ``write=True`` (``sync``) creates a missing store (directories 0700, the file 0600),
    migrates an older one and marks it as linkreport's; ``write=False`` (the read commands)
    opens an existing store read-only and never creates, migrates or changes it. Either way
    a file that is not a linkreport store is refused before anything is written to it.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = BUSY_TIMEOUT_SECONDS,
        write: bool = True,
    ):
        self.path = Path(path)
        self.writable = write
        self._lock = threading.RLock()
        self._wrote = False  # whether to refresh the planner's statistics at close
        conn = connect(self.path, timeout, write=write)
        try:
            retrying_busy(lambda: self._prepare(conn), time.monotonic() + timeout)
        except sqlite3.Error as exc:
            conn.close()
            raise open_error(self.path, exc) from None
        except BaseException:
            conn.close()
            raise
        conn.row_factory = sqlite3.Row
        self._conn = conn
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(OSError):
                if os.stat(f"{self.path}{suffix}").st_mode & 0o077:
                    os.chmod(f"{self.path}{suffix}", 0o600)

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """Check what the file is, then (writing) switch to WAL and migrate it."""
        where = str(self.path)
        version = identify(conn, where)
        if not self.writable:
            if version == 0:
                msg = f"{where} is an empty store: run `linkreport sync` first (or give --db)"
                raise ConfigurationError(msg)
            if version < READABLE_FROM:
                raise ConfigurationError(
                    f"the store {where} has schema version {version}, older than this"
                    f" linkreport reads ({SCHEMA_VERSION}): run `linkreport sync` to upgrade it"
                )
            return
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        self._wrote = migrate(conn, where=where) != version
        if 0 < version < COMPACT_VERSION:
            _reclaim(conn)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection, first refreshing the planner's statistics if this one wrote."""
        with self._lock:
            if self._wrote:
                self.optimize()
            self._conn.close()

    def optimize(self) -> None:
        """Refresh the query planner's statistics (``sqlite_stat1``): a sampled ``ANALYZE``.

        Sampling (``analysis_limit``) keeps it to milliseconds on a store of millions of rows;
        without statistics SQLite may read all history for a report of last week. Best effort:
        a busy, read-only or full store keeps its old statistics.
        """
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._conn.execute("PRAGMA analysis_limit = 1000")
            self._conn.execute("ANALYZE")
            self._wrote = False

    @property
    def version(self) -> int:
        """The schema version of the open store (:data:`SCHEMA_VERSION` when opened to write)."""
        with self._lock:
            return schema_version(self._conn)

    @contextlib.contextmanager
    def transaction(self, *, foreign_keys: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``), committed when the block ends.

        For query and write modules inside ``linkreport.db`` only. ``foreign_keys=False``
        skips the foreign key checks for this transaction: only for writes whose keys are
        right by construction (verdicts: reason IDs made in the same transaction), where
        the checks would cost most of a bulk update.
        """
        if not self.writable:
            raise StoreError(f"the store {self.path} was opened for reading only")
        with self._lock, translated(self.path):
            conn = self._conn
            if not foreign_keys:  # (a no-op inside a transaction: set before it begins)
                conn.execute("PRAGMA foreign_keys = OFF")
            try:
                conn.execute("BEGIN IMMEDIATE")
                self._wrote = True
                try:
                    yield conn
                    conn.execute("COMMIT")
                except BaseException:
                    rollback(conn)  # a failed write may have ended the transaction already
                    raise
            finally:
                if not foreign_keys:
                    conn.execute("PRAGMA foreign_keys = ON")

    @contextlib.contextmanager
    def lock(self) -> Iterator[sqlite3.Connection]:
        """The connection under the store's lock, outside any transaction, with plain tuples.

        For reads of several statements (and temporary tables) inside ``linkreport.db`` only.
        """
        with self._lock, translated(self.path):
            factory = self._conn.row_factory
            self._conn.row_factory = None
            try:
                yield self._conn
            finally:
                self._conn.row_factory = factory

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[sqlite3.Row]:
        """Run a read query (for query modules inside ``linkreport.db``)."""
        with self._lock, translated(self.path):
            return self._conn.execute(sql, params).fetchall()

    def tuples(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
    ) -> list[tuple[Any, ...]]:
        """Run a read query and give plain tuples (cheaper than :meth:`query`'s rows)."""
        with self._lock, translated(self.path):
            cursor = self._conn.cursor()
            cursor.row_factory = None
            return cursor.execute(sql, params).fetchall()

    def has_table(self, name: str) -> bool:
        """Whether the store has the table ``name`` (an older schema may lack a newer one)."""
        return bool(
            self.tuples("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
        )

    def function(self, name: str, fn: Callable[[str], str]) -> None:
        """Make ``fn`` callable from this connection's SQL as ``name(text)``."""
        with self._lock:
            self._conn.create_function(name, 1, fn, deterministic=True)

    def canonical_rules(self) -> str | None:
        """The canonical-URL settings last applied to ``url_canonical`` (None: never)."""
        rows = self.query("SELECT value FROM store_meta WHERE key = 'canonical'")
        return str(rows[0][0]) if rows else None

    def use_canonical_rules(
        self, rules: str, canonical: Callable[[str], str], *, batch: int = URL_BATCH
    ) -> int:
        """Make stored canonical forms follow ``canonical`` if ``rules`` changed since last time.

        Canonical forms are kept once per distinct URL (``urls``), so a change rewrites only
        distinct URLs, ``batch`` at a time, each batch its own short transaction: a sync
        waiting for the store waits a moment, not for the whole store. ``url`` is never changed.
        Returns how many URLs changed form.
        """
        if self.canonical_rules() == rules:
            return 0
        changed, after = 0, 0
        while True:
            rows = self.query(
                "SELECT url_id, url, url_canonical FROM urls WHERE url_id > ?"
                " ORDER BY url_id LIMIT ?",
                (after, batch),
            )
            if not rows:
                break
            after = rows[-1][0]
            forms = ((url_id, canonical(url), old) for url_id, url, old in rows)
            updates = [(new, domain(new), url_id) for url_id, new, old in forms if new != old]
            if updates:
                with self.transaction() as conn:
                    conn.executemany(
                        "UPDATE urls SET url_canonical = ?, domain_canonical = ? WHERE url_id = ?",
                        updates,
                    )
                changed += len(updates)
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO store_meta (key, value) VALUES ('canonical', ?)", (rules,)
            )
        return changed

    # --- sync runs ---------------------------------------------------------------------

    def start_run(self, accounts: Sequence[str], since: datetime | None) -> int:
        """Record that a sync starts; return its ``run_id``."""
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO sync_runs (started_at, since, accounts) VALUES (?, ?, ?)",
                (
                    to_text(datetime.now(UTC)),
                    to_text(since) if since else None,
                    json.dumps(list(accounts)),
                ),
            )
        return int(cursor.lastrowid or 0)

    def finish_run(
        self, run_id: int, *, campaigns: int, links_changed: int, click_events: int, failures: int
    ) -> None:
        """Record a sync's end and its totals (a killed sync keeps ``finished_at`` null)."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE sync_runs SET finished_at = ?, campaigns = ?, links_changed = ?,"
                " click_events = ?, failures = ? WHERE run_id = ?",
                (
                    to_text(datetime.now(UTC)),
                    campaigns,
                    links_changed,
                    click_events,
                    failures,
                    run_id,
                ),
            )

    # --- campaigns and snapshots -------------------------------------------------------

    def write_campaign(
        self,
        run_id: int | None,
        account: str,
        campaign: Campaign,
        records: Iterable[LinkClicks],
        *,
        canonical: Callable[[str], str],
        fetched_at: datetime | None = None,
        events: Iterable[ClickEvent] = (),
        stats: Iterable[CampaignStats] | None = None,
        clicks_fetched: bool = False,
    ) -> tuple[int, int]:
        """Store one fetched campaign (its new click events, delivery counts) in one transaction.

        A link (``account``, ``campaign_id``, ``activity_id``, ``link_id``, ``url``,
        ``occurrence``) gets a snapshot row only when its counts differ from its latest one
        (or it is new); ``occurrence`` tells apart links a report lists more than once (0
        for the first, 1 for the second, in report order). Returns how many links changed
        and how many events were new. ``stats`` (``None``: not fetched) get a row per campaign
        activity only when they differ from its latest (:meth:`_write_stats`). ``clicks_fetched``:
        ``events`` are all its click events not stored yet (none, maybe), so the campaign's
        ``clicks_fetched_at`` becomes ``fetched_at`` (people's clicks of it are known: 0 for a
        link without events). A value SQLite
        cannot store (or a store that cannot be written) raises
        :class:`~linkreport.db.guard.StoreError` and stores nothing.
        """
        records = list(records)
        now = fetched_at or max((r.fetched_at for r in records), default=None) or datetime.now(UTC)
        sent, source = best_sent_time(campaign, now)
        with self.transaction() as conn:
            self._upsert_campaign(conn, account, campaign, now, sent, source)
            key = _campaign_key(conn, account, campaign.campaign_id, campaign.provider)
            keys, latest = self._latest_counts(conn, key)
            changed, wanted = [], []
            occurrences: Counter[tuple[str | None, str | None, str]] = Counter()
            for record in records:
                same = (record.activity_id, record.link_id, record.url)
                link = (*same, occurrences[same])  # a report's second same link is another
                occurrences[same] += 1
                counts = (record.unique_clicks, record.total_clicks)
                seen = to_text(record.fetched_at)
                known = latest.get(link)
                if known is None or (known[0] != counts and known[1] <= seen):
                    latest[link] = (counts, seen)
                    changed.append(record)
                    wanted.append(link)
            _add_links(conn, key, keys, wanted, canonical)
            conn.executemany(
                "INSERT INTO snapshots (link_key, run_id, unique_clicks, total_clicks, fetched_at,"
                " timestamp, activity_role, link_tag, list_id, list_action)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_snapshot_row(run_id, keys[w], r) for w, r in zip(wanted, changed, strict=True)],
            )
            if run_id is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO campaign_fetches (run_id, account, campaign_id,"
                    " fetched_at, links, links_changed) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        run_id,
                        account,
                        campaign.campaign_id,
                        to_text(now),
                        len(records),
                        len(changed),
                    ),
                )
            added = self._insert_events(conn, account, events, canonical)
            if clicks_fetched:
                conn.execute(
                    "UPDATE campaigns SET clicks_fetched_at ="
                    " MAX(COALESCE(clicks_fetched_at, ''), ?)"
                    " WHERE account = ? AND campaign_id = ?",
                    (to_text(now), account, campaign.campaign_id),
                )
            if stats is not None:
                _write_stats(conn, run_id, key, account, campaign.campaign_id, stats)
        return len(changed), added

    def _upsert_campaign(
        self,
        conn: sqlite3.Connection,
        account: str,
        campaign: Campaign,
        now: datetime,
        sent: datetime,
        source: str,
    ) -> None:
        conn.execute(
            "INSERT INTO accounts (account, provider, first_synced_at, last_synced_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (account) DO UPDATE SET"
            " last_synced_at = excluded.last_synced_at",
            (account, campaign.provider, to_text(now), to_text(now)),
        )
        conn.execute(
            "INSERT INTO campaigns (account, campaign_id, provider, name, subject, status, sent_at,"
            " sent_at_source, updated_at, first_seen_at, last_fetched_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (account, campaign_id) DO UPDATE SET name = excluded.name,"
            " subject = excluded.subject, status = excluded.status,"
            " sent_at = CASE WHEN excluded.sent_at_source = 'first_seen'"
            "   OR (campaigns.sent_at_source = 'sent_at' AND excluded.sent_at_source != 'sent_at')"
            "   THEN campaigns.sent_at ELSE excluded.sent_at END,"
            " sent_at_source = CASE WHEN excluded.sent_at_source = 'first_seen'"
            "   OR (campaigns.sent_at_source = 'sent_at' AND excluded.sent_at_source != 'sent_at')"
            "   THEN campaigns.sent_at_source ELSE excluded.sent_at_source END,"
            " updated_at = excluded.updated_at, last_fetched_at ="
            " MAX(COALESCE(campaigns.last_fetched_at, ''), excluded.last_fetched_at)",
            (
                account,
                campaign.campaign_id,
                campaign.provider,
                campaign.name,
                campaign.subject,
                campaign.status,
                to_text(sent),
                source,
                to_text(campaign.updated_at) if campaign.updated_at else None,
                to_text(now),
                to_text(now),
            ),
        )

    def _latest_counts(
        self, conn: sqlite3.Connection, campaign_key: int
    ) -> tuple[dict[_LinkKey, int], dict[_LinkKey, tuple[tuple[int | None, int | None], str]]]:
        """A campaign's link keys, and each snapshotted link's latest counts and when seen.

        A record older than the latest snapshot (a concurrent sync fetched it earlier but
        committed later) never becomes the latest: row order stays time order per link.
        """
        rows = conn.execute(
            "SELECT l.link_key, l.activity_id, l.link_id, u.url, l.occurrence, s.unique_clicks,"
            " s.total_clicks, s.fetched_at FROM links AS l JOIN urls AS u ON u.url_id = l.url_id"
            " LEFT JOIN snapshots AS s ON s.snapshot_id ="
            " (SELECT MAX(t.snapshot_id) FROM snapshots AS t WHERE t.link_key = l.link_key)"
            " WHERE l.campaign_key = ?",
            (campaign_key,),
        ).fetchall()
        keys = {(r[1], r[2], r[3], r[4]): r[0] for r in rows}
        latest = {(r[1], r[2], r[3], r[4]): ((r[5], r[6]), r[7]) for r in rows if r[7] is not None}
        return keys, latest

    # --- click events ------------------------------------------------------------------

    def add_click_events(
        self,
        account: str,
        events: Iterable[ClickEvent],
        canonical: Callable[[str], str] | None = None,
    ) -> int:
        """Store events not stored yet, in one transaction; return how many were new.

        ``canonical`` gives the canonical form of URLs new to the store (default: the rules
        last applied to it).
        """
        with self.transaction() as conn:
            return self._insert_events(conn, account, events, canonical)

    def _insert_events(
        self,
        conn: sqlite3.Connection,
        account: str,
        events: Iterable[ClickEvent],
        canonical: Callable[[str], str] | None,
    ) -> int:
        by_campaign: dict[tuple[str, str], list[ClickEvent]] = {}
        events = list(events)
        for e in events:
            by_campaign.setdefault((e.campaign_id, e.provider), []).append(e)
        if not by_campaign:
            return 0
        form = canonical or stored_canonicalizer(conn)
        networks = network_ids(conn, (e.network for e in events if e.network))
        added = 0
        for (campaign_id, provider), found in by_campaign.items():
            key = _campaign_key(conn, account, campaign_id, provider)
            keys = _campaign_links(conn, key)
            links = [(e.activity_id, e.link_id, e.url, 0) for e in found]
            _add_links(conn, key, keys, links, form)
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO events (link_key, clicked_at, contact, event_key,"
                " network_id) VALUES (?, ?, ?, ?, ?)",
                [
                    (
                        keys[link],
                        to_text(e.clicked_at),
                        e.contact,
                        bytes.fromhex(event_key(account, e)),
                        networks.get(e.network) if e.network else None,
                    )
                    for link, e in zip(links, found, strict=True)
                ],
            )
            added += conn.total_changes - before
        return added

    def newest_click(
        self, account: str, campaign_id: str, activity_id: str | None = None
    ) -> datetime | None:
        """When the newest stored click event of a campaign (activity) happened, if any."""
        row = self.query(
            "SELECT MAX(e.clicked_at) FROM campaign_keys AS k"
            " JOIN links AS l ON l.campaign_key = k.campaign_key"
            " JOIN events AS e ON e.link_key = l.link_key"
            " WHERE k.account = ? AND k.campaign_id = ? AND l.activity_id IS ?",
            (account, campaign_id, activity_id),
        )[0]
        return from_text(row[0]) if row[0] else None

    def newest_clicks(self, account: str) -> dict[tuple[str, str | None], datetime]:
        """The newest stored click per (campaign_id, activity_id) of an account."""
        rows = self.query(
            "SELECT k.campaign_id, l.activity_id, MAX(e.clicked_at) FROM campaign_keys AS k"
            " JOIN links AS l ON l.campaign_key = k.campaign_key"
            " JOIN events AS e ON e.link_key = l.link_key"
            " WHERE k.account = ? GROUP BY k.campaign_id, l.activity_id",
            (account,),
        )
        return {(r[0], r[1]): from_text(r[2]) for r in rows}


_Stats = tuple[int | None, int | None, int | None, str | None]  # sent, bounces, delivered, sent_at


def _write_stats(
    conn: sqlite3.Connection,
    run_id: int | None,
    campaign_key: int,
    account: str,
    campaign_id: str,
    stats: Iterable[CampaignStats],
) -> None:
    """Snapshot a campaign's delivery counts: a row per activity only when they changed.

    As for links, counts fetched earlier than an activity's newest row are not stored after
    it. A send time the stats give is the campaign's (its earliest activity's) where the
    listing gave none (``sent_at_source`` becomes ``sent_at``).
    """
    latest: dict[str | None, tuple[_Stats, str]] = {
        r[0]: ((r[1], r[2], r[3], r[4]), r[5])
        for r in conn.execute(
            "SELECT s.activity_id, s.sent, s.bounces, s.delivered, s.sent_at, s.fetched_at"
            " FROM stats AS s WHERE s.campaign_key = ? AND s.stats_id = (SELECT MAX(t.stats_id)"
            " FROM stats AS t WHERE t.campaign_key = s.campaign_key"
            " AND t.activity_id IS s.activity_id)",
            (campaign_key,),
        )
    }
    rows, sent_times = [], []
    for record in {r.activity_id: r for r in stats}.values():  # (an activity once: the last)
        sent_at = to_text(record.sent_at) if record.sent_at else None
        counts = (record.sent, record.bounces, record.delivered, sent_at)
        seen = to_text(record.fetched_at)
        if sent_at:
            sent_times.append(sent_at)
        known = latest.get(record.activity_id)
        if known is None or (known[0] != counts and known[1] <= seen):
            rows.append((campaign_key, record.activity_id, run_id, *counts, seen))
    conn.executemany(
        "INSERT INTO stats (campaign_key, activity_id, run_id, sent, bounces, delivered, sent_at,"
        " fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    if sent_times:
        conn.execute(
            "UPDATE campaigns SET sent_at = ?, sent_at_source = 'sent_at'"
            " WHERE account = ? AND campaign_id = ? AND sent_at_source != 'sent_at'",
            (min(sent_times), account, campaign_id),
        )


def _campaign_key(conn: sqlite3.Connection, account: str, campaign_id: str, provider: str) -> int:
    """The integer key of a campaign (given one the first time it is seen)."""
    conn.execute(
        "INSERT OR IGNORE INTO campaign_keys (account, campaign_id, provider) VALUES (?, ?, ?)",
        (account, campaign_id, provider),
    )
    row = conn.execute(
        "SELECT campaign_key FROM campaign_keys WHERE account = ? AND campaign_id = ?",
        (account, campaign_id),
    ).fetchone()
    return int(row[0])


def _campaign_links(conn: sqlite3.Connection, campaign_key: int) -> dict[_LinkKey, int]:
    rows = conn.execute(
        "SELECT l.activity_id, l.link_id, u.url, l.occurrence, l.link_key FROM links AS l"
        " JOIN urls AS u ON u.url_id = l.url_id WHERE l.campaign_key = ?",
        (campaign_key,),
    )
    return {(r[0], r[1], r[2], r[3]): r[4] for r in rows}


def _add_links(
    conn: sqlite3.Connection,
    campaign_key: int,
    keys: dict[_LinkKey, int],
    wanted: Iterable[_LinkKey],
    canonical: Callable[[str], str],
) -> None:
    """Give every link in ``wanted`` not in ``keys`` a key (and its URL an id); add them."""
    missing = [link for link in dict.fromkeys(wanted) if link not in keys]
    if not missing:
        return
    url_ids = _url_ids(conn, {link[2] for link in missing}, canonical)
    for link in missing:
        activity_id, link_id, url, occurrence = link
        cursor = conn.execute(
            "INSERT INTO links (campaign_key, url_id, activity_id, link_id, occurrence)"
            " VALUES (?, ?, ?, ?, ?)",
            (campaign_key, url_ids[url], activity_id, link_id, occurrence),
        )
        keys[link] = int(cursor.lastrowid or 0)


def _url_ids(
    conn: sqlite3.Connection, urls: set[str], canonical: Callable[[str], str]
) -> dict[str, int]:
    """The id of each URL, adding the ones not stored yet with their canonical form."""
    wanted = sorted(urls)
    ids: dict[str, int] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        marks = ", ".join("?" for _ in chunk)
        ids.update(conn.execute(f"SELECT url, url_id FROM urls WHERE url IN ({marks})", chunk))  # noqa: S608 (only placeholders)
    for url in wanted:
        if url not in ids:
            cursor = conn.execute(
                "INSERT INTO urls (url, url_canonical, domain, domain_canonical)"
                " VALUES (?, ?, ?, ?)",
                url_row(url, canonical),
            )
            ids[url] = int(cursor.lastrowid or 0)
    return ids


def network_ids(conn: sqlite3.Connection, networks: Iterable[str]) -> dict[str, int]:
    """The id of each network pseudonym (added to ``networks`` the first time it is seen)."""
    wanted = sorted(set(networks))
    for network in wanted:
        conn.execute("INSERT OR IGNORE INTO networks (network) VALUES (?)", (network,))
    ids: dict[str, int] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        marks = ", ".join("?" for _ in chunk)
        sql = f"SELECT network, network_id FROM networks WHERE network IN ({marks})"  # noqa: S608 (only placeholders)
        ids.update(conn.execute(sql, chunk))
    return ids


def _reclaim(conn: sqlite3.Connection) -> None:
    """Give back the space the tables before the compact schema took (``VACUUM``; best effort)."""
    with contextlib.suppress(sqlite3.Error):
        conn.execute("VACUUM")


def _snapshot_row(run_id: int | None, link_key: int, r: LinkClicks) -> tuple[Any, ...]:
    return (
        link_key,
        run_id,
        r.unique_clicks,
        r.total_clicks,
        to_text(r.fetched_at),
        to_text(r.timestamp) if r.timestamp else None,
        r.activity_role,
        r.link_tag,
        r.list_id,
        r.list_action,
    )
