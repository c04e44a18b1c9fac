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


#: The largest count a record holds: SQLite's (and most warehouses') signed 64-bit integer.
MAX_COUNT = 2**63 - 1


def check_text(name: str, value: str) -> None:
    r"""Raise ValueError naming ``name`` unless ``value`` can be written as UTF-8.

    A lone surrogate (JSON's ``"\ud800"``) is a ``str`` no file, terminal or database
    can hold; a record refuses it, so it fails its own campaign or row and nothing else.
    """
    if value.isascii():
        return
    try:
        value.encode()
    except UnicodeEncodeError as exc:
        bad = value[exc.start : exc.end]
        raise ValueError(f"{name} holds {bad!r}, which is not valid text") from None


def check_count(name: str, value: int) -> None:
    """Raise ValueError naming ``name`` unless ``0 <= value <=`` :data:`MAX_COUNT`."""
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {_short(value)}")
    if value > MAX_COUNT:
        raise ValueError(f"{name} is too large to store, got {_short(value)}")


def _short(number: int) -> str:
    """A number for a message: its digits, or its size when there are very many."""
    if number.bit_length() > 256:
        return f"a number of about {int(number.bit_length() * 0.30103) + 1} digits"
    return str(number)


def _non_empty(_instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        msg = f"{attribute.name} must be a non-empty string, got {value!r}"
        raise ValueError(msg)
    check_text(attribute.name, value)


def _optional_str(_instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise TypeError(f"{attribute.name} must be a string or None, got {value!r}")
    check_text(attribute.name, value)


_TEXT_OR_NONE = frozenset({str, type(None)})
_MAX = MAX_COUNT


def _check_texts(record: Any, names: tuple[str, ...]) -> None:
    for name in names:
        value = getattr(record, name)
        if value is not None:
            check_text(name, value)


def utc_now() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


@attrs.frozen(kw_only=True)
class LinkClicks:
    """The clicks of one link in one campaign (or campaign activity).

    Field names and order are the public record of ``docs/usage.md``; ``None`` means the
    provider does not report that value (it is never invented). Values are validated on
    construction: non-empty ``provider``/``campaign_id``/``url``, integer counts from 0 to
    :data:`MAX_COUNT`, text that UTF-8 can hold (no lone surrogates), UTC timestamps; an
    invalid value raises ``ValueError`` or ``TypeError`` naming the field.
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
        a, role, link, tag, lid, act = (
            self.activity_id,
            self.activity_role,
            self.link_id,
            self.link_tag,
            self.list_id,
            self.list_action,
        )
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
            or a.__class__ not in _TEXT_OR_NONE
            or role.__class__ not in _TEXT_OR_NONE
            or link.__class__ not in _TEXT_OR_NONE
            or tag.__class__ not in _TEXT_OR_NONE
            or lid.__class__ not in _TEXT_OR_NONE
            or act.__class__ not in _TEXT_OR_NONE
            or (unique is not None and (unique.__class__ is not int or not 0 <= unique <= _MAX))
            or (total is not None and (total.__class__ is not int or not 0 <= total <= _MAX))
            or self.fetched_at.tzinfo is not UTC
            or (when is not None and when.tzinfo is not UTC)
            or not (u.isascii() and c.isascii() and p.isascii())
            or (a is not None and not a.isascii())
            or (role is not None and not role.isascii())
            or (link is not None and not link.isascii())
            or (tag is not None and not tag.isascii())
            or (lid is not None and not lid.isascii())
            or (act is not None and not act.isascii())
        ):
            self._explain()

    def _explain(self) -> None:
        """Raise the error that says which field is invalid (or accept other UTC zones).

        Text that is not ASCII comes here too, to be checked for lone surrogates.
        """
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
            if count is not None:
                check_count(name, count)
        fields = attrs.fields_dict(LinkClicks)
        _utc(self, fields["timestamp"], self.timestamp)
        _utc(self, fields["fetched_at"], self.fetched_at)
        _check_texts(self, _LINK_TEXT)


@attrs.frozen(kw_only=True)
class Campaign:
    """A campaign as listed by ``linkreport campaigns``.

    Validated like :class:`LinkClicks`: non-empty IDs, text that UTF-8 can hold, UTC times.
    """

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
    :func:`linkreport.privacy.pseudonym` (a keyed hash of the provider's contact ID).
    ``network`` (``None`` where the provider gives no IP address) is likewise a keyed
    pseudonym of the clicker's IPv4 /24 or IPv6 /48 (:func:`linkreport.privacy.network_pseudonym`),
    never the address. Fields
    are validated like :class:`LinkClicks`: non-empty ``provider``/``campaign_id``/``url``/
    ``contact``, string-or-``None`` IDs, text that UTF-8 can hold, and an aware UTC
    ``clicked_at``.
    """

    provider: str
    campaign_id: str
    activity_id: str | None = None
    url: str
    link_id: str | None = None
    clicked_at: datetime
    contact: str
    network: str | None = None

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
            or self.network.__class__ not in _TEXT_OR_NONE
            or self.clicked_at.__class__ is not datetime
            or self.clicked_at.tzinfo is not UTC
            or not (u.isascii() and c.isascii() and p.isascii() and who.isascii())
            or (self.activity_id is not None and not self.activity_id.isascii())
            or (self.link_id is not None and not self.link_id.isascii())
            or (self.network is not None and not self.network.isascii())
        ):
            self._explain()

    def _explain(self) -> None:
        for name in ("provider", "campaign_id", "url", "contact"):
            text = getattr(self, name)
            if text.__class__ is not str or not text.strip():
                raise ValueError(f"{name} must be a non-empty string, got {text!r}")
        for name in ("activity_id", "link_id", "network"):
            optional = getattr(self, name)
            if optional is not None and optional.__class__ is not str:
                raise TypeError(f"{name} must be a string or None, got {optional!r}")
        if self.clicked_at is None:
            raise TypeError("clicked_at must be a datetime, got None")
        _utc(self, attrs.fields_dict(ClickEvent)["clicked_at"], self.clicked_at)
        _check_texts(self, _EVENT_TEXT)


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


@attrs.frozen(kw_only=True)
class CampaignStats:
    """The delivery counts of one campaign (or campaign activity), as the provider reports them.

    ``delivered`` is ``sent`` minus ``bounces`` when both are known and ``None`` otherwise
    (it is never invented; leave it out and it is computed). ``None`` means the provider does
    not report that value. Validated like :class:`LinkClicks`: non-empty ``provider``/
    ``campaign_id``, counts from 0 to :data:`MAX_COUNT`, ``bounces`` and ``delivered`` not
    above ``sent``, a ``delivered`` that agrees with ``sent`` and ``bounces``, UTC times.
    """

    provider: str = attrs.field(validator=_non_empty)
    campaign_id: str = attrs.field(validator=_non_empty)
    activity_id: str | None = attrs.field(default=None, validator=_optional_str)
    sent: int | None = None
    bounces: int | None = None
    delivered: int | None = attrs.field(
        default=attrs.Factory(lambda self: self.derived_delivered(), takes_self=True)
    )
    #: When the provider says the campaign (activity) was sent.
    sent_at: datetime | None = attrs.field(default=None, validator=_utc)
    fetched_at: datetime = attrs.field(factory=utc_now, validator=_utc)

    def derived_delivered(self) -> int | None:
        """``sent - bounces`` when both are known, else ``None`` (wrong types: see the checks)."""
        sent, bounces = self.sent, self.bounces
        if sent.__class__ is int and bounces.__class__ is int and sent is not None:
            return sent - (bounces or 0)
        return None

    def __attrs_post_init__(self) -> None:
        for name in ("sent", "bounces", "delivered"):
            count = getattr(self, name)
            if count is not None and count.__class__ is not int:
                raise TypeError(f"{name} must be an integer or None, got {count!r}")
        sent, bounces, delivered = self.sent, self.bounces, self.delivered
        for name, count in (("sent", sent), ("bounces", bounces)):
            if count is not None:
                check_count(name, count)
        if sent is not None and bounces is not None and bounces > sent:
            raise ValueError(f"bounces ({bounces}) must not exceed sent ({sent})")
        if delivered is not None:
            check_count("delivered", delivered)
        if sent is not None and delivered is not None and delivered > sent:
            raise ValueError(f"delivered ({delivered}) must not exceed sent ({sent})")
        if sent is not None and bounces is not None and delivered != sent - bounces:
            raise ValueError(
                f"delivered must be sent - bounces ({sent - bounces}), got {delivered!r}"
            )


_LINK_TEXT = (
    "provider",
    "campaign_id",
    "activity_id",
    "activity_role",
    "url",
    "link_id",
    "link_tag",
    "list_id",
    "list_action",
)
_EVENT_TEXT = ("provider", "campaign_id", "activity_id", "url", "link_id", "contact", "network")
LINK_FIELDS: tuple[str, ...] = tuple(a.name for a in attrs.fields(LinkClicks))
CLICK_EVENT_FIELDS: tuple[str, ...] = tuple(a.name for a in attrs.fields(ClickEvent))
STATS_FIELDS: tuple[str, ...] = tuple(a.name for a in attrs.fields(CampaignStats))
