"""Error tables: each HTTP status an ESP answers with, in its own words, and its reset headers.

::

    errors = Errors(
        words={401: "the API key is not valid", 404: "campaign not found"},
        kinds={400: AuthenticationError},      # Brevo's 400 "Key not found"
        hints={403: "allow this IP address under Security > Authorised IPs"},
        reset_headers=("x-sib-ratelimit-reset",),
    )

Statuses without an entry get core's mapping (:func:`linkreport.kit.problems.status_error`); the
server's message is always kept. A 429 without ``Retry-After`` waits as long as the first
vendor reset header declared says (seconds to wait, or an epoch time in seconds or ms).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs

from linkreport.errors import LinkReportError, ProviderError
from linkreport.kit.problems import server_message, status_error

if TYPE_CHECKING:
    import requests

_EPOCH_SECONDS = 1_000_000_000  # above this a reset value is a time, not a wait
_EPOCH_MS = 100_000_000_000
_CORE_WORDS = (401, 403, 404, 429)  # words core's mapping takes; 5xx are core's too


def reset_wait(response: requests.Response, headers: tuple[str, ...]) -> float | None:
    """Seconds to wait from the first of ``headers`` the response has with a number."""
    for name in headers:
        raw = (response.headers.get(name) or "").strip()
        try:
            value = float(raw)
        except ValueError:
            continue
        if value >= _EPOCH_MS:
            value = value / 1000 - time.time()
        elif value >= _EPOCH_SECONDS:
            value -= time.time()
        return max(value, 0.0)
    return None


@attrs.frozen
class Errors:
    """The ESP's error table: words and error kinds per status, hints, reset headers."""

    words: Mapping[int, str] = attrs.Factory(dict)
    kinds: Mapping[int, type[LinkReportError]] = attrs.Factory(dict)
    hints: Mapping[int, str] = attrs.Factory(dict)
    reset_headers: tuple[str, ...] = ("X-RateLimit-Reset",)

    def error(self, provider: str, response: requests.Response) -> LinkReportError | None:
        """The error ``response`` means (``None`` below 400)."""
        status = response.status_code
        if status < 400:
            return None
        words = {k: f"{provider}: {v}" for k, v in self.words.items()}
        kind = self.kinds.get(status)
        if kind is None and status in self.words and status not in _CORE_WORDS and status < 500:
            kind = ProviderError  # (429 and 5xx keep core's kinds: waited out, retried)
        if kind is not None:
            said = server_message(response)
            own = words.get(status, f"{provider}: HTTP {status}")
            hint = self.hints.get(status)
            text = f"{own}: {said}" if said else own
            text = f"{text}; {hint}" if hint else text
            return kind(text, status=status) if issubclass(kind, ProviderError) else kind(text)
        wait = reset_wait(response, self.reset_headers) if status == 429 else None
        return status_error(
            response,
            unauthorized=words.get(401),
            forbidden=words.get(403),
            not_found=words.get(404),
            hints=self.hints,
            retry_after=wait,
        )


__all__ = ["Errors", "reset_wait"]
