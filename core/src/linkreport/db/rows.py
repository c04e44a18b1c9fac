"""The typed rows the store gives back: what ``history`` and ``top`` print."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple


class StoredLink(NamedTuple):
    """One stored snapshot of a link: ``LinkClicks``'s fields, ``account``, ``url_canonical``.

    ``fetched_at`` is when these counts were first seen. A named tuple (immutable, every field
    given): a campaign's history is built row by row from SQL, at a tenth of an attrs
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


class TopUrl(NamedTuple):
    """A ``top --by url`` row: a (canonical) URL's clicks summed across campaigns."""

    url: str
    unique_clicks: int | None
    total_clicks: int | None
    campaigns: int
    accounts: int
    links: int


class TopDomain(NamedTuple):
    """A ``top --by domain`` row: the clicks of every URL on one host."""

    domain: str
    unique_clicks: int | None
    total_clicks: int | None
    campaigns: int
    accounts: int
    links: int


class TopCampaign(NamedTuple):
    """A ``top --by campaign`` row: the clicks of one campaign's links."""

    campaign_id: str
    unique_clicks: int | None
    total_clicks: int | None
    campaigns: int
    accounts: int
    links: int


TopRow = TopUrl | TopDomain | TopCampaign
#: ``--by`` → the row class whose first field is the key.
TOP_ROWS: dict[str, type[TopUrl] | type[TopDomain] | type[TopCampaign]] = {
    "url": TopUrl,
    "domain": TopDomain,
    "campaign": TopCampaign,
}
