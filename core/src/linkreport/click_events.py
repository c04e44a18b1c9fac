"""Click events of many IDs, fetched concurrently, and the timelines built from them.

:func:`run_clicks` yields one :class:`ClickReport` per ID in the order given (a failing ID
never loses the others; a fatal error stops the run once), :func:`timeline` counts events
per link per hour, day or week, and :func:`fetch_clicks` is the Python API behind
``linkreport clicks``.
"""

from __future__ import annotations

import threading
from collections.abc import Generator, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from typing import Literal

import attrs

from linkreport import cancel, personal_urls
from linkreport.errors import LinkReportError, NotSupportedError
from linkreport.progress import Reporter
from linkreport.records import ClickEvent, ClickPeriod
from linkreport.source import SourceContext

Period = Literal["hour", "day", "week"]
PERIODS: tuple[Period, ...] = ("hour", "day", "week")


@attrs.frozen
class ClickReport:
    """The click events of one ID, or the error that failed it (``skipped``: never ran)."""

    campaign_id: str
    events: tuple[ClickEvent, ...] = ()
    error: LinkReportError | None = None
    skipped: bool = False

    @property
    def ok(self) -> bool:
        """Whether the events were fetched."""
        return self.error is None and not self.skipped


def period_start(when: datetime, by: Period) -> datetime:
    """The start of the hour, day or week (Monday 00:00) that ``when`` falls in, in UTC."""
    if by == "hour":
        return when.replace(minute=0, second=0, microsecond=0)
    day = when.replace(hour=0, minute=0, second=0, microsecond=0)
    if by == "day":
        return day
    if by == "week":
        return day - timedelta(days=day.weekday())
    raise ValueError(f"unknown period {by!r} (use hour, day or week)")


def timeline(events: Iterable[ClickEvent], by: Period = "day") -> list[ClickPeriod]:
    """Count ``events`` per link per period; links in first-seen order, periods oldest first.

    Periods without clicks are omitted; ``unique_contacts`` counts distinct pseudonyms.
    """
    contacts: dict[tuple[str, str, str | None, str], dict[datetime, list[str]]] = {}
    for event in events:
        link = (event.provider, event.campaign_id, event.activity_id, event.url)
        periods = contacts.setdefault(link, {})
        periods.setdefault(period_start(event.clicked_at, by), []).append(event.contact)
    rows = []
    for (provider, campaign_id, activity_id, url), periods in contacts.items():
        for start in sorted(periods):
            who = periods[start]
            rows.append(
                ClickPeriod(
                    provider=provider,
                    campaign_id=campaign_id,
                    activity_id=activity_id,
                    url=url,
                    period=start,
                    clicks=len(who),
                    unique_contacts=len(set(who)),
                )
            )
    return rows


def source_clicks(
    ctx: SourceContext, campaign_id: str, *, since: datetime | None = None
) -> Iterator[ClickEvent]:
    """The source's click events of one ID, where they enter core: every caller reads them here.

    Personal data in their URLs is pseudonymised (:mod:`linkreport.personal_urls`) before
    any output, log, store or dlt row sees it; anything but a ``ClickEvent`` passes unchanged
    (for the caller to refuse).
    """
    scrub = personal_urls.scrubber(ctx)
    suspect = scrub.suspect
    for event in ctx.source.fetch_clicks(ctx, campaign_id, since=since):
        if event.__class__ is ClickEvent and suspect(event.url):
            event = scrub.record(event)
        yield event


def _fetch_one(
    ctx: SourceContext,
    campaign_id: str,
    since: datetime | None,
    stop: threading.Event,
    left: threading.Event,
) -> ClickReport:
    if stop.is_set():
        return ClickReport(campaign_id, skipped=True)
    try:
        with cancel.cancelled_when(left.is_set):  # no request once the reader left
            events = tuple(source_clicks(ctx, campaign_id, since=since))
    except LinkReportError as error:
        if error.fatal:
            stop.set()
        return ClickReport(campaign_id, error=error.for_campaign(campaign_id))
    except Exception as exc:
        bug = LinkReportError(
            f"unexpected {exc.__class__.__name__} in the {ctx.provider} plugin: {exc}",
            campaign_id=campaign_id,
        )
        bug.__cause__ = exc
        return ClickReport(campaign_id, error=bug)
    for event in events:
        if not isinstance(event, ClickEvent):  # plugins are not type-checked by us
            bad = LinkReportError(  # type: ignore[unreachable]
                f"the {ctx.provider} plugin yielded {type(event).__name__}, not ClickEvent",
                campaign_id=campaign_id,
            )
            return ClickReport(campaign_id, error=bad)
    return ClickReport(campaign_id, events)


def run_clicks(
    ctx: SourceContext, ids: Iterable[str], *, since: datetime | None = None, jobs: int = 4
) -> Generator[ClickReport, None, None]:
    """Fetch each ID's click events with an open context; yield reports in the IDs' order.

    ``ids`` is checked as :func:`linkreport.runner.check_ids` does (a single ``str`` is a
    ``TypeError``, a blank ID a ``ValueError``).
    """
    from linkreport.runner import _check_id, check_ids

    if not ctx.source.supports_clicks:
        raise NotSupportedError(f"{ctx.provider} does not provide click events")
    wanted = list(dict.fromkeys(_check_id(i).strip() for i in check_ids(ids)))
    ctx.reporter.start(len(wanted), "campaigns")
    if ctx.http.limiter is not None:
        ctx.reporter.limit(ctx.http.limiter.rate.requests, ctx.http.limiter.rate.seconds)
    stop = threading.Event()  # a fatal error: start no other campaign
    left = threading.Event()  # the reader left (or was interrupted): send nothing more
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="linkreport-clicks")
    try:
        futures = [pool.submit(_fetch_one, ctx, i, since, stop, left) for i in wanted]
        stopped = False
        for future in futures:
            report = future.result()
            if report.error is not None and report.error.fatal:
                if stopped:
                    report = ClickReport(report.campaign_id, skipped=True)
                stopped = True
            ctx.reporter.advance(report.ok)
            yield report
    except BaseException:
        left.set()
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        ctx.reporter.finish()


def fetch_clicks(
    account: str,
    ids: Iterable[str],
    *,
    since: datetime | date | str | None = None,
    jobs: int = 4,
    env: Mapping[str, str] | None = None,
    reporter: Reporter | None = None,
) -> Iterator[ClickEvent]:
    """Yield the click events of each ID of ``account``; raise the first failure's error.

    Arguments are checked when this is called, before any request, as
    :func:`linkreport.fetch_reports` checks them: ``ids`` an iterable of non-blank ID
    strings (a single ``str`` is a ``TypeError``), ``since`` a datetime (naive means UTC),
    a date or text like ``"30d"`` and not in the future, ``env`` a mapping.
    """
    from linkreport import runner

    runner.check_ids(ids)
    runner.check_jobs(jobs)
    runner.check_env(env)
    when = runner.check_since(since)
    return _fetch_clicks(account, ids, when, jobs, env, reporter)


def _fetch_clicks(
    account: str,
    ids: Iterable[str],
    since: datetime | None,
    jobs: int,
    env: Mapping[str, str] | None,
    reporter: Reporter | None,
) -> Iterator[ClickEvent]:
    from linkreport import runner

    ctx = runner.open_account(account, env=env, reporter=reporter)
    for report in run_clicks(ctx, ids, since=since, jobs=jobs):
        if report.error is not None:
            raise report.error
        yield from report.events
