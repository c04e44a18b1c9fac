"""Keeping secrets out of every URL, message, log line and traceback.

Secrets are registered once (when settings are resolved, when a token is refreshed) and
:func:`redact` replaces them wherever text leaves the process, in their common encoded forms
too (URL-encoded, form-encoded, JSON- and HTML-escaped, base64). Query parameters that carry
credentials by name, ``Bearer``/``Basic`` values and passwords in a URL's userinfo
(``https://user:password@host``) are masked too, so a secret never registered still does
not leak through a URL.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import re
import threading
from urllib.parse import quote, quote_plus

MASK = "***"
_MIN_SECRET_LENGTH = 4
_secrets: set[str] = set()
_lock = threading.Lock()
_pattern: re.Pattern[str] | None = None

_NAMES = r"api_?key|access_token|refresh_token|client_secret|device_code|code|token|password"
_SENSITIVE_PARAMS = re.compile(
    rf"(?i)(?:\b|(?<=%3F)|(?<=%26))({_NAMES})(=|%3D)(?:(?!%26)[^&\s\"'#])+"
)
_SENSITIVE_JSON = re.compile(rf'(?i)"({_NAMES})"\s*:\s*"[^"]*"')
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*):[^/\s@]+@")


def encodings(value: str) -> set[str]:
    """``value`` and the forms it takes when encoded for a URL, a form, JSON, HTML or base64."""
    raw = value.encode()
    forms = {
        value,
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        quote(quote(value, safe=""), safe=""),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        html.escape(value),
    }
    for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        text = encoded.decode()
        forms |= {text, text.rstrip("=")}
    return {f for f in forms if len(f) >= _MIN_SECRET_LENGTH}


def add_secret(value: str | None) -> None:
    """Register ``value`` so that :func:`redact` masks it from now on."""
    global _pattern
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        if value in _secrets:
            return
        _secrets.update(encodings(value))
        ordered = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in ordered))


def redact(text: str) -> str:
    """Return ``text`` with every registered secret and credential parameter masked."""
    pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    text = _SENSITIVE_PARAMS.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _SENSITIVE_JSON.sub(lambda m: f'"{m.group(1)}": "{MASK}"', text)
    text = _USERINFO.sub(lambda m: f"{m.group(1)}:{MASK}@", text)
    return _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's final message (attach it to handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place (and neutralise control characters); never drops it."""
        from linkreport.terminal import printable

        message = record.getMessage()
        record.msg = printable(redact(message), newlines=True)
        record.args = None
        if record.exc_info:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = printable(redact(formatted), newlines=True)
            record.exc_info = None
        return True
