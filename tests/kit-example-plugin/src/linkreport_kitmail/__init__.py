"""KitMail: a Brevo-like ESP (key header, offset paging, JSON link stats) on linkreport.kit.

The whole plugin is declarations: it shows what a plain JSON ESP costs on the kit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import linkreport
from linkreport import Campaign, LinkClicks, LinkReportSource, Sandbox, Setting
from linkreport.errors import AuthenticationError
from linkreport.kit import (
    ApiSource,
    Endpoint,
    Errors,
    Fields,
    HeaderKey,
    Listing,
    Offset,
    Report,
)


class KitMail(ApiSource):
    """KitMail, a Brevo-like ESP for linkreport's tests."""

    name = "kitmail"
    description = "KitMail, a Brevo-like ESP written on linkreport.kit (for tests)"
    settings = (
        Setting("api_key", "KitMail API key (SMTP & API > API keys)", secret=True),
        Setting("base_url", "API base URL", default="https://api.kitmail.invalid/v3"),
    )
    rate_limit = "100/3600"  # unlisted endpoints: 100 requests an hour
    test_only = True

    auth = HeaderKey("api-key")
    campaigns = Listing(
        Endpoint("/emailCampaigns", {"status": "sent", "sort": "desc"}),
        items="campaigns",
        fields=Fields(
            Campaign, campaign_id="id", name="name", subject="subject", sent_at="sentDate"
        ),
        paginator=Offset(limit=50, total="count"),
        since_param="startDate",
    )
    links = Report(
        Endpoint("/emailCampaigns/{id}", {"statistics": "linksStats"}, id_pattern=r"[0-9]{1,19}"),
        items="statistics.links",
        fields=Fields(LinkClicks, url="url", total_clicks="clicks"),  # total clicks only
    )
    errors = Errors(
        words={401: "the API key is not valid", 404: "campaign not found"},
        kinds={400: AuthenticationError},  # "Key not found" when the key is malformed
        reset_headers=("x-sib-ratelimit-reset",),  # no Retry-After
    )

    def sandbox(self, **options: Any) -> Sandbox:
        """The KitMail sandbox (:mod:`linkreport_kitmail.sandbox`)."""
        from linkreport_kitmail.sandbox import make_sandbox

        return make_sandbox(self, options)


@linkreport.hookimpl
def register_sources(register: Callable[[LinkReportSource], None]) -> None:
    """Register KitMail."""
    register(KitMail())
