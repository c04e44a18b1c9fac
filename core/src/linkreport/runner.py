"""Running a source: settings, HTTP client and the concurrent, ordered fetch of many IDs.

This is the Python API behind the CLI: :func:`fetch_reports` yields one
:class:`CampaignReport` per ID in the order given, fetching them concurrently within the
provider's rate limit. A failing ID never loses the others; a fatal error (bad key, quota)
stops the run once instead of failing every ID alike.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import attrs

from linkreport.concurrency import CONCURRENCY, ConnectionSlots, parse_concurrency, slots_for
from linkreport.errors import ConfigurationError, LinkReportError
from linkreport.http import HttpClient
from linkreport.plugins import SourceInfo, build_plugin_manager, collect_sources
from linkreport.progress import Reporter
from linkreport.ratelimit import limiter_for, parse_rate
from linkreport.records import Campaign, LinkClicks
from linkreport.settings import (
    RATE_LIMIT,
    ResolvedSettings,
    resolve_settings,
    validate_settings,
)
from linkreport.source import LinkReportSource, SourceContext
from linkreport.store import CredentialStore
from linkreport.transfer import Limits, env_count, env_seconds

DEFAULT_JOBS = 4


@attrs.frozen
class CampaignReport:
    """The outcome for one ID: its records, or the error that failed it.

    ``skipped`` is true when a fatal error elsewhere stopped the run before this ID ran.
    """

    campaign_id: str
    records: tuple[LinkClicks, ...] = ()
    error: LinkReportError | None = None
    skipped: bool = False

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

    env = os.environ if env is None else env
    sources = load_sources(env) if sources is None else sources
    config = read_config(home_dir(env))
    check_config(config, sources)
    provider = account_provider(name, sources, config)
    source = sources[provider].source
    return open_context(source, env=env, reporter=reporter, overrides=overrides, account=name)


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i.strip() for i in ids if i.strip()))


def _fetch_one(
    ctx: SourceContext, campaign_id: str, include_unclicked: bool, stop: threading.Event
) -> CampaignReport:
    if stop.is_set():
        return CampaignReport(campaign_id, skipped=True)
    try:
        records = tuple(
            ctx.source.fetch_links(ctx, campaign_id, include_unclicked=include_unclicked)
        )
    except LinkReportError as error:
        if error.fatal:
            stop.set()
        return CampaignReport(campaign_id, error=error.for_campaign(campaign_id))
    except Exception as exc:
        bug = LinkReportError(
            f"unexpected {exc.__class__.__name__} in the {ctx.provider} plugin: {exc}",
            campaign_id=campaign_id,
        )
        bug.__cause__ = exc
        return CampaignReport(campaign_id, error=bug)
    for record in records:
        if not isinstance(record, LinkClicks):  # plugins are not type-checked by us
            bad = LinkReportError(  # type: ignore[unreachable]
                f"the {ctx.provider} plugin yielded {type(record).__name__}, not LinkClicks",
                campaign_id=campaign_id,
            )
            return CampaignReport(campaign_id, error=bad)
    return CampaignReport(campaign_id, records)


def run_reports(
    ctx: SourceContext,
    ids: Iterable[str],
    *,
    include_unclicked: bool = False,
    since: datetime | None = None,
    jobs: int = DEFAULT_JOBS,
) -> Iterator[CampaignReport]:
    """Fetch each ID's report with an open context; yield reports in the order of the IDs."""
    wanted = _unique(ids)
    if since is not None:
        wanted = _unique([*wanted, *(c.campaign_id for c in ctx.source.list_campaigns(ctx, since))])
    ctx.reporter.start(len(wanted), "campaigns")
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="linkreport")
    try:
        futures = [pool.submit(_fetch_one, ctx, i, include_unclicked, stop) for i in wanted]
        stopped = False
        for future in futures:
            report = future.result()
            if report.error is not None and report.error.fatal:
                if stopped:  # already in flight when the run stopped: report the cause once
                    report = CampaignReport(report.campaign_id, skipped=True)
                stopped = True
            ctx.reporter.advance(report.ok)
            yield report
    except BaseException:  # interrupted, or the caller stopped early: don't wait for sleepers
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        ctx.reporter.finish()


def fetch_reports(
    account: str,
    ids: Iterable[str] = (),
    *,
    include_unclicked: bool = False,
    since: datetime | None = None,
    jobs: int = DEFAULT_JOBS,
    env: Mapping[str, str] | None = None,
    reporter: Reporter | None = None,
) -> Iterator[CampaignReport]:
    """Yield one :class:`CampaignReport` per ID (and per campaign sent since ``since``).

    ``account`` is an account name; a provider's name is its default account.
    """
    ctx = open_account(account, env=env, reporter=reporter)
    yield from run_reports(ctx, ids, include_unclicked=include_unclicked, since=since, jobs=jobs)


def fetch_links(account: str, ids: Iterable[str] = (), **options: object) -> Iterator[LinkClicks]:
    """Yield the link records of each ID of ``account``; raise the first failure's error.

    Takes the keyword options of :func:`fetch_reports`. Use :func:`fetch_reports` to keep
    going past failures.
    """
    for report in fetch_reports(account, ids, **options):  # type: ignore[arg-type]
        if report.error is not None:
            raise report.error
        yield from report.records


def list_campaigns(
    account: str, since: datetime, *, env: Mapping[str, str] | None = None
) -> list[Campaign]:
    """Return the campaigns of ``account`` (or a provider's default account) since ``since``."""
    ctx = open_account(account, env=env)
    return list(ctx.source.list_campaigns(ctx, since))
