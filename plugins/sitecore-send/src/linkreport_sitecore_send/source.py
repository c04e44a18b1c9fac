"""The ``sitecore-send`` source: link activity of Sitecore Send (formerly Moosend) campaigns."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import attrs

from linkreport import Campaign, CampaignStats, ClickEvent, LinkClicks, SourceContext
from linkreport.errors import (
    AuthenticationError,
    BadResponseError,
    ConfigurationError,
    LinkReportError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
)
from linkreport.kit import (
    ApiSource,
    Call,
    Clicks,
    Endpoint,
    Errors,
    Field,
    Fields,
    Listing,
    PageNumber,
    QueryKey,
    Report,
)
from linkreport.kit.paging import page_numbers
from linkreport.kit.wire import optional_text, text
from linkreport.ratelimit import parse_rate
from linkreport.records import utc_now
from linkreport_sitecore_send import ABOUT

if TYPE_CHECKING:
    import requests

    from linkreport.ratelimit import RateLimiter
    from linkreport.settings import ResolvedSettings
    from linkreport.stats import StatsAnswer

NAME = ABOUT.name
#: The ESP's name in messages (``'x y' is not a Sitecore Send campaign ID``).
TITLE = "Sitecore Send"
#: Campaign IDs are GUIDs; anything else never reaches the API.
CAMPAIGN_ID = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
_CODE_PREFIX = re.compile(rb'^\s*\{\s*"Code"\s*:\s*(-?\d+)')
_XML_CODE = re.compile(rb"<(?:\w+:)?Code>\s*(-?\d+)\s*</")
PAGE_SIZE = 100


class NoStatistics(NotFoundError):
    """Envelope code 401: the campaign has no statistics yet (CAMPAIGN_STATISTICS_NOT_FOUND)."""


MESSAGES: dict[int, tuple[type[LinkReportError], str]] = {
    104: (AuthenticationError, "the API key is not valid (code 104)"),
    400: (NotFoundError, "campaign not found (code 400)"),
    401: (NoStatistics, "no statistics for this campaign yet (code 401)"),
    405: (
        ProviderError,
        "the campaign is archived; Sitecore Send keeps only summary statistics "
        "for campaigns older than about three months (code 405)",
    ),
    408: (NotFoundError, "A/B test campaign not found (code 408)"),
}


def _raw_id(item: Any) -> Any:
    """The ``ID`` of a decoded campaign-list item, whatever its shape."""
    return item.get("ID") if isinstance(item, dict) else None


def parse_expires(value: str | None) -> datetime | None:
    """Parse ``x-ratelimit-expires`` (``MM/dd/yyyy HH:mm:ss``, UTC) into an aware datetime."""
    if not value or not value.isascii():  # strptime would take other scripts' digits
        return None
    try:
        return datetime.strptime(value.strip(), "%m/%d/%Y %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def envelope_error(
    code: int, text: str | None, context: Any, settings: ResolvedSettings | None = None
) -> LinkReportError:
    """Map a non-zero envelope ``Code`` to a core error with a one-line message.

    With the account's ``settings``, a refused key says how to set that account's key.
    """
    if code in MESSAGES:
        cls, message = MESSAGES[code]
        if cls is AuthenticationError and settings is not None:
            message = f"{message}; {settings.how_to_set('api_key')}"
        return cls(message)
    if code == -2 and isinstance(context, dict):
        raw = context.get("Messages") or []
        raw = raw if isinstance(raw, list) else [raw]
        found = [str(m.get("Message")) for m in raw if isinstance(m, dict) and m.get("Message")]
        return ProviderError(
            f"validation failed: {'; '.join(found) or text or 'no details'} (code -2)"
        )
    if code == 501:
        return ProviderError(f"validation error: {text or 'no details'} (code 501)")
    return ProviderError(f"Sitecore Send answered code {code}: {text or 'no error text'}")


def decode(body: bytes | str, fmt: str) -> Any:
    """Decode a JSON or XML body into the JSON shape."""
    from linkreport_sitecore_send import wire  # cattrs loads on first use

    if fmt == "xml":
        return wire.parse_xml(body.encode() if isinstance(body, str) else body)
    try:
        return json.loads(body)
    except RecursionError:
        raise wire.WireError("the JSON is nested too deeply") from None
    except ValueError:
        start = body[:60]
        snippet = " ".join(
            (start if isinstance(start, str) else start.decode("utf-8", "replace")).split()
        )
        raise wire.WireError(f"the body is not JSON: {snippet!r}") from None


def context_of(body: bytes | str, fmt: str) -> Any:
    """The envelope's ``Context`` (a non-zero ``Code`` raises the matching core error)."""
    from linkreport_sitecore_send import wire  # cattrs loads on first use

    envelope = wire.structure(decode(body, fmt), wire.Envelope)
    if envelope.code != 0:
        raise envelope_error(envelope.code, envelope.error, envelope.context)
    return envelope.context


def link_context(body: bytes | str, fmt: str, campaign_id: str) -> Any:
    """The link report's ``Context`` (the decoder ``fetch_links`` gives core).

    A body that does not decode is one ``BadResponseError`` naming the campaign; a non-zero
    envelope ``Code`` raises the matching core error.
    """
    from linkreport_sitecore_send import wire  # cattrs loads on first use

    try:
        return context_of(body, fmt)
    except wire.WireError as exc:
        raise _bad_report(campaign_id, exc) from None


def link_records(context: Any, campaign_id: str, fetched_at: datetime) -> list[LinkClicks]:
    """Map a link report's ``Context`` to records; a bad one is one ``BadResponseError``.

    Pure computation (core runs it in the body's decoding turn, ``ctx.http.get_records``):
    each decoded link is replaced by its record, so a large report is not held twice.
    """
    from linkreport_sitecore_send import wire  # cattrs loads on first use

    def record(
        url: str, total: int | None, unique: int | None, when: datetime | None
    ) -> LinkClicks:
        return LinkClicks(
            provider=NAME,
            campaign_id=campaign_id,
            url=url,
            unique_clicks=unique,
            total_clicks=total,
            timestamp=when,
            fetched_at=fetched_at,
        )

    try:
        return wire.report_links(context, record)
    except wire.WireError as exc:
        raise _bad_report(campaign_id, exc) from None


def _bad_report(campaign_id: str, exc: Exception) -> BadResponseError:
    return BadResponseError(f"unexpected link report for campaign {campaign_id}: {exc}")


def _date(value: Any) -> datetime | None:
    from linkreport_sitecore_send.wire import date  # (a .NET /Date(ms+zone)/, ISO tolerated)

    return date(value)


def _day(when: datetime) -> str:
    """``From`` of the statistics endpoints: a day, ``dd-MM-yyyy``."""
    return when.strftime("%d-%m-%Y")


@attrs.frozen
class CampaignPages:
    """``/campaigns/{Page}/{PageSize}``: the page number in the path, ``Context.Paging`` checked.

    A page whose ``CurrentPage`` is not the one asked for, or that holds only IDs already
    listed, stops a server that ignores the number; an unusable page is one
    ``unexpected campaign list (page N)`` error. Each page is yielded with its ``Campaigns``
    as a list (a JSON object of one item is that item).
    """

    size: int = 100

    def pages(self, call: Call) -> Iterator[Any]:
        """Yield each page, guarded by :func:`linkreport.kit.paging.page_numbers`."""
        from linkreport_sitecore_send import wire  # cattrs loads on first use

        def fetch(number: int) -> wire.CampaignPage:
            try:
                context = call.get(f"{call.path}/{number}/{self.size}", call.params)
                return wire.structure(context, wire.CampaignPage)
            except wire.WireError as exc:
                raise BadResponseError(f"unexpected campaign list (page {number}): {exc}") from None

        pages = page_numbers(
            fetch,
            more=lambda page, n: bool(page.campaigns) and n < page.paging.total_page_count,
            what="campaign list",  # core's page cap (linkreport.kit.paging.MAX_PAGES)
            reported_page=lambda page: page.paging.current_page,
            item_keys=lambda page: [repr(_raw_id(item)) for item in page.campaigns],
            total_pages=lambda page: page.paging.total_page_count,  # (2**31 - 1: not believed)
        )
        for page in pages:
            yield {"Campaigns": page.campaigns}


class SitecoreSend(ApiSource):
    """Sitecore Send (formerly Moosend), declared on :mod:`linkreport.kit`.

    Declared: the key in the ``apikey`` query parameter (redacted everywhere), the campaign
    listing (its fields; paged by :class:`CampaignPages`), the link report's and the click
    events' endpoints with their ID pattern, the click paging parameters and ``From`` day.
    Written here: every path takes ``.json``/``.xml`` and an ``Accept`` header, answers are
    an envelope (``{"Code": N, "Error": ..., "Context": ...}``, errors inside HTTP 200, rate
    limits with ``x-ratelimit-expires``) decoded from JSON or XML, the link report keeps its
    fast path (:func:`link_records`: up to 100,000 links, decoded and mapped by core's
    ``get_records``, held once), click rows come in two
    shapes (:mod:`.clicks`), delivery counts have a budget of their own (:mod:`.stats`).
    """

    about = ABOUT  # its name, description, settings and rate limit: the package's __init__

    auth = QueryKey("apikey")
    campaigns = Listing(
        Endpoint("/campaigns", {"SortBy": "DeliveredOn", "SortMethod": "DESC"}),
        items="Campaigns",
        fields=Fields(
            Campaign,
            campaign_id=Field("ID", text),
            name=Field("Name", optional_text),
            subject=Field("Subject", optional_text),
            status=Field("Status", optional_text),
            sent_at=Field("DeliveredOn", _date),
        ),
        paginator=CampaignPages(size=PAGE_SIZE),
    )
    links = Report(  # (not paged; mapped by link_records, see fetch_links)
        Endpoint("/campaigns/{id}/stats/links", id_pattern=CAMPAIGN_ID),
        items="Analytics",
        fields=Fields(
            LinkClicks,
            url="Context",
            total_clicks="TotalCount",
            unique_clicks="UniqueCount",
            timestamp=Field("Timestamp", _date),
        ),
    )
    clicks = Clicks(  # (rows in two shapes, paged tolerantly: see .clicks)
        Endpoint("/campaigns/{id}/stats/LinkClicked", id_pattern=CAMPAIGN_ID),
        items="Analytics",
        fields=Fields(
            ClickEvent, url="Context", clicked_at=Field("Timestamp", _date), contact="MemberId"
        ),
        # (1,000: the documented maximum page size of the statistics endpoints)
        paginator=PageNumber("Page", size_param="PageSize", size=1000),
        since_param="From",
        since_format=_day,
    )
    #: ``view_summary``: a campaign's delivery counts, on a rate budget of its own (.stats).
    summary = Endpoint("/campaigns/{id}/view_summary", id_pattern=CAMPAIGN_ID)
    summary_fields = Fields(
        CampaignStats,
        sent="Sent",
        bounces="TotalBounces",
        sent_at=Field("CampaignDeliveredOn", _date),
    )
    errors = Errors(reset_headers=())  # HTTP statuses: core's words; 429 by Retry-After

    # --- requests --------------------------------------------------------------------

    def wire_format(self, ctx: SourceContext) -> str:
        """The configured wire format, ``json`` or ``xml``."""
        fmt = (ctx.settings.get("wire_format") or "json").lower()
        if fmt not in {"json", "xml"}:
            msg = f"{ctx.settings.where('wire_format')} must be json or xml, got {fmt!r}"
            raise ConfigurationError(msg)
        return fmt

    def request_options(
        self, ctx: SourceContext, params: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """The key and ``Accept`` header of a request (the ``params`` of ``GET``)."""
        accept = "application/xml" if self.wire_format(ctx) == "xml" else "application/json"
        return {
            "params": {**(params or {}), **self.auth.apply(ctx).params},
            "headers": {"Accept": accept},
        }

    def get(
        self,
        ctx: SourceContext,
        path: str,
        params: Mapping[str, str],
        limiter: RateLimiter | None = None,
    ) -> Any:
        """The envelope's ``Context`` of ``GET path.json``/``.xml`` (envelope errors raised).

        An undecodable body is a ``WireError``; ``limiter``: the budget of a resource limited
        apart from the statistics resource. Core decodes the body (:func:`context_of`).
        """
        fmt = self.wire_format(ctx)
        return ctx.http.get_json(
            f"{path}.{fmt}",
            decode=partial(context_of, fmt=fmt),
            text=fmt == "json",  # XML is parsed from its bytes (its encoding declared inside)
            limiter=limiter,
            **self.request_options(ctx, params),
        )

    def classify_response(self, ctx: SourceContext, response: requests.Response) -> None:
        """Find errors in 200 bodies: the envelope's ``Code`` (429 is waited out)."""
        from linkreport_sitecore_send import wire  # cattrs loads on first use

        if response.status_code >= 300:
            super().classify_response(ctx, response)
            return
        body = response.content
        match = _CODE_PREFIX.match(body) or _XML_CODE.search(body[:2048])
        if match is not None and match.group(1) == b"0":
            return  # the common case, decided without parsing a large body
        try:
            envelope = wire.structure(decode(body, self.wire_format(ctx)), wire.Envelope)
        except wire.WireError:
            return  # the caller reports the bad response with the campaign it concerns
        if envelope.code == 0:
            return
        if envelope.code == 429:
            expires = parse_expires(response.headers.get("x-ratelimit-expires"))
            window = parse_rate(ctx.settings.get("rate_limit") or self.rate_limit).seconds
            if expires is not None:
                # the header has whole seconds: allow one more so we never come back early
                until = expires + timedelta(seconds=1) if expires.year < 9999 else expires
                when = f"{expires:%H:%M:%S}"
                if expires.date() != datetime.now(UTC).date():
                    when = f"{expires:%Y-%m-%d %H:%M:%S}"
                raise RateLimitedError(
                    f"Sitecore Send rate limit (until {when} UTC)", retry_at=until
                )
            raise RateLimitedError("Sitecore Send rate limit", retry_after=float(window))
        raise envelope_error(envelope.code, envelope.error, envelope.context, ctx.settings)

    # --- the source ------------------------------------------------------------------

    def fetch_links(
        self, ctx: SourceContext, campaign_id: str, *, include_unclicked: bool = False
    ) -> Iterator[LinkClicks]:
        """Yield one record per link of the campaign (the endpoint is not paged)."""
        path = self.links.endpoint.url(TITLE, campaign_id)
        fmt = self.wire_format(ctx)
        yield from ctx.http.get_records(  # decoded and mapped in one turn, handed over
            f"{path}.{fmt}",
            partial(link_records, campaign_id=campaign_id, fetched_at=utc_now()),
            decode=partial(link_context, fmt=fmt, campaign_id=campaign_id),
            text=fmt == "json",
            **self.request_options(ctx),
        )

    def fetch_clicks(
        self, ctx: SourceContext, campaign_id: str, *, since: datetime | None = None
    ) -> Iterator[ClickEvent]:
        """Yield the clicks of a campaign (``stats/LinkClicked``, from the day of ``since``)."""
        from linkreport_sitecore_send.clicks import fetch_clicks

        assert self.clicks is not None
        path = self.clicks.endpoint.url(TITLE, campaign_id)
        yield from fetch_clicks(self, ctx, campaign_id, path, since)

    def fetch_stats(
        self, ctx: SourceContext, campaign_ids: Sequence[str], *, send_times: bool = True
    ) -> Iterator[StatsAnswer]:
        """Delivery counts from ``GET /campaigns/{id}/view_summary``, one request per campaign.

        The summary carries the send time too, so ``send_times`` saves nothing here.
        """
        from linkreport_sitecore_send.stats import fetch_stats

        yield from fetch_stats(self, ctx, campaign_ids)

    def list_campaigns(self, ctx: SourceContext, since: datetime) -> Iterator[Campaign]:
        """The kit's listing (newest first until past ``since``), each sent campaign once."""
        listed: set[str] = set()
        for campaign in super().list_campaigns(ctx, since):
            if campaign.campaign_id in listed:
                continue  # listed on an earlier page (a campaign sent while paging)
            listed.add(campaign.campaign_id)
            if campaign.sent_at is not None:  # drafts and scheduled campaigns were never sent
                yield campaign

    def sandbox(self, **options: Any) -> Any:
        """The loopback emulation of the API (see :mod:`linkreport_sitecore_send.sandbox`)."""
        from linkreport_sitecore_send.sandbox import sandbox

        return sandbox(**options)
