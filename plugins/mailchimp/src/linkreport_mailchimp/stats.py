"""Mailchimp delivery counts: ``GET /reports/{id}``, one request per campaign.

``emails_sent``, ``bounces.hard_bounces`` + ``bounces.soft_bounces`` and ``send_time`` become a
:class:`~linkreport.CampaignStats` (``delivered`` = sent - bounces); ``fields=`` trims the
answer to them. ``bounces.syntax_errors`` are addresses Mailchimp never sent to, so they are
not bounces of ``emails_sent`` and are left out.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from linkreport import CampaignStats, StatsAnswer
from linkreport.errors import BadResponseError, LinkReportError
from linkreport.kit import pick
from linkreport.kit.wire import parse_count, parse_timestamp
from linkreport.records import utc_now

if TYPE_CHECKING:
    from linkreport import SourceContext
    from linkreport_mailchimp.source import Mailchimp

FIELDS = "id,emails_sent,send_time,bounces.hard_bounces,bounces.soft_bounces"


def _bounces(body: Any) -> int | None:
    hard = parse_count(pick(body, "bounces.hard_bounces", None))
    soft = parse_count(pick(body, "bounces.soft_bounces", None))
    return None if hard is None and soft is None else (hard or 0) + (soft or 0)


def campaign_stats(source: Mailchimp, ctx: SourceContext, campaign_id: str) -> StatsAnswer:
    """The delivery counts of one campaign, or the error that failed it (fatal ones raised)."""
    fetched_at = utc_now()
    try:
        path = source.links.endpoint.url(source.name, campaign_id).removesuffix("/click-details")
        body = source.get(ctx, path, {"fields": FIELDS})
        stats = CampaignStats(
            provider=source.name,
            campaign_id=campaign_id,
            sent=parse_count(pick(body, "emails_sent", None)),
            bounces=_bounces(body),
            sent_at=parse_timestamp(pick(body, "send_time", None)),
            fetched_at=fetched_at,
        )
    except LinkReportError as error:
        if error.fatal:
            raise
        return StatsAnswer(campaign_id, error=error.for_campaign(campaign_id))
    except ValueError as exc:  # a value the record refuses
        bad = BadResponseError(f"Mailchimp.stats: campaign {campaign_id}: {exc}")
        return StatsAnswer(campaign_id, error=bad.for_campaign(campaign_id))
    return StatsAnswer(campaign_id, (stats,))


def fetch_stats(
    source: Mailchimp, ctx: SourceContext, campaign_ids: Sequence[str]
) -> Iterator[StatsAnswer]:
    """One answer per ID (the API has no batch form of a report)."""
    for campaign_id in campaign_ids:
        yield campaign_stats(source, ctx, campaign_id)
