"""Sitecore Send click events: ``GET /campaigns/{id}/stats/LinkClicked``, paged, by day.

Rows come in two documented shapes, ``Context.Analytics[]`` and ``Context.CampaignActivity[]``;
both are read tolerantly, row by row: the link is the field that holds a URL (``Context``,
else ``ContextDescription`` or ``ContextName``), the time is ``Timestamp`` (a .NET date), the
contact is ``MemberId`` (else the email, used only as input to the pseudonym), the network
is the keyed pseudonym of ``IpAddress``'s /24 or /48 (:func:`linkreport.privacy.network_pseudonym`;
missing or not an address: ``None``). A row without a link, time or contact, or with text that
is not valid (a lone surrogate), is counted and skipped, never a failure. Nothing else of a
row (email, name, the IP address itself) is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from linkreport import ClickEvent
from linkreport.errors import BadResponseError
from linkreport.kit import PageNumber
from linkreport.kit.paging import page_numbers
from linkreport.privacy import network_pseudonymiser, pseudonymiser

if TYPE_CHECKING:
    from linkreport import SourceContext
    from linkreport_sitecore_send.source import SitecoreSend

#: A guard against a server that never stops paging (10 million clicks).
MAX_CLICK_PAGES = 10_000
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")
_ROW_LISTS = ("CampaignActivity", "Analytics")


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def row_link(row: Mapping[str, Any]) -> str | None:
    """The link of a row: the first of its ``Context*`` fields that holds a URL."""
    for name in ("Context", "ContextDescription", "ContextName"):
        value = _text(row.get(name))
        if value is not None and _URL.match(value):
            return value
    return None


def row_identity(row: Mapping[str, Any]) -> str | None:
    """The contact identity of a row: ``MemberId``, else an email address (lower-cased)."""
    member = _text(row.get("MemberId"))
    if member is not None:
        return "member:" + member.lower()
    for name in ("Email", "EmailAddress", "Context", "ContextDescription", "ContextName"):
        value = _text(row.get(name))
        if value is not None and "@" in value and not _URL.match(value):
            return "email:" + value.lower()
    return None


def row_address(row: Mapping[str, Any]) -> str | None:
    """The clicker's IP address of a row (``IpAddress``), only ever input to a pseudonym."""
    return _text(row.get("IpAddress"))


def row_time(row: Mapping[str, Any]) -> datetime | None:
    """The click time of a row (``Timestamp``), or ``None`` when missing or unreadable."""
    from linkreport.kit.wire import parse_timestamp  # /Date(ms±hhmm)/, ISO 8601 tolerated

    value = _text(row.get("Timestamp"))
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError:
        return None


def page_rows(context: Any) -> tuple[list[Any], int]:
    """The rows of one page (either shape) and its ``TotalPageCount`` (0 when unknown)."""
    if context is None:
        return [], 0
    if not isinstance(context, dict):
        raise BadResponseError("unexpected click page: Context is not an object")
    rows: list[Any] = []
    for key in _ROW_LISTS:
        found = context.get(key)
        if isinstance(found, dict):  # XML collapses a one-item list
            found = list(found.values()) if len(found) == 1 else [found]
        if isinstance(found, list):
            rows.extend(found)
    paging = context.get("Paging")
    total = paging.get("TotalPageCount") if isinstance(paging, dict) else None
    try:
        pages = int(float(total)) if total is not None else 0
    except (TypeError, ValueError, OverflowError):  # (1e999: no count we can use)
        pages = 0
    return rows, pages


def fetch_clicks(
    source: SitecoreSend, ctx: SourceContext, campaign_id: str, path: str, since: datetime | None
) -> Iterator[ClickEvent]:
    """Yield the click events of a campaign at or after ``since``, asking from its day.

    ``path``: the campaign's declared click endpoint (its ID already checked).
    """
    from linkreport_sitecore_send.source import NAME

    declared = source.clicks
    assert declared is not None
    assert declared.since_param is not None
    paginator = declared.paginator
    assert isinstance(paginator, PageNumber)
    assert paginator.size_param is not None
    params = {**declared.endpoint.params, paginator.size_param: str(paginator.size)}
    if since is not None:
        params[declared.since_param] = declared.since_format(since)

    def fetch(number: int) -> tuple[list[Any], int]:
        from linkreport_sitecore_send.wire import WireError

        try:
            return page_rows(source.get(ctx, path, {**params, paginator.param: str(number)}))
        except WireError as exc:
            raise BadResponseError(
                f"unexpected click events of campaign {campaign_id} (page {number}): {exc}"
            ) from None

    def more(page: tuple[list[Any], int], number: int) -> bool:
        rows, pages = page  # the last page: as Paging counts, else the first short one
        return bool(rows) and (number < pages if pages > 0 else len(rows) >= paginator.size)

    unusable, pseudonym, network = 0, pseudonymiser(ctx), network_pseudonymiser(ctx)
    pages = page_numbers(  # core stops pages served again and page counts past the cap
        fetch,
        more=more,
        max_pages=MAX_CLICK_PAGES,
        what=f"click events of campaign {campaign_id}",
        items=lambda page: page[0],
        total_pages=lambda page: page[1] or None,
    )
    for rows, _pages in pages:
        for row in rows:
            link = row_link(row) if isinstance(row, dict) else None
            when = row_time(row) if link else None
            who = row_identity(row) if when else None
            if who is None or link is None or when is None:
                unusable += 1
                continue
            if since is not None and when < since:
                continue
            try:
                event = ClickEvent(
                    provider=NAME,
                    campaign_id=campaign_id,
                    url=link,
                    clicked_at=when,
                    contact=pseudonym(who),
                    network=network(row_address(row)),
                )
            except ValueError:  # text the record refuses (a lone surrogate)
                unusable += 1
                continue
            yield event
    if unusable:
        ctx.reporter.note(
            f"warning: {NAME} {campaign_id}: skipped {unusable} click row(s) without a link, "
            "time or contact"
        )
