"""The one HTTP policy every plugin uses.

:class:`HttpClient` gives each request connect and read timeouts, an overall deadline, a
size cap and a strict redirect policy (see :mod:`linkreport.transfer`), a ``User-Agent``, the
provider's proactive rate limit, the source's own classification of responses (errors
hidden in 200 bodies), retries with exponential backoff and jitter on connection errors,
timeouts, 5xx and 429 (honouring ``Retry-After`` and reset times), a bound on the time
spent retrying (a wait the provider asks for beyond it fails at once), the account's
concurrency limit (:mod:`linkreport.concurrency`), and redaction of secrets from everything
it logs or raises.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import attrs
import requests
import tenacity

from linkreport import __version__, cancel
from linkreport.concurrency import decoding, requesting
from linkreport.errors import (
    BadResponseError,
    LinkReportError,
    RateLimitedError,
)
from linkreport.headers_deadline import DeadlineAdapter
from linkreport.kit.problems import raise_for_status

if TYPE_CHECKING:
    from requests.sessions import _Settings

    from linkreport.concurrency import ConnectionSlots
from linkreport.kit.wire import handed_over
from linkreport.ratelimit import RateLimiter, Ticket
from linkreport.redaction import guard_library_loggers, redact
from linkreport.transfer import Limits, NotSentError, send

log = logging.getLogger("linkreport.http")

Classifier = Callable[[requests.Response], None]
WaitCallback = Callable[[float, str], None]
#: A source's own decoder of a response body (bytes, or text: see ``HttpClient.get_json``).
Decoder = Callable[[Any], Any]
USER_AGENT = f"linkreport/{__version__}"
T = TypeVar("T")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks for (delta or HTTP date), if any."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # not "²" or "٣": only ASCII digits are a delta
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def until_text(seconds: float, now: datetime | None = None) -> str:
    """When a wait of ``seconds`` ends, in UTC: the time, with the date if not today."""
    now = now or datetime.now(UTC)
    try:
        when = now + timedelta(seconds=seconds)
    except OverflowError:
        return "the far future"
    return f"{when:%H:%M:%S} UTC" if when.date() == now.date() else f"{when:%Y-%m-%d %H:%M:%S} UTC"


def describe(response: requests.Response) -> str:
    """Return ``METHOD path`` of a response's request, redacted, for messages."""
    return _described(response.request)


def _described(request: requests.PreparedRequest) -> str:
    return redact(f"{request.method} {request.path_url}")


def _text(body: bytes, encoding: str | None) -> str:
    """A body that is not UTF-8, UTF-16 or UTF-32 as text, for a message (as ``requests`` would)."""
    try:
        return body.decode(encoding or "utf-8", "replace")
    except LookupError:  # an encoding Python does not know
        return body.decode("utf-8", "replace")


def _not_json(request: requests.PreparedRequest, text: str) -> BadResponseError:
    snippet = " ".join(text[:80].split())
    return BadResponseError(
        f"{_described(request)} answered with a body that is not JSON: {snippet!r}"
    )


def _json(request: requests.PreparedRequest, encoding: str | None, held: list[bytes]) -> Any:
    """The JSON of the body ``held`` alone holds (an undecodable one: a bad response)."""
    body = held.pop()
    try:
        text = body.decode(json.detect_encoding(body), "surrogatepass")
    except UnicodeDecodeError:
        raise _not_json(request, _text(body, encoding)) from None
    del body
    try:
        return json.loads(text)
    except RecursionError:
        msg = f"{_described(request)} answered with JSON nested too deeply to read"
        raise BadResponseError(msg) from None
    except ValueError:
        raise _not_json(request, text) from None


def _own(decode: Decoder, text: bool, held: list[bytes]) -> Any:
    """A source's own ``decode`` of the body ``held`` alone holds (as text if ``text``)."""
    if not text:
        return decode(held.pop())
    body = held.pop()
    data: bytes | str = body
    with contextlib.suppress(UnicodeDecodeError):  # no such text: the decoder says so
        data = body.decode(json.detect_encoding(body), "surrogatepass")
    del body  # (the bytes let go once text)
    return decode(data)


def default_classify(response: requests.Response) -> None:
    """Core's status handling (the kit's :func:`status_error`), the server's message kept.

    429 and 5xx are retryable, 401/403 stop the run, 404 fails one campaign.
    """
    raise_for_status(response)


class EnvironmentOnce(requests.Session):
    """A session reading proxies, CA bundle and ``.netrc`` from the environment once per host.

    ``requests`` looks them up again for every request (the environment's proxy variables,
    a ``stat`` of ``~/.netrc``); the settings a user gives are honoured the same way, read
    once per scheme and host for the session's life.
    """

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[str, str], _Settings] = {}
        self._netrc: dict[tuple[str, str], tuple[str, str] | None] = {}

    def merge_environment_settings(
        self, url: str | bytes | None, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> _Settings:
        """``requests``' own, with what comes from the environment read once per host."""
        if proxies or not self.trust_env or not isinstance(url, str):
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        key = _host(url)
        found = self._environment.get(key)
        if found is None:
            found = super().merge_environment_settings(url, {}, None, None, None)
            self._environment[key] = found
        return {
            "proxies": dict(found["proxies"]),
            "stream": self.stream if stream is None else stream,
            "verify": found["verify"] if verify is None or verify is True else verify,
            "cert": self.cert if cert is None else cert,
        }

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        """``requests``' own, with ``.netrc`` read once per host."""
        if not self.trust_env or request.auth or self.auth or not isinstance(request.url, str):
            return super().prepare_request(request)
        key = _host(request.url)
        if key not in self._netrc:
            self._netrc[key] = requests.utils.get_netrc_auth(request.url)
        request.auth = self._netrc[key]
        self.trust_env = False  # (one thread uses a session at a time: see HttpClient.checkout)
        try:
            return super().prepare_request(request)
        finally:
            self.trust_env = True


def _host(url: str) -> tuple[str, str]:
    """The scheme and host (with port) of ``url``: what proxy and netrc settings depend on."""
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


@attrs.frozen
class _Options:
    accept: frozenset[int]
    limited: bool
    limiter: RateLimiter | None = None


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
        limits: Limits | None = None,
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
        self.limits = limits or Limits(connect_timeout=timeout[0], read_timeout=timeout[1])
        self.max_attempts = max_attempts
        self.max_retry_seconds = max_retry_seconds
        self.backoff = backoff
        self.headers = {"User-Agent": USER_AGENT, **(headers or {})}
        #: The account's concurrency limit (requests in flight at once), if any.
        self.slots = slots
        self._local = threading.local()
        guard_library_loggers()  # urllib3 logs each URL (and Sitecore Send's key) at DEBUG
        self._free: list[requests.Session] = []
        self._free_lock = threading.Lock()

    @property
    def session(self) -> requests.Session:
        """A session of this client's (sessions are not used by two threads at once).

        Prefer :meth:`checkout`; this one stays with the calling thread.
        """
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._new_session()
            self._local.session = session
        return session

    @contextlib.contextmanager
    def checkout(self) -> Iterator[requests.Session]:
        """A free session of this client's for one request (a new one if none is free).

        Sessions (and their open connections) are kept per client, not per thread: a pool of
        threads serving many accounts holds as many as requests ran at once, per account.
        """
        with self._free_lock:
            session = self._free.pop() if self._free else None
        if session is None:
            session = self._new_session()
        try:
            yield session
        finally:
            with self._free_lock:
                self._free.append(session)

    def _new_session(self) -> requests.Session:
        session = EnvironmentOnce()
        for prefix in ("https://", "http://"):  # the deadline covers the headers too
            session.mount(prefix, DeadlineAdapter())
        session.headers.update(self.headers)
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
        limiter: RateLimiter | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send a request under the policy; return the response or raise a core error.

        ``accept`` lists statuses returned as they are, without classification (e.g. an
        OAuth token endpoint's 400 with ``invalid_grant``); ``limited=False`` skips the
        proactive rate limit (for calls to another host); ``limiter`` counts the request against
        another budget than the account's (a resource the provider limits on its own). Other
        ``kwargs`` go to
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
            sleep=cancel.sleep,  # a retry is not waited for once nobody reads the answer
            reraise=True,
        )
        options = _Options(frozenset(accept), limited, limiter)
        started = time.monotonic()
        try:
            return retrying(self._attempt, method, self.url(path), options, kwargs)
        except RateLimitedError as error:
            wait = self._requested_wait(error)
            left = self.max_retry_seconds - (time.monotonic() - started)
            if wait is None or wait <= left:
                raise
            msg = (
                f"{error}: the provider asks to wait until {until_text(wait)}, longer than the"
                f" retry budget allows (LINKREPORT_MAX_RETRY_SECONDS={self.max_retry_seconds:g})"
            )
            raise RateLimitedError(msg, campaign_id=error.campaign_id) from None

    def get_json(
        self,
        path: str,
        *,
        decode: Decoder | None = None,
        text: bool = True,
        **kwargs: Any,
    ) -> Any:
        """GET ``path`` and decode its JSON body (an undecodable body is a bad response).

        The body is decoded in the process's decoding turn (:mod:`linkreport.concurrency`),
        its bytes let go once they are text: a large body is not held twice. ``decode``: the
        source's own decoder of the body instead of JSON (an envelope, XML), raising its own
        errors; with ``text`` (the default) it is given the body as text, decoded as JSON's
        UTF-8/16/32, the bytes already let go (bytes that are no such text: the bytes), with
        ``text=False`` the bytes (for a parser of bytes, such as XML's), its only holder.
        """
        return self._decoded(path, kwargs, None, decode, text)

    def get_records(
        self,
        path: str,
        build: Callable[[Any], list[T]],
        *,
        decode: Decoder | None = None,
        text: bool = True,
        **kwargs: Any,
    ) -> Iterator[T]:
        """GET ``path``, decode its JSON and map it to records with ``build(data)``.

        Decoding and ``build`` share one decoding turn, so a source needs no
        :func:`~linkreport.concurrency.decoding` of its own: ``build`` must be pure
        computation (no requests, no waiting) and may turn the decoded items into records in
        place. The request is sent now (its errors are raised here); the records are then
        handed over one at a time, each forgotten by core once yielded, so a large report is
        never held twice. An error ``build`` raises (a ``BadResponseError``) is raised here.
        ``decode`` and ``text``: the source's own decoder of the body, as for :meth:`get_json`.
        """
        return handed_over(self._decoded(path, kwargs, build, decode, text))

    def _decoded(
        self,
        path: str,
        kwargs: dict[str, Any],
        build: Callable[[Any], Any] | None,
        decode: Decoder | None,
        text: bool,
    ) -> Any:
        response = self.request("GET", path, **kwargs)
        sent, encoding = response.request, response.encoding
        held = [response.content]
        del response  # from here on the body's bytes have one holder: let go once decoded
        with decoding(len(held[0])):  # one body at a time (see linkreport.concurrency)
            if decode is None:
                decoded = [_json(sent, encoding, held)]
            else:
                decoded = [_own(decode, text, held)]
            if build is None:
                return decoded.pop()
            return build(decoded.pop())  # (the decoded body's one holder is ``build``)

    def _attempt(
        self, method: str, url: str, options: _Options, kwargs: dict[str, Any]
    ) -> requests.Response:
        cancel.check()  # nobody reads the answer any longer: send nothing
        requesting()  # (a runner's worker is done with its previous body)
        limiter = (options.limiter or self.limiter) if options.limited else None
        tickets: list[Ticket] = []  # each request sent, to date (see RateLimiter.sent)
        admit = None if limiter is None else partial(self._admit, limiter, tickets)
        started = time.monotonic()
        try:  # (around the slot too: a ticket never answered would hold the window for good)
            answered = admit() if admit is not None else None
            with (
                self.slots if self.slots is not None else contextlib.nullcontext(),
                self.checkout() as session,
            ):
                response = send(session, method, url, kwargs, self.limits, answered, admit)
        except NotSentError:
            if limiter is not None and tickets:
                limiter.withdraw(tickets.pop())  # the server saw nothing: its place is free
            raise
        finally:
            if limiter is not None:
                for ticket in tickets:  # (no-op once the headers came; a failure counts now)
                    limiter.sent(ticket)
        if log.isEnabledFor(logging.DEBUG):  # (no redact() per request unless shown)
            elapsed = (time.monotonic() - started) * 1000
            where = redact(f"{method} {url}")
            log.debug("%s -> %s (%.0f ms)", where, response.status_code, elapsed)
        if response.status_code in options.accept:
            return response
        if self.classify is not None:
            self.classify(response)
        default_classify(response)
        return response

    def _admit(self, limiter: RateLimiter, tickets: list[Ticket]) -> Callable[[], None]:
        """Wait for the limiter to let one request (or redirect hop) go; return its answer."""
        ticket = limiter.grant(self.on_wait)[0]
        tickets.append(ticket)
        return partial(limiter.sent, ticket)

    @staticmethod
    def _requested_wait(error: RateLimitedError) -> float | None:
        if error.retry_at is not None:
            return max((error.retry_at - datetime.now(UTC)).total_seconds(), 0.0) + 0.05
        return error.retry_after

    def _wait(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimitedError):
            wait = self._requested_wait(error)
            if wait is not None:
                return wait
        initial, maximum = self.backoff
        # "full jitter": a random wait up to the exponential bound spreads retries apart
        return float(tenacity.wait_random_exponential(multiplier=initial, max=maximum)(state))

    def _announce(self, state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        reason = str(error) if error else "retrying"
        log.info("retrying in %.1fs after: %s", state.upcoming_sleep, reason)
        if self.on_wait is not None:
            self.on_wait(state.upcoming_sleep, reason)
