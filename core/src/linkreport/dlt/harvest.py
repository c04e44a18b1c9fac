"""Fetching many accounts concurrently for the dlt resources, keeping every failure.

Each account is opened once per run with :func:`linkreport.runner.open_account`, as
``linkreport sync`` opens it (its own settings,
credentials, HTTP client and rate limiter), and read through the source interface the CLI
uses (``list_campaigns``, :func:`linkreport.runner.run_reports`, ``fetch_clicks``); up to
``jobs`` accounts run at once; delivery counts (``run_stats``) once per account, for
``campaign_stats`` and the send times of ``campaigns``. A failing account or campaign never
stops the others: its error becomes a :class:`Failures` row (and a warning in the
``linkreport.dlt`` log).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime
from typing import TypeVar

from linkreport.dlt.rows import Row, failure_row
from linkreport.errors import BadResponseError, LinkReportError
from linkreport.listing import skipped
from linkreport.plugins import SourceInfo
from linkreport.progress import Reporter
from linkreport.records import Campaign, CampaignStats, utc_now
from linkreport.redaction import redact
from linkreport.source import SourceContext

log = logging.getLogger("linkreport.dlt")
T = TypeVar("T")


def describe(error: BaseException) -> str:
    """One redacted line saying what went wrong."""
    if isinstance(error, LinkReportError):
        text = str(error)
    else:
        text = f"unexpected {error.__class__.__name__}: {error}"
    return redact(" ".join(text.split()))


class Failures:
    """The failures of one run, as ``failures`` rows; safe to add to from many threads."""

    def __init__(self, rename: Callable[[str], str] = str) -> None:
        self._rows: list[Row] = []
        self._lock = threading.Lock()
        self.rename = rename  # rewrites each error text (to name dlt's keys)

    def add(
        self, account: str, resource: str, error: BaseException, campaign_id: str | None = None
    ) -> None:
        """Record one failure and log it as a warning."""
        text = self.rename(describe(error))
        where = f"{account} {campaign_id}" if campaign_id else account
        log.warning("linkreport %s: %s: %s", resource, where, text)
        with self._lock:
            self._rows.append(failure_row(account, resource, text, utc_now(), campaign_id))

    def drain(self) -> list[Row]:
        """Return the rows recorded so far and forget them."""
        with self._lock:
            rows, self._rows = self._rows, []
        return rows


class Harvest:
    """One run over many accounts: their campaign lists (fetched once) and their failures."""

    def __init__(
        self,
        accounts: Sequence[str],
        since: datetime,
        *,
        env: Mapping[str, str] | None = None,
        jobs: int = 4,
        sources: Mapping[str, SourceInfo] | None = None,
        rename: Callable[[str], str] = str,
    ) -> None:
        self.accounts = list(dict.fromkeys(accounts))
        self.since = since
        self.env = env
        self.jobs = max(1, jobs)
        self.failures = Failures(rename)
        self._opened: dict[str, tuple[SourceContext, list[Campaign]] | None] = {}
        self._locks = {account: threading.Lock() for account in self.accounts}
        self._sources: Mapping[str, SourceInfo] | None = sources
        self._sources_lock = threading.Lock()
        #: whether delivery counts are loaded (``campaign_stats``; send times in ``campaigns``)
        self.with_stats = True
        self._stats: dict[str, list[CampaignStats]] = {}
        self._stats_locks = {account: threading.Lock() for account in self.accounts}

    def open(self, account: str) -> tuple[SourceContext, list[Campaign]] | None:
        """The open ``account`` and the campaigns it sent since ``since``, or ``None``.

        Opened and listed once per run, whichever resource asks first; a failure (unknown
        account, missing secret, bad key...) is recorded once and gives ``None``.
        """
        from linkreport.runner import load_sources, open_account

        with self._locks[account]:
            if account not in self._opened:
                try:
                    with self._sources_lock:  # plugins are loaded once per run
                        if self._sources is None:
                            self._sources = load_sources(self.env)
                    ctx = open_account(
                        account, env=self.env, reporter=Reporter(), sources=self._sources
                    )
                    found = list(ctx.source.list_campaigns(ctx, self.since))
                    self._opened[account] = (ctx, found)
                    for gone in skipped(ctx):  # an item with an unusable value
                        error = BadResponseError(f"left out of the campaign list: {gone.reason}")
                        self.failures.add(account, "campaigns", error, gone.campaign_id)
                except Exception as error:  # any failure of one account is kept, not raised
                    self.failures.add(account, "campaigns", error)
                    self._opened[account] = None
            return self._opened[account]

    def campaigns(self, account: str) -> list[Campaign]:
        """The campaigns ``account`` sent since ``since`` (none when it failed)."""
        opened = self.open(account)
        return opened[1] if opened else []

    def stats(self, account: str) -> list[CampaignStats]:
        """The delivery counts of ``account``'s campaigns, fetched once per run.

        None when the provider reports none (or ``with_stats`` is off); a campaign whose
        counts failed is a ``campaign_stats`` failure.
        """
        from linkreport.stats import run_stats

        with self._stats_locks[account]:
            if account not in self._stats:
                found: list[CampaignStats] = []
                opened = self.open(account)
                if self.with_stats and opened and opened[1] and opened[0].source.supports_stats:
                    ctx, campaigns = opened
                    for answer in run_stats(ctx, [c.campaign_id for c in campaigns]):
                        if answer.error is not None or answer.skipped:
                            error = answer.error or BadResponseError("not fetched: the run stopped")
                            self.failures.add(account, "campaign_stats", error, answer.campaign_id)
                        found.extend(answer.stats)
                self._stats[account] = found
            return self._stats[account]

    def each_account(self, resource: str, work: Callable[[str], list[T]]) -> Iterator[list[T]]:
        """Run ``work(account)`` for every account, ``jobs`` at once; yield results as they end.

        ``work`` records its own per-campaign failures; anything it raises is recorded as a
        failure of ``resource`` for the whole account.
        """
        pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="linkreport-dlt")
        try:
            futures = {pool.submit(work, account): account for account in self.accounts}
            for future in as_completed(futures):
                try:
                    rows = future.result()
                except Exception as error:
                    self.failures.add(futures[future], resource, error)
                    continue
                if rows:
                    yield rows
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
