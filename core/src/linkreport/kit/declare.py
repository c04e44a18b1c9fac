"""Endpoints and what is read from them: a campaign listing, link reports, click events."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from urllib.parse import quote

import attrs

from linkreport.errors import NotFoundError
from linkreport.kit.fields import Fields
from linkreport.kit.paginators import Paginator, SinglePage
from linkreport.kit.select import Items
from linkreport.records import Campaign, ClickEvent, LinkClicks
from linkreport.terminal import clipped


def iso_seconds(when: datetime) -> str:
    """``2026-03-01T09:00:00Z``: the usual way an API takes a time."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@attrs.frozen
class Endpoint:
    """A path (``/campaigns/{id}/links``), fixed query parameters and the IDs it accepts.

    ``id_pattern`` is matched against the whole ID (anchored at both ends): an ID that does
    not match fails with :class:`~linkreport.errors.NotFoundError` before any request, so
    ``../admin`` or ``12?x=1`` can never reach another endpoint. The ID is also escaped.
    """

    path: str
    params: Mapping[str, str] = attrs.Factory(dict)
    id_pattern: str = r"[A-Za-z0-9_-]{1,128}"

    def __attrs_post_init__(self) -> None:
        names = {f for _, f, _, _ in string.Formatter().parse(self.path) if f is not None}
        if names - {"id"}:
            raise TypeError(f"path {self.path!r} may hold {{id}} only, not {sorted(names)}")
        re.compile(self.id_pattern)  # (a broken pattern fails where it is declared)

    @property
    def takes_id(self) -> bool:
        """Whether the path holds ``{id}``."""
        return "{id}" in self.path

    def url(self, provider: str, campaign_id: str | None = None) -> str:
        """The path with ``campaign_id`` checked and escaped.

        ``provider`` names the ESP in the error (``'x y' is not a Sitecore Send campaign ID``);
        a long ID is clipped there.
        """
        if campaign_id is None:
            return self.path
        if not re.fullmatch(self.id_pattern, campaign_id):
            raise NotFoundError(f"{clipped(campaign_id)!r} is not a {provider} campaign ID")
        return self.path.format(id=quote(campaign_id, safe=""))


@attrs.frozen
class Listing:
    """The campaign listing: where, how it pages, where its items are, how they map.

    ``since_param`` names the query parameter through which the API filters by time (sent
    as ``since_format(since)``); without one, items before ``since`` are dropped here, and
    with ``newest_first`` the listing stops at the first of them.
    """

    endpoint: Endpoint
    items: Items
    fields: Fields[Campaign]
    paginator: Paginator = attrs.field(factory=SinglePage)
    since_param: str | None = None
    since_format: Callable[[datetime], str] = iso_seconds
    newest_first: bool = True


@attrs.frozen
class Report:
    """One campaign's link report: an endpoint with ``{id}``, its items and their mapping.

    ``listed`` is for an ESP whose listing carries each campaign's report (many reports in
    one answer): where a listed item holds its link items. The reports of campaigns listed
    in the run are then taken from the listing, without a request each; other IDs are
    fetched from ``endpoint``.
    """

    endpoint: Endpoint
    items: Items
    fields: Fields[LinkClicks]
    paginator: Paginator = attrs.field(factory=SinglePage)
    listed: Items | None = None


@attrs.frozen
class Clicks:
    """One campaign's click events, ``items`` often :class:`~linkreport.kit.Nested`.

    The kit keeps the ``contact`` field only as its keyed pseudonym, and a ``network`` field
    (an IP address) only as the pseudonym of its /24 or /48.
    """

    endpoint: Endpoint
    items: Items
    fields: Fields[ClickEvent]
    paginator: Paginator = attrs.field(factory=SinglePage)
    since_param: str | None = None
    since_format: Callable[[datetime], str] = iso_seconds


__all__ = ["Clicks", "Endpoint", "Listing", "Report", "iso_seconds"]
