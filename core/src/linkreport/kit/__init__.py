"""The plugin kit: everything a provider plugin's author uses, apart from the engine.

A provider declared as data (auth, endpoints, paging, fields, errors)::

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
outer item as ``^.``; a sandbox adds an ESP's other endpoints with ``routes=``.

The helpers of hand-written plugins live beside the declarations: :mod:`linkreport.kit.paging`
(paginators with guards), :mod:`linkreport.kit.problems` (HTTP error statuses to errors),
:mod:`linkreport.kit.wire` (wire classes' hooks), :mod:`linkreport.kit.sandbox` (sandboxes:
serving, options, sample clicks, fault injection, ``ApiSandbox``), :mod:`linkreport.kit.testing`
(the pytest plugin and ``ProviderContract``) and :mod:`linkreport.kit.scaffold` (``linkreport
plugin new``). See docs/writing-plugins.md.

The names below load on first use, so importing one helper module (``linkreport.kit.paging``)
loads neither attrs nor the declarative kit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from linkreport import lazy as _lazy

if TYPE_CHECKING:
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

_LAZY = {
    **dict.fromkeys(("Auth", "Basic", "Bearer", "HeaderKey", "OAuth", "QueryKey", "Sent"), ".auth"),
    **dict.fromkeys(("Clicks", "Endpoint", "Listing", "Report", "iso_seconds"), ".declare"),
    **dict.fromkeys(("Errors", "reset_wait"), ".errors"),
    **dict.fromkeys(("Field", "Fields", "ident"), ".fields"),
    **dict.fromkeys(
        ("Call", "Cursor", "NextLink", "Offset", "PageNumber", "Paginator", "SinglePage"),
        ".paginators",
    ),
    **dict.fromkeys(("Items", "Nested", "Pairs", "items_of", "pick"), ".select"),
    "ApiSource": ".source",
}


__getattr__ = _lazy.loader(globals(), _LAZY)
__dir__ = _lazy.listing(globals())


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
