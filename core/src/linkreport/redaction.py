"""Keeping secrets out of every URL, message, log line and traceback.

Secrets are registered once (when settings are resolved, when a token is refreshed) and
:func:`redact` replaces them wherever text leaves the process. Query parameters that carry
credentials by name are masked too, so a secret never registered still does not leak
through a URL.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"
_MIN_SECRET_LENGTH = 4
_secrets: set[str] = set()
_lock = threading.Lock()
_pattern: re.Pattern[str] | None = None

_SENSITIVE_PARAMS = re.compile(
    r"(?i)\b(api_?key|access_token|refresh_token|client_secret|device_code|code|token|password)"
    r"=([^&\s\"'#]+)"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")


def add_secret(value: str | None) -> None:
    """Register ``value`` so that :func:`redact` masks it from now on."""
    global _pattern
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets.add(value)
        ordered = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in ordered))


def redact(text: str) -> str:
    """Return ``text`` with every registered secret and credential parameter masked."""
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    text = _SENSITIVE_PARAMS.sub(lambda m: f"{m.group(1)}={MASK}", text)
    return _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's final message (attach it to handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drops it."""
        message = record.getMessage()
        record.msg = redact(message)
        record.args = None
        if record.exc_info:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(formatted)
            record.exc_info = None
        return True
