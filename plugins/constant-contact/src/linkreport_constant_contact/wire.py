"""Constant Contact V3 payloads (Swagger ``EmailLinks``, ``EmailCampaign``...) as wire classes.

Unknown fields are ignored; wrong types fail with one readable :class:`WireError`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from linkreport.kit.wire import WireError as WireError
from linkreport.kit.wire import count, optional_text, text, timestamp
from linkreport.kit.wire import structure as structure_with
from linkreport.records import MAX_COUNT

if TYPE_CHECKING:
    import cattrs

T = TypeVar("T")


@attrs.frozen
class LinkClickCount:
    """``EmailLinkClickCount``: one link of an activity's links report."""

    link_url: str
    unique_clicks: int | None = None
    url_id: str | None = None
    link_tag: str | None = None
    list_id: str | None = None
    list_action: str | None = None


@attrs.frozen
class EmailLinks:
    """``EmailLinks``: the links report of one campaign activity."""

    campaign_activity_id: str | None = None
    link_click_counts: list[LinkClickCount] = attrs.Factory(list)


@attrs.frozen
class ActivityReference:
    """``ActivityReference``: an activity of a campaign and its role."""

    campaign_activity_id: str
    role: str | None = None


@attrs.frozen
class EmailCampaign:
    """``EmailCampaign`` (``GET /emails/{campaign_id}``)."""

    campaign_id: str
    name: str | None = None
    current_status: str | None = None
    campaign_activities: list[ActivityReference] = attrs.Factory(list)


@attrs.frozen
class EmailCampaignActivity:
    """``EmailCampaignActivity`` (``GET /emails/activities/{id}``)."""

    campaign_activity_id: str
    campaign_id: str
    role: str | None = None
    current_status: str | None = None
    subject: str | None = None


@attrs.frozen
class CampaignSummary:
    """``EmailCampaigns``: one campaign of ``GET /emails``."""

    campaign_id: str
    name: str | None = None
    current_status: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.frozen
class Href:
    """``emailsLink``."""

    href: str | None = None


@attrs.frozen
class PagingLinks:
    """``emailsPagingLinks``."""

    next: Href | None = None


@attrs.frozen
class CampaignsPage:
    """``PagedEmailCampaignResponse``.

    ``campaigns`` holds the decoded items, each structured as a :class:`CampaignSummary` on
    its own (:func:`linkreport.listing.usable`), so one unusable item skips only its campaign.
    """

    campaigns: list[Any] = attrs.Factory(list)
    links: PagingLinks | None = None


@attrs.frozen
class EmailStats:
    """``stats`` of an activity stats result (only what delivery counts need; others ignored)."""

    em_sends: int | None = None
    em_bounces: int | None = None


@attrs.frozen
class ActivityStats:
    """One result of ``GET /reports/stats/email_campaign_activities/{ids}``."""

    campaign_activity_id: str
    campaign_id: str | None = None
    stats: EmailStats | None = None


@attrs.frozen
class StatsError:
    """One entry of ``errors`` of the activity stats report."""

    error_key: str | None = None
    error_message: str | None = None


@attrs.frozen
class ActivityStatsReport:
    """The activity stats report (spec ``CampaignActivityStatsQueryResultEmail``)."""

    errors: list[StatsError] = attrs.Factory(list)
    results: list[ActivityStats] = attrs.Factory(list)


@attrs.frozen
class SummaryCounts:
    """``unique_counts`` of a campaign summary (strings in the reference, ints in the spec)."""

    sends: int | None = None
    bounces: int | None = None


@attrs.frozen
class CampaignSendSummary:
    """One of ``bulk_email_campaign_summaries`` (``BulkEmailCampaignSummary``)."""

    campaign_id: str
    last_sent_date: datetime | None = None
    unique_counts: SummaryCounts | None = None


@attrs.frozen
class SummariesPage:
    """A page of ``GET /reports/summary_reports/email_campaign_summaries``.

    Items are structured one by one (a bad one costs only its campaign's send time).
    """

    bulk_email_campaign_summaries: list[Any] = attrs.Factory(list)


_count = count  # core's hook: ints, integral floats (34.0), numeric strings, null


def _time(value: Any, _: Any) -> datetime | None:
    """Times are ISO 8601 strings; core's hook, numbers refused (never read as epochs)."""
    if value is not None and not isinstance(value, str):
        raise WireError(f"expected an ISO 8601 time, got {value!r}")
    return timestamp(value)


_TEXT_OR_NONE = frozenset({str, type(None)})


LinkFields = tuple[str, int | None, str | None, str | None, str | None, str | None]


def link_fields(value: Any) -> LinkFields:
    """One link of a report, checked.

    Returns ``(link_url, unique_clicks, url_id, link_tag, list_id, list_action)``. The
    checks are inline, with the same rules as the wire classes: a report has up to 100,000
    links, and this is their hot path.
    """
    if value.__class__ is not dict:
        raise WireError(f"expected an object, got {type(value).__name__}")
    get = value.get
    url, unique, url_id = get("link_url"), get("unique_clicks"), get("url_id")
    tag, list_id, action = get("link_tag"), get("list_id"), get("list_action")
    if url.__class__ is not str or not url.strip():
        raise WireError(
            "link_url: required field missing"
            if url is None
            else f"link_url: expected a non-empty string, got {url!r}"
        )
    if unique is not None and (unique.__class__ is not int or not 0 <= unique <= MAX_COUNT):
        unique = _count(unique, None)
    if url_id is not None and url_id.__class__ is not str:
        url_id = optional_text(url_id, None)
    if (
        tag.__class__ not in _TEXT_OR_NONE
        or list_id.__class__ not in _TEXT_OR_NONE
        or (action.__class__ not in _TEXT_OR_NONE)
    ):
        bad = next(v for v in (tag, list_id, action) if v.__class__ not in _TEXT_OR_NONE)
        raise WireError(f"expected a string, got {bad!r}")
    return url, unique, url_id, tag, list_id, action


def report_links(data: Any, make: Callable[..., T]) -> list[T]:
    """The links of an ``EmailLinks`` payload, each checked and turned into ``make(*fields)``.

    The fast path of :class:`EmailLinks` (``make`` gets :data:`LinkFields`). Each decoded
    link is replaced by what ``make`` returns as soon as it is checked, so a large report is
    never held twice in memory.
    """
    if data.__class__ is not dict:
        raise WireError(f"expected an object, got {type(data).__name__}")
    items = data.get("link_click_counts")
    if items is None:
        return []
    if items.__class__ is not list:
        raise WireError(f"link_click_counts: expected a list, got {type(items).__name__}")
    for index, item in enumerate(items):
        try:
            items[index] = make(*link_fields(item))
        except ValueError as exc:  # a WireError, or a value the record refuses
            raise WireError(f"link_click_counts[{index}]: {exc}") from None
    return items  # every item is now what make returned


def _link(value: Any, _: Any) -> LinkClickCount:
    return LinkClickCount(*link_fields(value))


@functools.cache
def converter() -> cattrs.Converter:
    """The converter of the payloads without a fast path (built on first use)."""
    import cattrs
    import cattrs.gen

    conv = cattrs.Converter()
    conv.register_structure_hook(str, text)
    conv.register_structure_hook(str | None, optional_text)
    conv.register_structure_hook(int | None, _count)
    conv.register_structure_hook(datetime | None, _time)
    conv.register_structure_hook(LinkClickCount, _link)

    def structure_list(value: Any, list_type: Any) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise WireError(f"expected a list, got {type(value).__name__}")
        item_type = list_type.__args__[0]
        hook = conv.get_structure_hook(item_type)  # once per list, not once per item
        return [hook(item, item_type) for item in value]

    conv.register_structure_hook_func(
        lambda t: getattr(t, "__origin__", None) is list, structure_list
    )
    page_hook = cattrs.gen.make_dict_structure_fn(
        CampaignsPage, conv, links=cattrs.gen.override(rename="_links")
    )
    conv.register_structure_hook(CampaignsPage, page_hook)
    return conv


def _activity(data: Any) -> EmailCampaignActivity:
    """``EmailCampaignActivity`` with the checks inline (one per activity ID on first sight)."""
    if data.__class__ is not dict:
        raise WireError(f"expected an object, got {type(data).__name__}")
    fields: dict[str, str | None] = {}
    for name in ("campaign_activity_id", "campaign_id"):
        value = data.get(name)
        if value is None:
            raise WireError(f"{name}: required field missing")
        try:
            fields[name] = text(value)
        except WireError as exc:
            raise WireError(f"{name}: {exc}") from None
    for name in ("role", "current_status", "subject"):
        try:
            fields[name] = optional_text(data.get(name))
        except WireError as exc:
            raise WireError(f"{name}: {exc}") from None
    return EmailCampaignActivity(**fields)  # type: ignore[arg-type]


def structure(data: Any, cls: type[T]) -> T:
    """Structure a decoded JSON payload into ``cls``, or raise one readable WireError."""
    if cls is EmailCampaignActivity:
        return _activity(data)  # type: ignore[return-value]
    return structure_with(converter(), data, cls)
