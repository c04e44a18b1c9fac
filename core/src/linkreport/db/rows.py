"""The typed rows the store gives back: what ``history`` and ``top`` print.

In ``top``'s rows, ``unique_clicks`` and ``total_clicks`` are sums over the row's links that
report each count (``None``: none does); ``links`` is how many distinct stored URLs were merged
into the row; ``summed_links`` the row's links (a URL in one campaign or activity), and
``unique_links``/``total_links`` how many of them each sum covers. Unique clicks are unique per
campaign (activity): a person who clicked in two campaigns counts twice. ``delivered`` is summed
over the distinct campaigns (activities) of the row whose delivery count is known, and
``click_rate`` is the unique clicks of the row's links whose delivery count is known divided by
the deliveries of their campaigns (activities): a fraction, ``None`` where either is unknown.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple


class StoredLink(NamedTuple):
    """One stored snapshot of a link: ``LinkClicks``'s fields, then three of the store's.

    Those are ``account``, ``url_canonical`` and ``occurrence``. ``fetched_at`` is when these
    counts were first seen; ``occurrence`` tells apart the links
    of a report that lists the same URL more than once (same activity and ``link_id``): 0 for
    the first listing, 1 for the second, in report order. A named tuple (immutable, every
    field given): a campaign's history is built row by row from SQL, at a tenth of an attrs
    record's cost.
    """

    provider: str
    campaign_id: str
    activity_id: str | None
    activity_role: str | None
    url: str
    unique_clicks: int | None
    total_clicks: int | None
    link_id: str | None
    link_tag: str | None
    list_id: str | None
    list_action: str | None
    timestamp: datetime | None
    fetched_at: datetime
    account: str
    url_canonical: str
    occurrence: int


class TopUrl(NamedTuple):
    """A ``top --by url`` row: a (canonical) URL's clicks summed across campaigns."""

    url: str
    unique_clicks: int | None
    total_clicks: int | None
    campaigns: int
    accounts: int
    links: int
    summed_links: int
    unique_links: int
    total_links: int
    delivered: int | None = None
    click_rate: float | None = None


class TopDomain(NamedTuple):
    """A ``top --by domain`` row: the clicks of every URL on one host."""

    domain: str
    unique_clicks: int | None
    total_clicks: int | None
    campaigns: int
    accounts: int
    links: int
    summed_links: int
    unique_links: int
    total_links: int
    delivered: int | None = None
    click_rate: float | None = None


class TopCampaign(NamedTuple):
    """A ``top --by campaign`` row: the clicks of one campaign's links."""

    campaign_id: str
    unique_clicks: int | None
    total_clicks: int | None
    campaigns: int
    accounts: int
    links: int
    summed_links: int
    unique_links: int
    total_links: int
    delivered: int | None = None
    click_rate: float | None = None


class TopUrlHumans(NamedTuple):
    """A ``top --humans`` row by URL: :class:`TopUrl` with people's clicks beside the ESP's."""

    url: str
    unique_clicks: int | None
    total_clicks: int | None
    human_unique_clicks: int | None
    human_total_clicks: int | None
    campaigns: int
    accounts: int
    links: int
    summed_links: int
    unique_links: int
    total_links: int
    delivered: int | None = None
    click_rate: float | None = None


class TopDomainHumans(NamedTuple):
    """A ``top --humans`` row by domain: :class:`TopDomain` with people's clicks."""

    domain: str
    unique_clicks: int | None
    total_clicks: int | None
    human_unique_clicks: int | None
    human_total_clicks: int | None
    campaigns: int
    accounts: int
    links: int
    summed_links: int
    unique_links: int
    total_links: int
    delivered: int | None = None
    click_rate: float | None = None


class TopCampaignHumans(NamedTuple):
    """A ``top --humans`` row by campaign: :class:`TopCampaign` with people's clicks."""

    campaign_id: str
    unique_clicks: int | None
    total_clicks: int | None
    human_unique_clicks: int | None
    human_total_clicks: int | None
    campaigns: int
    accounts: int
    links: int
    summed_links: int
    unique_links: int
    total_links: int
    delivered: int | None = None
    click_rate: float | None = None


TopRow = TopUrl | TopDomain | TopCampaign | TopUrlHumans | TopDomainHumans | TopCampaignHumans
#: ``--by`` → the row class whose first field is the key.
TOP_ROWS: dict[str, type[TopUrl] | type[TopDomain] | type[TopCampaign]] = {
    "url": TopUrl,
    "domain": TopDomain,
    "campaign": TopCampaign,
}
#: ``--by`` → the ``top --humans`` row class (``human_*`` after ``total_clicks``).
TOP_HUMAN_ROWS: dict[str, type[TopUrlHumans] | type[TopDomainHumans] | type[TopCampaignHumans]] = {
    "url": TopUrlHumans,
    "domain": TopDomainHumans,
    "campaign": TopCampaignHumans,
}
