"""Reading the store: a campaign's history and the ``top`` ranking."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from linkreport.db.compact import domain
from linkreport.db.rows import TOP_HUMAN_ROWS, TOP_ROWS, StoredLink, TopRow
from linkreport.db.schema import CLICKS_FETCHED_VERSION
from linkreport.db.store import Store, from_text, to_text
from linkreport.db.verdicts import HUMAN_CAMPAIGNS, HUMAN_LINKS, Decide, fill_human_links
from linkreport.errors import ConfigurationError


class UnknownAccountError(ConfigurationError):
    """An account asked for is not in the store."""


def stored_accounts(store: Store, wanted: Sequence[str] = ()) -> dict[str, str]:
    """The stored accounts (name → provider): all, or ``wanted`` (unknown ones raise)."""
    stored = {
        r["account"]: r["provider"]
        for r in store.query("SELECT account, provider FROM accounts ORDER BY account")
    }
    unknown = [name for name in dict.fromkeys(wanted) if name not in stored]
    if unknown:
        known = ", ".join(stored) or "none: run linkreport sync first"
        raise UnknownAccountError(
            f"no account {', '.join(map(repr, unknown))} in the store (stored: {known})"
        )
    return {name: stored[name] for name in dict.fromkeys(wanted)} if wanted else stored


def history(store: Store, account: str, campaign_id: str) -> list[StoredLink]:
    """Every stored snapshot of a campaign's links, oldest first (``link_snapshots``' rows)."""
    found = store.tuples(
        "SELECT campaign_key, provider FROM campaign_keys WHERE account = ? AND campaign_id = ?",
        (account, campaign_id),
    )
    if not found:
        return []
    key, provider = found[0]
    links = {  # each link's text once, not once per snapshot
        r[0]: r[1:]
        for r in store.tuples(
            "SELECT l.link_key, l.activity_id, l.link_id, u.url, u.url_canonical, l.occurrence"
            " FROM links AS l"
            " JOIN urls AS u ON u.url_id = l.url_id WHERE l.campaign_key = ?",
            (key,),
        )
    }
    rows = store.tuples(
        "SELECT s.link_key, s.activity_role, s.unique_clicks, s.total_clicks, s.link_tag,"
        " s.list_id, s.list_action, s.timestamp, s.fetched_at FROM links AS l"
        " JOIN snapshots AS s ON s.link_key = l.link_key WHERE l.campaign_key = ?"
        " ORDER BY s.fetched_at, s.snapshot_id",
        (key,),
    )
    times: dict[str, datetime] = {}  # a sync's rows share their fetched_at: parse it once

    def when(text: str) -> datetime:
        found = times.get(text)
        if found is None:
            found = times[text] = from_text(text)
        return found

    make = StoredLink._make  # a tuple from its fields, no keyword parsing per row
    result = []
    for link_key, role, unique, total, tag, list_id, action, stamp, fetched in rows:
        activity_id, link_id, url, canonical, occurrence = links[link_key]
        result.append(
            make(
                (
                    provider,
                    campaign_id,
                    activity_id,
                    role,
                    url,
                    unique,
                    total,
                    link_id,
                    tag,
                    list_id,
                    action,
                    when(stamp) if stamp else None,
                    when(fetched),
                    account,
                    canonical,
                    occurrence,
                )
            )
        )
    return result


def has_campaign(store: Store, account: str, campaign_id: str) -> bool:
    """Whether the store has ever synced this campaign of this account."""
    return bool(
        store.query(
            "SELECT 1 FROM campaigns WHERE account = ? AND campaign_id = ?",
            (account, campaign_id),
        )
    )


def top(
    store: Store,
    *,
    since: datetime | None = None,
    accounts: Sequence[str] = (),
    by: str = "url",
    raw_urls: bool = False,
    limit: int | None = None,
    canonical: Callable[[str], str] | None = None,
    humans: tuple[Decide, str] | None = None,
    sort: str = "unique",
) -> list[TopRow]:
    """Rank URLs, domains or campaigns by the latest snapshots of campaigns sent since ``since``.

    URLs are grouped by ``url_canonical`` unless ``raw_urls`` (or by ``canonical(url)`` when
    given: settings newer than the stored forms, on a store only read; computed once per
    distinct URL). Each sum runs only over the links that report its count (``None`` when
    none does), and each row says how many links each sum covers. ``sort`` (:data:`SORTS`)
    ranks by that measure, highest first; rows none of whose links report it come last,
    ranked by the other measure. An account not in the store raises
    :class:`UnknownAccountError`.

    ``humans`` (the classifier and the fingerprint of its settings) adds people's clicks
    from the stored click events and their verdicts (re-decided as the store is read where
    the settings changed since), summed over the links of campaigns with click events
    (``None`` when none has any), and ranks by human unique clicks first (unless ``sort`` asks
    for another measure).
    """
    stored_accounts(store, accounts)
    where, params = _chosen(since, accounts)
    key = _TOP_KEYS[by][1 if raw_urls else 0]
    if canonical is not None and not raw_urls and by != "campaign":
        store.function("lr_form", _forms(canonical, by))
        key = "lr_form(u.url)"
    human_cols, human_joins, human_sums, human_out, rank = "", "", "", "", ""
    if humans is not None:
        fill_human_links(store, where, params, *humans)
        human_cols = ", h.human_unique AS pu, h.human_total AS pt, hc.campaign_key AS pk"
        human_joins = (
            f" LEFT JOIN {HUMAN_LINKS} AS h ON h.link_key = l.link_key"
            f" LEFT JOIN {HUMAN_CAMPAIGNS} AS hc ON hc.campaign_key = l.campaign_key"
        )
        # people's clicks only over the links of campaigns with click events (0 for a link
        # of such a campaign nobody clicked; None where no campaign of the row has events)
        human_sums = (
            " SUM(CASE WHEN pk IS NOT NULL THEN COALESCE(pu, 0) END) AS spu,"
            " SUM(CASE WHEN pk IS NOT NULL THEN COALESCE(pt, 0) END) AS spt,"
        )
        human_out = " spu, spt,"
        if sort == "unique":  # (another --sort asked for wins)
            rank = " COALESCE(spu, 0) DESC, COALESCE(spt, 0) DESC,"
    rows = store.tuples(
        # the latest snapshot of each link of the chosen campaigns (one index probe each) with
        # the latest delivery count of its campaign (activity) and, with ``humans``, people's
        # clicks of it; then one row per group: only the ranked rows ever reach Python
        "WITH latest AS (SELECT"  # noqa: S608 (only placeholders and fixed column names are formatted in)
        f" {key} AS name, l.campaign_key, l.activity_id AS a, l.url_id, k.account,"
        f" s.unique_clicks AS u, s.total_clicks AS t, {delivered(store)} AS d{human_cols}"
        " FROM campaigns AS c"
        " JOIN campaign_keys AS k ON k.account = c.account AND k.campaign_id = c.campaign_id"
        " JOIN links AS l ON l.campaign_key = k.campaign_key JOIN snapshots AS s ON s.snapshot_id ="
        " (SELECT MAX(x.snapshot_id) FROM snapshots AS x WHERE x.link_key = l.link_key)"
        f" JOIN urls AS u ON u.url_id = l.url_id{human_joins} WHERE {where}),"
        f" sums AS (SELECT name, SUM(u) AS su, SUM(t) AS st,{human_sums}"
        " COUNT(DISTINCT campaign_key) AS nc,"
        " COUNT(DISTINCT account) AS na, COUNT(DISTINCT url_id) AS nu, COUNT(*) AS n,"
        " COUNT(u) AS cu, COUNT(t) AS ct, SUM(CASE WHEN d IS NOT NULL THEN u END) AS ru"
        " FROM latest GROUP BY name),"
        # each campaign (activity) of a row once: its delivered, and whether a link of it in
        # the row reports unique clicks (the rate divides those links' by those deliveries)
        " sends AS (SELECT name, SUM(d) AS sd, SUM(CASE WHEN hu THEN d END) AS rd FROM"
        " (SELECT name, MAX(d) AS d, MAX(u IS NOT NULL) AS hu FROM latest"
        " GROUP BY name, campaign_key, a) GROUP BY name)"
        f" SELECT sums.name, su, st,{human_out} nc, na, nu, n, cu, ct, sd,"
        " CASE WHEN rd > 0 AND ru IS NOT NULL THEN ROUND(CAST(ru AS REAL) / rd, 6) END AS rate"
        " FROM sums JOIN sends ON sends.name = sums.name"
        f" ORDER BY{rank} {SORTS[sort]}, sums.name LIMIT ?",
        [*params, limit if limit and limit < 2**63 else -1],  # more rows than SQLite counts: all
    )
    cls = TOP_HUMAN_ROWS[by] if humans is not None else TOP_ROWS[by]
    return [cls(*row) for row in rows]


def _chosen(since: datetime | None, accounts: Sequence[str]) -> tuple[str, list[str]]:
    """The condition on ``campaigns AS c`` that picks the campaigns :func:`top` ranks."""
    where, params = "1 = 1", []
    if since is not None:
        where += " AND c.sent_at >= ?"
        params.append(to_text(since))
    if accounts:
        where += f" AND c.account IN ({', '.join('?' for _ in accounts)})"
        params.extend(accounts)
    return where, params


def without_click_events(
    store: Store, *, since: datetime | None = None, accounts: Sequence[str] = ()
) -> tuple[int, int]:
    """Of the campaigns :func:`top` ranks, how many have clicks but no stored click events.

    Returns ``(without, clicked)``: the campaigns with a click in their latest counts (a
    unique or total count above 0), and how many of those have no click events stored and
    none fetched (so ``top(humans=...)`` cannot estimate their people's clicks: synced with
    ``--no-clicks``, or from a provider without click events).
    """
    where, params = _chosen(since, accounts)
    fetched = " AND c.clicks_fetched_at IS NULL" if store.version >= CLICKS_FETCHED_VERSION else ""
    clicked, without = store.tuples(
        "SELECT COUNT(*), COALESCE(SUM(NOT EXISTS (SELECT 1 FROM links AS l"  # noqa: S608 (only placeholders and constant text are formatted in)
        " JOIN events AS e ON e.link_key = l.link_key WHERE l.campaign_key = k.campaign_key)"
        f"{fetched}), 0)"
        " FROM campaigns AS c JOIN campaign_keys AS k"
        " ON k.account = c.account AND k.campaign_id = c.campaign_id"
        f" WHERE {where} AND EXISTS (SELECT 1 FROM links AS l JOIN snapshots AS s"
        " ON s.snapshot_id = (SELECT MAX(x.snapshot_id) FROM snapshots AS x"
        " WHERE x.link_key = l.link_key)"
        " WHERE l.campaign_key = k.campaign_key AND (s.unique_clicks > 0 OR s.total_clicks > 0))",
        params,
    )[0]
    return int(without), int(clicked)


def delivered(store: Store) -> str:
    """SQL for the latest delivery count of link ``l``'s campaign (activity).

    NULL on a store from before delivery counts.
    """
    if not store.has_table("stats"):  # a store older than delivery counts: none known
        return "NULL"
    return (
        "(SELECT y.delivered FROM stats AS y WHERE y.campaign_key = l.campaign_key"
        " AND y.activity_id IS l.activity_id ORDER BY y.stats_id DESC LIMIT 1)"
    )


def _forms(canonical: Callable[[str], str], by: str) -> Callable[[str], str]:
    """``canonical`` (or its host, by domain), computed once per distinct URL."""
    forms: dict[str, str] = {}

    def form(url: str) -> str:
        found = forms.get(url)
        if found is None:
            found = forms[url] = canonical(url) if by == "url" else domain(canonical(url))
        return found

    return form


#: ``--sort`` → the ranking: by that measure, highest first; rows without it (none of their
#: links reports it; no delivery count) after all others, ranked by the other measure (never
#: one measure added to another).
SORTS = {
    "unique": "su IS NULL, su DESC, st DESC",
    "total": "st IS NULL, st DESC, su DESC",
    "rate": "rate IS NULL, rate DESC, su DESC, st DESC",
}

#: ``--by`` → the grouping column by canonical form, and with ``--raw-urls``.
_TOP_KEYS = {
    "url": ("u.url_canonical", "u.url"),
    "domain": ("u.domain_canonical", "u.domain"),
    "campaign": ("k.campaign_id", "k.campaign_id"),
}
