"""``linkreport sync``: fetch campaigns and their link reports of many accounts into the store.

Accounts run concurrently on a fixed pool of threads (:mod:`linkreport.schedule`), each
within its own rate limit: a worker serves whichever account's limiter has a slot free, so
500 accounts take about as long as the busiest one, with 32 threads. Each campaign is written
in one transaction as soon as it is complete (in completion order, not the listing's), so an
interrupted sync keeps every campaign it finished, and a big campaign ahead of small ones
holds none of them back. A failing campaign or account never loses the others. A store
that cannot be written (a full disk) stops the whole sync: nothing more is fetched that
could not be kept, and the campaigns left are counted.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from linkreport import personal_urls
from linkreport.click_events import source_clicks
from linkreport.db import Store, StoreError, StoreUnwritable
from linkreport.db.verdicts import Decide, decide_campaign, decider, redecide_all
from linkreport.errors import ConfigurationError, LinkReportError
from linkreport.listing import skipped
from linkreport.progress import Reporter
from linkreport.records import Campaign, CampaignStats, ClickEvent, LinkClicks
from linkreport.schedule import Lane, Pool
from linkreport.source import SourceContext
from linkreport.stats import StatsAnswer
from linkreport.terminal import counted

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
    #: Why the sync stopped fetching (the store could not be written), else ``None``.
    stopped: str | None = None
    #: Once it stopped: campaigns listed and not fetched, and fetched but not stored.
    not_fetched: int = 0
    not_stored: int = 0
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

    def stop(self, reason: str) -> bool:
        """Record why the sync stops fetching; whether this was the first reason (thread-safe)."""
        with self._lock:
            first, self.stopped = self.stopped is None, self.stopped or reason
            return first

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


#: Tasks of one account run at once (the runner's default ``jobs``; fewer if its rate limit
#: allows fewer requests a window).
JOBS = 4
#: Threads of one sync, however many accounts (see :mod:`linkreport.schedule`).
MAX_THREADS = 32


class _StatsFeed:
    """An account's delivery counts: asked for once for all its campaigns, read as needed.

    The source gets the IDs :data:`~linkreport.stats.STATS_CHUNK` at a time, in listing
    order, and answers them lazily: a campaign's task reads answers (under a lock) until its
    own comes, keeping the others for their tasks. So a provider that batches IDs (Constant
    Contact: 10 activities a request) batches across campaigns, one that cannot (Sitecore
    Send: a request per campaign) sends each request only when some campaign needs it, and
    no campaign costs more than one request of its own.
    """

    def __init__(self, ctx: SourceContext, ids: list[str]) -> None:
        self._lock = threading.Lock()
        self._answers: dict[str, StatsAnswer] = {}
        self._feed = _answers(ctx, ids)

    def get(self, campaign_id: str) -> StatsAnswer:
        """The answer for ``campaign_id`` (reading the source's answers up to it)."""
        with self._lock:
            while campaign_id not in self._answers:
                answer = next(self._feed, None)
                if answer is None:  # (every ID is answered: only an ID never asked ends here)
                    missing = LinkReportError("no delivery counts were asked for it")
                    return StatsAnswer(campaign_id, error=missing)
                self._answers.setdefault(answer.campaign_id, answer)
            return self._answers.pop(campaign_id)


def _answers(ctx: SourceContext, ids: list[str]) -> Iterator[StatsAnswer]:
    """One checked answer per ID as the source gives them (lazily); failures stay per ID.

    As :func:`linkreport.stats.source_stats`, but an answer is handed on as soon as the
    source yields it, and a fatal error fails every ID not answered yet.
    """
    from linkreport.stats import STATS_CHUNK
    from linkreport.stats import _checked as checked_answer  # (core's own checks)

    done: set[str] = set()
    for start in range(0, len(ids), STATS_CHUNK):
        part = ids[start : start + STATS_CHUNK]
        failed: str | None = None
        try:
            for answer in ctx.source.fetch_stats(ctx, part):
                asked = getattr(answer, "campaign_id", None)
                if isinstance(asked, str) and asked in part and asked not in done:
                    done.add(asked)
                    yield checked_answer(ctx, asked, answer)
        except LinkReportError as exc:
            failed = exc.message
            if exc.fatal:  # (credentials, quota): no later ID is asked either
                for asked in (i for i in ids if i not in done):
                    yield StatsAnswer(asked, error=LinkReportError(failed))
                return
        except Exception as exc:  # a plugin bug fails these IDs, not the sync
            failed = f"unexpected {exc.__class__.__name__} in the {ctx.provider} plugin: {exc}"
        missing = failed or f"the {ctx.provider} plugin gave no stats and no error for it"
        for asked in (i for i in part if i not in done):
            done.add(asked)
            yield StatsAnswer(asked, error=LinkReportError(missing))


@attrs.define
class _Account:
    """One account's sync: what its tasks share."""

    name: str
    lane: Lane
    pool: Pool
    store: Store
    run_id: int
    since: datetime
    env: Mapping[str, str]
    reporter: Reporter
    canonical: Callable[[str], str]
    result: SyncResult = attrs.Factory(SyncResult)
    clicks: bool = True
    sources: Mapping[str, SourceInfo] | None = None
    ctx: SourceContext | None = None
    #: Per campaign, the oldest of its activities' newest stored clicks (where increments start).
    resume: dict[str, datetime] = attrs.Factory(dict)
    #: The account's delivery counts, where the source has them.
    stats: _StatsFeed | None = None
    fatal: bool = False  # a fatal error (bad key, quota) stopped the account's other campaigns
    #: Classifies a campaign's click events (``[humans]``): re-run when new ones are stored.
    decide: Decide | None = None
    #: How many campaigns the listing gave (``None``: not listed).
    listed: int | None = None
    #: Campaigns that ended on their own (stored, or failed with a line of their own), and
    #: those whose report was read whole: the sync's stop loses the difference.
    ended: set[str] = attrs.Factory(set)
    fetched: set[str] = attrs.Factory(set)
    _lock: threading.Lock = attrs.field(factory=threading.Lock, repr=False)

    def stopped(self) -> bool:
        """Whether a fatal error stopped the account (another thread may have just said so)."""
        return self.fatal

    def fail(self, line: str) -> None:
        """Record and show one failure line."""
        self.result.fail(line)
        self.reporter.note(line)

    def halt(self, exc: StoreUnwritable) -> None:
        """The store cannot be written: say so once and stop the whole sync fetching."""
        if self.result.stop(str(exc)):
            self.fail(f"error: {exc}; sync stopped")
            self.pool.stop()  # no step starts; running ones send no further request

    def check_halted(self) -> None:
        """Raise :class:`_Halted` once the sync stopped (nothing fetched could be kept)."""
        if self.result.stopped is not None:
            raise _Halted

    def note_campaign(
        self, campaign_id: str, *, fetched: bool = False, ended: bool = False
    ) -> None:
        """Note that a campaign's report was read whole, or that its task ended (thread-safe)."""
        with self._lock:
            if fetched:
                self.fetched.add(campaign_id)
            if ended:
                self.ended.add(campaign_id)


class _Halted(Exception):
    """The sync stopped (its store cannot be written): the campaign ends, counted, unsaid."""


def _account_steps(job: _Account) -> Iterator[None]:
    """Open the account, then (one step later, under its limiter) list its campaigns."""
    try:
        reporter = _AccountReporter(job.reporter, job.name)
        ctx = open_account(job.name, job.env, reporter, sources=job.sources)
        job.ctx, job.lane.limiter = ctx, ctx.http.limiter
        if ctx.http.limiter is not None:  # more at once would only wait for the limiter,
            job.lane.cap = min(JOBS, ctx.http.limiter.rate.requests)  # each on a thread
        yield
        job.check_halted()
        campaigns = list(ctx.source.list_campaigns(ctx, job.since))
    except _Halted:
        return
    except LinkReportError as exc:
        if job.result.stopped is None:  # (else: given up when the sync stopped)
            job.fail(f"error: {job.name}: {exc}")
        return
    for gone in skipped(ctx):  # each said once already, by the listing
        job.result.fail(f"error: {job.name} {gone.campaign_id}: left out of the campaign list")
    if job.clicks and ctx.source.supports_clicks:
        for (campaign_id, _activity), when in job.store.newest_clicks(job.name).items():
            if campaign_id not in job.resume or when < job.resume[campaign_id]:
                job.resume[campaign_id] = when
    unique = {c.campaign_id: c for c in campaigns}  # (a campaign listed twice is one)
    job.listed = len(unique)
    if ctx.source.supports_stats:
        job.stats = _StatsFeed(ctx, list(unique))
    job.reporter.grow(len(unique))
    for campaign in unique.values():
        job.pool.add(job.lane, _campaign_steps(job, campaign))


def _new_clicks(ctx: SourceContext, campaign_id: str, since: datetime | None) -> list[ClickEvent]:
    """The campaign's click events from ``since`` on (all of them when ``None``).

    ``fetch_clicks`` is inclusive of ``since``; the store ignores events it already has.
    """
    return list(source_clicks(ctx, campaign_id, since=since))  # (pseudonymised URLs)


def _campaign_steps(job: _Account, campaign: Campaign) -> Iterator[None]:
    """Fetch one campaign's report, its new click events, its delivery counts; store them.

    The click events are a step of their own; the delivery counts come from the account's
    :class:`_StatsFeed` just before the campaign is written.

    The campaign is written in one transaction as soon as it is complete, whatever the
    others of the account are doing (an interrupted sync keeps every one it finished). Once
    the store cannot be written, the sync stops and the campaign asks for nothing more.
    """
    ok = ended = False  # ended: stored, or failed with a line of its own
    try:
        records = _fetch_links(job, campaign.campaign_id)
        if records is None:
            ended = True
            return
        job.note_campaign(campaign.campaign_id, fetched=True)
        ctx = job.ctx
        assert ctx is not None
        events: list[ClickEvent] = []
        clicks_fetched = False  # whether ``events`` are all it has not stored yet
        if job.clicks and ctx.source.supports_clicks:
            yield
            job.check_halted()
            try:
                events = _new_clicks(
                    ctx, campaign.campaign_id, job.resume.get(campaign.campaign_id)
                )
                clicks_fetched = True
            except LinkReportError as exc:  # the link counts are still worth keeping
                job.check_halted()
                job.fail(f"error: {job.name} {campaign.campaign_id}: click events: {exc}")
        stats: tuple[CampaignStats, ...] | None = None
        if job.stats is not None:  # (no step of its own: a step waits for the lane's limiter,
            # and a provider may count these requests against another budget, as Sitecore Send)
            job.check_halted()
            answer = job.stats.get(campaign.campaign_id)
            if answer.error is not None:  # the link counts are still worth keeping
                job.check_halted()
                line = f"error: {job.name} {campaign.campaign_id}: delivery counts: {answer.error}"
                job.fail(line)
            else:
                stats = answer.stats
        job.check_halted()
        changed, added = job.store.write_campaign(
            job.run_id,
            job.name,
            campaign,
            records,
            canonical=job.canonical,
            events=events,
            stats=stats,
            clicks_fetched=clicks_fetched,
        )
        ended = True  # stored: counted, whatever happens to its verdicts
        job.result.add(campaigns=1, links=changed, events=added)
        if added and job.decide is not None:  # new events may complete a burst: re-decide all
            decide_campaign(job.store, job.name, campaign.campaign_id, job.decide)
        ok = True
    except _Halted:
        pass
    except StoreUnwritable as exc:  # rolled back, and so would every other campaign be
        job.halt(exc)
    except StoreError as exc:  # rolled back: this campaign only
        job.fail(f"error: {job.name} {campaign.campaign_id}: {exc}")
        ended = True
    except Exception as exc:  # a bug or a store error fails this campaign, not the sync
        job.fail(
            f"error: {job.name} {campaign.campaign_id}: unexpected {exc.__class__.__name__}: {exc}"
        )
        ended = True
    finally:  # (not run for a task the stopped sync never resumes: it did not end)
        if ended:
            job.note_campaign(campaign.campaign_id, ended=True)
        job.reporter.advance(ok)


def _fetch_links(job: _Account, campaign_id: str) -> list[LinkClicks] | None:
    """The campaign's whole report, or ``None`` after saying why it failed or was skipped."""
    ctx = job.ctx
    assert ctx is not None
    job.check_halted()
    if job.fatal:
        job.fail(f"error: {job.name} {campaign_id}: not fetched because the run stopped")
        return None
    try:
        scrub = personal_urls.scrubber(ctx)  # records enter core here: no personal data past it
        records = [
            scrub.record(r) if r.__class__ is LinkClicks else r
            for r in ctx.source.fetch_links(ctx, campaign_id, include_unclicked=False)
        ]
        wrong = next((r for r in records if not isinstance(r, LinkClicks)), None)
        if wrong is not None:  # plugins are not type-checked
            msg = f"the {ctx.provider} plugin yielded {type(wrong).__name__}, not LinkClicks"
            raise LinkReportError(msg, campaign_id=campaign_id)
    except LinkReportError as exc:
        job.check_halted()  # (given up when the sync stopped: not this campaign's failure)
        error = exc.for_campaign(campaign_id)
        if exc.fatal and job.stopped():  # already in flight when the account stopped: say it once
            job.fail(f"error: {job.name} {campaign_id}: not fetched because the run stopped")
        else:
            job.fail(f"error: {job.name} {campaign_id}: {error}")
        job.fatal = job.fatal or exc.fatal
        return None
    except Exception as exc:
        error = LinkReportError(
            f"unexpected {exc.__class__.__name__} in the {ctx.provider} plugin: {exc}",
            campaign_id=campaign_id,
        )
        job.fail(f"error: {job.name} {campaign_id}: {error}")
        return None
    return records


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

    decide: Decide | None = None
    if clicks:  # verdicts made under other [humans] settings: re-decided, a batch at a time
        decide, fingerprint = decider(env)
        redecide_all(store, fingerprint, decide)
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

    def unexpected(lane: Lane, exc: BaseException) -> None:  # a bug fails its account only
        line = f"error: {lane.name}: unexpected {exc.__class__.__name__}: {exc}"
        result.fail(line)
        reporter.note(line)

    def waiting(seconds: float, lane: Lane) -> None:  # every account waits for its limit
        rate = lane.limiter.rate if lane.limiter is not None else "?"
        reporter.waiting(seconds, f"{lane.name}: rate limit {rate}")

    pool = Pool(min(MAX_THREADS, JOBS * len(names)), on_error=unexpected, on_wait=waiting)
    jobs = []
    for name in names:
        lane = Lane(name, JOBS)
        job = _Account(name, lane, pool, store, run_id, since, env, reporter, canonical)
        job.result, job.clicks, job.sources, job.decide = result, clicks, sources, decide
        jobs.append(job)
        pool.add(lane, _account_steps(job))
    try:
        pool.run()  # (interrupted, it stops: nobody waits for threads sleeping in a rate limit)
    finally:
        reporter.finish()
    if result.stopped is not None:
        reporter.note(_left(jobs, result))
    try:
        store.finish_run(
            run_id,
            campaigns=result.campaigns,
            links_changed=result.links_changed,
            click_events=result.click_events,
            failures=len(result.failures),
        )
    except StoreError as exc:  # the campaigns are stored; only the run's totals are not
        if result.stopped is None:  # (else said already: the store cannot be written)
            result.fail(f"error: {exc}")
            reporter.note(f"error: {exc}")
    return result


def _left(jobs: list[_Account], result: SyncResult) -> str:
    """The note counting what a stopped sync did not fetch or store, by account."""
    by_account, unlisted = [], []
    for job in jobs:
        if job.listed is None:
            unlisted.append(job.name)
            continue
        with job._lock:
            lost = len(job.fetched - job.ended)
            left = job.listed - len(job.ended) - lost
        result.not_fetched += left
        result.not_stored += lost
        if left or lost:
            by_account.append(f"{job.name}: {left + lost}")
    line = (
        f"note: sync stopped: {counted(result.not_fetched, 'campaign')} not fetched,"
        f" {result.not_stored} fetched but not stored"
    )
    if len(jobs) > 1 and by_account:
        line += f" ({', '.join(by_account)})"
    if unlisted:
        line += f"; {counted(len(unlisted), 'account')} not listed ({', '.join(unlisted)})"
    return line + "; the next `linkreport sync` fetches them once the store can be written"
