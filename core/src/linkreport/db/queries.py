"""Reading the store: a campaign's history and the ``top`` ranking."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from linkreport.db.compact import domain
from linkreport.db.rows import TOP_ROWS, StoredLink, TopRow
from linkreport.db.store import Store, from_text, to_text
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
    """Every stored snapshot of a campaign's links, oldest first."""
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
            "SELECT l.link_key, l.activity_id, l.link_id, u.url, u.url_canonical FROM links AS l"
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
        activity_id, link_id, url, canonical = links[link_key]
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
) -> list[TopRow]:
    """Rank URLs, domains or campaigns by the latest snapshots of campaigns sent since ``since``.

    URLs are grouped by ``url_canonical`` unless ``raw_urls`` (or by ``canonical(url)`` when
    given: settings newer than the stored forms, on a store only read; computed once per
    distinct URL). Sums are ``None`` when no
    summed link reports the count. Highest ``unique_clicks`` first. An account not in the
    store raises :class:`UnknownAccountError`.
    """
    stored_accounts(store, accounts)
    where, params = "1 = 1", []
    if since is not None:
        where += " AND c.sent_at >= ?"
        params.append(to_text(since))
    if accounts:
        where += f" AND c.account IN ({', '.join('?' for _ in accounts)})"
        params.extend(accounts)
    key = _TOP_KEYS[by][1 if raw_urls else 0]
    if canonical is not None and not raw_urls and by != "campaign":
        store.function("lr_form", _forms(canonical, by))
        key = "lr_form(u.url)"
    rows = store.tuples(
        # the latest snapshot of each link of the chosen campaigns (one index probe each),
        # then one row per group: only the ranked rows ever reach Python
        "WITH latest AS (SELECT l.campaign_key, l.url_id, s.unique_clicks AS u,"  # noqa: S608 (only placeholders and fixed column names are formatted in)
        " s.total_clicks AS t FROM campaigns AS c"
        " JOIN campaign_keys AS k ON k.account = c.account AND k.campaign_id = c.campaign_id"
        " JOIN links AS l ON l.campaign_key = k.campaign_key JOIN snapshots AS s ON s.snapshot_id ="
        " (SELECT MAX(x.snapshot_id) FROM snapshots AS x WHERE x.link_key = l.link_key)"
        f" WHERE {where})"
        f" SELECT {key} AS name, SUM(latest.u), SUM(latest.t),"
        " COUNT(DISTINCT latest.campaign_key), COUNT(DISTINCT k.account),"
        " COUNT(DISTINCT latest.url_id) FROM latest JOIN urls AS u ON u.url_id = latest.url_id"
        " JOIN campaign_keys AS k ON k.campaign_key = latest.campaign_key GROUP BY name"
        " ORDER BY COALESCE(SUM(latest.u), 0) DESC, COALESCE(SUM(latest.t), 0) DESC, name"
        " LIMIT ?",
        [*params, limit or -1],
    )
    cls = TOP_ROWS[by]
    return [cls(*row) for row in rows]


def _forms(canonical: Callable[[str], str], by: str) -> Callable[[str], str]:
    """``canonical`` (or its host, by domain), computed once per distinct URL."""
    forms: dict[str, str] = {}

    def form(url: str) -> str:
        found = forms.get(url)
        if found is None:
            found = forms[url] = canonical(url) if by == "url" else domain(canonical(url))
        return found

    return form


#: ``--by`` → the grouping column by canonical form, and with ``--raw-urls``.
_TOP_KEYS = {
    "url": ("u.url_canonical", "u.url"),
    "domain": ("u.domain_canonical", "u.domain"),
    "campaign": ("k.campaign_id", "k.campaign_id"),
}
