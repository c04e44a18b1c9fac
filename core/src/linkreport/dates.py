"""Parsing the dates users give (``--since``): one parser for the CLI and the Python API.

Accepted: an aware datetime (converted to UTC), a naive one (taken as UTC), a ``date``
(midnight UTC), or text: ``YYYY-MM-DD``, an ISO 8601 time (UTC unless it says), or a
relative ``30d`` / ``2w`` (days or weeks ago). Dates before 1970 or past year 9998 are out
of range: no provider has campaigns there, and they overflow date arithmetic.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime, timedelta

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9998, 12, 31, tzinfo=UTC)
_RELATIVE = re.compile(r"(\d{1,9})([dw])")


def format_timestamp(value: datetime) -> str:
    """Format an aware datetime as ISO 8601 UTC with a ``Z`` suffix."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


#: :func:`format_timestamp` remembered, for a value many records share (a report's
#: ``fetched_at``). Not for values that differ from record to record (a link's last click):
#: hashing an aware datetime and keeping it costs more than formatting it again.
format_shared_timestamp = functools.lru_cache(maxsize=64)(format_timestamp)


def parse_past(value: object) -> datetime:
    """:func:`parse_since` of a time not in the future (``--since``); ``ValueError`` else."""
    since = parse_since(value)
    if since > datetime.now(UTC):  # (not records.utc_now: no attrs for a store command)
        raise ValueError(f"{value!r} is in the future: nothing was sent or clicked since then")
    return since


def parse_since(value: object, *, now: datetime | None = None) -> datetime:
    """Return ``value`` as an aware UTC datetime, or raise ``ValueError`` saying why not.

    A value of the wrong type raises ``TypeError``.
    """
    if isinstance(value, datetime):
        parsed = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day, tzinfo=UTC)
    elif isinstance(value, str):
        parsed = _parse_text(value.strip(), now)
        if parsed.tzinfo is None:  # UTC unless it says (not the machine's local time)
            parsed = parsed.replace(tzinfo=UTC)
    else:
        msg = f"since must be a datetime, a date or a string like '30d', got {type(value).__name__}"
        raise TypeError(msg)
    try:
        result = parsed.astimezone(UTC)
    except (OverflowError, ValueError):  # before year 1 or past 9999 once in UTC
        result = EARLIEST - timedelta(days=1)
    if not EARLIEST <= result <= LATEST:
        msg = f"{_show(value)} is out of range (use a date between 1970 and 9998)"
        raise ValueError(msg)
    return result


def _parse_text(text: str, now: datetime | None) -> datetime:
    relative = _RELATIVE.fullmatch(text)
    if relative:
        days = int(relative.group(1)) * (7 if relative.group(2) == "w" else 1)
        try:
            return (now or datetime.now(UTC)) - timedelta(days=days)
        except OverflowError:
            return EARLIEST - timedelta(days=1)  # out of range, said as for any other date
    if re.fullmatch(r"\d+[dw]", text):
        return EARLIEST - timedelta(days=1)
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        msg = f"{text!r} is not a date (use YYYY-MM-DD, an ISO 8601 time, or 7d / 2w)"
        raise ValueError(msg) from None


def _show(value: object) -> str:
    return repr(value) if isinstance(value, str) else str(value)
