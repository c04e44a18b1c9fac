"""The plugin kit: a provider declared as data (auth, endpoints, paging, fields, errors).

::

    from linkreport.kit import ApiSource, Endpoint, Fields, HeaderKey, Listing, Offset, Report

    class Acme(ApiSource):
        name = "acme"
        description = "Acme Mail link clicks"
        settings = (Setting("api_key", "Acme API key", secret=True),
                    Setting("base_url", "API base URL", default="https://api.acme.example/v1"))
        auth = HeaderKey("X-Api-Key")
        campaigns = Listing(
            Endpoint("/campaigns", {"status": "sent"}),
            items="campaigns",
            fields=Fields(Campaign, campaign_id="id", name="name", sent_at="sentAt"),
            paginator=Offset(total="count"),
            since_param="sentAfter",
        )
        links = Report(
            Endpoint("/campaigns/{id}/links", id_pattern=r"[0-9]{1,19}"),
            items="links",
            fields=Fields(LinkClicks, url="url", unique_clicks="unique", total_clicks="total"),
        )

Items inside items (a recipient's ``activity[]``) are :class:`Nested`, their fields reading the
outer item as ``^.``. Its sandbox is declared alike (:mod:`linkreport.kit.sandbox`, with
``routes=`` for an ESP's other endpoints). See docs/writing-plugins.md.
"""

from linkreport.kit.auth import Auth, Basic, Bearer, HeaderKey, OAuth, QueryKey, Sent
from linkreport.kit.declare import Clicks, Endpoint, Listing, Report, iso_seconds
from linkreport.kit.errors import Errors, reset_wait
from linkreport.kit.fields import Field, Fields, ident
from linkreport.kit.paginators import (
    Call,
    Cursor,
    NextLink,
    Offset,
    PageNumber,
    Paginator,
    SinglePage,
)
from linkreport.kit.select import Items, Nested, Pairs, items_of, pick
from linkreport.kit.source import ApiSource

__all__ = [
    "ApiSource",
    "Auth",
    "Basic",
    "Bearer",
    "Call",
    "Clicks",
    "Cursor",
    "Endpoint",
    "Errors",
    "Field",
    "Fields",
    "HeaderKey",
    "Items",
    "Listing",
    "Nested",
    "NextLink",
    "OAuth",
    "Offset",
    "PageNumber",
    "Paginator",
    "Pairs",
    "QueryKey",
    "Report",
    "Sent",
    "SinglePage",
    "ident",
    "iso_seconds",
    "items_of",
    "pick",
    "reset_wait",
]
