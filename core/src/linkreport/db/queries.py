"""Reading the store: a campaign's history and the ``top`` ranking."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from urllib.parse import urlsplit

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
    rows = store.query(
        "SELECT * FROM link_snapshots WHERE account = ? AND campaign_id = ?"
        " ORDER BY fetched_at, snapshot_id",
        (account, campaign_id),
    )
    return [
        StoredLink(
            provider=r["provider"],
            campaign_id=r["campaign_id"],
            activity_id=r["activity_id"],
            activity_role=r["activity_role"],
            url=r["url"],
            unique_clicks=r["unique_clicks"],
            total_clicks=r["total_clicks"],
            link_id=r["link_id"],
            link_tag=r["link_tag"],
            list_id=r["list_id"],
            list_action=r["list_action"],
            timestamp=from_text(r["timestamp"]) if r["timestamp"] else None,
            fetched_at=from_text(r["fetched_at"]),
            account=r["account"],
            url_canonical=r["url_canonical"],
        )
        for r in rows
    ]


def has_campaign(store: Store, account: str, campaign_id: str) -> bool:
    """Whether the store has ever synced this campaign of this account."""
    return bool(
        store.query(
            "SELECT 1 FROM campaigns WHERE account = ? AND campaign_id = ?",
            (account, campaign_id),
        )
    )


def _domain(url: str) -> str:
    try:
        return (urlsplit(url).hostname or url).lower()
    except ValueError:
        return url


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
    given: settings newer than the stored forms, on a store only read). Sums are ``None`` when no
    summed link reports the count. Highest ``unique_clicks`` first. An account not in the
    store raises :class:`UnknownAccountError`.
    """
    stored_accounts(store, accounts)
    sql = (
        "SELECT l.account, l.campaign_id, l.url, l.url_canonical, l.unique_clicks,"
        " l.total_clicks FROM latest_snapshots AS l JOIN campaigns AS c"
        " ON c.account = l.account AND c.campaign_id = l.campaign_id WHERE 1 = 1"
    )
    params: list[str] = []
    if since is not None:
        sql += " AND c.sent_at >= ?"
        params.append(to_text(since))
    if accounts:
        sql += f" AND l.account IN ({', '.join('?' for _ in accounts)})"
        params.extend(accounts)

    def form(r: dict[str, str]) -> str:
        if raw_urls:
            return r["url"]
        return canonical(r["url"]) if canonical is not None else r["url_canonical"]

    key: Callable[[dict[str, str]], str] = {
        "url": form,
        "domain": lambda r: _domain(form(r)),
        "campaign": lambda r: r["campaign_id"],
    }[by]
    groups: dict[str, _Group] = {}
    for row in store.query(sql, params):
        group = groups.setdefault(key(row), _Group())  # type: ignore[arg-type]
        group.add(
            row["account"],
            row["campaign_id"],
            row["url"],
            row["unique_clicks"],
            row["total_clicks"],
        )
    cls = TOP_ROWS[by]
    ranked = sorted(
        groups.items(),
        key=lambda item: (-(item[1].unique or 0), -(item[1].total or 0), item[0]),
    )
    return [
        cls(name, g.unique, g.total, len(g.campaigns), len(g.accounts), len(g.urls))
        for name, g in ranked[: limit or None]
    ]


class _Group:
    """Sums and distinct counts of one ``top`` row."""

    def __init__(self) -> None:
        self.unique: int | None = None
        self.total: int | None = None
        self.campaigns: set[tuple[str, str]] = set()
        self.accounts: set[str] = set()
        self.urls: set[str] = set()

    def add(
        self, account: str, campaign_id: str, url: str, unique: int | None, total: int | None
    ) -> None:
        if unique is not None:
            self.unique = (self.unique or 0) + unique
        if total is not None:
            self.total = (self.total or 0) + total
        self.campaigns.add((account, campaign_id))
        self.accounts.add(account)
        self.urls.add(url)
