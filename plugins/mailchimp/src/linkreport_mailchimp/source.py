"""Mailchimp's Marketing API 3.0, declared on linkreport.kit.

The campaign listing is ``GET /campaigns?status=sent`` newest first (``since_send_time``), the
link report ``GET /reports/{id}/click-details``, the click events ``GET /reports/{id}/
email-activity`` (the ``click`` items of each recipient's ``activity[]``, a kit ``Nested``
declaration); each pages by ``offset``/``count`` (up to 1000) until ``total_items``. The key
goes in the ``Authorization`` header (HTTP Basic, the key as password), and its ``-<dc>``
suffix names the data centre: ``https://<dc>.api.mailchimp.com/3.0``. What the kit cannot
declare is written here: a key without a data centre is a configuration error, and delivery
counts add two bounce counts (:mod:`linkreport_mailchimp.stats`).

The click events' contact is the keyed pseudonym of the recipient's ``email_id`` (an MD5 of the
address, so never kept as it is, nor ``email_address``); their ``ip`` is kept only as the
pseudonym of its network. An unusable click (a recipient without an ``email_id``, a click
without a usable time or URL) is left out alone, and one line says how many were.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from linkreport import (
    Campaign,
    ClickEvent,
    LinkClicks,
    Sandbox,
    SourceContext,
    StatsAnswer,
)
from linkreport.errors import ConfigurationError
from linkreport.kit import (
    ApiSource,
    Basic,
    Clicks,
    Endpoint,
    Errors,
    Field,
    Fields,
    Listing,
    Nested,
    Offset,
    Report,
    Sent,
    iso_seconds,
)
from linkreport_mailchimp import ABOUT, base_url_of, data_centre

NAME = ABOUT.name
#: Mailchimp campaign IDs are short hexadecimal strings (``42694e9e57``).
CAMPAIGN_ID = r"[A-Za-z0-9]{1,64}"
#: The largest ``count`` Mailchimp accepts in a collection.
PAGE = 1000


@attrs.frozen
class ApiKey(Basic):
    """HTTP Basic with any user name and the key as password, the key's data centre checked."""

    user: str = "linkreport"
    password: str | None = "api_key"  # noqa: S105 (the setting's name, not a password)

    def apply(self, ctx: SourceContext) -> Sent:
        """Basic auth with the key; a key without a data centre is a configuration error."""
        key = ctx.settings.require("api_key")
        try:
            data_centre(key)
        except ValueError as exc:
            raise ConfigurationError(f"{NAME}: {exc}") from None
        return Sent(auth=(self.user, key))


def email_id(value: Any) -> str:
    """A recipient's ``email_id`` as pseudonymised: trimmed, lower case; else ``ValueError``."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("the recipient has no usable email_id")
    return value.strip().lower()


def just_before(when: datetime) -> str:
    """``since`` for ``email-activity``, which means "after": a second earlier keeps ``when``."""
    return iso_seconds(when - timedelta(seconds=1))


def _paged() -> Offset:
    return Offset(offset_param="offset", limit_param="count", limit=PAGE, total="total_items")


class Mailchimp(ApiSource):
    """Mailchimp: sent campaigns, their link reports and click events."""

    about = ABOUT  # its name, description, settings and limits: the package's __init__

    auth = ApiKey()
    campaigns = Listing(
        Endpoint(
            "/campaigns",
            {"status": "sent", "sort_field": "send_time", "sort_dir": "DESC"},
        ),
        items="campaigns",
        fields=Fields(
            Campaign,
            campaign_id="id",
            name="settings.title",
            subject="settings.subject_line",
            status="status",
            sent_at="send_time",
        ),
        paginator=_paged(),
        since_param="since_send_time",
    )
    links = Report(
        Endpoint("/reports/{id}/click-details", id_pattern=CAMPAIGN_ID),
        items="urls_clicked",
        fields=Fields(
            LinkClicks,
            url="url",
            unique_clicks="unique_clicks",
            total_clicks="total_clicks",
            link_id="id",
            timestamp="last_click",
        ),
        paginator=_paged(),
    )
    clicks = Clicks(
        Endpoint("/reports/{id}/email-activity", id_pattern=CAMPAIGN_ID),
        items=Nested("emails", "activity", keep={"action": "click"}),
        fields=Fields(
            ClickEvent,
            url="url",
            clicked_at="timestamp",
            contact=Field("^.email_id", parse=email_id),
            network="ip",
        ),
        paginator=_paged(),
        since_param="since",
        since_format=just_before,
    )
    errors = Errors(
        words={
            401: "the API key is not valid",
            403: "this API key may not read reports",
            404: "campaign not found",
        },
        hints={401: "check the key and that base_url is its data centre's"},
        reset_headers=(),  # Mailchimp documents no reset header: Retry-After, else backoff
    )

    def fetch_stats(
        self, ctx: SourceContext, campaign_ids: Sequence[str], *, send_times: bool = True
    ) -> Iterator[StatsAnswer]:
        """Delivery counts from ``GET /reports/{id}`` (its ``send_time`` comes along)."""
        from linkreport_mailchimp.stats import fetch_stats

        yield from fetch_stats(self, ctx, campaign_ids)

    def sandbox(self, **options: Any) -> Sandbox:
        """The Mailchimp sandbox (:mod:`linkreport_mailchimp.sandbox`)."""
        from linkreport_mailchimp.sandbox import make_sandbox

        return make_sandbox(self, options)


__all__ = ["ApiKey", "Mailchimp", "base_url_of", "data_centre", "email_id", "just_before"]
