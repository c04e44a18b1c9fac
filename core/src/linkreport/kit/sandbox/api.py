"""Sandboxes from the source's own declarations: sample data plus the ESP's quirks.

:class:`ApiSandbox` is a WSGI app that serves a kit source's campaign listing and link
reports from sample data, laid out as the source declares them (items, totals, cursors and
next links where its paginator reads them; the listing filtered by its ``since_param`` and
sorted newest first), and builds in what every sandbox needs:

- the **data clock** (:class:`~linkreport.kit.sandbox.server.Clock`: ``POST /_sandbox/advance``, and
  ``advance()`` in process): the data callables get the tick, so counts can grow;
- an **auth check** from the source's declared auth (header, query key, Basic, Bearer);
- a **rate-limit window** (``rate`` requests per ``window`` seconds, then 429 with the
  ESP's reset header, e.g. ``x-sib-ratelimit-reset``, and ``Retry-After`` only if it sends one);
- a **request log** (:attr:`ApiSandbox.log`): each request's method, path, query parameters
  and where the key arrived (``header``, ``query``, or ``None``);
- **more routes** (``routes={"/reports/{id}": summary}``): an ESP's other endpoints, each a
  function of the :class:`Asked` request, behind the same auth check, rate window and log;
  :meth:`ApiSandbox.page` lays out their items as a declaration pages them;
- **fault injection** comes from core around any sandbox (``-o faults=...``).
"""

from __future__ import annotations

import base64
import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

import attrs

from linkreport.kit.auth import Basic, Bearer, HeaderKey, QueryKey
from linkreport.kit.paginators import Cursor, NextLink, Offset, PageNumber
from linkreport.kit.sandbox.server import Clock
from linkreport.kit.select import Nested, Pairs
from linkreport.kit.wire import parse_timestamp

if TYPE_CHECKING:
    from linkreport.kit.declare import Clicks, Listing, Report
    from linkreport.kit.source import ApiSource

Item = dict[str, Any]
_FROM = "_from"  # the sandbox's own parameter in the next links it writes
_PAGE = 100  # items per page for cursors and next links


@attrs.frozen
class Logged:
    """One request the sandbox received."""

    method: str
    path: str
    params: Mapping[str, str]
    key_in: str | None


@attrs.frozen
class Asked:
    """One request to an added route: its path, the ``{id}`` in it, its query, the data tick."""

    path: str
    id: str | None
    params: Mapping[str, str]
    tick: int


#: An added route's answer to one request: the JSON body (raise :class:`Refused` to refuse).
Route = Callable[[Asked], Any]


def _pattern(template: str) -> re.Pattern[str]:
    """A path template (``/reports/{id}``) as an anchored pattern; ``{id}`` is one segment."""
    return re.compile(re.escape(template).replace(r"\{id\}", "(?P<id>[^/]+)") + "$")


class Refused(Exception):
    """Raise from a data callable to answer with ``status`` and the ESP's error body."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


_REASONS = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests"}


def _put(body: Item, path: str, value: Any) -> None:
    steps = path.split(".")
    for step in steps[:-1]:
        body = body.setdefault(step, {})
    body[steps[-1]] = value


class ApiSandbox:
    """A kit source's API served from ``campaigns(tick)`` and ``reports(id, tick)``.

    ``campaigns`` returns the listing's items (wire-shaped dicts, any order);
    ``reports`` the link items of one campaign (``None``: unknown, answered 404).
    ``error_body(status, message)`` shapes the ESP's error answers. ``routes`` adds the
    ESP's other endpoints: path templates (``{id}`` matches one segment) and the
    :data:`Route` answering each, tried before the declared ones.
    """

    def __init__(
        self,
        source: ApiSource,
        *,
        key: str,
        campaigns: Callable[[int], Sequence[Item]],
        reports: Callable[[str, int], Sequence[Item] | None],
        rate: int = 0,
        window: float = 1.0,
        reset_header: str = "X-RateLimit-Reset",
        retry_after: bool = False,
        error_body: Callable[[int, str], Any] = lambda status, message: {"message": message},
        routes: Mapping[str, Route] | None = None,
    ) -> None:
        self.source, self.key = source, key
        self.campaigns, self.reports = campaigns, reports
        self.rate, self.window = rate, window
        self.reset_header, self.retry_after, self.error_body = reset_header, retry_after, error_body
        self.clock = Clock()
        self.log: list[Logged] = []
        self.refused = 0
        self._recent: list[float] = []
        self._lock = threading.Lock()
        self._report = _pattern(source.links.endpoint.path)
        self._routes = [(_pattern(path), route) for path, route in (routes or {}).items()]

    def advance(self, steps: int = 1) -> int:
        """Advance the data clock (see :class:`~linkreport.kit.sandbox.server.Clock`)."""
        return self.clock.advance(steps)

    # --- WSGI --------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start: Callable[..., Any]) -> Iterable[bytes]:
        """Answer one request."""
        control = self.clock.control(environ, start)
        if control is not None:
            return control
        path = environ.get("PATH_INFO", "")
        params = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        where, key = self._key(environ, params)
        self.log.append(Logged(environ.get("REQUEST_METHOD", "GET"), path, params, where))
        wait = self._limited()
        if wait is not None:
            self.refused += 1
            headers = [(self.reset_header, str(math.ceil(wait)))]
            if self.retry_after:
                headers.append(("Retry-After", str(math.ceil(wait))))
            return self._reply(start, 429, self.error_body(429, "too many requests"), headers)
        try:
            if key != self.key:
                raise Refused(401, "key not found" if key else "no key")
            return self._reply(start, 200, self._answer(path, params))
        except ValueError:  # (a paging parameter that is not a number)
            return self._reply(start, 400, self.error_body(400, "bad paging parameter"))
        except Refused as refused:
            return self._reply(
                start, refused.status, self.error_body(refused.status, refused.message)
            )

    def _reply(
        self, start: Callable[..., Any], status: int, body: Any, headers: Sequence[Any] = ()
    ) -> list[bytes]:
        payload = json.dumps(body).encode()
        reason = _REASONS.get(status, "OK" if status == 200 else "Error")
        start(
            f"{status} {reason}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload))), *headers],
        )
        return [payload]

    def _key(self, environ: Mapping[str, Any], params: Mapping[str, str]) -> tuple[str | None, str]:
        auth = self.source.auth
        header = ""
        if isinstance(auth, QueryKey):
            return ("query", params[auth.param]) if auth.param in params else (None, "")
        if isinstance(auth, HeaderKey):
            header = environ.get("HTTP_" + auth.header.upper().replace("-", "_"), "")
            header = header.removeprefix(auth.prefix)
        elif isinstance(auth, Basic | Bearer):
            scheme, _, value = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
            if isinstance(auth, Bearer):
                header = value if scheme == "Bearer" else ""
            elif scheme == "Basic":
                user, _, password = base64.b64decode(value).decode().partition(":")
                header = password if auth.password else user
        return ("header", header) if header else (None, "")

    def _limited(self) -> float | None:
        if not self.rate:
            return None
        with self._lock:
            now = time.monotonic()
            self._recent[:] = [t for t in self._recent if t > now - self.window]
            if len(self._recent) >= self.rate:
                return self._recent[0] + self.window - now
            self._recent.append(now)
            return None

    # --- the data, laid out as the source reads it -------------------------------------

    def _answer(self, path: str, params: Mapping[str, str]) -> Any:
        listing = self.source.campaigns
        tick = self.clock.tick
        for pattern, route in self._routes:
            matched = pattern.match(path)
            if matched is not None:
                found = matched.groupdict().get("id")
                return route(Asked(path=path, id=found, params=params, tick=tick))
        if path == listing.endpoint.path:
            items = self._listed(list(self.campaigns(tick)), params)
            return self.page(listing, items, Asked(path, None, params, tick))
        match = self._report.match(path)
        if match is None:
            raise Refused(404, "no such path")
        found = self.reports(match.group("id"), tick)
        if found is None:
            raise Refused(404, "campaign not found")
        report: Report = self.source.links
        return self.page(report, list(found), Asked(path, match.group("id"), params, tick))

    def _listed(self, items: list[Item], params: Mapping[str, str]) -> list[Item]:
        fields = self.source.campaigns.fields
        sent = fields.path("sent_at") or fields.path("updated_at") or "sent_at"

        def when(item: Item) -> datetime:
            return parse_timestamp(item.get(sent)) or datetime.min.replace(tzinfo=UTC)

        since_param = self.source.campaigns.since_param
        if since_param and params.get(since_param):
            since = parse_timestamp(params[since_param]) or datetime.min.replace(tzinfo=UTC)
            items = [item for item in items if when(item) >= since]
        return sorted(items, key=when, reverse=True)

    def page(self, declared: Listing | Report | Clicks, items: Sequence[Any], asked: Asked) -> Item:
        """The page of ``items`` that ``asked`` wants, laid out as ``declared`` reads it.

        The items go where ``declared.items`` says (the outer items of a ``Nested``), with
        the total, page count, cursor or next link its paginator reads.
        """
        paginator, where = declared.paginator, declared.items
        params, path, items = asked.params, asked.path, list(items)
        body: Item = {}
        chunk = items
        if isinstance(paginator, Offset):
            start = int(params.get(paginator.offset_param, "0"))
            size = int(params.get(paginator.limit_param, str(paginator.limit)))
            chunk = items[start : start + min(size, paginator.limit)]
            if paginator.total:
                _put(body, paginator.total, len(items))
        elif isinstance(paginator, PageNumber):
            number = int(params.get(paginator.param, str(paginator.first))) - paginator.first
            chunk = items[number * paginator.size : (number + 1) * paginator.size]
            if paginator.total_pages:
                _put(body, paginator.total_pages, max(1, -(-len(items) // paginator.size)))
        elif isinstance(paginator, Cursor | NextLink):
            at = paginator.param if isinstance(paginator, Cursor) else _FROM
            start = int(params.get(at) or 0)
            chunk = items[start : start + _PAGE]
            if start + _PAGE < len(items):
                nxt = str(start + _PAGE)
                link = f"{path}?{urlencode({**params, _FROM: nxt})}"
                _put(body, paginator.next, nxt if isinstance(paginator, Cursor) else link)
        if isinstance(where, Pairs):
            _put(body, where.path, {item[where.key]: item[where.value] for item in chunk})
        elif isinstance(where, Nested):
            _put(body, where.outer, chunk)
        else:
            _put(body, where, chunk)
        return body


__all__ = ["ApiSandbox", "Asked", "Logged", "Refused", "Route"]
