"""Constant Contact delivery counts: activity stats in batches of ten, send times from summaries.

``GET /reports/stats/email_campaign_activities/{ids}`` takes one to ten activity IDs, so the
activities behind all IDs of a call are asked ten at a time: ⌈activities / 10⌉ requests (4 a
second and 10,000 a day are the whole budget). ``em_sends`` and ``em_bounces`` (names as in the
spec's ``StatsEmailActivity``) become ``sent`` and ``bounces``. An activity listed under
``errors`` or missing from ``results`` (not sent, deleted, no stats yet) has no counts, which
is not an error; a whole request failing fails the IDs whose activities it held.

Send times: ``GET /reports/summary_reports/email_campaign_summaries`` gives ``last_sent_date``
of up to 500 campaigns a request (newest first, cursor paging), against one
``send_history`` request per activity: read once per run and account (kept in
``ctx.extras``; ``campaigns`` fills the same cache), and only as far as the campaigns asked
for (a run that lists campaigns needs no more). ``last_sent_date`` is a campaign's latest
send, so it is the send time of a campaign with one reported activity, or of its only
resend; a primary email that was resent has no send time here (``None``, never guessed).
With ``send_times=False`` (``links --rates``) no summary is read.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from linkreport import CampaignStats, StatsAnswer
from linkreport.errors import BadResponseError, LinkReportError, NotFoundError
from linkreport.records import utc_now
from linkreport.terminal import clipped

if TYPE_CHECKING:
    from linkreport import SourceContext
    from linkreport_constant_contact.source import ConstantContact

#: Activity IDs the stats report takes a request.
BATCH = 10
#: Campaign summaries a page (the documented maximum).
SUMMARY_PAGE = 500
_lock = threading.Lock()

Activity = tuple[str, str, str]  # (campaign ID, activity ID, role)


class SendTimes:
    """``last_sent_date`` per campaign from the summaries report, read page by page as needed."""

    def __init__(self, source: ConstantContact, ctx: SourceContext) -> None:
        self._pages: Iterator[Any] | None = None
        self._source, self._ctx = source, ctx
        self.times: dict[str, datetime | None] = {}
        self.exhausted = False
        #: The oldest ``last_sent_date`` read so far.
        self.oldest: datetime | None = None
        self._lock = threading.Lock()

    def _next_page(self) -> bool:
        from linkreport_constant_contact import wire

        if self._pages is None:
            self._pages = self._source.pages(
                self._ctx,
                "/reports/summary_reports/email_campaign_summaries",
                {"limit": str(SUMMARY_PAGE)},
                "campaign summaries",
            )
        data = next(self._pages, None)
        if data is None:
            self.exhausted = True
            return False
        page = self._source._structure(data, wire.SummariesPage, "campaign summaries")
        for raw in page.bulk_email_campaign_summaries:
            try:
                item = wire.structure(raw, wire.CampaignSendSummary)
            except ValueError:
                continue  # one unusable summary costs only that campaign's send time
            self.times.setdefault(item.campaign_id.lower(), item.last_sent_date)
            if item.last_sent_date is not None:
                self.oldest = min(self.oldest or item.last_sent_date, item.last_sent_date)
        return True

    def of(
        self, campaign_ids: Sequence[str], since: datetime | None = None
    ) -> dict[str, datetime | None]:
        """The send times of ``campaign_ids`` (lower-cased keys), reading pages until all are found.

        With ``since``, reading stops once a page reaches campaigns last sent before it (pages
        are newest first, so a campaign sent since then would have been on them).
        """
        with self._lock:
            wanted = {c.lower() for c in campaign_ids}
            while not wanted <= self.times.keys() and not self.exhausted:
                if since is not None and self.oldest is not None and self.oldest < since:
                    break
                if not self._next_page():
                    break
            return {c: self.times.get(c) for c in wanted}


def send_times(source: ConstantContact, ctx: SourceContext) -> SendTimes:
    """The run's send-time cache of this account (one per context, shared by its threads)."""
    with _lock:
        if "send_times" not in ctx.extras:
            ctx.extras["send_times"] = SendTimes(source, ctx)
        cache: SendTimes = ctx.extras["send_times"]
        return cache


def _activities(source: ConstantContact, ctx: SourceContext, some_id: str) -> list[Activity]:
    """The reportable activities behind an ID: from the cache or this run's links, else asked."""
    from linkreport_constant_contact.source import UUID

    ids = source.ids(ctx)
    known = ids.activity(some_id)
    if known is not None:
        return [(known[0], some_id, known[1])]
    found = ids.recently_read(some_id)
    if found is None:
        found = source._activities(ctx, some_id)
    for owner, activity_id, _role in found:
        if not UUID.match(activity_id):
            msg = f"campaign {owner} lists an invalid activity ID {clipped(activity_id)!r}"
            raise BadResponseError(msg)
    return found


def _counts(
    source: ConstantContact, ctx: SourceContext, batch: list[str]
) -> dict[str, tuple[int | None, int | None]]:
    """``(em_sends, em_bounces)`` of each activity of one batch that has stats."""
    from linkreport_constant_contact import wire

    data = source.get(ctx, f"/reports/stats/email_campaign_activities/{','.join(batch)}")
    report = source._structure(data, wire.ActivityStatsReport, "activity stats report")
    asked = {a.lower() for a in batch}
    found: dict[str, tuple[int | None, int | None]] = {}
    for result in report.results:
        key = result.campaign_activity_id.lower()
        if key in asked and key not in found:
            stats = result.stats or wire.EmailStats()
            found[key] = (stats.em_sends, stats.em_bounces)
    return found


def _sent_at(
    activity: Activity, activities: list[Activity], times: dict[str, datetime | None]
) -> datetime | None:
    """The activity's send time, where the campaign's ``last_sent_date`` is surely its own."""
    owner, _activity_id, role = activity
    last = times.get(owner.lower())
    siblings = [a for a in activities if a[0].lower() == owner.lower()]
    resends = [a for a in siblings if a[2] == "resend"]
    if len(siblings) == 1 or (role == "resend" and len(resends) == 1):
        return last
    return None


def _own(error: LinkReportError, campaign_id: str) -> LinkReportError:
    """``error`` naming ``campaign_id`` (a copy: one batch's error fails several IDs)."""
    import copy

    try:
        each = copy.copy(error)
    except Exception:
        each = LinkReportError(error.message)
    each.campaign_id = None
    return each.for_campaign(campaign_id)


def fetch_stats(
    source: ConstantContact,
    ctx: SourceContext,
    campaign_ids: Sequence[str],
    send_times_wanted: bool,
) -> Iterator[StatsAnswer]:
    """One answer per ID: its activities' counts, asked ten activities a request."""
    from linkreport_constant_contact.source import NAME, UUID

    failed: dict[str, LinkReportError] = {}
    behind: dict[str, list[Activity]] = {}
    for some_id in campaign_ids:
        if not UUID.match(some_id):
            failed[some_id] = NotFoundError(
                f"{clipped(some_id)!r} is not a Constant Contact campaign or activity ID (a UUID)"
            )
            continue
        try:
            behind[some_id] = _activities(source, ctx, some_id)
        except LinkReportError as error:
            if error.fatal:
                raise
            failed[some_id] = error
    wanted = list({a[1].lower(): a[1] for found in behind.values() for a in found}.values())
    counts: dict[str, tuple[int | None, int | None]] = {}
    batch_errors: dict[str, LinkReportError] = {}
    for start in range(0, len(wanted), BATCH):
        batch = wanted[start : start + BATCH]
        try:
            counts.update(_counts(source, ctx, batch))
        except LinkReportError as error:
            if error.fatal:
                raise
            batch_errors.update(dict.fromkeys((a.lower() for a in batch), error))
    times: dict[str, datetime | None] = {}
    every = [a for found in behind.values() for a in found]
    if send_times_wanted and every:
        try:
            times = send_times(source, ctx).of([a[0] for a in every])
        except LinkReportError as error:
            if error.fatal:
                raise
            ctx.reporter.note(f"{ctx.account}: no send times ({error})")
    fetched_at = utc_now()
    for some_id in campaign_ids:
        if some_id in failed:
            yield StatsAnswer(some_id, error=_own(failed[some_id], some_id))
            continue
        stats: list[CampaignStats] = []
        problem: LinkReportError | None = None
        for activity in behind[some_id]:
            key = activity[1].lower()
            if key in batch_errors:
                problem = batch_errors[key]
                break
            if key not in counts:
                continue  # not sent, or no stats yet: no counts
            sent, bounces = counts[key]
            try:
                stats.append(
                    CampaignStats(
                        provider=NAME,
                        campaign_id=activity[0],
                        activity_id=activity[1],
                        sent=sent,
                        bounces=bounces,
                        sent_at=_sent_at(activity, every, times),
                        fetched_at=fetched_at,
                    )
                )
            except ValueError as exc:
                problem = BadResponseError(f"unexpected stats of activity {activity[1]}: {exc}")
                break
        if problem is not None:
            yield StatsAnswer(some_id, error=_own(problem, some_id))
        else:
            yield StatsAnswer(some_id, tuple(stats))
