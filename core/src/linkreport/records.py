"""The normalised records every provider produces: one shape, whatever the ESP.

Records are plain frozen attrs classes that know no provider; wire formats (JSON, NDJSON,
CSV) live in :mod:`linkreport.converter`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs


def _utc(_instance: Any, attribute: attrs.Attribute[Any], value: datetime | None) -> None:
    if value is None:
        return
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        msg = f"{attribute.name} must be a UTC datetime, got {value.isoformat()}"
        raise ValueError(msg)


def _non_negative(_instance: Any, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{attribute.name} must be an integer or None, got {value!r}"
        raise TypeError(msg)
    if value < 0:
        msg = f"{attribute.name} must not be negative, got {value}"
        raise ValueError(msg)


def _non_empty(_instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        msg = f"{attribute.name} must be a non-empty string, got {value!r}"
        raise ValueError(msg)


_optional_str = attrs.validators.optional(attrs.validators.instance_of(str))


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


@attrs.frozen(kw_only=True)
class LinkClicks:
    """The clicks of one link in one campaign (or campaign activity).

    Field names and order are the public record of ``docs/usage.md``; ``None`` means the
    provider does not report that value (it is never invented).
    """

    provider: str = attrs.field(validator=_non_empty)
    campaign_id: str = attrs.field(validator=_non_empty)
    activity_id: str | None = attrs.field(default=None, validator=_optional_str)
    activity_role: str | None = attrs.field(default=None, validator=_optional_str)
    url: str = attrs.field(validator=_non_empty)
    unique_clicks: int | None = attrs.field(default=None, validator=_non_negative)
    total_clicks: int | None = attrs.field(default=None, validator=_non_negative)
    link_id: str | None = attrs.field(default=None, validator=_optional_str)
    link_tag: str | None = attrs.field(default=None, validator=_optional_str)
    list_id: str | None = attrs.field(default=None, validator=_optional_str)
    list_action: str | None = attrs.field(default=None, validator=_optional_str)
    timestamp: datetime | None = attrs.field(default=None, validator=_utc)
    fetched_at: datetime = attrs.field(factory=utc_now, validator=_utc)


@attrs.frozen(kw_only=True)
class Campaign:
    """A campaign as listed by ``linkreport campaigns``."""

    provider: str = attrs.field(validator=_non_empty)
    campaign_id: str = attrs.field(validator=_non_empty)
    name: str | None = attrs.field(default=None, validator=_optional_str)
    subject: str | None = attrs.field(default=None, validator=_optional_str)
    status: str | None = attrs.field(default=None, validator=_optional_str)
    sent_at: datetime | None = attrs.field(default=None, validator=_utc)
    updated_at: datetime | None = attrs.field(default=None, validator=_utc)


LINK_FIELDS: tuple[str, ...] = tuple(a.name for a in attrs.fields(LinkClicks))
CAMPAIGN_FIELDS: tuple[str, ...] = tuple(a.name for a in attrs.fields(Campaign))
