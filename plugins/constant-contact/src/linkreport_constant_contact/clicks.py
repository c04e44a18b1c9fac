"""Constant Contact click events: ``GET /reports/email_reports/{id}/tracking/clicks``.

Pages (``limit`` 500, cursor in ``_links.next.href``) come newest first, so paging stops at
the first click older than ``since``. Rows are read tolerantly, one by one: the contact is
``contact_id`` (else the email address, used only as input to the pseudonym), the link
``link_url`` and ``url_id``, the time ``created_time``. A row without a link, time or
contact, or with text that is not valid (a lone surrogate), is counted and skipped. Nothing
else of a row (email, names, device) is kept.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from linkreport import ClickEvent
from linkreport.errors import BadResponseError
from linkreport.kit.wire import to_utc
from linkreport.privacy import pseudonymiser
from linkreport_constant_contact.source import CLICK_PAGE_SIZE as CLICK_PAGE_SIZE

if TYPE_CHECKING:
    from linkreport import SourceContext
    from linkreport_constant_contact.source import ConstantContact


def _text(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # url_id is an int64 in the spec, a string in the links report
    return value.strip() if isinstance(value, str) and value.strip() else None


def row_time(row: Mapping[str, Any]) -> datetime | None:
    """``created_time`` as an aware UTC datetime, or ``None`` when missing or unreadable."""
    value = _text(row.get("created_time"))
    if value is None:
        return None
    try:
        return to_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:  # not a time, or one UTC cannot hold (core's WireError)
        return None


def row_identity(row: Mapping[str, Any]) -> str | None:
    """The contact identity of a row: ``contact_id``, else the email address (lower-cased)."""
    contact = _text(row.get("contact_id"))
    if contact is not None:
        return "contact:" + contact.lower()
    email = _text(row.get("email_address"))
    return None if email is None else "email:" + email.lower()


# The parse hooks of the declared fields (``ConstantContact.clicks``): a row read as above.


def declared_text(value: Any) -> str | None:
    """A row's ``link_url`` or ``url_id`` as read here: trimmed, an integer's digits, blank None."""
    return _text(value)


def declared_time(value: Any) -> datetime:
    """A row's ``created_time`` as :func:`row_time` reads it; an unreadable one: ``ValueError``."""
    when = row_time({"created_time": value})
    if when is None:
        raise ValueError(f"expected an ISO 8601 time, got {value!r}")
    return when


def declared_contact(row: Any) -> str:
    """A row's identity as :func:`row_identity` reads it (the kit keeps only its pseudonym)."""
    who = row_identity(row) if isinstance(row, dict) else None
    if who is None:
        raise ValueError("neither contact_id nor email_address")
    return who


def page_rows(data: Any, activity_id: str) -> list[Any]:
    """The ``tracking_activities`` of one page (a missing list is an empty page)."""
    if not isinstance(data, dict):
        raise BadResponseError(f"unexpected clicks page of activity {activity_id}: not an object")
    rows = data.get("tracking_activities")
    if rows is None:
        return []
    if not isinstance(rows, list):
        raise BadResponseError(
            f"unexpected clicks page of activity {activity_id}: tracking_activities is not a list"
        )
    return rows


def activity_clicks(
    source: ConstantContact,
    ctx: SourceContext,
    campaign_id: str,
    activity_id: str,
    since: datetime | None,
) -> Iterator[ClickEvent]:
    """Yield the clicks of one activity, newest first, stopping at the first before ``since``."""
    from linkreport_constant_contact.source import NAME

    declared = source.clicks
    assert declared is not None
    unusable, pseudonym = 0, pseudonymiser(ctx)
    path, params = declared.endpoint.url(NAME, activity_id), declared.endpoint.params
    pages = source.pages(ctx, path, params, "clicks report")
    try:
        for data in pages:
            older = False
            for row in page_rows(data, activity_id):
                fields = row if isinstance(row, dict) else {}
                link, when = _text(fields.get("link_url")), row_time(fields)
                who = row_identity(fields)
                if link is None or when is None or who is None:
                    unusable += 1
                    continue
                if since is not None and when < since:
                    older = True  # newest first: everything after this is older still
                    break
                try:
                    event = ClickEvent(
                        provider=NAME,
                        campaign_id=campaign_id,
                        activity_id=activity_id,
                        url=link,
                        link_id=_text(fields.get("url_id")),
                        clicked_at=when,
                        contact=pseudonym(who),
                    )
                except ValueError:  # text the record refuses (a lone surrogate)
                    unusable += 1
                    continue
                yield event
            if older:
                break
    finally:
        pages.close()
    if unusable:
        ctx.reporter.note(
            f"warning: {NAME} {activity_id}: skipped {unusable} click row(s) without a link, "
            "time or contact"
        )
