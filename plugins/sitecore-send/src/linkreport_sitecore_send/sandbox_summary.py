"""The sandbox's ``GET /v3/campaigns/{id}/view_summary.{fmt}``: a campaign's delivery counts.

``Sent`` and ``TotalBounces`` come from a per-campaign table (campaigns added by the
``campaigns`` and ``size`` options get counts made from their number); ``CampaignDeliveredOn``
is the campaign's ``DeliveredOn`` (so it moves with the sample data), ``TotalLinkClicks`` the
sum of its links' ``TotalCount`` now. Counts stay consistent with the link report whatever the
data clock says: ``Sent - TotalBounces`` is never below any link's ``UniqueCount``. Archived
campaigns keep their summary (Sitecore Send keeps only summary statistics for them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

#: (Sent, TotalBounces) of the sample campaigns by position in the sample list (see sandbox).
SAMPLE_COUNTS = {1: (1250, 37), 2: (480, 12), 3: (900, 41), 9: (20000, 150)}


def counts_for(number: int) -> tuple[int, int]:
    """(Sent, TotalBounces) of the sample campaign numbered ``number``."""
    if number in SAMPLE_COUNTS:
        return SAMPLE_COUNTS[number]
    return 200 + number % 997, number % 7


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def summary(
    campaign_id: str,
    name: str | None,
    subject: str | None,
    delivered_on: str | None,
    counts: tuple[int, int],
    links: list[dict[str, Any]],
) -> dict[str, Any]:
    """The ``Context`` of ``view_summary`` (as the documented example, every field)."""
    uniques = [int(item["UniqueCount"]) for item in links if item.get("UniqueCount") is not None]
    totals = [int(item["TotalCount"]) for item in links if item.get("TotalCount") is not None]
    sent, bounces = counts if delivered_on else (0, 0)
    sent = max(sent, max(uniques, default=0) + bounces)  # delivered >= any link's unique clicks
    when = f"/Date({_ms(delivered_on)}+0000)/" if delivered_on else None
    return {
        "CampaignID": campaign_id,
        "ABVersion": None,
        "CampaignName": name,
        "CampaignSubject": subject,
        "MailingLists": [{"MailingListID": "7c1e0b2a-0000-4000-8000-000000000001", "SegmentID": 0}],
        "CampaignDeliveredOn": when,
        "To": when,
        "From": when,
        "TotalOpens": sent // 3,
        "UniqueOpens": sent // 4,
        "TotalBounces": bounces,
        "TotalComplaints": 0,
        "TotalForwards": 0,
        "UniqueForwards": 0,
        "TotalUnsubscribes": 1 if sent else 0,
        "TotalLinkClicks": sum(totals),
        "UniqueLinkClicks": max(
            uniques, default=0
        ),  # distinct clickers: at least the most of a link
        "Sent": sent,
        "CampaignIsArchived": False,
    }
