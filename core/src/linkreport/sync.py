"""``linkreport sync``: fetch campaigns and their link reports of many accounts into the store.

Accounts run concurrently, each in its own thread within its own rate limit; each fetched
campaign is written in one transaction as soon as it arrives, so an interrupted sync keeps
every campaign it finished. A failing campaign or account never loses the others.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from linkreport.db import Store, StoreError
from linkreport.errors import ConfigurationError, LinkReportError
from linkreport.listing import skipped
from linkreport.progress import Reporter
from linkreport.records import Campaign, ClickEvent
from linkreport.source import SourceContext
from linkreport.terminal import counted
from linkreport.timeline import source_clicks

if TYPE_CHECKING:
    from linkreport.plugins import SourceInfo


@attrs.define
class SyncResult:
    """What one sync did: counts for the summary line, and one line per failure."""

    accounts: int = 0
    campaigns: int = 0
    links_changed: int = 0
    click_events: int = 0
    failures: list[str] = attrs.Factory(list)
    skipped: list[str] = attrs.Factory(list)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, repr=False)

    def add(self, *, campaigns: int = 0, links: int = 0, events: int = 0) -> None:
        """Count a stored campaign's work (thread-safe)."""
        with self._lock:
            self.campaigns += campaigns
            self.links_changed += links
            self.click_events += events

    def fail(self, line: str) -> None:
        """Record one failure line (thread-safe)."""
        with self._lock:
            self.failures.append(line)

    def summary(self) -> str:
        """The one-line summary printed at the end."""
        return (
            f"synced {counted(self.accounts, 'account')}: {counted(self.campaigns, 'campaign')},"
            f" {counted(self.links_changed, 'link')} changed,"
            f" {counted(self.click_events, 'click event')} added,"
            f" {counted(len(self.failures), 'failure')}"
        )


def configured_accounts(
    env: Mapping[str, str] | None = None, *, sources: Mapping[str, SourceInfo] | None = None
) -> tuple[list[str], list[str]]:
    """The accounts to sync by default, and those skipped (required secrets do not resolve)."""
    from linkreport.accounts import list_accounts

    found = list_accounts(os.environ if env is None else env, sources=sources)
    return [a.name for a in found if a.configured], [a.name for a in found if not a.configured]


def open_account(
    name: str,
    env: Mapping[str, str],
    reporter: Reporter,
    *,
    sources: Mapping[str, SourceInfo] | None = None,
) -> SourceContext:
    """Open one account (a provider name is its default account)."""
    from linkreport.runner import open_account as open_one

    return open_one(name, env=env, reporter=reporter, sources=sources)


class _AccountReporter(Reporter):
    """One account's view of the shared progress line: totals add up, waits say whose."""

    def __init__(self, shared: Reporter, account: str) -> None:
        super().__init__(shared.stream)
        self.shared, self.account = shared, account
        self.live = shared.live

    def start(self, total: int, what: str) -> None:
        self.total = total
        self.shared.grow(total)

    def advance(self, ok: bool = True) -> None:
        self.shared.advance(ok)

    def waiting(self, seconds: float, reason: str) -> None:
        self.shared.waiting(seconds, f"{self.account}: {reason}")

    def note(self, text: str) -> None:
        self.shared.note(text)

    def finish(self) -> None:
        pass


def sync_account(
    store: Store,
    run_id: int,
    account: str,
    *,
    since: datetime,
    env: Mapping[str, str],
    reporter: Reporter,
    canonical: Callable[[str], str],
    result: SyncResult,
    clicks: bool = True,
    sources: Mapping[str, SourceInfo] | None = None,
) -> None:
    """Sync one account: its campaigns, their reports and new click events, stored by campaign.

    Each campaign (its link snapshots and click events) is written in one transaction.
    """
    from linkreport.runner import run_reports

    try:
        ctx = open_account(account, env, _AccountReporter(reporter, account), sources=sources)
        campaigns: dict[str, Campaign] = {
            c.campaign_id: c for c in ctx.source.list_campaigns(ctx, since)
        }
    except LinkReportError as exc:
        result.fail(f"error: {account}: {exc}")
        reporter.note(f"error: {account}: {exc}")
        return
    for gone in skipped(ctx):  # each said once already, by the listing
        result.fail(f"error: {account} {gone.campaign_id}: left out of the campaign list")
    newest = store.newest_clicks(account) if clicks and ctx.source.supports_clicks else {}
    for report in run_reports(ctx, list(campaigns)):
        if report.error is not None or report.skipped:
            reason = report.error or "not fetched because the run stopped"
            result.fail(f"error: {account} {report.campaign_id}: {reason}")
            reporter.note(f"error: {account} {report.campaign_id}: {reason}")
            continue
        events: list[ClickEvent] = []
        if clicks and ctx.source.supports_clicks:
            try:
                events = _new_clicks(ctx, report.campaign_id, newest)
            except LinkReportError as exc:  # the link counts are still worth keeping
                result.fail(f"error: {account} {report.campaign_id}: click events: {exc}")
                reporter.note(f"error: {account} {report.campaign_id}: click events: {exc}")
        try:
            changed, added = store.write_campaign(
                run_id,
                account,
                campaigns[report.campaign_id],
                report.records,
                canonical=canonical,
                events=events,
            )
        except StoreError as exc:  # rolled back: this campaign only (a full disk: each one)
            result.fail(f"error: {account} {report.campaign_id}: {exc}")
            reporter.note(f"error: {account} {report.campaign_id}: {exc}")
            continue
        result.add(campaigns=1, links=changed, events=added)


def _new_clicks(
    ctx: SourceContext, campaign_id: str, newest: Mapping[tuple[str, str | None], datetime]
) -> list[ClickEvent]:
    """The campaign's click events from the oldest of its activities' newest stored ones on.

    ``fetch_clicks`` is inclusive of ``since``; the store ignores events it already has.
    """
    stored = [when for (campaign, _activity), when in newest.items() if campaign == campaign_id]
    since = min(stored, default=None)
    return list(source_clicks(ctx, campaign_id, since=since))  # (pseudonymised URLs)


def _guarded(
    account: str,
    result: SyncResult,
    reporter: Reporter,
    work: Callable[..., None],
    /,
    *args: Any,
    **kwargs: Any,
) -> None:
    """Run one account's sync; a bug or a store error fails that account, not the sync."""
    try:
        work(*args, **kwargs)
    except StoreError as exc:
        line = f"error: {account}: {exc}"
        result.fail(line)
        reporter.note(line)
    except Exception as exc:
        line = f"error: {account}: unexpected {exc.__class__.__name__}: {exc}"
        result.fail(line)
        reporter.note(line)


def sync(
    store: Store,
    accounts: Sequence[str] = (),
    *,
    since: datetime,
    env: Mapping[str, str] | None = None,
    reporter: Reporter | None = None,
    canonical: Callable[[str], str] | None = None,
    clicks: bool = True,
    sources: Mapping[str, SourceInfo] | None = None,
    result: SyncResult | None = None,
) -> SyncResult:
    """Sync ``accounts`` (default: every configured one) into ``store``; never raises for one.

    Returns the counts and failure lines; the sync run is recorded in the store. A
    ``result`` passed in is filled as campaigns are stored, so a caller interrupted part-way
    still knows what was kept.
    """
    from linkreport.canonical import canonicalizer

    env = os.environ if env is None else env
    reporter = reporter or Reporter()
    if canonical is None:
        configured = canonicalizer(env)
        store.use_canonical_rules(configured.rules, configured)
        canonical = configured
    from linkreport.runner import load_sources

    result = SyncResult() if result is None else result
    sources = load_sources(env) if sources is None else sources
    names = list(dict.fromkeys(accounts))
    if not names:
        names, result.skipped = configured_accounts(env, sources=sources)
        for name in result.skipped:
            reporter.note(f"note: skipping {name}: its credentials are not configured")
        if not names:
            raise ConfigurationError(
                "no configured account to sync (set an account's credentials or name one)"
            )
    result.accounts = len(names)
    run_id = store.start_run(names, since)
    reporter.start(0, "campaigns")
    pool = ThreadPoolExecutor(len(names), thread_name_prefix="linkreport-sync")
    try:
        futures = [
            pool.submit(
                _guarded,
                name,
                result,
                reporter,
                sync_account,
                store,
                run_id,
                name,
                since=since,
                env=env,
                reporter=reporter,
                canonical=canonical,
                result=result,
                clicks=clicks,
                sources=sources,
            )
            for name in names
        ]
        for future in futures:
            future.result()
    except BaseException:  # interrupted: don't wait for threads sleeping through a rate limit
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        reporter.finish()
    try:
        store.finish_run(
            run_id,
            campaigns=result.campaigns,
            links_changed=result.links_changed,
            click_events=result.click_events,
            failures=len(result.failures),
        )
    except StoreError as exc:  # the campaigns are stored; only the run's totals are not
        result.fail(f"error: {exc}")
        reporter.note(f"error: {exc}")
    return result
