"""What an HTML report shows, as typed records: built by the store, drawn by the renderer.

``None`` always means "the provider does not report this number": the page shows "—", never 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal, NamedTuple

import attrs

SeriesSource = Literal["events", "snapshots"]
Bucket = Literal["hour", "day", "week"]
SentAtSource = Literal["sent_at", "updated_at", "first_seen"]


def sum_reported(values: Iterable[int | None]) -> int | None:
    """The sum of the reported values; ``None`` when none is reported."""
    total: int | None = None
    for value in values:
        if value is not None:
            total = value if total is None else total + value
    return total


@attrs.frozen(kw_only=True)
class Period:
    """The time covered: campaigns sent from ``since`` (``None``: all stored) to ``until``."""

    since: datetime | None
    until: datetime


@attrs.frozen(kw_only=True)
class AccountInfo:
    """One account covered by the report."""

    name: str
    provider: str


@attrs.frozen(kw_only=True)
class TopLink:
    """One canonical URL ranked across campaigns and accounts (the report's bar chart)."""

    url: str
    unique_clicks: int | None
    total_clicks: int | None
    campaigns: int
    accounts: int
    links: int = 1  # how many distinct stored URLs were merged into this canonical one
    total_partial: bool = False  # some merged links' providers do not report total clicks


class LinkRow(NamedTuple):
    """One link of one campaign (or campaign activity) with its latest counts.

    A named tuple (immutable): a report of many campaigns builds one per link from SQL's rows,
    at a tenth of an attrs record's cost.
    """

    url: str
    url_canonical: str
    unique_clicks: int | None
    total_clicks: int | None
    activity_id: str | None = None
    activity_role: str | None = None


@attrs.frozen(kw_only=True)
class SeriesPoint:
    """A value at a time: the clicks of the bucket starting at ``at``, or the count at a sync."""

    at: datetime
    value: int


@attrs.frozen(kw_only=True)
class ClickSeries:
    """Clicks over time of one campaign.

    From click events (``source="events"``): ``points`` are the clicks of each ``bucket`` (periods
    without clicks included as 0, oldest first). From snapshots (``source="snapshots"``): ``points``
    are the campaign's running count (``metric``) at each sync where it changed, oldest first.
    """

    source: SeriesSource
    points: tuple[SeriesPoint, ...]
    bucket: Bucket | None = None
    metric: Literal["clicks", "unique_clicks", "total_clicks"] = "clicks"


@attrs.frozen(kw_only=True)
class CampaignSection:
    """One campaign: its links with counts, when it was last synced, its clicks over time."""

    account: str
    provider: str
    campaign_id: str
    name: str | None = None
    sent_at: datetime | None = None
    #: where ``sent_at`` comes from: the provider's send time, its last update (Constant
    #: Contact lists no send time), or when linkreport first saw the campaign
    sent_at_source: SentAtSource = "sent_at"
    last_synced: datetime | None = None
    links: tuple[LinkRow, ...] = ()
    series: ClickSeries | None = None

    @property
    def unique_clicks(self) -> int | None:
        """Unique clicks summed over links; ``None`` when no link reports them (0: no links)."""
        return sum_reported(link.unique_clicks for link in self.links) if self.links else 0

    @property
    def total_clicks(self) -> int | None:
        """Total clicks summed over links; ``None`` when no link reports them (0: no links)."""
        return sum_reported(link.total_clicks for link in self.links) if self.links else 0


@attrs.frozen(kw_only=True)
class Totals:
    """The report's headline numbers."""

    campaigns: int
    links: int
    unique_clicks: int | None
    total_clicks: int | None
    campaigns_without_total: int = 0  # campaigns whose provider does not report total clicks
    click_events: int | None = None

    @classmethod
    def of(cls, campaigns: Iterable[CampaignSection], click_events: int | None = None) -> Totals:
        """Add up ``campaigns``."""
        sections = list(campaigns)
        totals = [c.total_clicks for c in sections]
        return cls(
            campaigns=len(sections),
            links=sum(len(c.links) for c in sections),
            unique_clicks=sum_reported(c.unique_clicks for c in sections),
            total_clicks=sum_reported(totals),
            campaigns_without_total=sum(1 for t in totals if t is None),
            click_events=click_events,
        )


@attrs.frozen(kw_only=True)
class ReportData:
    """Everything one HTML report shows."""

    generated_at: datetime
    period: Period
    accounts: tuple[AccountInfo, ...]
    totals: Totals
    top_links: tuple[TopLink, ...]  # the best-ranked canonical URLs (from the store: 100)
    campaigns: tuple[CampaignSection, ...]
    title: str = "Link report"
