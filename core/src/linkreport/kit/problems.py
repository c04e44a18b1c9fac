"""Turning an HTTP error answer into a core error that keeps the server's own message.

:func:`server_message` finds what the server said: an RFC 9457 ``application/problem+json``
body (:func:`read_problem`: ``detail``, else ``title``), the usual JSON error keys, or a
short plain-text body (never an HTML page). :func:`status_error` is core's documented
default mapping, used for every response a source's ``classify_response`` lets through:

======  ==========================================  ==================================
status  error                                       effect
======  ==========================================  ==================================
401     :class:`~linkreport.errors.AuthenticationError`   the run stops once
403     :class:`~linkreport.errors.AuthenticationError`   the run stops once
404     :class:`~linkreport.errors.NotFoundError`         that campaign fails
429     :class:`~linkreport.errors.RateLimitedError`      waited out (``Retry-After``)
5xx     :class:`~linkreport.errors.TransientError`        retried, then that campaign fails
4xx     :class:`~linkreport.errors.ProviderError`         that campaign fails
======  ==========================================  ==================================

A source that wants its own words for one status calls :func:`status_error` from its
``classify_response`` with ``not_found=...`` (or ``unauthorized=``/``forbidden=``) and raises
the result; the server's message is still appended. ``hints={403: "the app needs the X
scope"}`` adds the provider's advice after the server's message, and ``retry_after=1.0`` is
the wait for a 429 without a usable ``Retry-After``. :func:`error_field` reads one member of a
JSON error body (an object, or the first of an array of them), e.g. an error code that tells
a daily quota from a throttle.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from linkreport.errors import (
    AuthenticationError,
    LinkReportError,
    NotFoundError,
    ProviderError,
    RateLimitedError,
    TransientError,
)
from linkreport.redaction import redact

if TYPE_CHECKING:
    import requests

PROBLEM_JSON = "application/problem+json"
#: The longest server message kept (longer ones are cut with an ellipsis).
MAX_MESSAGE = 200
_KEYS = ("detail", "message", "error_description", "error_message", "title", "error", "errors")


@attrs.frozen
class Problem:
    """An RFC 9457 problem details object (every member optional)."""

    type: str | None = None
    title: str | None = None
    status: int | None = None
    detail: str | None = None
    instance: str | None = None

    @property
    def message(self) -> str | None:
        """``detail`` if given, else ``title``."""
        return self.detail or self.title


def _json_body(response: requests.Response) -> Any:
    try:
        return json.loads(response.content or b"null")
    except (ValueError, RecursionError):
        return None


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def read_problem(response: requests.Response) -> Problem | None:
    """Read an ``application/problem+json`` body; ``None`` for any other answer."""
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type != PROBLEM_JSON:
        return None
    body = _json_body(response)
    if not isinstance(body, dict):
        return None
    status = body.get("status")
    return Problem(
        type=_text(body.get("type")),
        title=_text(body.get("title")),
        status=status if isinstance(status, int) and not isinstance(status, bool) else None,
        detail=_text(body.get("detail")),
        instance=_text(body.get("instance")),
    )


def error_field(response: requests.Response, name: str) -> str | None:
    """Member ``name`` of a JSON error body as text, or ``None``.

    The body may be an object or an array of error objects (the first one is read); an
    empty, HTML or non-JSON body gives ``None``. The value is returned unshortened and
    unredacted: compare it with known codes, do not show it (:func:`server_message` does that).
    """
    body = _json_body(response)
    if isinstance(body, list) and body:
        body = body[0]
    return _text(body.get(name)) if isinstance(body, dict) else None


def _from_json(body: Any, depth: int = 0) -> str | None:
    if depth > 2:
        return None
    if isinstance(body, list):
        return _from_json(body[0], depth + 1) if body else None
    if isinstance(body, dict):
        for key in _KEYS:
            value = body.get(key)
            found = _text(value) or (_from_json(value, depth + 1) if value else None)
            if found:
                return found
    return _text(body)


def _shorten(text: str) -> str:
    text = " ".join(redact(text).split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1].rstrip() + "…"


def server_message(response: requests.Response) -> str | None:
    """What the server said about an error, in one short redacted line, or ``None``.

    Tries a problem+json body, then JSON keys (``detail``, ``message``,
    ``error_description``, ``error_message``, ``title``, ``error``, ``errors[0]``...), then a
    short plain-text body. HTML pages (gateways' error pages) are never quoted.
    """
    problem = read_problem(response)
    if problem is not None and problem.message:
        return _shorten(problem.message)
    content_type = response.headers.get("Content-Type", "").lower()
    body = _json_body(response)
    if body is not None:
        found = _from_json(body)
        return _shorten(found) if found else None
    if "html" in content_type or response.content.lstrip()[:1] == b"<":
        return None
    text = response.content[:400].decode("utf-8", "replace").strip()
    return _shorten(text) if text else None


def _where(response: requests.Response) -> str:
    request = response.request
    return redact(f"{request.method} {request.path_url}") if request is not None else "request"


def status_error(
    response: requests.Response,
    *,
    unauthorized: str | None = None,
    forbidden: str | None = None,
    not_found: str | None = None,
    hints: Mapping[int, str] | None = None,
    retry_after: float | None = None,
) -> LinkReportError | None:
    """Core's default error for an HTTP error status (``None`` below 400).

    The given texts replace core's words for 401, 403 and 404; the server's message is
    appended to every error, so users see what the provider actually said. ``hints`` maps a
    status to the provider's advice, added after the server's message (``"HTTP 403: access
    forbidden (GET /x): Missing scope; the app needs the X scope"``). ``retry_after`` is the
    wait in seconds for a 429 whose ``Retry-After`` is missing or unreadable (``None``: core's
    backoff decides).
    """
    status = response.status_code
    if status < 400:
        return None
    said = server_message(response)
    hint = (hints or {}).get(status)
    where = _where(response)

    def words(own: str) -> str:
        text = f"{own}: {said}" if said else own
        return f"{text}; {hint}" if hint else text

    if status == 429:
        from linkreport.http import parse_retry_after

        wait = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimitedError(
            words(f"HTTP 429 for {where}"), retry_after=retry_after if wait is None else wait
        )
    if status >= 500:
        return TransientError(words(f"HTTP {status} from the provider for {where}"), status=status)
    if status == 401:
        own = unauthorized or f"HTTP 401: the provider refused the credentials ({where})"
        return AuthenticationError(words(own))
    if status == 403:
        return AuthenticationError(words(forbidden or f"HTTP 403: access forbidden ({where})"))
    if status == 404:
        return NotFoundError(words(not_found or f"HTTP 404: not found ({where})"))
    return ProviderError(words(f"HTTP {status}: request refused ({where})"), status=status)


def raise_for_status(
    response: requests.Response,
    *,
    unauthorized: str | None = None,
    forbidden: str | None = None,
    not_found: str | None = None,
    hints: Mapping[int, str] | None = None,
    retry_after: float | None = None,
) -> None:
    """Raise :func:`status_error` of ``response`` (same options), if any."""
    error = status_error(
        response,
        unauthorized=unauthorized,
        forbidden=forbidden,
        not_found=not_found,
        hints=hints,
        retry_after=retry_after,
    )
    if error is not None:
        raise error


__all__ = [
    "PROBLEM_JSON",
    "Problem",
    "error_field",
    "raise_for_status",
    "read_problem",
    "server_message",
    "status_error",
]
