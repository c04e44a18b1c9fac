"""Running a source: settings, HTTP client and the concurrent, ordered fetch of many IDs.

This is the Python API behind the CLI: :func:`fetch_reports` yields one
:class:`CampaignReport` per ID in the order given, fetching them concurrently within the
provider's rate limit. A failing ID never loses the others; a fatal error (bad key, quota)
stops the run once instead of failing every ID alike.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any

import attrs

from linkreport.concurrency import CONCURRENCY, ConnectionSlots, parse_concurrency, slots_for
from linkreport.credentials import CredentialStore
from linkreport.dates import parse_since
from linkreport.errors import ConfigurationError, LinkReportError
from linkreport.http import HttpClient
from linkreport.pipeline import CampaignStream, stream_campaigns
from linkreport.plugins import SourceInfo, build_plugin_manager, collect_sources
from linkreport.progress import Reporter
from linkreport.ratelimit import limiter_for, parse_rate
from linkreport.records import Campaign, LinkClicks, utc_now
from linkreport.settings import (
    RATE_LIMIT,
    ResolvedSettings,
    resolve_settings,
    validate_settings,
)
from linkreport.source import LinkReportSource, SourceContext
from linkreport.terminal import clipped
from linkreport.transfer import Limits, env_count, env_seconds

DEFAULT_JOBS = 4
MAX_JOBS = 32


@attrs.frozen
class CampaignReport:
    """The outcome for one ID: its records, or the error that failed it.

    ``skipped`` is true when a fatal error elsewhere stopped the run before this ID ran.
    """

    campaign_id: str
    records: tuple[LinkClicks, ...] = ()
    error: LinkReportError | None = None
    skipped: bool = False
    #: With ``rates``: why the campaign's delivery counts are missing (its links are whole;
    #: their ``delivered`` and ``click_rate`` are ``None``).
    stats_error: LinkReportError | None = None

    @property
    def ok(self) -> bool:
        """Whether the report was fetched."""
        return self.error is None and not self.skipped


def load_sources(env: Mapping[str, str] | None = None) -> dict[str, SourceInfo]:
    """Load plugins and return the registered sources by provider name."""
    return collect_sources(build_plugin_manager(env))


def get_source(provider: str, sources: Mapping[str, SourceInfo]) -> LinkReportSource:
    """Return the source named ``provider`` or fail listing the installed ones."""
    if provider in sources:
        return sources[provider].source
    installed = ", ".join(sources) or "none"
    msg = f"unknown provider {provider!r} (installed: {installed})"
    raise ConfigurationError(msg)


def open_context(
    source: LinkReportSource,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
    reporter: Reporter | None = None,
    account: str | None = None,
) -> SourceContext:
    """Resolve and check settings, and build the HTTP client for one run of an account.

    ``account`` defaults to the provider's default account; prefer :func:`open_account`,
    which also finds the provider of an account name and checks its definition.
    """
    env = os.environ if env is None else env
    reporter = reporter or Reporter()
    settings = resolve_settings(source, env=env, overrides=overrides, account=account)
    validate_settings(source, settings)
    rate = parse_rate(settings.require(RATE_LIMIT))
    limiter = limiter_for(settings.account, source.credential_key(settings), rate)
    slots = _slots(source, settings)
    base_url = settings.get(source.base_url_setting) if source.base_url_setting else None
    http = HttpClient(
        base_url=base_url or "",
        limiter=limiter,
        on_wait=reporter.waiting,
        max_attempts=env_count(env, "LINKREPORT_MAX_RETRIES", 7) + 1,
        max_retry_seconds=env_seconds(env, "LINKREPORT_MAX_RETRY_SECONDS", 900.0),
        limits=Limits.from_env(env),
        slots=slots,
    )
    store = CredentialStore(settings.home)
    ctx = SourceContext(source, settings, http, store, reporter, account=settings.account)
    http.classify = lambda response: source.classify_response(ctx, response)
    return ctx


def _slots(source: LinkReportSource, settings: ResolvedSettings) -> ConnectionSlots | None:
    """The account's concurrency slots."""
    limit = parse_concurrency(settings.get(CONCURRENCY))
    if limit is None:
        return None
    return slots_for(settings.account, source.credential_key(settings), limit)


def open_account(
    name: str,
    *,
    env: Mapping[str, str] | None = None,
    reporter: Reporter | None = None,
    overrides: Mapping[str, str] | None = None,
    sources: Mapping[str, SourceInfo] | None = None,
) -> SourceContext:
    """Open the account ``name`` (a provider's name opens its default account).

    ``sources`` saves loading plugins again when the caller has them. Raises a one-line
    :class:`~linkreport.errors.ConfigurationError` for an unknown or badly defined account.
    """
    from linkreport.accounts import account_provider, check_config
    from linkreport.config import read_config
    from linkreport.settings import home_dir

    env = os.environ if check_env(env) is None else env
    sources = load_sources(env) if sources is None else sources
    config = read_config(home_dir(env))
    check_config(config, sources)
    provider = account_provider(name, sources, config)
    source = sources[provider].source
    return open_context(source, env=env, reporter=reporter, overrides=overrides, account=name)


def check_ids(ids: Iterable[str]) -> Iterable[str]:
    """Refuse what cannot be an iterable of IDs before anything is requested.

    A ``str`` or ``bytes`` (one ID passed where many are expected) and a list or tuple
    holding anything but strings raise ``TypeError`` at once, a blank ID ``ValueError``;
    other iterables are checked lazily, ID by ID, as they are read.
    """
    if isinstance(ids, str | bytes | bytearray):
        msg = f"ids must be an iterable of ID strings, not a single {type(ids).__name__}; use [id]"
        raise TypeError(msg)
    if not isinstance(ids, Iterable):
        raise TypeError(f"ids must be an iterable of ID strings, got {type(ids).__name__}")
    if isinstance(ids, list | tuple):
        for item in ids:
            _check_id(item)
    return ids


def _check_id(item: object) -> str:
    if not isinstance(item, str):
        raise TypeError(f"an ID must be a string, got {type(item).__name__} {clipped(repr(item))}")
    if not item.strip():
        raise ValueError(f"an ID must not be empty or blank, got {clipped(item)!r}")
    return item


def check_env(env: object) -> Mapping[str, str] | None:
    """Return ``env`` if it is ``None`` or a mapping (like ``os.environ``); else ``TypeError``."""
    if env is not None and not isinstance(env, Mapping):
        kind = type(env).__name__
        msg = f"env must be a mapping of environment variables (like os.environ), not {kind}"
        raise TypeError(msg)
    return env


def check_since(since: object) -> datetime | None:
    """Return ``since`` as an aware UTC datetime (``None`` stays ``None``), or raise.

    Taken as :func:`~linkreport.dates.parse_since` takes it (a naive datetime is UTC); a
    time in the future raises ``ValueError`` as ``--since`` does (nothing was sent since).
    """
    if since is None:
        return None
    when = parse_since(since)
    if when > utc_now():
        shown = repr(since) if isinstance(since, str) else when.isoformat()
        msg = f"since {clipped(shown)} is in the future: nothing was sent or clicked since then"
        raise ValueError(msg)
    return when


def check_jobs(jobs: object) -> int:
    """Return ``jobs`` if it is a whole number from 1 to :data:`MAX_JOBS`, else raise."""
    if isinstance(jobs, bool) or not isinstance(jobs, int):
        raise TypeError(f"jobs must be an int, got {type(jobs).__name__}")
    if not 1 <= jobs <= MAX_JOBS:
        raise ValueError(f"jobs must be between 1 and {MAX_JOBS}, got {jobs}")
    return jobs


def _wanted(ctx: SourceContext, ids: Iterable[str], since: datetime | None) -> Iterator[str]:
    """The unique IDs, read lazily, then the campaigns sent since ``since``.

    A blank ID raises ``ValueError`` when it is read.
    """
    seen: set[str] = set()
    known = isinstance(ids, list | tuple)  # counted when the run started
    for item in ids:
        campaign_id = _check_id(item).strip()
        if campaign_id not in seen:
            seen.add(campaign_id)
            if not known:
                ctx.reporter.grow(1)
            yield campaign_id
    if since is not None:
        sent = ctx.extras.setdefault("linkreport.sent_at", {})  # for humans.live.sent_at_of
        for campaign in ctx.source.list_campaigns(ctx, since):
            if getattr(campaign, "sent_at", None) is not None:
                sent[campaign.campaign_id] = campaign.sent_at
            if campaign.campaign_id not in seen:
                seen.add(campaign.campaign_id)
                ctx.reporter.grow(1)
                yield campaign.campaign_id


def stream_reports(
    ctx: SourceContext,
    ids: Iterable[str],
    *,
    include_unclicked: bool = False,
    since: datetime | date | str | None = None,
    jobs: int = DEFAULT_JOBS,
) -> Iterator[CampaignStream]:
    """Like :func:`run_reports`, but each campaign's records stream as they are fetched.

    Yields a :class:`~linkreport.pipeline.CampaignStream` per ID in order; iterate each
    for its records, then read its ``error``/``skipped``. Memory stays bounded by a few
    campaigns beyond ``jobs``, however many IDs there are.
    """
    check_ids(ids)
    jobs = check_jobs(jobs)
    when = check_since(since)
    known = {i.strip() for i in ids} if isinstance(ids, list | tuple) else ()
    ctx.reporter.start(len(known), "campaigns")
    if ctx.http.limiter is not None:
        ctx.reporter.limit(ctx.http.limiter.rate.requests, ctx.http.limiter.rate.seconds)
    return stream_campaigns(
        ctx, _wanted(ctx, ids, when), include_unclicked=include_unclicked, jobs=jobs
    )


def run_reports(
    ctx: SourceContext,
    ids: Iterable[str],
    *,
    include_unclicked: bool = False,
    since: datetime | date | str | None = None,
    jobs: int = DEFAULT_JOBS,
    humans: bool = False,
    rates: bool = False,
) -> Iterator[CampaignReport]:
    """Fetch each ID's report with an open context; yield reports in the order of the IDs.

    A failed report carries no records. Memory is bounded by a few campaigns beyond
    ``jobs``; ``ids`` is read lazily. ``humans``: records are
    :class:`~linkreport.humans.records.HumanLinkClicks` (people's clicks from each campaign's
    click events; a failure to fetch them fails the campaign). ``rates``: records are
    :class:`~linkreport.rates.RatedLinkClicks` (with ``delivered`` and ``click_rate``; with
    ``humans`` :class:`~linkreport.rates.HumanRatedLinkClicks`).
    """
    streams: Iterable[Any] = stream_reports(
        ctx, ids, include_unclicked=include_unclicked, since=since, jobs=jobs
    )
    if humans:
        from linkreport.humans import HumanRules
        from linkreport.humans.live import human_streams

        streams = human_streams(ctx, streams, HumanRules.for_home(ctx.settings.home))
    if rates:
        from linkreport.rates import rated_streams

        streams = rated_streams(ctx, streams)
    for stream in streams:
        records = tuple(stream)
        if stream.error is not None or stream.skipped:
            records = ()
        yield CampaignReport(
            stream.campaign_id,
            records,
            stream.error,
            stream.skipped,
            getattr(stream, "stats_error", None),
        )


def fetch_reports(
    account: str,
    ids: Iterable[str] = (),
    *,
    include_unclicked: bool = False,
    since: datetime | date | str | None = None,
    jobs: int = DEFAULT_JOBS,
    env: Mapping[str, str] | None = None,
    reporter: Reporter | None = None,
    humans: bool = False,
    rates: bool = False,
) -> Iterator[CampaignReport]:
    """Yield one :class:`CampaignReport` per ID (and per campaign sent since ``since``).

    ``account`` is an account name; a provider's name is its default account. ``ids`` is
    any iterable of ID strings, read lazily (an unbounded generator streams); a single
    ``str`` or ``bytes`` is refused with ``TypeError``, a blank ID with ``ValueError``.
    ``since`` is a datetime (naive means UTC), a date, or text like the CLI's (``"30d"``,
    ``"2026-01-31"``); one in the future raises ``ValueError``. ``env`` is a mapping used
    instead of ``os.environ``. Arguments are checked when this is called, before any request.
    With ``humans``, records are :class:`~linkreport.humans.records.HumanLinkClicks`: people's
    clicks estimated from each campaign's click events (``linkreport links --humans``); a
    failure to fetch the events fails that campaign.
    ``rates=True`` adds ``delivered`` and ``click_rate`` to each record
    (:class:`~linkreport.rates.RatedLinkClicks`; one request more per campaign at most), as
    ``links --rates`` does; a campaign whose counts are missing says why in ``stats_error``.
    """
    check_ids(ids)
    check_jobs(jobs)
    check_env(env)
    when = check_since(since)
    for name, flag in (("humans", humans), ("rates", rates)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    return _fetch_reports(
        account, ids, include_unclicked, when, jobs, env, reporter, humans=humans, rates=rates
    )


def _fetch_reports(
    account: str,
    ids: Iterable[str],
    include_unclicked: bool,
    since: datetime | None,
    jobs: int,
    env: Mapping[str, str] | None,
    reporter: Reporter | None,
    *,
    humans: bool = False,
    rates: bool = False,
) -> Iterator[CampaignReport]:
    ctx = open_account(account, env=env, reporter=reporter)
    yield from run_reports(
        ctx,
        ids,
        include_unclicked=include_unclicked,
        since=since,
        jobs=jobs,
        humans=humans,
        rates=rates,
    )


def fetch_links(account: str, ids: Iterable[str] = (), **options: object) -> Iterator[LinkClicks]:
    """Yield the link records of each ID of ``account``; raise the first failure's error.

    Takes the keyword options of :func:`fetch_reports` (checked at once, before any
    request; ``humans=True`` yields :class:`~linkreport.humans.records.HumanLinkClicks`). Use
    :func:`fetch_reports` to keep going past failures.
    """
    reports = fetch_reports(account, ids, **options)  # type: ignore[arg-type]
    return _raise_first(reports)


def _raise_first(reports: Iterator[CampaignReport]) -> Iterator[LinkClicks]:
    for report in reports:
        if report.error is not None:
            raise report.error
        if report.stats_error is not None:
            raise report.stats_error
        yield from report.records


def list_campaigns(
    account: str, since: datetime | date | str, *, env: Mapping[str, str] | None = None
) -> list[Campaign]:
    """Return the campaigns of ``account`` (or a provider's default account) since ``since``.

    ``since`` and ``env`` are taken as in :func:`fetch_reports`.
    """
    check_env(env)
    when = check_since(since)
    if when is None:
        raise TypeError("since must be a datetime, a date or a string like '30d', got None")
    ctx = open_account(account, env=env)
    return list(ctx.source.list_campaigns(ctx, when))
