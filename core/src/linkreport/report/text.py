"""How the report writes numbers, dates and URLs for people (Jinja2 filters; pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

#: What the page shows where a provider does not report a number (never 0).
MISSING = "—"
ELLIPSIS = "…"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def number(value: int | None) -> str:
    """``1234567`` → ``1,234,567``; ``None`` → ``—``."""
    return MISSING if value is None else f"{value:,}"


def percent(value: float | None) -> str:
    """A fraction as a percentage: ``0.0253`` is ``2.5%``, ``0.0004`` ``0.04%``, ``None`` ``—``."""
    if value is None:
        return MISSING
    shown = value * 100
    return f"{shown:.1f}%" if shown >= 1 or shown == 0 else f"{shown:.2f}%"


def day(value: datetime | None) -> str:
    """``23 Nov 2026`` (UTC); ``None`` → ``—``."""
    if value is None:
        return MISSING
    value = value.astimezone(UTC)
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def moment(value: datetime | None) -> str:
    """``23 Nov 2026, 14:05 UTC``; ``None`` → ``—``."""
    if value is None:
        return MISSING
    value = value.astimezone(UTC)
    return f"{day(value)}, {value:%H:%M} UTC"


def iso(value: datetime) -> str:
    """The machine-readable form for ``<time datetime=...>``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def short_url(url: str, limit: int = 44) -> str:
    """A URL shortened for a chart label: no scheme or ``www.``, middle path segments elided.

    ``https://www.example.com/blog/2026/11/a-long-story?utm_source=x`` becomes
    ``example.com/blog/…/a-long-story?…``; the full URL stays in the title and the tables.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return _middle(url, limit)
    host = parts.netloc.lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    text = host + path + query
    if len(text) <= limit:
        return text
    if query:
        query, text = "?" + ELLIPSIS, host + path + "?" + ELLIPSIS
    segments = [s for s in path.split("/") if s]
    if len(text) > limit and len(segments) > 2:
        text = f"{host}/{segments[0]}/{ELLIPSIS}/{segments[-1]}{query}"
    if len(text) > limit and len(segments) > 1:
        text = f"{host}/{ELLIPSIS}/{segments[-1]}{query}"
    if len(text) > limit and segments and len(host) < limit // 2:
        return text[: limit - 1] + ELLIPSIS  # the start of the last segment says most
    return _middle(text, limit)


def _middle(text: str, limit: int) -> str:
    """Elide the middle of ``text`` so it fits in ``limit`` characters."""
    if len(text) <= limit:
        return text
    head = (limit - 1) * 3 // 5
    tail = limit - 1 - head
    return text[:head] + ELLIPSIS + text[len(text) - tail :]


def plural(count: int | None, word: str, many: str | None = None) -> str:
    """``1 campaign``, ``2 campaigns``, ``1,200 links``."""
    if count is None:
        return f"{MISSING} {many or word + 's'}"
    return f"{number(count)} {word if count == 1 else (many or word + 's')}"


def share(value: float | None) -> str:
    """A fraction as a whole percentage: ``42%``, ``<1%`` when small but not 0, "—" for None."""
    if value is None:
        return MISSING
    if 0 < value < 0.005:
        return "<1%"
    return f"{value * 100:.0f}%"
