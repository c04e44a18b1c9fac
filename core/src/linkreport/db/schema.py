"""The store's schema as forward migrations: ``MIGRATIONS[n - 1]`` brings version n-1 to n.

The version lives in SQLite's ``user_version``, and a store is marked as linkreport's by
``application_id`` (:data:`APPLICATION_ID`, set when it is created or first written by a
linkreport that knows it; older stores are recognised by their tables, :func:`identify`).
A store newer than :data:`SCHEMA_VERSION` is refused (an older linkreport must not write to
it); an older one is migrated forward by ``sync``, each step in one transaction. Times are
ISO 8601 UTC text, always ``YYYY-MM-DDTHH:MM:SS.ffffffZ``, so text order is time order.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from collections.abc import Callable

from linkreport.db.compact import migrate_to_compact
from linkreport.errors import ConfigurationError

_V1 = """
CREATE TABLE accounts (
    account TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    first_synced_at TEXT NOT NULL,
    last_synced_at TEXT NOT NULL
);
CREATE TABLE campaigns (
    account TEXT NOT NULL REFERENCES accounts (account),
    campaign_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    name TEXT,
    subject TEXT,
    status TEXT,
    sent_at TEXT NOT NULL,
    sent_at_source TEXT NOT NULL,
    updated_at TEXT,
    first_seen_at TEXT NOT NULL,
    last_fetched_at TEXT,
    PRIMARY KEY (account, campaign_id)
);
CREATE TABLE sync_runs (
    run_id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    since TEXT,
    accounts TEXT NOT NULL,
    campaigns INTEGER NOT NULL DEFAULT 0,
    links_changed INTEGER NOT NULL DEFAULT 0,
    click_events INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE campaign_fetches (
    run_id INTEGER NOT NULL REFERENCES sync_runs (run_id),
    account TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    links INTEGER NOT NULL,
    links_changed INTEGER NOT NULL,
    PRIMARY KEY (run_id, account, campaign_id),
    FOREIGN KEY (account, campaign_id) REFERENCES campaigns (account, campaign_id)
);
CREATE TABLE link_snapshots (
    snapshot_id INTEGER PRIMARY KEY,
    run_id INTEGER REFERENCES sync_runs (run_id),
    account TEXT NOT NULL,
    provider TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    activity_id TEXT,
    activity_role TEXT,
    url TEXT NOT NULL,
    unique_clicks INTEGER,
    total_clicks INTEGER,
    link_id TEXT,
    link_tag TEXT,
    list_id TEXT,
    list_action TEXT,
    timestamp TEXT,
    fetched_at TEXT NOT NULL,
    url_canonical TEXT NOT NULL,
    FOREIGN KEY (account, campaign_id) REFERENCES campaigns (account, campaign_id)
);
CREATE INDEX link_snapshots_link
    ON link_snapshots (account, campaign_id, activity_id, link_id, url, snapshot_id);
CREATE TABLE click_events (
    event_key TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    provider TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    activity_id TEXT,
    url TEXT NOT NULL,
    link_id TEXT,
    clicked_at TEXT NOT NULL,
    contact TEXT NOT NULL
);
CREATE INDEX click_events_newest ON click_events (account, campaign_id, activity_id, clicked_at);
"""

_V2 = """
CREATE VIEW latest_snapshots AS
SELECT s.* FROM link_snapshots AS s
WHERE s.snapshot_id = (
    SELECT MAX(t.snapshot_id) FROM link_snapshots AS t
    WHERE t.account = s.account AND t.campaign_id = s.campaign_id
      AND t.activity_id IS s.activity_id AND t.link_id IS s.link_id AND t.url = s.url
);
CREATE VIEW campaign_totals AS
SELECT c.account, c.provider, c.campaign_id, c.name, c.subject, c.status, c.sent_at,
       c.sent_at_source, c.last_fetched_at,
       COUNT(l.url) AS links, SUM(l.unique_clicks) AS unique_clicks,
       SUM(l.total_clicks) AS total_clicks
FROM campaigns AS c LEFT JOIN latest_snapshots AS l
    ON l.account = c.account AND l.campaign_id = c.campaign_id
GROUP BY c.account, c.campaign_id;
CREATE INDEX campaigns_sent ON campaigns (sent_at);
"""

_V3 = """
CREATE TABLE store_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE INDEX link_snapshots_url ON link_snapshots (url);
"""

_V4 = """
ALTER TABLE link_snapshots ADD COLUMN occurrence INTEGER NOT NULL DEFAULT 0;
DROP VIEW latest_snapshots;
CREATE VIEW latest_snapshots AS
SELECT s.* FROM link_snapshots AS s
WHERE s.snapshot_id = (
    SELECT MAX(t.snapshot_id) FROM link_snapshots AS t
    WHERE t.account = s.account AND t.campaign_id = s.campaign_id
      AND t.activity_id IS s.activity_id AND t.link_id IS s.link_id AND t.url = s.url
      AND t.occurrence = s.occurrence
);
DROP INDEX link_snapshots_link;
CREATE INDEX link_snapshots_link
    ON link_snapshots (account, campaign_id, activity_id, link_id, url, occurrence, snapshot_id);
"""

_V6_HUMANS = """
CREATE TABLE reasons (
    reason_id INTEGER PRIMARY KEY,
    reason TEXT NOT NULL UNIQUE
);
CREATE TABLE networks (
    network_id INTEGER PRIMARY KEY,
    network TEXT NOT NULL UNIQUE
);
ALTER TABLE events ADD COLUMN machine INTEGER;
ALTER TABLE events ADD COLUMN reason_id INTEGER REFERENCES reasons (reason_id);
ALTER TABLE events ADD COLUMN network_id INTEGER REFERENCES networks (network_id);
DROP VIEW click_events;
CREATE VIEW click_events AS
SELECT lower(hex(e.event_key)) AS event_key, k.account, k.provider, k.campaign_id,
       l.activity_id, u.url, l.link_id, e.clicked_at, e.contact, e.machine, r.reason,
       n.network
FROM events AS e JOIN links AS l ON l.link_key = e.link_key
JOIN campaign_keys AS k ON k.campaign_key = l.campaign_key JOIN urls AS u ON u.url_id = l.url_id
LEFT JOIN reasons AS r ON r.reason_id = e.reason_id
LEFT JOIN networks AS n ON n.network_id = e.network_id;
"""

_DELIVERY = """
CREATE TABLE stats (
    stats_id INTEGER PRIMARY KEY,
    campaign_key INTEGER NOT NULL REFERENCES campaign_keys (campaign_key),
    activity_id TEXT,
    run_id INTEGER REFERENCES sync_runs (run_id),
    sent INTEGER,
    bounces INTEGER,
    delivered INTEGER,
    sent_at TEXT,
    fetched_at TEXT NOT NULL
);
CREATE INDEX stats_campaign ON stats (campaign_key, activity_id, stats_id);
CREATE VIEW campaign_stats AS
SELECT s.stats_id, s.run_id, k.account, k.provider, k.campaign_id, s.activity_id, s.sent,
       s.bounces, s.delivered, s.sent_at, s.fetched_at
FROM stats AS s JOIN campaign_keys AS k ON k.campaign_key = s.campaign_key;
CREATE VIEW latest_stats AS
SELECT s.stats_id, s.run_id, k.account, k.provider, k.campaign_id, s.activity_id, s.sent,
       s.bounces, s.delivered, s.sent_at, s.fetched_at
FROM stats AS s JOIN campaign_keys AS k ON k.campaign_key = s.campaign_key
WHERE s.stats_id = (SELECT MAX(t.stats_id) FROM stats AS t
    WHERE t.campaign_key = s.campaign_key AND t.activity_id IS s.activity_id);
"""

_CLICKS_FETCHED = """
ALTER TABLE campaigns ADD COLUMN clicks_fetched_at TEXT;
"""

#: Each step's SQL (or a function running it); the store's version is how many have run.
MIGRATIONS: tuple[str | Callable[[sqlite3.Connection], None], ...] = (
    _V1,
    _V2,
    _V3,
    _V4,
    migrate_to_compact,
    _V6_HUMANS,  # human clicks: each event's verdict (machine, reason) and network pseudonym
    _DELIVERY,  # delivery counts: snapshots of each campaign's (activity's) CampaignStats
    _CLICKS_FETCHED,  # when a campaign's click events were last fetched (its people's clicks known)
)
SCHEMA_VERSION = len(MIGRATIONS)
#: The first version with URLs and link keys stored once (``compact.py``).
COMPACT_VERSION = MIGRATIONS.index(migrate_to_compact) + 1
#: The first version whose click events carry verdicts (``machine``, ``reason``, ``network``).
HUMANS_VERSION = MIGRATIONS.index(_V6_HUMANS) + 1
#: The first version with delivery counts (``stats``, each with its ``sent_at``).
DELIVERY_VERSION = MIGRATIONS.index(_DELIVERY) + 1
#: The first version that knows which campaigns' click events were fetched (none or more).
CLICKS_FETCHED_VERSION = MIGRATIONS.index(_CLICKS_FETCHED) + 1
#: The oldest version the read commands (``history``, ``top``, ``report``) can read as it is.
READABLE_FROM = COMPACT_VERSION
#: ``PRAGMA application_id`` of a linkreport store ("LnkR").
APPLICATION_ID = 0x4C6E6B52


def application_id(conn: sqlite3.Connection) -> int:
    """The ``application_id`` in the file's header (0: none set)."""
    return int(conn.execute("PRAGMA application_id").fetchone()[0])


@functools.cache
def expected_tables(version: int) -> dict[str, tuple[str, ...]]:
    """The tables (name → column names) a store of ``version`` has."""
    conn = sqlite3.connect(":memory:")
    try:
        for step in MIGRATIONS[:version]:
            _run_step(conn, step)
        return _tables(conn)
    finally:
        conn.close()


def _tables(conn: sqlite3.Connection) -> dict[str, tuple[str, ...]]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {
        name: tuple(r[1] for r in conn.execute("SELECT * FROM pragma_table_info(?)", (name,)))
        for name in names
    }


def identify(conn: sqlite3.Connection, where: str) -> int:
    """The version of the linkreport store (0: an empty file); refuse anything else.

    A store is linkreport's when its ``application_id`` says so, or (stores made before it
    was set) when it has none and has every table of its ``user_version``, with the same
    columns (a table a user added beside them is fine).
    Raises :class:`ConfigurationError` for another application's file and for a store
    newer than this linkreport knows.
    """
    conn.execute("BEGIN")  # one snapshot: another process may be creating it meanwhile
    try:
        version, app = schema_version(conn), application_id(conn)
        objects = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
        tables = _tables(conn) if app == 0 and 0 < version <= SCHEMA_VERSION else {}
    finally:
        rollback(conn)
    if app == 0 and version == 0 and objects == 0:
        return 0
    known = expected_tables(version) if tables else {}
    if app == APPLICATION_ID or (known and all(tables.get(n) == c for n, c in known.items())):
        if version > SCHEMA_VERSION:  # a newer linkreport's store (marked as ours)
            msg = (
                f"the store {where} has schema version {version}, newer than this linkreport "
                f"knows ({SCHEMA_VERSION}): upgrade linkreport or use another --db"
            )
            raise ConfigurationError(msg)
        return version
    raise ConfigurationError(
        f"{where} is not a linkreport store (it is another application's SQLite file):"
        " linkreport leaves it alone; give another --db"
    )


def schema_version(conn: sqlite3.Connection) -> int:
    """The version a store's file says it has (0 for a new file)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, *, target: int = SCHEMA_VERSION, where: str = "") -> int:
    """Bring the store up to ``target``; refuse a store newer than this linkreport knows.

    Each step runs in one ``BEGIN IMMEDIATE`` transaction, re-checking the version inside it,
    so two processes opening one old store migrate it once; each also marks the file with
    :data:`APPLICATION_ID` (as does opening a current store made before it was set).
    Returns the version reached.
    """
    if schema_version(conn) == target and application_id(conn) != APPLICATION_ID:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
    for _ in range(len(MIGRATIONS) + 1):
        version = schema_version(conn)
        if version > SCHEMA_VERSION:
            msg = (
                f"the store {where or ''} has schema version {version}, newer than this linkreport "
                f"knows ({SCHEMA_VERSION}): upgrade linkreport or use another --db"
            ).replace("  ", " ")
            raise ConfigurationError(msg)
        if version >= target:
            return version
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) == version:
                _run_step(conn, MIGRATIONS[version])
                conn.execute(f"PRAGMA user_version = {version + 1}")
                conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
    return schema_version(conn)


def rollback(conn: sqlite3.Connection) -> None:
    """Roll back if a transaction is still open (SQLite ends some failed ones itself)."""
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):  # the error being raised says more
            conn.execute("ROLLBACK")


def _run_step(conn: sqlite3.Connection, step: str | Callable[[sqlite3.Connection], None]) -> None:
    if callable(step):
        step(conn)
        return
    for statement in _statements(step):
        conn.execute(statement)


def _statements(script: str) -> list[str]:
    """Split a migration into statements (``executescript`` would commit on its own)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return statements
