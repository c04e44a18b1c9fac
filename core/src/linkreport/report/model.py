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
    unique_partial: bool = False  # some merged links' providers do not report unique clicks
    #: deliveries of its distinct campaigns (activities) whose delivery count is known
    delivered: int | None = None
    #: its unique clicks where the delivery count is known / those deliveries (a fraction)
    click_rate: float | None = None


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
    #: people's clicks, from stored click events and their verdicts (``None``: no events)
    human_unique_clicks: int | None = None
    human_total_clicks: int | None = None
    #: click events a link scanner made (``None``: no events)
    machine_clicks: int | None = None
    delivered: int | None = None  # the deliveries of its campaign (activity), where known


def machine_share(human: int | None, machine: int | None) -> float | None:
    """The fraction of click events machines made (``None``: no click events)."""
    if human is None or machine is None or human + machine == 0:
        return None
    return machine / (human + machine)


def click_rate(links: Iterable[tuple[object, LinkRow]]) -> float | None:
    """Unique clicks over deliveries, of the links (keyed by campaign) whose delivery is known.

    Each campaign (activity) is counted once in the deliveries, and only where one of its links
    reports unique clicks; ``None`` when there is nothing to divide.
    """
    return _rate(links, "unique_clicks")


def human_click_rate(links: Iterable[tuple[object, LinkRow]]) -> float | None:
    """People's unique clicks over deliveries, of the links with both (as :func:`click_rate`)."""
    return _rate(links, "human_unique_clicks")


def _rate(links: Iterable[tuple[object, LinkRow]], field: str) -> float | None:
    """The ``field`` clicks over deliveries, of the links with both (see :func:`click_rate`)."""
    clicks, sends = 0, {}
    for campaign, link in links:
        count = getattr(link, field)
        if link.delivered is not None and count is not None:
            clicks += count
            sends[(campaign, link.activity_id)] = link.delivered
    delivered = sum(sends.values())
    return clicks / delivered if delivered else None


def delivered_of(links: Iterable[tuple[object, LinkRow]]) -> int | None:
    """The deliveries of the distinct campaigns (activities) of ``links``, where known."""
    sends = {(c, k.activity_id): k.delivered for c, k in links if k.delivered is not None}
    return sum(sends.values()) if sends else None


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
    #: its deliveries (every activity's whose delivery count is known); ``None``: none known
    delivered: int | None = None

    @property
    def click_rate(self) -> float | None:
        """Unique clicks / deliveries, over its activities whose delivery count is known."""
        return click_rate((None, link) for link in self.links)

    @property
    def unique_clicks(self) -> int | None:
        """Unique clicks summed over links; ``None`` when no link reports them (0: no links)."""
        return sum_reported(link.unique_clicks for link in self.links) if self.links else 0

    @property
    def total_clicks(self) -> int | None:
        """Total clicks summed over links; ``None`` when no link reports them (0: no links)."""
        return sum_reported(link.total_clicks for link in self.links) if self.links else 0

    @property
    def human_click_rate(self) -> float | None:
        """People's unique clicks / deliveries (``None``: no click events or no deliveries)."""
        return human_click_rate((None, link) for link in self.links)

    @property
    def human_unique_clicks(self) -> int | None:
        """People's unique clicks summed over links; ``None`` without click events."""
        return sum_reported(link.human_unique_clicks for link in self.links)

    @property
    def human_total_clicks(self) -> int | None:
        """People's clicks summed over links; ``None`` without click events."""
        return sum_reported(link.human_total_clicks for link in self.links)

    @property
    def machine_clicks(self) -> int | None:
        """Link scanners' clicks summed over links; ``None`` without click events."""
        return sum_reported(link.machine_clicks for link in self.links)

    @property
    def machine_share(self) -> float | None:
        """The fraction of this campaign's click events machines made (``None``: no events)."""
        return machine_share(self.human_total_clicks, self.machine_clicks)

    @property
    def unique_partial(self) -> bool:
        """Whether its unique sum leaves out links that report only total clicks."""
        return _partial([link.unique_clicks for link in self.links])

    @property
    def total_partial(self) -> bool:
        """Whether its total sum leaves out links that report only unique clicks."""
        return _partial([link.total_clicks for link in self.links])


def _partial(values: list[int | None]) -> bool:
    """Some values reported and some not: a sum of them covers only part of the links."""
    return any(v is None for v in values) and any(v is not None for v in values)


@attrs.frozen(kw_only=True)
class Totals:
    """The report's headline numbers.

    ``unique_clicks`` and ``total_clicks`` each add up only the links that report that count
    (``unique_links``, ``total_links`` of them). Where some links report only one of the two
    (a unique-only and a total-only provider), those sums are not comparable: the page shows
    the sums over the links reporting both (``paired_*``), side by side, and the rest apart.
    """

    campaigns: int
    links: int
    unique_clicks: int | None
    total_clicks: int | None
    campaigns_without_total: int = 0  # campaigns whose provider does not report total clicks
    click_events: int | None = None
    human_unique_clicks: int | None = None  # people's, over campaigns with click events
    human_total_clicks: int | None = None
    machine_clicks: int | None = None
    campaigns_with_events: int = 0
    campaigns_without_unique: int = 0  # campaigns whose provider does not report unique clicks
    unique_links: int = 0  # links whose unique clicks ``unique_clicks`` adds up
    total_links: int = 0  # links whose total clicks ``total_clicks`` adds up
    paired_links: int = 0  # links reporting both counts
    paired_unique: int | None = None  # unique clicks of the links reporting both
    paired_total: int | None = None  # total clicks of the links reporting both

    @property
    def machine_share(self) -> float | None:
        """The fraction of all click events machines made (``None``: no click events)."""
        return machine_share(self.human_total_clicks, self.machine_clicks)

    @property
    def mixed(self) -> bool:
        """Whether some link reports only one of the two counts (the sums cover other links)."""
        return self.unique_links != self.paired_links or self.total_links != self.paired_links

    @classmethod
    def of(cls, campaigns: Iterable[CampaignSection], click_events: int | None = None) -> Totals:
        """Add up ``campaigns``."""
        sections = list(campaigns)
        totals = [c.total_clicks for c in sections]
        links = [link for c in sections for link in c.links]
        paired = [k for k in links if k.unique_clicks is not None and k.total_clicks is not None]
        return cls(
            campaigns=len(sections),
            links=len(links),
            unique_clicks=sum_reported(c.unique_clicks for c in sections),
            total_clicks=sum_reported(totals),
            campaigns_without_total=sum(1 for t in totals if t is None),
            click_events=click_events,
            human_unique_clicks=sum_reported(c.human_unique_clicks for c in sections),
            human_total_clicks=sum_reported(c.human_total_clicks for c in sections),
            machine_clicks=sum_reported(c.machine_clicks for c in sections),
            campaigns_with_events=sum(1 for c in sections if c.machine_clicks is not None),
            campaigns_without_unique=sum(1 for c in sections if c.unique_clicks is None),
            unique_links=sum(1 for k in links if k.unique_clicks is not None),
            total_links=sum(1 for k in links if k.total_clicks is not None),
            paired_links=len(paired),
            paired_unique=sum_reported(k.unique_clicks for k in paired),
            paired_total=sum_reported(k.total_clicks for k in paired),
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
