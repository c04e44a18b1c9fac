"""The one HTTP policy every plugin uses.

:class:`HttpClient` gives each request connect and read timeouts, a ``User-Agent``, the
provider's proactive rate limit, the source's own classification of responses (errors
hidden in 200 bodies), retries with exponential backoff and jitter on connection errors,
timeouts, 5xx and 429 (honouring ``Retry-After`` and reset times), a bound on the time
spent retrying, the account's concurrency limit (:mod:`linkreport.concurrency`), and
redaction of secrets from everything it logs or raises.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import attrs
import requests
import tenacity

from linkreport import __version__
from linkreport.errors import (
    BadResponseError,
    LinkReportError,
    RateLimitedError,
    TransientError,
)
from linkreport.problems import raise_for_status

if TYPE_CHECKING:
    from linkreport.concurrency import ConnectionSlots
from linkreport.ratelimit import RateLimiter
from linkreport.redaction import redact

log = logging.getLogger("linkreport.http")

Classifier = Callable[[requests.Response], None]
WaitCallback = Callable[[float, str], None]
USER_AGENT = f"linkreport/{__version__}"


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks for (delta or HTTP date), if any."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def describe(response: requests.Response) -> str:
    """Return ``METHOD path`` of a response's request, redacted, for messages."""
    request = response.request
    return redact(f"{request.method} {request.path_url}")


def default_classify(response: requests.Response) -> None:
    """Core's status handling (:func:`linkreport.problems.status_error`), the server's message kept.

    429 and 5xx are retryable, 401/403 stop the run, 404 fails one campaign.
    """
    raise_for_status(response)


@attrs.frozen
class _Options:
    accept: frozenset[int]
    limited: bool


class HttpClient:
    """A requests-based client applying linkreport's HTTP policy; safe to share across threads."""

    def __init__(
        self,
        *,
        base_url: str,
        limiter: RateLimiter | None = None,
        classify: Classifier | None = None,
        on_wait: WaitCallback | None = None,
        timeout: tuple[float, float] = (10.0, 60.0),
        max_attempts: int = 8,
        max_retry_seconds: float = 900.0,
        backoff: tuple[float, float] = (0.5, 30.0),
        headers: Mapping[str, str] | None = None,
        slots: ConnectionSlots | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.limiter = limiter
        self.classify = classify
        self.on_wait = on_wait
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.max_retry_seconds = max_retry_seconds
        self.backoff = backoff
        self.headers = {"User-Agent": USER_AGENT, **(headers or {})}
        #: The account's concurrency limit (requests in flight at once), if any.
        self.slots = slots
        self._local = threading.local()

    @property
    def session(self) -> requests.Session:
        """This thread's session (sessions are not shared between threads)."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update(self.headers)
            self._local.session = session
        return session

    def url(self, path: str) -> str:
        """Join a path (``/campaigns/...``) to the base URL; absolute URLs pass through."""
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self,
        method: str,
        path: str,
        *,
        accept: Collection[int] = (),
        limited: bool = True,
        **kwargs: Any,
    ) -> requests.Response:
        """Send a request under the policy; return the response or raise a core error.

        ``accept`` lists statuses returned as they are, without classification (e.g. an
        OAuth token endpoint's 400 with ``invalid_grant``); ``limited=False`` skips the
        proactive rate limit (for calls to another host). Other ``kwargs`` go to
        :meth:`requests.Session.request` (``params``, ``headers``, ``data``, ``auth``...).
        """
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(
                lambda e: isinstance(e, LinkReportError) and e.retryable
            ),
            stop=tenacity.stop_after_attempt(self.max_attempts)
            | tenacity.stop_before_delay(self.max_retry_seconds),
            wait=self._wait,
            before_sleep=self._announce,
            reraise=True,
        )
        options = _Options(frozenset(accept), limited)
        return retrying(self._attempt, method, self.url(path), options, kwargs)

    def get_json(self, path: str, **kwargs: Any) -> Any:
        """GET ``path`` and decode its JSON body (an undecodable body is a bad response)."""
        response = self.request("GET", path, **kwargs)
        try:
            return response.json()
        except ValueError:
            snippet = " ".join(response.text[:80].split())
            msg = f"{describe(response)} answered with a body that is not JSON: {snippet!r}"
            raise BadResponseError(msg) from None

    def _attempt(
        self, method: str, url: str, options: _Options, kwargs: dict[str, Any]
    ) -> requests.Response:
        if self.limiter is not None and options.limited:
            self.limiter.acquire(self.on_wait)
        started = time.monotonic()
        where = redact(f"{method} {url}")
        try:
            with self.slots if self.slots is not None else contextlib.nullcontext():
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise TransientError(f"{where} timed out") from None
        except requests.ConnectionError as exc:
            raise TransientError(f"{where} failed: {_reason(exc)}") from None
        except requests.RequestException as exc:
            raise TransientError(f"{where} failed: {_reason(exc)}") from None
        elapsed = (time.monotonic() - started) * 1000
        log.debug("%s -> %s (%.0f ms)", where, response.status_code, elapsed)
        if response.status_code in options.accept:
            return response
        if self.classify is not None:
            self.classify(response)
        default_classify(response)
        return response

    def _wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimitedError):
            if error.retry_at is not None:
                return max((error.retry_at - datetime.now(UTC)).total_seconds(), 0.0) + 0.05
            if error.retry_after is not None:
                return error.retry_after
        initial, maximum = self.backoff
        # "full jitter": a random wait up to the exponential bound spreads retries apart
        return float(tenacity.wait_random_exponential(multiplier=initial, max=maximum)(state))

    def _announce(self, state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        reason = str(error) if error else "retrying"
        log.info("retrying in %.1fs after: %s", state.upcoming_sleep, reason)
        if self.on_wait is not None:
            self.on_wait(state.upcoming_sleep, reason)


_REASONS = (
    ("Connection refused", "connection refused"),
    ("Connection reset", "connection reset by the server"),
    ("RemoteDisconnected", "connection closed without a response"),
    ("IncompleteRead", "response body cut short"),
    ("InvalidChunkLength", "response body cut short"),
    ("Name or service not known", "host not found"),
    ("certificate verify failed", "TLS certificate not trusted"),
)


def _reason(exc: BaseException) -> str:
    """A short reason for a requests exception, in words (never the URL or a repr)."""
    text = str(exc)
    for needle, words in _REASONS:
        if needle in text:
            return words
    return exc.__class__.__name__
