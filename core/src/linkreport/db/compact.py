"""Schema version 5: URLs and link keys stored once, referenced by integer.

``urls`` holds each distinct URL once with its canonical form and the host of both (so a
``[canonical]`` change rewrites distinct URLs, not history), ``campaign_keys`` and ``links``
give each campaign and each link (``account``, ``campaign_id``, ``activity_id``, ``link_id``,
``url``, ``occurrence``) an integer key, and ``snapshots`` and ``events`` hold only that key
beside their own values. The documented ``link_snapshots`` and ``click_events`` are views
joining the text back.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

_TABLES = """
CREATE TABLE urls (
    url_id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    url_canonical TEXT NOT NULL,
    domain TEXT NOT NULL,
    domain_canonical TEXT NOT NULL
);
CREATE TABLE campaign_keys (
    campaign_key INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    provider TEXT NOT NULL,
    UNIQUE (account, campaign_id)
);
CREATE TABLE links (
    link_key INTEGER PRIMARY KEY,
    campaign_key INTEGER NOT NULL REFERENCES campaign_keys (campaign_key),
    url_id INTEGER NOT NULL REFERENCES urls (url_id),
    activity_id TEXT,
    link_id TEXT,
    occurrence INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX links_campaign ON links (campaign_key, url_id);
CREATE INDEX links_url ON links (url_id);
CREATE TABLE snapshots (
    snapshot_id INTEGER PRIMARY KEY,
    link_key INTEGER NOT NULL REFERENCES links (link_key),
    run_id INTEGER REFERENCES sync_runs (run_id),
    unique_clicks INTEGER,
    total_clicks INTEGER,
    fetched_at TEXT NOT NULL,
    timestamp TEXT,
    activity_role TEXT,
    link_tag TEXT,
    list_id TEXT,
    list_action TEXT
);
CREATE INDEX snapshots_link ON snapshots (link_key, snapshot_id);
CREATE TABLE events (
    link_key INTEGER NOT NULL REFERENCES links (link_key),
    clicked_at TEXT NOT NULL,
    contact TEXT NOT NULL,
    event_key BLOB NOT NULL,
    PRIMARY KEY (link_key, clicked_at, contact)
) WITHOUT ROWID;
"""

_SNAPSHOT_VIEW = """
SELECT s.snapshot_id, s.run_id, k.account, k.provider, k.campaign_id, l.activity_id,
       s.activity_role, u.url, s.unique_clicks, s.total_clicks, l.link_id, s.link_tag,
       s.list_id, s.list_action, s.timestamp, s.fetched_at, u.url_canonical, l.occurrence
FROM snapshots AS s JOIN links AS l ON l.link_key = s.link_key
JOIN campaign_keys AS k ON k.campaign_key = l.campaign_key JOIN urls AS u ON u.url_id = l.url_id"""

_VIEWS = f"""
CREATE VIEW link_snapshots AS{_SNAPSHOT_VIEW};
CREATE VIEW latest_snapshots AS{_SNAPSHOT_VIEW}
WHERE s.snapshot_id = (SELECT MAX(t.snapshot_id) FROM snapshots AS t WHERE t.link_key = s.link_key);
CREATE VIEW campaign_totals AS
SELECT c.account, c.provider, c.campaign_id, c.name, c.subject, c.status, c.sent_at,
       c.sent_at_source, c.last_fetched_at,
       COUNT(l.url) AS links, SUM(l.unique_clicks) AS unique_clicks,
       SUM(l.total_clicks) AS total_clicks
FROM campaigns AS c LEFT JOIN latest_snapshots AS l
    ON l.account = c.account AND l.campaign_id = c.campaign_id
GROUP BY c.account, c.campaign_id;
CREATE VIEW click_events AS
SELECT lower(hex(e.event_key)) AS event_key, k.account, k.provider, k.campaign_id,
       l.activity_id, u.url, l.link_id, e.clicked_at, e.contact
FROM events AS e JOIN links AS l ON l.link_key = e.link_key
JOIN campaign_keys AS k ON k.campaign_key = l.campaign_key JOIN urls AS u ON u.url_id = l.url_id;
"""  # noqa: S608 (constant text only)

#: How many URLs one transaction of a canonical rewrite (or of the migration) handles.
URL_BATCH = 2000


def domain(url: str) -> str:
    """The host of ``url``, lower-cased (``url`` itself when it has none): ``top --by domain``."""
    try:
        return (urlsplit(url).hostname or url).lower()
    except ValueError:
        return url


def url_row(url: str, canonical: Callable[[str], str]) -> tuple[str, str, str, str]:
    """An ``urls`` row without its id: the URL, its canonical form and the host of each."""
    form = canonical(url)
    return url, form, domain(url), domain(form)


def stored_canonicalizer(conn: sqlite3.Connection) -> Callable[[str], str]:
    """The canonical form under the rules ``store_meta`` says were last applied (else defaults)."""
    from linkreport.canonical import Canonicalizer

    row = conn.execute("SELECT value FROM store_meta WHERE key = 'canonical'").fetchone()
    try:
        rules = json.loads(row[0]) if row else {}
        return Canonicalizer(tuple(rules.get("keep", ())), tuple(rules.get("drop", ())))
    except (ValueError, TypeError, AttributeError):
        return Canonicalizer()


def _run(conn: sqlite3.Connection, script: str) -> None:
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            conn.execute(current)
            current = ""


def migrate_to_compact(conn: sqlite3.Connection) -> None:
    """Move v4's ``link_snapshots`` and ``click_events`` tables into the keyed tables.

    Runs inside the migration's transaction; every row is kept (snapshot ids too, and each
    event's key). URLs that only click events have get their canonical form under the rules
    last applied.
    """
    for view in ("campaign_totals", "latest_snapshots"):
        conn.execute(f"DROP VIEW IF EXISTS {view}")
    columns = {r[1] for r in conn.execute("SELECT * FROM pragma_table_info('link_snapshots')")}
    occurrence = "occurrence" if "occurrence" in columns else "0"  # a report's n-th same link
    occurrence_of_o = "o.occurrence" if "occurrence" in columns else "0"
    conn.execute("ALTER TABLE link_snapshots RENAME TO old_link_snapshots")
    conn.execute("ALTER TABLE click_events RENAME TO old_click_events")
    for index in ("link_snapshots_link", "link_snapshots_url", "click_events_newest"):
        conn.execute(f"DROP INDEX IF EXISTS {index}")
    _run(conn, _TABLES)
    conn.execute(
        "INSERT INTO campaign_keys (account, campaign_id, provider)"
        " SELECT account, campaign_id, MIN(provider) FROM ("
        " SELECT account, campaign_id, provider FROM campaigns"
        " UNION ALL SELECT account, campaign_id, provider FROM old_link_snapshots"
        " UNION ALL SELECT account, campaign_id, provider FROM old_click_events)"
        " GROUP BY account, campaign_id"
    )
    canonical = stored_canonicalizer(conn)
    old = conn.execute("SELECT url, MIN(url_canonical) FROM old_link_snapshots GROUP BY url")
    known = dict(old.fetchall())
    event_urls = (r[0] for r in conn.execute("SELECT DISTINCT url FROM old_click_events"))
    _insert_urls(conn, known, event_urls, canonical)
    conn.execute(
        "INSERT INTO links (campaign_key, url_id, activity_id, link_id, occurrence)"  # noqa: S608 (constant text only)
        " SELECT k.campaign_key, u.url_id, o.activity_id, o.link_id, o.occurrence FROM ("
        " SELECT account, campaign_id, activity_id, link_id, url, occurrence, MIN(n) AS n FROM ("
        f"  SELECT account, campaign_id, activity_id, link_id, url, {occurrence} AS occurrence,"
        "  snapshot_id AS n FROM old_link_snapshots UNION ALL"
        "  SELECT account, campaign_id, activity_id, link_id, url, 0, 1000000000000000000 + rowid"
        "  FROM old_click_events)"
        " GROUP BY account, campaign_id, activity_id, link_id, url, occurrence) AS o"
        " JOIN campaign_keys AS k ON k.account = o.account AND k.campaign_id = o.campaign_id"
        " JOIN urls AS u ON u.url = o.url ORDER BY o.n"
    )
    conn.execute(
        "INSERT INTO snapshots (snapshot_id, link_key, run_id, unique_clicks, total_clicks,"  # noqa: S608 (constant text only)
        " fetched_at, timestamp, activity_role, link_tag, list_id, list_action)"
        " SELECT o.snapshot_id, l.link_key, o.run_id, o.unique_clicks, o.total_clicks,"
        " o.fetched_at, o.timestamp, o.activity_role, o.link_tag, o.list_id, o.list_action"
        f" FROM old_link_snapshots AS o {_LINK_JOIN} AND l.occurrence = {occurrence_of_o}"
        " ORDER BY o.snapshot_id"
    )
    conn.create_function("lr_unhex", 1, _unhex, deterministic=True)
    conn.execute(
        "INSERT OR IGNORE INTO events (link_key, clicked_at, contact, event_key)"  # noqa: S608 (constant text only)
        " SELECT l.link_key, o.clicked_at, o.contact, lr_unhex(o.event_key)"
        f" FROM old_click_events AS o {_LINK_JOIN} AND l.occurrence = 0"
        " ORDER BY l.link_key, o.clicked_at"
    )
    conn.execute("DROP TABLE old_link_snapshots")
    conn.execute("DROP TABLE old_click_events")
    _run(conn, _VIEWS)


_LINK_JOIN = (
    "JOIN campaign_keys AS k ON k.account = o.account AND k.campaign_id = o.campaign_id"
    " JOIN urls AS u ON u.url = o.url JOIN links AS l ON l.campaign_key = k.campaign_key"
    " AND l.url_id = u.url_id AND l.activity_id IS o.activity_id AND l.link_id IS o.link_id"
)


def _unhex(text: str) -> bytes:
    try:
        return bytes.fromhex(text)
    except ValueError:  # not written by linkreport: keep it as it was
        return text.encode()


def _insert_urls(
    conn: sqlite3.Connection,
    known: dict[str, str],
    more: Iterable[str],
    canonical: Callable[[str], str],
) -> None:
    rows = [(u, c, domain(u), domain(c)) for u, c in known.items()]
    rows += [url_row(u, canonical) for u in more if u not in known]
    conn.executemany(
        "INSERT INTO urls (url, url_canonical, domain, domain_canonical) VALUES (?, ?, ?, ?)",
        rows,
    )
