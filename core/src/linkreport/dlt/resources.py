"""The dlt source: ``campaigns``, ``link_snapshots``, ``click_events``, ``campaign_stats``."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import dlt
from dlt.extract.resource import DltResource

from linkreport.dates import parse_since
from linkreport.dlt.campaigns import campaign_rows
from linkreport.dlt.clicks import click_events
from linkreport.dlt.config import candidate_accounts, dlt_settings, naming_dlt_keys
from linkreport.dlt.harvest import Harvest, log
from linkreport.dlt.rows import (
    CAMPAIGN_COLUMNS,
    EVENT_COLUMNS,
    FAILED_AT,
    FAILURE_COLUMNS,
    SNAPSHOT_COLUMNS,
    STATS_COLUMNS,
    Columns,
    Row,
    snapshot_row,
    stats_row,
)
from linkreport.errors import ConfigurationError, LinkReportError
from linkreport.plugins import SourceInfo

FAILURES = "failures"


def _hints(table: str, columns: Columns, disposition: Any, key: Any) -> dict[str, Any]:
    """A resource's table hints, sending its failure rows to the ``failures`` table.

    Each resource appends the failures of its own fetch there after its rows; the hints are
    functions of the row so the two tables keep their own columns, keys and dispositions.
    """

    def pick(hint: Any, for_failure: Any) -> Callable[[Row], Any]:
        return lambda row: for_failure if FAILED_AT in row else hint

    return {
        "table_name": pick(table, FAILURES),
        "columns": pick(columns, FAILURE_COLUMNS),
        "write_disposition": pick(disposition, "append"),
        "primary_key": pick(key, []),
    }


#: Merge that only inserts rows whose key is new: history is never rewritten.
INSERT_ONLY = {"disposition": "merge", "strategy": "insert-only"}
#: Merge that replaces the row of a key loaded again (click events re-decided).
REPLACING = {"disposition": "merge", "strategy": "delete-insert"}


def _failures(harvest: Harvest) -> Iterator[list[Row]]:
    rows = harvest.failures.drain()
    if rows:
        yield rows


def _campaigns(harvest: Harvest) -> Iterator[Any]:
    yield from campaign_rows(harvest, dlt.current.resource_state())
    yield from _failures(harvest)


def _no_failures() -> Iterator[Any]:
    """Nothing, but ``failures`` is created with its columns even when nothing failed."""
    yield dlt.mark.materialize_table_schema()


def _link_snapshots(harvest: Harvest) -> Iterator[Any]:
    from linkreport.canonical import canonical_rules, canonical_url
    from linkreport.runner import run_reports

    keep, drop = canonical_rules(harvest.env)

    def canonical(url: str) -> str:
        return canonical_url(url, keep, drop)

    def link_snapshots(account: str) -> list[Row]:
        opened = harvest.open(account)
        if not opened or not opened[1]:
            return []
        ctx, found = opened
        rows: list[Row] = []
        for report in run_reports(ctx, [c.campaign_id for c in found]):
            if report.error is not None or report.skipped:
                error = report.error or ConfigurationError("not fetched: the account's run stopped")
                harvest.failures.add(account, "link_snapshots", error, report.campaign_id)
            rows.extend(snapshot_row(account, r, canonical) for r in report.records)
        return rows

    yield from harvest.each_account("link_snapshots", link_snapshots)
    yield from _failures(harvest)


def _campaign_stats(harvest: Harvest) -> Iterator[Any]:
    def campaign_stats(account: str) -> list[Row]:
        return [stats_row(account, record) for record in harvest.stats(account)]

    yield from harvest.each_account("campaign_stats", campaign_stats)
    yield from _failures(harvest)


def _click_events(harvest: Harvest) -> Iterator[Any]:
    yield from click_events(harvest, dlt.current.resource_state())
    yield from _failures(harvest)


def shard_of(account: str, count: int) -> int:
    """The shard (``0 <= shard < count``) an account belongs to: stable across runs and hosts."""
    return int(hashlib.sha256(account.encode()).hexdigest(), 16) % count


def _names(accounts: str | Sequence[str] | None) -> list[str] | None:
    if isinstance(accounts, str) and accounts.lstrip().startswith("["):
        with contextlib.suppress(ValueError):  # a TOML or JSON list that dlt gave as text
            accounts = [str(name) for name in json.loads(accounts)]
    if isinstance(accounts, str):
        return [a.strip() for a in accounts.split(",") if a.strip()]
    if accounts is not None:
        return [a.strip() for a in accounts if a.strip()]
    return None


def _accounts(
    names: list[str] | None,
    env: Mapping[str, str] | None,
    shard: tuple[int, int] | None,
    sources: Mapping[str, SourceInfo] | None,
) -> list[str]:
    if names is None:
        from linkreport.sync import configured_accounts

        names, skipped = configured_accounts(env, sources=sources)
        for name in skipped:
            log.warning(
                "linkreport: skipping account %s: its required secrets do not resolve", name
            )
    if shard is None:
        return names
    index, count = shard
    if not 0 <= index < count:
        raise ConfigurationError(
            f"shard must be (index, count) with 0 <= index < count, got {shard}"
        )
    return [name for name in names if shard_of(name, count) == index]


@dlt.source(name="linkreport", section="linkreport", max_table_nesting=0)
def source(
    accounts: str | Sequence[str] | None = None,
    since: str | date | datetime | None = "30d",
    clicks: bool = True,
    *,
    stats: bool = True,
    jobs: int = 4,
    shard: tuple[int, int] | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[DltResource]:
    """The linkreport dlt source: campaigns, link snapshots and click events of ``accounts``.

    ``accounts`` are account names (a provider name is its default account; a string may
    list several, comma-separated; default: every configured account). ``since`` is a date,
    an ISO time or ``30d``/``2w``: campaigns sent since then are loaded. ``clicks`` adds the
    ``click_events`` resource; ``stats`` the ``campaign_stats`` resource (delivery counts,
    where the provider reports them; their send times also date ``campaigns`` whose listing
    gives none). ``jobs`` accounts are fetched at once, each within its own
    rate limit. ``shard=(i, n)`` keeps only the accounts of shard ``i`` of ``n`` (see
    :func:`shard_of`), to split many accounts across parallel tasks. ``env`` replaces
    ``os.environ`` for linkreport's settings.

    Configured the dlt way: arguments not passed come from ``[sources.linkreport]`` in
    ``.dlt/config.toml`` or ``SOURCES__LINKREPORT__<ARG>``; an account's ESP settings from
    ``[sources.linkreport.<account>]`` (secrets in ``.dlt/secrets.toml``) or
    ``SOURCES__LINKREPORT__<ACCOUNT>__<SETTING>``, ahead of linkreport's own settings
    (``LINKREPORT_*``, ``config.toml``, stored credentials), which fill in the rest.

    Failures never stop the other accounts and campaigns: each becomes a row of the
    ``failures`` table, loaded with the rest (see docs/warehouses.md).
    """
    try:
        start = parse_since("30d" if since is None else since)
    except ValueError as error:
        raise ConfigurationError(f"since: {error}") from None
    from linkreport.runner import check_env, load_sources

    named = _names(accounts)
    check_env(env)
    base = os.environ if env is None else env
    sources: Mapping[str, SourceInfo] | None = None
    with contextlib.suppress(LinkReportError):  # then each account fails when opened
        sources = load_sources(env)
    keys: dict[str, str] = {}
    if sources is not None:
        from_dlt, keys = dlt_settings(candidate_accounts(named, sources, base), sources, base)
        if from_dlt:
            env = {**base, **from_dlt}
    names = _accounts(named, env, shard, sources)
    rename = functools.partial(naming_dlt_keys, keys=keys)
    harvest = Harvest(names, start, env=env, jobs=jobs, sources=sources, rename=rename)
    harvest.with_stats = stats
    yield dlt.resource(
        _campaigns(harvest),
        name="campaigns",
        **_hints("campaigns", CAMPAIGN_COLUMNS, "merge", ["account", "campaign_id"]),
    )
    yield dlt.resource(
        _link_snapshots(harvest),
        name="link_snapshots",
        **_hints("link_snapshots", SNAPSHOT_COLUMNS, INSERT_ONLY, "snapshot_key"),
    )
    if clicks:
        yield dlt.resource(
            _click_events(harvest),
            name="click_events",
            **_hints("click_events", EVENT_COLUMNS, REPLACING, "event_key"),
        )
    if stats:
        yield dlt.resource(
            _campaign_stats(harvest),
            name="campaign_stats",
            **_hints("campaign_stats", STATS_COLUMNS, INSERT_ONLY, "stats_key"),
        )
    yield dlt.resource(
        _no_failures(), name=FAILURES, columns=FAILURE_COLUMNS, write_disposition="append"
    )
