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
    if not isinstance(value, datetime):
        raise TypeError(f"{attribute.name} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        msg = f"{attribute.name} must be a UTC datetime, got {value.isoformat()}"
        raise ValueError(msg)


def _non_empty(_instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        msg = f"{attribute.name} must be a non-empty string, got {value!r}"
        raise ValueError(msg)


_optional_str = attrs.validators.optional(attrs.validators.instance_of(str))


_TEXT_OR_NONE = frozenset({str, type(None)})


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


@attrs.frozen(kw_only=True)
class LinkClicks:
    """The clicks of one link in one campaign (or campaign activity).

    Field names and order are the public record of ``docs/usage.md``; ``None`` means the
    provider does not report that value (it is never invented). Values are validated on
    construction: non-empty ``provider``/``campaign_id``/``url``, non-negative integer
    counts, UTC timestamps.
    """

    provider: str
    campaign_id: str
    activity_id: str | None = None
    activity_role: str | None = None
    url: str
    unique_clicks: int | None = None
    total_clicks: int | None = None
    link_id: str | None = None
    link_tag: str | None = None
    list_id: str | None = None
    list_action: str | None = None
    timestamp: datetime | None = None
    fetched_at: datetime = attrs.field(factory=utc_now)

    def __attrs_post_init__(self) -> None:
        # Records are built by the hundred thousand: one short-circuit test for the common
        # case, and the descriptive per-field checks (_explain) only when something is wrong.
        p, c, u = self.provider, self.campaign_id, self.url
        unique, total, when = self.unique_clicks, self.total_clicks, self.timestamp
        if (
            p.__class__ is not str
            or c.__class__ is not str
            or u.__class__ is not str
            or not p
            or not c
            or not u
            or p.isspace()
            or c.isspace()
            or u.isspace()
            or self.activity_id.__class__ not in _TEXT_OR_NONE
            or self.activity_role.__class__ not in _TEXT_OR_NONE
            or self.link_id.__class__ not in _TEXT_OR_NONE
            or self.link_tag.__class__ not in _TEXT_OR_NONE
            or self.list_id.__class__ not in _TEXT_OR_NONE
            or self.list_action.__class__ not in _TEXT_OR_NONE
            or (unique is not None and (unique.__class__ is not int or unique < 0))
            or (total is not None and (total.__class__ is not int or total < 0))
            or self.fetched_at.tzinfo is not UTC
            or (when is not None and when.tzinfo is not UTC)
        ):
            self._explain()

    def _explain(self) -> None:
        """Raise the error that says which field is invalid (or accept other UTC zones)."""
        for name in ("provider", "campaign_id", "url"):
            text = getattr(self, name)
            if text.__class__ is not str or not text or text.isspace():
                raise ValueError(f"{name} must be a non-empty string, got {text!r}")
        for name in (
            "activity_id",
            "activity_role",
            "link_id",
            "link_tag",
            "list_id",
            "list_action",
        ):
            optional = getattr(self, name)
            if optional is not None and optional.__class__ is not str:
                raise TypeError(f"{name} must be a string or None, got {optional!r}")
        for name in ("unique_clicks", "total_clicks"):
            count = getattr(self, name)
            if count is not None and count.__class__ is not int:
                raise TypeError(f"{name} must be an integer or None, got {count!r}")
            if count is not None and count < 0:
                raise ValueError(f"{name} must not be negative, got {count}")
        fields = attrs.fields_dict(LinkClicks)
        _utc(self, fields["timestamp"], self.timestamp)
        _utc(self, fields["fetched_at"], self.fetched_at)


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


@attrs.frozen(kw_only=True)
class ClickEvent:
    """One click of one link, with when it happened and who clicked, as a pseudonym.

    ``contact`` is never a person's identity: sources build it with
    :func:`linkreport.privacy.pseudonym` (a keyed hash of the provider's contact ID). Fields
    are validated like :class:`LinkClicks`: non-empty ``provider``/``campaign_id``/``url``/
    ``contact``, string-or-``None`` IDs, and an aware UTC ``clicked_at``.
    """

    provider: str
    campaign_id: str
    activity_id: str | None = None
    url: str
    link_id: str | None = None
    clicked_at: datetime
    contact: str

    def __attrs_post_init__(self) -> None:
        p, c, u, who = self.provider, self.campaign_id, self.url, self.contact
        if (
            p.__class__ is not str
            or c.__class__ is not str
            or u.__class__ is not str
            or who.__class__ is not str
            or not p.strip()
            or not c.strip()
            or not u.strip()
            or not who.strip()
            or self.activity_id.__class__ not in _TEXT_OR_NONE
            or self.link_id.__class__ not in _TEXT_OR_NONE
            or self.clicked_at.__class__ is not datetime
            or self.clicked_at.tzinfo is not UTC
        ):
            self._explain()

    def _explain(self) -> None:
        for name in ("provider", "campaign_id", "url", "contact"):
            text = getattr(self, name)
            if text.__class__ is not str or not text.strip():
                raise ValueError(f"{name} must be a non-empty string, got {text!r}")
        for name in ("activity_id", "link_id"):
            optional = getattr(self, name)
            if optional is not None and optional.__class__ is not str:
                raise TypeError(f"{name} must be a string or None, got {optional!r}")
        if self.clicked_at is None:
            raise TypeError("clicked_at must be a datetime, got None")
        _utc(self, attrs.fields_dict(ClickEvent)["clicked_at"], self.clicked_at)


@attrs.frozen(kw_only=True)
class ClickPeriod:
    """One row of a click timeline: a link's clicks in one hour, day or week (UTC)."""

    provider: str
    campaign_id: str
    activity_id: str | None = None
    url: str
    #: The start of the period (aware UTC; weeks start on Monday).
    period: datetime
    clicks: int
    unique_contacts: int


LINK_FIELDS: tuple[str, ...] = tuple(a.name for a in attrs.fields(LinkClicks))
CLICK_EVENT_FIELDS: tuple[str, ...] = tuple(a.name for a in attrs.fields(ClickEvent))
