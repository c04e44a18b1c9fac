"""Sitecore Send delivery counts: ``GET /campaigns/{id}/view_summary.{fmt}``, one per campaign.

``Sent``, ``TotalBounces`` and ``CampaignDeliveredOn`` (a .NET date) of the summary become a
:class:`~linkreport.CampaignStats` (``delivered`` = ``Sent - TotalBounces``), as the source's
``summary_fields`` declare. Which rate-limit
budget ``view_summary`` shares is not documented (the published table names only
``stats/{Type}``, 2 calls per 60 s): its requests count against a budget of their own, the
``summary_rate_limit`` setting (default as strict as the statistics resource). A campaign
without statistics yet (envelope code 401) has no counts, which is not an error.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from linkreport import StatsAnswer
from linkreport.errors import BadResponseError, LinkReportError, NotFoundError
from linkreport.ratelimit import limiter_for, parse_rate
from linkreport.records import utc_now

if TYPE_CHECKING:
    from linkreport import SourceContext
    from linkreport.ratelimit import RateLimiter
    from linkreport_sitecore_send.source import SitecoreSend


def summary_limiter(source: SitecoreSend, ctx: SourceContext) -> RateLimiter:
    """The account's limiter of ``view_summary`` (its own budget: ``summary_rate_limit``)."""
    text = ctx.settings.get("summary_rate_limit") or "2/60"
    rate = parse_rate(text, what=ctx.settings.where("summary_rate_limit"))
    return limiter_for(f"{ctx.account} view_summary", source.credential_key(ctx.settings), rate)


def campaign_stats(source: SitecoreSend, ctx: SourceContext, campaign_id: str) -> StatsAnswer:
    """The delivery counts of one campaign, or the error that failed it (fatal ones raised)."""
    from linkreport_sitecore_send import wire
    from linkreport_sitecore_send.source import NAME, TITLE, NoStatistics

    try:
        path = source.summary.url(TITLE, campaign_id)
    except NotFoundError as error:
        return StatsAnswer(campaign_id, error=error)
    fetched_at = utc_now()
    try:
        context = source.get(ctx, path, {}, limiter=summary_limiter(source, ctx))
        if not isinstance(context, dict):
            raise wire.WireError(f"expected an object, got {type(context).__name__}")
        stats = source.summary_fields.build(
            context, provider=NAME, campaign_id=campaign_id, fetched_at=fetched_at
        )
    except NoStatistics:
        return StatsAnswer(campaign_id)  # not sent yet, or no statistics: no counts
    except LinkReportError as error:
        if error.fatal:
            raise
        return StatsAnswer(campaign_id, error=error.for_campaign(campaign_id))
    except ValueError as exc:  # a WireError, or counts the record refuses
        bad = BadResponseError(f"unexpected campaign summary of {campaign_id}: {exc}")
        return StatsAnswer(campaign_id, error=bad.for_campaign(campaign_id))
    return StatsAnswer(campaign_id, (stats,))


def fetch_stats(
    source: SitecoreSend, ctx: SourceContext, campaign_ids: Sequence[str]
) -> Iterator[StatsAnswer]:
    """One answer per ID (the API has no batch form of the summary)."""
    for campaign_id in campaign_ids:
        yield campaign_stats(source, ctx, campaign_id)
