"""Parsing the dates users give (``--since``): ISO dates and times, or ``30d``/``2w`` ago."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_RELATIVE = re.compile(r"(\d+)([dw])")


def parse_since(value: str | datetime, *, now: datetime | None = None) -> datetime:
    """Return ``value`` as an aware UTC datetime.

    Accepts a datetime, ``YYYY-MM-DD``, an ISO 8601 time (UTC unless it says), or ``7d`` /
    ``2w`` (days or weeks before ``now``). Raise :class:`ValueError` with a one-line message
    for anything else.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    text = str(value).strip()
    relative = _RELATIVE.fullmatch(text)
    if relative:
        days = int(relative.group(1)) * (7 if relative.group(2) == "w" else 1)
        return (now or datetime.now(UTC)) - timedelta(days=days)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        msg = f"{text!r} is not a date (use YYYY-MM-DD, an ISO 8601 time, or 7d / 2w)"
        raise ValueError(msg) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
