"""The store's schema as forward migrations: ``MIGRATIONS[n - 1]`` brings version n-1 to n.

The version lives in SQLite's ``user_version``. A store newer than :data:`SCHEMA_VERSION`
is refused (an older linkreport must not write to it); an older one is migrated forward,
each step in one transaction. Times are ISO 8601 UTC text, always
``YYYY-MM-DDTHH:MM:SS.ffffffZ``, so text order is time order.
"""

from __future__ import annotations

import sqlite3

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

#: Each step's SQL; the store's version is how many have run.
MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """The version a store's file says it has (0 for a new file)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, *, target: int = SCHEMA_VERSION, where: str = "") -> int:
    """Bring the store up to ``target``; refuse a store newer than this linkreport knows.

    Each step runs in one ``BEGIN IMMEDIATE`` transaction, re-checking the version inside it,
    so two processes opening one old store migrate it once. Returns the version reached.
    """
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
                for statement in _statements(MIGRATIONS[version]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return schema_version(conn)


def _statements(script: str) -> list[str]:
    """Split a migration into statements (``executescript`` would commit on its own)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return statements
