"""Helpers for plugins' private wire classes: structure a payload, or one readable error.

Ready-made cattrs hooks: :func:`text` and :func:`optional_text` (for ``str`` and
``str | None``), :func:`count` and :func:`required_count` (``int | None`` and ``int``: ints,
integral floats, numeric strings, null), :func:`timestamp` and :func:`required_timestamp`
(``datetime | None`` and ``datetime``: ISO 8601 with or without a zone, epoch seconds or
milliseconds, .NET ``/Date()/``), all giving aware UTC datetimes.

Each plugin keeps its own cattrs converter (wire names, quirks); :func:`structure` turns any
mismatch into one :class:`WireError` with the path and the reason, which the plugin then
reports as a :class:`~linkreport.errors.BadResponseError` naming the campaign.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from linkreport.records import MAX_COUNT, check_count

if TYPE_CHECKING:
    import cattrs

T = TypeVar("T")


class WireError(ValueError):
    """A payload does not have the shape the provider documents."""


def _describe(exc: BaseException, _type: Any) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    return str(exc) or exc.__class__.__name__


def structure(converter: cattrs.Converter, data: Any, cls: type[T]) -> T:
    """Structure decoded JSON into ``cls`` with ``converter``; a misfit raises WireError."""
    if not isinstance(data, dict):
        raise WireError(f"expected an object, got {type(data).__name__}")
    try:
        return converter.structure(data, cls)
    except WireError:
        raise
    except Exception as exc:
        import cattrs  # loaded already: ``converter`` is one

        if isinstance(exc, cattrs.BaseValidationError):
            raise WireError(
                "; ".join(cattrs.transform_error(exc, format_exception=_describe))
            ) from None
        raise WireError(str(exc)) from None


def text(value: Any, _type: Any = None) -> str:
    """A cattrs hook for required text: a non-empty string."""
    if isinstance(value, str) and value.strip():
        return value
    raise WireError(f"expected a non-empty string, got {value!r}")


def optional_text(value: Any, _type: Any = None) -> str | None:
    """A cattrs hook for optional text; numbers become strings (IDs sent as numbers happen)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise WireError(f"expected a string, got {value!r}")


# --- counts and timestamps -------------------------------------------------------------
# Register them on the types of your wire classes' fields:
#     converter.register_structure_hook(int | None, wire.count)
#     converter.register_structure_hook(int, wire.required_count)
#     converter.register_structure_hook(datetime | None, wire.timestamp)
#     converter.register_structure_hook(datetime, wire.required_timestamp)

_DOTNET_DATE = re.compile(r"^\\?/Date\((-?\d{1,30})([+-]\d{4})?\)\\?/$")
#: Digits a count or an epoch time may have (more is no time and no count: 10^30 clicks).
_MAX_DIGITS = 30
#: Epoch numbers above this are milliseconds (as seconds it would be after the year 5138).
EPOCH_MS_THRESHOLD = 100_000_000_000


def parse_count(value: Any) -> int | None:
    """A click count: an int, an integral float (``34.0``), a numeric string, or null.

    ``None`` and ``""`` are null (the ESP did not report it). Negative, fractional, boolean
    and non-numeric values, and counts above :data:`~linkreport.records.MAX_COUNT` (what a
    store or warehouse can hold), raise :class:`WireError`.
    """
    if value is None or value == "":
        return None
    if value.__class__ is int and 0 <= value <= MAX_COUNT:  # the common case first
        return int(value)
    if isinstance(value, bool):
        raise WireError(f"a count must be a number, got {value!r}")
    if isinstance(value, str):
        if len(value) > 4 * _MAX_DIGITS:
            raise WireError(f"a count must be a number, got {_clip(value)}")
        try:
            value = float(value.strip())
        except ValueError:
            raise WireError(f"a count must be a number, got {value!r}") from None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    else:
        raise WireError(f"a count must be a whole number, got {value!r}")
    try:
        check_count("a count", number)
    except ValueError as exc:
        raise WireError(str(exc)) from None
    return number


def count(value: Any, _type: Any = None) -> int | None:
    """A cattrs hook for ``int | None`` counts (see :func:`parse_count`)."""
    return parse_count(value)


def required_count(value: Any, _type: Any = None) -> int:
    """A cattrs hook for ``int`` counts that must be present."""
    number = parse_count(value)
    if number is None:
        raise WireError(f"expected a count, got {value!r}")
    return number


def _clip(text: str) -> str:
    """``repr(text)``, its middle left out when it is long (a message stays one short line)."""
    return repr(text) if len(text) <= 60 else f"{text[:40]!r}... ({len(text):,} characters)"


def _short_number(number: int | float) -> str:
    if isinstance(number, int) and number.bit_length() > 256:
        return f"a number of {number.bit_length() * 0.30103:.0f} digits"
    return repr(number)


def _epoch(number: float) -> datetime:
    try:
        seconds = number / 1000 if abs(number) >= EPOCH_MS_THRESHOLD else number
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise WireError(f"epoch time out of range: {_short_number(number)}") from None


def parse_timestamp(value: Any) -> datetime | None:
    """A point in time as an aware UTC datetime; ``None`` and ``""`` are null.

    Accepts ISO 8601 with or without a zone (``2026-03-01T09:00:00Z``, ``...+02:00``; no zone
    means UTC), a date alone (midnight UTC), epoch seconds or milliseconds (numbers, or
    strings of digits; above :data:`EPOCH_MS_THRESHOLD` they are milliseconds), and .NET's
    ``/Date(ms)/`` or ``/Date(ms+hhmm)/`` (milliseconds since the epoch in UTC; the offset
    only says where the server was and never shifts the instant).
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, bool):
        raise WireError(f"expected a time, got {value!r}")
    elif isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise WireError(f"expected a time, got {value!r}")
        return _epoch(value)
    elif isinstance(value, str):
        raw = value.strip()
        if len(raw) > 4 * _MAX_DIGITS:  # no time is written so long (int() refuses 4,300 digits)
            raise WireError(f"expected an ISO 8601 or epoch time, got {_clip(value)}")
        match = _DOTNET_DATE.match(raw)
        if match:
            return _epoch_ms(int(match.group(1)))
        if re.fullmatch(r"-?\d+(\.\d+)?", raw):
            return _epoch(float(raw))
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise WireError(f"expected an ISO 8601 or epoch time, got {value!r}") from None
    else:
        raise WireError(f"expected a time, got {value!r}")
    return to_utc(parsed)


def to_utc(when: datetime) -> datetime:
    """``when`` as an aware UTC datetime (naive means UTC already).

    A time that UTC cannot hold (``9999-12-31T23:00:00-05:00`` is in the year 10000) raises
    :class:`WireError`, never ``OverflowError``.
    """
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    try:
        return when.astimezone(UTC)
    except (OverflowError, ValueError):
        raise WireError(f"the time {when.isoformat()} is out of range in UTC") from None


def _epoch_ms(milliseconds: int) -> datetime:
    try:
        return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise WireError(f"/Date()/ out of range: {milliseconds!r}") from None


def timestamp(value: Any, _type: Any = None) -> datetime | None:
    """A cattrs hook for ``datetime | None`` (see :func:`parse_timestamp`)."""
    return parse_timestamp(value)


def required_timestamp(value: Any, _type: Any = None) -> datetime:
    """A cattrs hook for ``datetime`` fields that must be present."""
    parsed = parse_timestamp(value)
    if parsed is None:
        raise WireError(f"expected a time, got {value!r}")
    return parsed


def handed_over(items: list[T]) -> Iterator[T]:
    """Yield the items of ``items`` in order, emptying it as they go.

    For a source yielding a large report it built as a list: each record is forgotten by
    the source once handed over, so the report is not kept twice while it is written.
    :meth:`~linkreport.http.HttpClient.get_records` and the kit's ``ApiSource`` already hand
    their records over this way: a plugin needs it only for records it builds itself.
    """
    items.reverse()
    while items:
        yield items.pop()
