"""One HTTP exchange under linkreport's limits: URL rule, redirects, deadline, size cap.

:func:`send` is what :class:`~linkreport.http.HttpClient` does for each attempt:

- every URL actually requested (redirect targets included) must be https, or http to a
  loopback host;
- a redirect is followed only for ``GET``, only within the same origin (scheme, host, port),
  at most :data:`MAX_REDIRECTS` times, and without re-sending credentials (``Authorization``,
  cookies, ``auth=``, any header holding a secret) or the query parameters; any other
  redirect is refused in one line;
- the whole exchange (connect, status line and headers, body) has an overall deadline, so an
  answer that trickles in byte by byte fails (and is retried) instead of hanging (the header
  phase is watched by :mod:`linkreport.headers_deadline`);
- the body is read up to a size cap, so an endless body fails instead of eating memory.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import requests
import urllib3.exceptions

from linkreport.errors import (
    AuthenticationError,
    BadResponseError,
    ProviderError,
    TransientError,
    UsageError,
)
from linkreport.headers_deadline import timed_out, watching
from linkreport.redaction import redact
from linkreport.urls import is_allowed, origin, origin_text

MAX_REDIRECTS = 5
MIB = 1024 * 1024
CONNECT_TIMEOUT, READ_TIMEOUT, DEADLINE, MAX_RESPONSE_MB = 10.0, 60.0, 300.0, 256.0
_CHUNK = 64 * 1024
_CREDENTIAL_HEADERS = {"authorization", "proxy-authorization", "cookie"}


@attrs.frozen
class Limits:
    """Time and size limits of one request (each attempt)."""

    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT
    deadline: float = DEADLINE
    max_bytes: int = int(MAX_RESPONSE_MB * MIB)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Limits:
        """Read ``LINKREPORT_READ_TIMEOUT``, ``_REQUEST_TIMEOUT`` and ``_MAX_RESPONSE_MB``."""
        read = env_seconds(env, "LINKREPORT_READ_TIMEOUT", READ_TIMEOUT)
        deadline = env_seconds(env, "LINKREPORT_REQUEST_TIMEOUT", DEADLINE)
        size = env_seconds(env, "LINKREPORT_MAX_RESPONSE_MB", MAX_RESPONSE_MB, what="a size in MiB")
        return cls(
            connect_timeout=min(CONNECT_TIMEOUT, deadline),
            read_timeout=min(read, deadline),
            deadline=deadline,
            max_bytes=max(1, int(size * MIB)),
        )


def env_seconds(
    env: Mapping[str, str], name: str, default: float, *, what: str = "a number of seconds"
) -> float:
    """A positive, finite number from ``env`` (``default`` when unset); else a usage error."""
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise UsageError(f"{name} must be {what} greater than 0, got {raw!r}")
    return value


def env_count(env: Mapping[str, str], name: str, default: int) -> int:
    """A whole number >= 0 from ``env`` (``default`` when unset); else a usage error."""
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or int(text) > 1000:
        raise UsageError(f"{name} must be a whole number from 0 to 1000, got {raw!r}")
    return int(text)


def send(
    session: requests.Session,
    method: str,
    url: str,
    kwargs: dict[str, Any],
    limits: Limits,
    answered: Callable[[], object] | None = None,
    admit: Callable[[], Callable[[], object]] | None = None,
) -> requests.Response:
    """Send one request (following same-origin GET redirects) and read its body in full.

    ``answered`` is called when the first response's headers arrive, before its body is read
    (the rate limiter dates the request by it). A redirect's next request counts against the
    provider's limit too: ``admit`` is called before each one is sent (it waits for the
    limiter) and returns that request's ``answered``.
    """
    deadline = time.monotonic() + limits.deadline
    where = Where(method, url)
    response = _exchange(session, method, url, kwargs, limits, deadline, where, answered)
    hops = 0
    while response.is_redirect:
        target = _redirect_target(method, url, response, where)
        hops += 1
        if hops > MAX_REDIRECTS:
            raise ProviderError(f"{where} was redirected more than {MAX_REDIRECTS} times")
        url = target
        bare = {k: v for k, v in kwargs.items() if k not in {"params", "auth", "data", "json"}}
        headers = {
            k: v
            for k, v in (kwargs.get("headers") or {}).items()
            if k.lower() not in _CREDENTIAL_HEADERS and redact(str(v)) == str(v)
        }
        bare["headers"] = headers
        hop = admit() if admit is not None else None
        response = _exchange(session, method, url, bare, limits, deadline, where, hop, True)
    return response


class Where:
    """``METHOD path`` of a request for messages, redacted only when a message needs it."""

    __slots__ = ("_text", "method", "url")

    def __init__(self, method: str, url: str) -> None:
        self.method, self.url = method, url
        self._text: str | None = None

    def __str__(self) -> str:
        if self._text is None:
            self._text = redact(f"{self.method} {_path(self.url)}")
        return self._text

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def _path(url: str) -> str:
    scheme, host, port = origin(url)
    prefix = f"{scheme}://{host}" + (f":{port}" if port is not None else "")
    return url[len(prefix) :] if url.lower().startswith(prefix) else url


def _redirect_target(method: str, url: str, response: requests.Response, where: Where) -> str:
    location = response.headers.get("Location", "")
    target = requests.compat.urljoin(url, location)
    if method.upper() != "GET":
        raise ProviderError(
            f"{where} was answered with a redirect (HTTP {response.status_code}); linkreport "
            "never follows a redirect of a request with a body or credentials to post"
        )
    if origin(target) != origin(url) or not is_allowed(target):
        raise ProviderError(
            f"refused a redirect of {where} to another origin ({redact(origin_text(target))}); "
            "check the provider's base_url"
        )
    response.close()
    return str(target)


def _exchange(
    session: requests.Session,
    method: str,
    url: str,
    kwargs: dict[str, Any],
    limits: Limits,
    deadline: float,
    where: Where,
    answered: Callable[[], object] | None = None,
    redirected: bool = False,
) -> requests.Response:
    if not is_allowed(url):
        raise ProviderError(
            f"refused to request {redact(origin_text(url))}: "
            "only https, or http to a loopback host, is allowed"
        )
    remaining = max(deadline - time.monotonic(), 0.001)
    timeout = (min(limits.connect_timeout, remaining), min(limits.read_timeout, remaining))
    try:
        with watching(deadline):  # (status line and headers too: see headers_deadline)
            response = session.request(
                method, url, timeout=timeout, stream=True, allow_redirects=False, **kwargs
            )
    except requests.RequestException as exc:
        if timed_out():  # the deadline shut the connection while its headers came in
            raise TransientError(_too_slow(where, limits)) from None
        error = NotSentError if _never_sent(exc) else TransientError
        if isinstance(exc, requests.Timeout):
            raise error(f"{where} timed out") from None
        raise error(f"{where} failed: {reason(exc)}") from None
    except ValueError as exc:  # requests reads a redirect's Location at once ("http://[::1")
        raise ProviderError(f"{where} failed: unreadable answer ({exc})") from None
    if answered is not None:
        answered()
    try:
        response._content = _read_body(response, limits, deadline, where)
        response._content_consumed = True  # type: ignore[attr-defined]  # read in full: the connection goes back to the pool
    finally:
        response.close()  # (a body read only in part closes the connection instead)
    if redirected and response.status_code in {401, 403}:
        raise AuthenticationError(
            f"{where} was redirected within its origin and the target asked for credentials "
            f"(HTTP {response.status_code}); linkreport never re-sends credentials on a redirect"
        )
    return response


def _too_slow(where: Where, limits: Limits) -> str:
    return f"{where} took longer than {limits.deadline:g}s in all (LINKREPORT_REQUEST_TIMEOUT)"


class NotSentError(TransientError):
    """No connection could be made (refused, timed out): the server saw nothing of the request."""


def _never_sent(exc: requests.RequestException) -> bool:
    if isinstance(exc, requests.ConnectTimeout):
        return True
    cause = exc.args[0] if exc.args else None  # (urllib3's MaxRetryError, naming the reason)
    return isinstance(getattr(cause, "reason", cause), urllib3.exceptions.NewConnectionError)


def _read_body(response: requests.Response, limits: Limits, deadline: float, where: Where) -> bytes:
    def too_big() -> BadResponseError:
        return BadResponseError(
            f"{where} answered with more than {limits.max_bytes / MIB:g} MiB"
            " (LINKREPORT_MAX_RESPONSE_MB)"
        )

    length = response.headers.get("Content-Length", "").strip()
    if length.isascii() and length.isdigit() and int(length) > limits.max_bytes:
        raise too_big()
    chunks: list[bytes] = []
    size = 0
    raw = response.raw
    try:
        while True:
            if time.monotonic() > deadline:
                raise TransientError(_too_slow(where, limits))
            chunk = raw.read1(_CHUNK, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > limits.max_bytes:
                raise too_big()
            chunks.append(chunk)
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        if isinstance(exc, urllib3.exceptions.ReadTimeoutError | TimeoutError):
            raise TransientError(f"{where} timed out") from None
        raise TransientError(f"{where} failed: {reason(exc)}") from None
    return b"".join(chunks)


_REASONS = (
    ("Connection refused", "connection refused"),
    ("Connection reset", "connection reset by the server"),
    ("RemoteDisconnected", "connection closed without a response"),
    ("IncompleteRead", "response body cut short"),
    ("InvalidChunkLength", "response body cut short"),
    ("Name or service not known", "host not found"),
    ("certificate verify failed", "TLS certificate not trusted"),
)


def reason(exc: BaseException) -> str:
    """A short reason for a requests exception, in words (never the URL or a repr)."""
    text = str(exc)
    for needle, words in _REASONS:
        if needle in text:
            return words
    return exc.__class__.__name__
