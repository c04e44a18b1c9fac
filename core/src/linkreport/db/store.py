"""The local store: one SQLite file of accounts, campaigns, link snapshots, sync runs, clicks.

The only place with SQL (with its sibling query modules in this package).

Writes are one ``BEGIN IMMEDIATE`` transaction per campaign, so a killed sync leaves every
campaign it completed and none half-written; WAL and a busy timeout let two syncs (and
readers) share one file. The connection is shared by threads under a lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from linkreport.db.guard import StoreError, translated
from linkreport.db.opening import connect, open_error, retrying_busy
from linkreport.db.schema import (
    READABLE_FROM,
    SCHEMA_VERSION,
    identify,
    migrate,
    rollback,
    schema_version,
)
from linkreport.errors import ConfigurationError
from linkreport.records import Campaign, ClickEvent, LinkClicks, utc_now

DB_FILE = "linkreport.db"
BUSY_TIMEOUT_SECONDS = 60.0
_LinkKey = tuple[str | None, str | None, str, int]  # activity_id, link_id, url, occurrence


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
        migrate(conn, where=where)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    @property
    def version(self) -> int:
        """The schema version of the open store (:data:`SCHEMA_VERSION` when opened to write)."""
        with self._lock:
            return schema_version(self._conn)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``), committed when the block ends.

        For query and write modules inside ``linkreport.db`` only.
        """
        if not self.writable:
            raise StoreError(f"the store {self.path} was opened for reading only")
        with self._lock, translated(self.path):
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                rollback(conn)  # a failed write may have ended the transaction already
                raise

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> list[sqlite3.Row]:
        """Run a read query (for query modules inside ``linkreport.db``)."""
        with self._lock, translated(self.path):
            return self._conn.execute(sql, params).fetchall()

    def canonical_rules(self) -> str | None:
        """The canonical-URL settings last applied to ``url_canonical`` (None: never)."""
        rows = self.query("SELECT value FROM store_meta WHERE key = 'canonical'")
        return str(rows[0][0]) if rows else None

    def use_canonical_rules(self, rules: str, canonical: Callable[[str], str]) -> int:
        """Make every ``url_canonical`` follow ``canonical`` if ``rules`` changed since last time.

        ``url_canonical`` is derived (``url`` is never changed), so new ``[canonical]``
        settings apply to the whole history at once. Returns how many URLs changed form.
        """
        with self.transaction() as conn:
            stored = conn.execute("SELECT value FROM store_meta WHERE key = 'canonical'").fetchone()
            if stored is not None and stored[0] == rules:
                return 0
            pairs = conn.execute("SELECT DISTINCT url, url_canonical FROM link_snapshots")
            updates = [(canonical(url), url) for url, old in pairs if canonical(url) != old]
            conn.executemany("UPDATE link_snapshots SET url_canonical = ? WHERE url = ?", updates)
            conn.execute(
                "INSERT OR REPLACE INTO store_meta (key, value) VALUES ('canonical', ?)", (rules,)
            )
        return len(updates)

    # --- sync runs ---------------------------------------------------------------------

    def start_run(self, accounts: Sequence[str], since: datetime | None) -> int:
        """Record that a sync starts; return its ``run_id``."""
        with self.transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO sync_runs (started_at, since, accounts) VALUES (?, ?, ?)",
                (to_text(utc_now()), to_text(since) if since else None, json.dumps(list(accounts))),
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
                (to_text(utc_now()), campaigns, links_changed, click_events, failures, run_id),
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
    ) -> tuple[int, int]:
        """Store one fetched campaign (and its new click events) in one transaction.

        A link (``account``, ``campaign_id``, ``activity_id``, ``link_id``, ``url``,
        ``occurrence``) gets a snapshot row only when its counts differ from its latest one
        (or it is new); ``occurrence`` tells apart links a report lists more than once (0
        for the first, 1 for the second, in report order). Returns how many links changed
        and how many events were new. A value SQLite cannot store (or a store that cannot
        be written) raises :class:`~linkreport.db.guard.StoreError` and stores nothing.
        """
        records = list(records)
        now = fetched_at or max((r.fetched_at for r in records), default=None) or utc_now()
        sent, source = best_sent_time(campaign, now)
        with self.transaction() as conn:
            self._upsert_campaign(conn, account, campaign, now, sent, source)
            latest = self._latest_counts(conn, account, campaign.campaign_id)
            changed: list[tuple[LinkClicks, int]] = []
            occurrences: Counter[tuple[str | None, str | None, str]] = Counter()
            for record in records:
                link = (record.activity_id, record.link_id, record.url)
                key = (*link, occurrences[link])
                occurrences[link] += 1
                counts = (record.unique_clicks, record.total_clicks)
                seen = to_text(record.fetched_at)
                known = latest.get(key)
                if known is None or (known[0] != counts and known[1] <= seen):
                    latest[key] = (counts, seen)
                    changed.append((record, key[3]))
            conn.executemany(
                "INSERT INTO link_snapshots (run_id, account, provider, campaign_id, activity_id,"
                " activity_role, url, unique_clicks, total_clicks, link_id, link_tag, list_id,"
                " list_action, timestamp, fetched_at, url_canonical, occurrence)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_snapshot_row(run_id, account, r, canonical(r.url), n) for r, n in changed],
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
            added = self._insert_events(conn, account, events)
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
            "   THEN campaigns.sent_at ELSE excluded.sent_at END,"
            " sent_at_source = CASE WHEN excluded.sent_at_source = 'first_seen'"
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
        self, conn: sqlite3.Connection, account: str, campaign_id: str
    ) -> dict[_LinkKey, tuple[tuple[int | None, int | None], str]]:
        """Each link's latest counts and when they were seen.

        A record older than the latest snapshot (a concurrent sync fetched it earlier but
        committed later) never becomes the latest: row order stays time order per link.
        """
        rows = conn.execute(
            "SELECT activity_id, link_id, url, occurrence, unique_clicks, total_clicks,"
            " fetched_at FROM link_snapshots WHERE account = ? AND campaign_id = ?"
            " ORDER BY snapshot_id",
            (account, campaign_id),
        )
        return {(r[0], r[1], r[2], r[3]): ((r[4], r[5]), r[6]) for r in rows}

    # --- click events ------------------------------------------------------------------

    def add_click_events(self, account: str, events: Iterable[ClickEvent]) -> int:
        """Store events not stored yet, in one transaction; return how many were new."""
        with self.transaction() as conn:
            return self._insert_events(conn, account, events)

    def _insert_events(
        self, conn: sqlite3.Connection, account: str, events: Iterable[ClickEvent]
    ) -> int:
        rows = [
            (
                event_key(account, e),
                account,
                e.provider,
                e.campaign_id,
                e.activity_id,
                e.url,
                e.link_id,
                to_text(e.clicked_at),
                e.contact,
            )
            for e in events
        ]
        if not rows:
            return 0
        before = conn.total_changes
        conn.executemany(
            "INSERT OR IGNORE INTO click_events (event_key, account, provider, campaign_id,"
            " activity_id, url, link_id, clicked_at, contact)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        return conn.total_changes - before

    def newest_click(
        self, account: str, campaign_id: str, activity_id: str | None = None
    ) -> datetime | None:
        """When the newest stored click event of a campaign (activity) happened, if any."""
        row = self.query(
            "SELECT MAX(clicked_at) FROM click_events"
            " WHERE account = ? AND campaign_id = ? AND activity_id IS ?",
            (account, campaign_id, activity_id),
        )[0]
        return from_text(row[0]) if row[0] else None

    def newest_clicks(self, account: str) -> dict[tuple[str, str | None], datetime]:
        """The newest stored click per (campaign_id, activity_id) of an account."""
        rows = self.query(
            "SELECT campaign_id, activity_id, MAX(clicked_at) FROM click_events"
            " WHERE account = ? GROUP BY campaign_id, activity_id",
            (account,),
        )
        return {(r[0], r[1]): from_text(r[2]) for r in rows}


def _snapshot_row(
    run_id: int | None, account: str, r: LinkClicks, canonical: str, occurrence: int
) -> tuple[Any, ...]:
    return (
        run_id,
        account,
        r.provider,
        r.campaign_id,
        r.activity_id,
        r.activity_role,
        r.url,
        r.unique_clicks,
        r.total_clicks,
        r.link_id,
        r.link_tag,
        r.list_id,
        r.list_action,
        to_text(r.timestamp) if r.timestamp else None,
        to_text(r.fetched_at),
        canonical,
        occurrence,
    )
