"""Human and machine verdicts on stored click events, re-decided campaign by campaign.

Each stored event carries ``machine`` (1 or 0; null until decided) and a ``reason_id`` into
``reasons`` (the rule that decided; null for a person's click), and a ``network_id`` into
``networks`` where the provider gives the clicker's network (a keyed pseudonym, never an
address). Verdicts depend on a campaign's (activity's) other events, so they are re-decided
whenever new events arrive (:func:`decide_campaign`) and, after a change of the ``[humans]``
settings, for every campaign (:func:`redecide_all`), a batch of campaigns per short write
transaction. A campaign is classified outside the write lock; inside it, only its event count
is checked (events are only ever added) and the changed verdicts written.

The read commands never write: :func:`fill_human_links` puts each link's human and machine
counts in a temporary table, from the stored verdicts where they follow the current settings,
else by classifying the campaign's events as it reads them.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, cast

from linkreport.db.schema import (
    CLICKS_FETCHED_VERSION,
    DELIVERY_VERSION,
    HUMANS_VERSION,
    rollback,
)
from linkreport.db.store import Store

if TYPE_CHECKING:  # reading the store loads no records (nor attrs)
    from linkreport.records import ClickEvent

#: ``store_meta`` key of the fingerprint of the ``[humans]`` settings the verdicts follow.
META_KEY = "humans"
#: Events classified per write transaction when every campaign is re-decided.
EVENT_BATCH = 50_000


class Decided(Protocol):
    """A verdict on one event: whether a machine made it, and which rule said so."""

    @property
    def machine(self) -> bool:
        """Whether a machine (a link scanner) made the click."""

    @property
    def reason(self) -> str | None:
        """The rule that decided (``None``: a person's click)."""


#: Classify one campaign's (activity's) events, oldest first, given its send time (if known).
Decide = Callable[[Sequence["ClickEvent"], datetime | None], Sequence[Decided]]

_EventRow = tuple[Any, ...]  # link_key, clicked_at, contact, state (see _EVENTS), network_id


def decider(env: Mapping[str, str] | None = None) -> tuple[Decide, str]:
    """The classifier under the ``[humans]`` settings of ``env``'s home, and their fingerprint.

    The fingerprint changes exactly when a setting does, so stored verdicts made under other
    settings are known to be stale.
    """
    import json
    import os

    import attrs

    from linkreport.config import home_dir
    from linkreport.humans import HumanRules, classify

    rules = HumanRules.for_home(home_dir(os.environ if env is None else env))
    fingerprint = json.dumps(attrs.asdict(rules), sort_keys=True, separators=(",", ":"))
    return _Decider(rules, classify), fingerprint


class _Decider:
    """A :data:`Decide` that also classifies columns (:meth:`columns`): no record per row."""

    def __init__(self, rules: Any, classify: Callable[..., Sequence[Decided]]) -> None:
        self.rules, self._classify = rules, classify

    def __call__(self, events: Sequence[ClickEvent], sent_at: datetime | None) -> Sequence[Decided]:
        return self._classify(events, sent_at=sent_at, rules=self.rules)

    def columns(
        self,
        times: Sequence[float],
        contacts: Sequence[str],
        urls: Sequence[str],
        networks: Sequence[int | None],
        sent_at: float | None,
    ) -> Sequence[Decided]:
        """The verdicts on events given as columns (see ``classify_columns``)."""
        from linkreport.humans.classify import classify_columns

        return classify_columns(times, contacts, urls, networks, sent_at=sent_at, rules=self.rules)


def stored_fingerprint(store: Store) -> str | None:
    """The fingerprint of the ``[humans]`` settings the stored verdicts follow (None: never)."""
    rows = store.query("SELECT value FROM store_meta WHERE key = ?", (META_KEY,))
    return str(rows[0][0]) if rows else None


class _Head(NamedTuple):
    """What classifying a campaign's events needs besides them."""

    provider: str
    campaign_id: str
    sent_at: str | None  # the provider's send time (``instant`` needs it), else None
    links: dict[int, tuple[str | None, str | None, str]]  # link_key: activity, link id, URL
    #: activity: its send time from its latest delivery counts (None: they gave none)
    activity_sent: dict[str | None, str | None] = {}

    def sent_of(self, activity_id: str | None) -> str | None:
        """The send time of one activity's events (``instant``'s clock).

        Its own delivery counts' ``sent_at``; else the campaign's, unless that is known to
        be another activity's (a Constant Contact email resent: the campaign's send time is
        the resend's, the email's own is unknown).
        """
        own = self.activity_sent.get(activity_id)
        if own is not None:
            return own
        others = any(v is not None for k, v in self.activity_sent.items() if k != activity_id)
        return None if others else self.sent_at


class StoredEvent(NamedTuple):
    """A stored click event as a :data:`Decide` without a ``columns`` method reads it.

    :class:`ClickEvent`'s fields, built without its checks (every stored event passed them
    on its way in); ``network`` is the network's key in the store (equal exactly where the
    pseudonyms are).
    """

    provider: str
    campaign_id: str
    activity_id: str | None
    url: str
    link_id: str | None
    clicked_at: datetime
    contact: str
    network: str | None


def _campaign_rows(
    conn: sqlite3.Connection, campaign_key: int, *, verdicts: bool = True, stats: bool = True
) -> tuple[_Head, list[_EventRow]]:
    """A campaign's facts and its events, oldest first.

    Each event is ``link_key``, ``clicked_at``, ``contact``, its stored verdict as one number
    (``machine + 2 * reason_id``, null if undecided) and ``network_id``.

    ``verdicts=False``: a store older than :data:`HUMANS_VERSION` (no verdict columns);
    ``stats=False``: older than :data:`DELIVERY_VERSION` (no delivery counts).
    """
    provider, campaign_id, sent = conn.execute(
        "SELECT k.provider, k.campaign_id, CASE WHEN c.sent_at_source = 'sent_at'"
        " THEN c.sent_at END FROM campaign_keys AS k LEFT JOIN campaigns AS c"
        " ON c.account = k.account AND c.campaign_id = k.campaign_id WHERE k.campaign_key = ?",
        (campaign_key,),
    ).fetchone()
    links = {
        r[0]: (r[1], r[2], r[3])
        for r in conn.execute(
            "SELECT l.link_key, l.activity_id, l.link_id, u.url FROM links AS l"
            " JOIN urls AS u ON u.url_id = l.url_id WHERE l.campaign_key = ?",
            (campaign_key,),
        )
    }
    rows = conn.execute(_EVENTS if verdicts else _EVENTS_BEFORE, (campaign_key,)).fetchall()
    activity_sent: dict[str | None, str | None] = {}
    if stats:
        activity_sent = dict(
            conn.execute(
                "SELECT s.activity_id, s.sent_at FROM stats AS s WHERE s.campaign_key = ?"
                " AND s.stats_id = (SELECT MAX(t.stats_id) FROM stats AS t"
                " WHERE t.campaign_key = s.campaign_key AND t.activity_id IS s.activity_id)",
                (campaign_key,),
            ).fetchall()
        )
    return _Head(provider, campaign_id, sent, links, activity_sent), rows


#: The events of a campaign; a stored verdict as one number, ``machine + 2 * reason_id``
#: (null: not decided yet).
_EVENTS = (
    "SELECT e.link_key, e.clicked_at, e.contact, e.machine + 2 * coalesce(e.reason_id, 0),"
    " e.network_id"
    " FROM links AS l JOIN events AS e ON e.link_key = l.link_key WHERE l.campaign_key = ?"
    " ORDER BY e.clicked_at, e.link_key, e.contact"
)
_EVENTS_BEFORE = (
    "SELECT e.link_key, e.clicked_at, e.contact, NULL, NULL"
    " FROM links AS l JOIN events AS e ON e.link_key = l.link_key WHERE l.campaign_key = ?"
    " ORDER BY e.clicked_at, e.link_key, e.contact"
)


def _classify(head: _Head, rows: list[_EventRow], decide: Decide) -> list[Decided]:
    """The verdict on each row (in ``rows``' order), classifying each activity on its own.

    The rows become columns (times, contacts, URLs, network IDs) for ``decide.columns``;
    only a :data:`Decide` without it gets an event per row.
    """
    links = head.links
    activity = {key: link[0] for key, link in links.items()}
    if len(set(activity.values())) <= 1:  # one activity (the usual case): no grouping
        groups: dict[str | None, list[int]] = {next(iter(activity.values()), None): []}
    else:
        groups = defaultdict(list)
        for i, row in enumerate(rows):
            groups[activity[row[0]]].append(i)
    verdicts: list[Decided] = []
    if len(groups) > 1:
        verdicts = [_HUMAN] * len(rows)
    for activity_id, indexes in groups.items():
        part = rows if len(groups) == 1 else [rows[i] for i in indexes]
        sent = head.sent_of(activity_id)
        sent_at = datetime.fromisoformat(sent) if sent else None
        found = _decide_rows(head, part, decide, sent_at)
        if len(groups) == 1:
            return list(found)
        for i, verdict in zip(indexes, found, strict=True):
            verdicts[i] = verdict
    return verdicts


class _Human(NamedTuple):
    machine: bool
    reason: str | None


_HUMAN = _Human(False, None)


def _decide_rows(
    head: _Head, rows: list[_EventRow], decide: Decide, sent_at: datetime | None
) -> Sequence[Decided]:
    """``decide`` on one activity's rows (oldest first)."""
    parse = datetime.fromisoformat  # the store's UTC text ("...Z") as an aware UTC time
    url = {key: link[2] for key, link in head.links.items()}
    columns = getattr(decide, "columns", None)
    if columns is not None:
        if not rows:
            return []
        keys, texts, contacts, _states, networks = zip(*rows, strict=True)  # (in C)
        found: Sequence[Decided] = columns(
            [parse(text).timestamp() for text in texts],
            contacts,
            list(map(url.__getitem__, keys)),
            networks,
            None if sent_at is None else sent_at.timestamp(),
        )
        return found
    events = [
        StoredEvent(
            head.provider,
            head.campaign_id,
            head.links[r[0]][0],
            url[r[0]],
            head.links[r[0]][1],
            parse(r[1]),
            r[2],
            None if r[4] is None else str(r[4]),
        )
        for r in rows
    ]
    return decide(cast("list[ClickEvent]", events), sent_at)  # the same fields, duck-typed


def _reason_ids(conn: sqlite3.Connection, reasons: Iterable[str]) -> dict[str, int]:
    for reason in set(reasons):
        conn.execute("INSERT OR IGNORE INTO reasons (reason) VALUES (?)", (reason,))
    return {r: int(i) for i, r in conn.execute("SELECT reason_id, reason FROM reasons")}


def _codes(conn: sqlite3.Connection, verdicts: Sequence[Decided]) -> list[int]:
    """Each verdict as the rows' stored state, ``machine + 2 * reason_id``.

    A classifier gives a few verdict objects, shared by many events: each is coded once.
    """
    coded: dict[int, tuple[int, str | None]] = {}
    for verdict in verdicts:
        if id(verdict) not in coded:
            coded[id(verdict)] = (int(bool(verdict.machine)), verdict.reason or None)
    ids = _reason_ids(conn, (r for m, r in coded.values() if m and r))
    codes = {k: m + 2 * (ids[r] if m and r else 0) for k, (m, r) in coded.items()}
    return list(map(codes.__getitem__, map(id, verdicts)))


#: A row updated alone costs about this many times more than in a campaign-wide update.
_ALONE = 8


def _write_verdicts(
    conn: sqlite3.Connection, campaign_key: int, rows: list[_EventRow], verdicts: Sequence[Decided]
) -> int:
    """Store the verdicts (in ``rows``' order) that differ from the stored ones; how many.

    The codes are compared whole first (nothing changed: nothing to do). Where most of a
    campaign's rows change (its first verdicts, new settings), its events are all set to
    the most common verdict in one statement, then the others row by row; else only the
    changed rows are updated.
    """
    new = _codes(conn, verdicts)
    stored = [row[3] for row in rows]
    if stored == new:
        return 0
    changed = [i for i, (was, code) in enumerate(zip(stored, new, strict=True)) if was != code]
    alone = changed
    if len(changed) * 2 > len(rows):
        common = Counter(new).most_common(1)[0][0]
        others = [i for i, code in enumerate(new) if code != common]
        if len(others) * _ALONE + len(rows) < len(changed) * _ALONE:
            conn.execute(
                "UPDATE events SET machine = ?, reason_id = ? WHERE link_key IN"
                " (SELECT link_key FROM links WHERE campaign_key = ?)",
                (common % 2, common // 2 or None, campaign_key),
            )
            alone = others
    conn.executemany(
        "UPDATE events SET machine = ?, reason_id = ?"
        " WHERE link_key = ? AND clicked_at = ? AND contact = ?",
        [(new[i] % 2, new[i] // 2 or None, *rows[i][:3]) for i in alone],
    )
    return len(changed)


def _count(conn: sqlite3.Connection, campaign_key: int) -> int:
    return int(
        conn.execute(
            "SELECT COUNT(*) FROM links AS l JOIN events AS e ON e.link_key = l.link_key"
            " WHERE l.campaign_key = ?",
            (campaign_key,),
        ).fetchone()[0]
    )


def _decide_batch(store: Store, keys: Sequence[int], decide: Decide) -> int:
    """Re-decide the events of ``keys`` (campaign keys); one short write transaction."""
    with store.lock() as conn, _snapshot(conn):  # read, classify without the write lock
        read = {key: _campaign_rows(conn, key) for key in keys}
        seen = _version(conn)
    verdicts = {key: _classify(head, rows, decide) for key, (head, rows) in read.items()}
    changed = 0
    with store.transaction(foreign_keys=False) as conn:  # (reason IDs: made in it)
        moved = _version(conn) != seen  # another writer wrote meanwhile: check each campaign
        for key in keys:
            head, rows = read[key]
            if moved and _count(conn, key) != len(rows):  # events added meanwhile
                head, rows = _campaign_rows(conn, key)
                verdicts[key] = _classify(head, rows, decide)
            changed += _write_verdicts(conn, key, rows, verdicts[key])
    return changed


def _version(conn: sqlite3.Connection) -> tuple[int, int]:
    """What changes when anyone writes: other connections' commits, and this one's changes."""
    return int(conn.execute("PRAGMA data_version").fetchone()[0]), conn.total_changes


@contextlib.contextmanager
def _snapshot(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction: links, events and networks as of one moment.

    The read commands' temporary tables made in it are kept when it ends.
    """
    conn.execute("BEGIN")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        rollback(conn)
        raise


def campaign_key(store: Store, account: str, campaign_id: str) -> int | None:
    """The integer key of a stored campaign (None: none stored)."""
    rows = store.tuples(
        "SELECT campaign_key FROM campaign_keys WHERE account = ? AND campaign_id = ?",
        (account, campaign_id),
    )
    return int(rows[0][0]) if rows else None


def decide_campaign(store: Store, account: str, campaign_id: str, decide: Decide) -> int:
    """Re-decide every stored event of one campaign; return how many verdicts changed."""
    key = campaign_key(store, account, campaign_id)
    return 0 if key is None else _decide_batch(store, [key], decide)


def redecide_all(
    store: Store, fingerprint: str, decide: Decide, *, batch: int = EVENT_BATCH
) -> int:
    """Make every stored verdict follow ``decide`` if ``fingerprint`` changed since last time.

    Campaigns are re-decided a batch of about ``batch`` events at a time (a campaign is never
    split), each batch its own short write transaction; the fingerprint is stored once all
    are done. Returns how many verdicts changed.
    """
    if stored_fingerprint(store) == fingerprint:
        return 0
    sizes = store.tuples(
        "SELECT l.campaign_key, COUNT(*) FROM links AS l JOIN events AS e"
        " ON e.link_key = l.link_key GROUP BY l.campaign_key ORDER BY l.campaign_key"
    )
    changed, keys, held = 0, [], 0
    for key, size in sizes:
        keys.append(int(key))
        held += int(size)
        if held >= batch:
            changed += _decide_batch(store, keys, decide)
            keys, held = [], 0
    if keys:
        changed += _decide_batch(store, keys, decide)
    with store.transaction() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)", (META_KEY, fingerprint)
        )
    return changed


#: The temporary table :func:`fill_human_links` fills (one row per link with click events).
HUMAN_LINKS = "temp.lr_human_links"
#: The temporary table of the campaigns whose people's clicks are known: click events stored,
#: or fetched by a sync (none, maybe); their links without events count 0.
HUMAN_CAMPAIGNS = "temp.lr_human_campaigns"


def fill_human_links(
    store: Store, where: str, params: Sequence[Any], decide: Decide, fingerprint: str
) -> None:
    """Count people's and machines' clicks per link of the campaigns ``where`` selects.

    ``where`` is a condition on ``campaigns AS c``. Fills :data:`HUMAN_LINKS` (``link_key``,
    ``campaign_key``, ``human_unique``, ``human_total``, ``machine_total``, ``undecided``) and
    :data:`HUMAN_CAMPAIGNS` (the campaigns with click events, or whose click events a sync
    fetched, none maybe: ``campaigns.clicks_fetched_at``). Stored verdicts are used where
    they follow ``fingerprint`` (the current settings) and every event is decided (one pass
    over the events: counts, and the events left undecided); other campaigns are classified
    in memory (the store is only read).
    """
    verdicts, stats = store.version >= HUMANS_VERSION, store.version >= DELIVERY_VERSION
    current = verdicts and stored_fingerprint(store) == fingerprint
    with store.lock() as conn, _snapshot(conn):
        for table in (HUMAN_LINKS, HUMAN_CAMPAIGNS):
            conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(_CREATE_LINKS)
        conn.execute(_CREATE_CAMPAIGNS)
        if current:  # one pass over the events: the counts, and which are undecided
            conn.execute(
                # links in key order, each one's events in turn: no sort of all the events
                f"INSERT INTO {HUMAN_LINKS} SELECT l.link_key, l.campaign_key,"  # noqa: S608 (only placeholders and a constant name are formatted in)
                " COUNT(DISTINCT CASE WHEN e.machine = 0 THEN e.contact END),"
                " SUM(e.machine = 0), SUM(e.machine = 1), SUM(e.machine IS NULL)"
                " FROM links AS l JOIN events AS e ON e.link_key = l.link_key"
                " WHERE l.campaign_key IN (SELECT k.campaign_key FROM campaigns AS c"
                " JOIN campaign_keys AS k"
                " ON k.account = c.account AND k.campaign_id = c.campaign_id"
                f" WHERE {where}) GROUP BY l.link_key",
                params,
            )
            found = conn.execute(
                f"SELECT campaign_key, MAX(undecided) FROM {HUMAN_LINKS} GROUP BY campaign_key"  # noqa: S608 (a constant name)
            ).fetchall()
            conn.executemany(_INSERT_CAMPAIGN, [(key,) for key, _ in found])
            stale = [int(key) for key, undecided in found if undecided]
            if stale:  # those campaigns are classified as they are read, below
                conn.execute(
                    f"DELETE FROM {HUMAN_LINKS}"  # noqa: S608 (a constant name and integers)
                    f" WHERE campaign_key IN ({', '.join(map(str, stale))})"
                )
        else:  # settings changed since the verdicts (or none stored): classify every campaign
            stale = [
                int(r[0])
                for r in conn.execute(
                    "SELECT k.campaign_key FROM campaigns AS c JOIN campaign_keys AS k"  # noqa: S608 (only placeholders are formatted in)
                    " ON k.account = c.account AND k.campaign_id = c.campaign_id"
                    f" WHERE {where} AND EXISTS (SELECT 1 FROM links AS l"
                    " JOIN events AS e ON e.link_key = l.link_key"
                    " WHERE l.campaign_key = k.campaign_key)",
                    params,
                )
            ]
            conn.executemany(_INSERT_CAMPAIGN, [(key,) for key in stale])
        if store.version >= CLICKS_FETCHED_VERSION:  # fetched, none stored: nobody clicked
            conn.execute(
                f"INSERT OR IGNORE INTO {HUMAN_CAMPAIGNS} SELECT k.campaign_key"  # noqa: S608 (only placeholders and a constant name are formatted in)
                " FROM campaigns AS c JOIN campaign_keys AS k"
                " ON k.account = c.account AND k.campaign_id = c.campaign_id"
                f" WHERE {where} AND c.clicks_fetched_at IS NOT NULL",
                params,
            )
        for key in stale:
            head, rows = _campaign_rows(conn, key, verdicts=verdicts, stats=stats)
            counts = _link_counts(rows, _classify(head, rows, decide))
            conn.executemany(_INSERT_LINK, [(link, key, *n) for link, *n in counts])


_CREATE_LINKS = (  # undecided: events without a verdict (their campaign is classified anew)
    f"CREATE TABLE {HUMAN_LINKS} (link_key INTEGER PRIMARY KEY, campaign_key INTEGER NOT NULL,"
    " human_unique INTEGER, human_total INTEGER, machine_total INTEGER,"
    " undecided INTEGER NOT NULL DEFAULT 0)"
)
_CREATE_CAMPAIGNS = f"CREATE TABLE {HUMAN_CAMPAIGNS} (campaign_key INTEGER PRIMARY KEY)"
_INSERT_CAMPAIGN = f"INSERT INTO {HUMAN_CAMPAIGNS} (campaign_key) VALUES (?)"  # noqa: S608 (a constant name)
_INSERT_LINK = (
    f"INSERT INTO {HUMAN_LINKS} (link_key, campaign_key, human_unique, human_total,"  # noqa: S608 (a constant name)
    " machine_total) VALUES (?, ?, ?, ?, ?)"
)


def _link_counts(
    rows: list[_EventRow], verdicts: Sequence[Decided]
) -> list[tuple[int, int, int, int]]:
    """Per link: distinct human contacts, human clicks, machine clicks."""
    people: dict[int, set[str]] = defaultdict(set)
    human: dict[int, int] = defaultdict(int)
    machine: dict[int, int] = defaultdict(int)
    for row, verdict in zip(rows, verdicts, strict=True):
        if verdict.machine:
            machine[row[0]] += 1
        else:
            human[row[0]] += 1
            people[row[0]].add(row[2])
    return [(key, len(people[key]), human[key], machine[key]) for key in {row[0] for row in rows}]
