"""Keeping secrets out of every URL, message, log line and traceback.

Secrets are registered once (when settings are resolved, when a token is refreshed) and
:func:`redact` replaces them wherever text leaves the process, in their common encoded forms
too (URL-encoded, form-encoded, JSON- and HTML-escaped, base64 at any alignment inside a longer
base64 string), and any piece of :data:`MIN_PIECE` characters or more cut from the start or
the end of one of those forms (a body quoted up to a limit that falls mid-key). Query
parameters that carry credentials by name, ``Bearer``/``Basic`` values and passwords in a
URL's userinfo (``https://user:password@host``) are masked too, so a secret never registered
still does not leak through a URL.

Registering a secret is O(1) amortised (its forms go into a dictionary of anchors, nothing
is compiled), and :func:`redact` looks a text's windows up in that dictionary, so text that
holds no secret costs one pass whatever the number of secrets.
"""

from __future__ import annotations

import functools
import threading

TYPE_CHECKING = False  # typing's, without importing typing (every command imports this)
if TYPE_CHECKING:
    import logging
    import re

MASK = "***"
_MIN_SECRET_LENGTH = 4
#: A piece of a secret's form this long or longer, cut at its start or end, is masked too
#: (long enough that a word of a readable key, "fakemail-", is not taken for one).
MIN_PIECE = 12
_lock = threading.Lock()
_secrets: set[str] = set()
#: window length -> window text -> the forms anchored there: (form, at the form's start?)
_anchors: dict[int, dict[str, list[tuple[str, bool]]]] = {}
#: Every 5 characters of every anchor of MIN_PIECE: a text none of whose 5 characters at
#: offsets 0, 8, 16... is among them holds no anchor (each window of 12 holds one of those).
_grams: set[str] = set()
_GRAM, _STRIDE = 5, MIN_PIECE - 5 + 1

_NAMES = r"api_?key|access_token|refresh_token|client_secret|device_code|code|token|password"


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Credential parameters, JSON fields, URL user info and auth headers, compiled once.

    Compiled when first needed: most texts hold none of ``=``, ``"``, ``@`` or an auth scheme
    (:func:`redact` looks first), and compiling them costs a fifth of a bare interpreter's start.
    """
    import re

    return (
        re.compile(rf"(?i)(?:\b|(?<=%3F)|(?<=%26))({_NAMES})(=|%3D)(?:(?!%26)[^&\s\"'#])+"),
        re.compile(rf'(?i)"({_NAMES})"\s*:\s*"[^"]*"'),
        re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*):[^/\s@]+@"),
        re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"),
    )


def _base64_forms(raw: bytes) -> set[str]:
    """``raw`` base64-encoded on its own, and inside a longer string at offset 1 or 2 mod 3.

    Inside a longer string, the characters that also hold bits of the bytes around ``raw``
    differ; the characters made only of ``raw``'s bits are the same wherever it is.
    """
    import base64

    forms: set[str] = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        whole = encode(raw).decode()
        forms |= {whole, whole.rstrip("=")}
        for offset in (0, 1, 2):
            text = encode(b"\0" * offset + raw).decode()
            skip = -(-8 * offset // 6)  # characters holding bits of the bytes before
            keep = 8 * (offset + len(raw)) // 6  # characters made of whole bits only
            forms.add(text[skip:keep])
    return forms


def encodings(value: str) -> set[str]:
    """``value`` and the forms it takes when encoded for a URL, a form, JSON, HTML or base64."""
    import html
    import json
    from urllib.parse import quote, quote_plus

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
    forms |= _base64_forms(value.encode())
    return {f for f in forms if len(f) >= _MIN_SECRET_LENGTH}


def add_secret(value: str | None) -> None:
    """Register ``value`` so that :func:`redact` masks it from now on (O(1) amortised)."""
    if not value or len(value) < _MIN_SECRET_LENGTH:
        return
    with _lock:
        if value in _secrets:
            return
        for form in encodings(value):
            size = min(len(form), MIN_PIECE)
            table = _anchors.setdefault(size, {})
            for window, at_start in {(form[:size], True), (form[-size:], False)}:
                table[window] = [*table.get(window, ()), (form, at_start)]
                if size == MIN_PIECE:
                    _grams.update(window[i : i + _GRAM] for i in range(_STRIDE))
        _secrets.add(value)


def _masked_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    with _lock:  # (a secret registered meanwhile would change the tables under us)
        for size, table in _anchors.items():
            if len(text) < size:
                continue
            if size == MIN_PIECE and _grams.isdisjoint(
                [text[i : i + _GRAM] for i in range(0, len(text) - _GRAM + 1, _STRIDE)]
            ):
                continue  # the common case, in a quarter of the steps
            windows = {text[i : i + size] for i in range(len(text) - size + 1)}
            if table.keys().isdisjoint(windows):
                continue  # the common case: nothing of any secret in this text
            for start in range(len(text) - size + 1):
                for form, at_start in table.get(text[start : start + size], ()):
                    spans.append(_extend(text, start, size, form, at_start))
    return spans


def _extend(text: str, start: int, size: int, form: str, at_start: bool) -> tuple[int, int]:
    """The span of ``form``'s piece that matched ``size`` characters at ``start``."""
    if at_start:  # a prefix of the form: as far forward as the form goes on matching
        end = start + size
        while end < len(text) and end - start < len(form) and text[end] == form[end - start]:
            end += 1
        return start, end
    begin, end = start, start + size  # a suffix: as far back as it goes on matching
    while begin > 0 and end - begin < len(form) and text[begin - 1] == form[-(end - begin) - 1]:
        begin -= 1
    return begin, end


def _mask_secrets(text: str) -> str:
    spans = _masked_spans(text)
    if not spans:
        return text
    spans.sort()
    parts, position = [], 0
    for begin, end in spans:
        if end <= position:
            continue
        if begin >= position:
            parts += [text[position:begin], MASK]
        position = end
    parts.append(text[position:])
    return "".join(parts)


def redact(text: str) -> str:
    """Return ``text`` with every registered secret and credential parameter masked."""
    text = _mask_secrets(text)
    if _MAY_MATCH.isdisjoint(text):
        low = text.lower()
        if "bearer" not in low and "basic" not in low:
            return text  # none of the patterns can match: not even compiled
    params, fields, userinfo, bearer = _patterns()
    text = params.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = fields.sub(lambda m: f'"{m.group(1)}": "{MASK}"', text)
    text = userinfo.sub(lambda m: f"{m.group(1)}:{MASK}@", text)
    return bearer.sub(lambda m: f"{m.group(1)} {MASK}", text)


#: A character each pattern of :func:`_patterns` but the auth headers' needs (``%3D`` has ``%``).
_MAY_MATCH = frozenset('="@%')


class RedactingFilter:
    """A logging filter that redacts each record's final message (handlers or loggers).

    Any object with a ``filter`` method is a logging filter: this module does not import
    :mod:`logging`, which the CLI sets up only when something first imports it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place (and neutralise control characters); never drops it."""
        import logging

        from linkreport.terminal import printable

        message = record.getMessage()
        record.msg = printable(redact(message), newlines=True)
        record.args = None
        if record.exc_info:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = printable(redact(formatted), newlines=True)
            record.exc_info = None
        return True


#: The libraries under our HTTP client whose own loggers may print a request's URL.
GUARDED_LOGGERS = ("urllib3", "requests")


def guard_library_loggers(names: tuple[str, ...] = GUARDED_LOGGERS) -> None:
    """Attach a :class:`RedactingFilter` to ``names``' loggers and their existing children.

    A filter on a logger (not on a handler) redacts each record before any handler sees it,
    whatever logging the host program sets up (``logging.basicConfig(level=DEBUG)`` shows
    urllib3's ``GET /v3/...?apikey=...`` lines), and handlers added later too. Idempotent;
    the HTTP client calls it when it is created.
    """
    import logging

    known = list(logging.root.manager.loggerDict)  # (urllib3's loggers exist once imported)
    for name in {*names, *(n for n in known if n.split(".", 1)[0] in names)}:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
