"""A loopback emulation of the Sitecore Send API, built from its documented behaviour.

Serves ``/v3/campaigns/{id}/stats/links.{json|xml}``, ``/v3/campaigns/{page}/{size}.{fmt}``,
``stats/LinkClicked`` and ``view_summary`` (delivery counts, rate-limited on a budget of its
own; see :mod:`linkreport_sitecore_send.sandbox_summary`)
with ``apikey`` checks, envelope errors in HTTP 200 bodies, .NET dates with and without
offsets, float counts, and the rate limit of 2 calls per window per key, answered as the
real API answers it (``Code 429`` in a 200 body with ``x-ratelimit-expires``).

Options (strings, as ``linkreport sandbox sitecore-send -o key=value`` passes them):
``window`` seconds per rate-limit window (default 1), ``calls`` per window (2), ``latency``
seconds added to each answer (0), ``size`` links of an extra "Large report" campaign (0),
``campaigns`` extra sent campaigns for paging (0), ``api_key`` the key it accepts,
``click_rows`` the row shape of ``stats/LinkClicked`` (``mixed``: campaigns alternate between
``activity`` and ``analytics``; or one of those), ``bad_rows`` unusable click rows added to
each campaign (0). Click events are those behind the link counts (see
:mod:`linkreport_sitecore_send.sandbox_clicks`);
``ignore_page`` ``echo`` or ``one`` to serve page 1 whatever page is asked for (claiming the
page asked for, or page 1), ``scanners`` (false) link scanners' clicks beside people's, from a
few cloud networks, counted in the link reports too (as the real API counts them; ``demo``
turns it on); ``today`` the day the data is dated from (``YYYY-MM-DD``, or
``sample``: :data:`SAMPLE_DAY`, the dates the docs show; default ``LINKREPORT_SANDBOX_TODAY``,
else the day the sandbox starts); ``account`` whose data to serve (default: the provider's
default account, the sample data below; another name gets campaigns of its own, see
:mod:`linkreport_sitecore_send.sandbox_accounts`, and its own API key).

Every date below is the sample's, for :data:`SAMPLE_DAY`; the sandbox moves them all by whole
days to its data day, so the Spring launch is always sent 7 days before it (inside every default
``--since``) and the digest 27 days before.

Counts are running totals that grow with the sandbox's data clock
(``linkreport.kit.sandbox.Clock``): ``POST {url}/_sandbox/advance[?steps=N]`` (or
:meth:`SitecoreSendSandbox.advance`) moves it on, and every link at an even position in its
report gains 1 unique and 2 total clicks per tick; the others (and null counts) stay as they are.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from linkreport import Sandbox
from linkreport.kit.sandbox.options import Option, positive, sandbox_options
from linkreport.kit.sandbox.server import Clock, grown, shift_of
from linkreport_sitecore_send import sandbox_accounts, sandbox_clicks, sandbox_summary

SANDBOX_KEY = "sandbox-0b7c1e52-api-key"
#: The data day of the sample dates below (``-o today=sample``): the Spring launch went out 7
#: days before it, the digest 27.
SAMPLE_DAY = date(2026, 3, 9)
_DATE_MS = re.compile(r"^/Date\((-?\d+)")
Start = Callable[..., Any]


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000)


def _campaign(n: int) -> str:
    return f"a1b2c3d4-0000-4000-8000-{n:012d}"


SPRING, DIGEST, ARCHIVED, UNSENT_STATS, DRAFT, LARGE = (_campaign(n) for n in (1, 2, 3, 4, 5, 9))

#: The link reports, as Analytics items (extra unknown fields included on purpose).
LINKS: dict[str, list[dict[str, Any]]] = {
    SPRING: [
        {
            "Context": "https://shop.example.com/spring?utm_source=send",
            "ContextName": None,
            "TotalCount": 34.0,
            "UniqueCount": 30.0,
            "ContextDescription": None,
            "Timestamp": f"/Date({_ms('2026-03-02T10:15:00+00:00')}+0100)/",
            "Extra": "ignored",
        },
        {
            "Context": "https://shop.example.com/",
            "ContextName": None,
            "TotalCount": 95,
            "UniqueCount": 67,
            "ContextDescription": None,
            "Timestamp": f"/Date({_ms('2026-03-02T11:00:00+00:00')})/",
        },
        {
            "Context": "https://twitter.com/myCompany",
            "ContextName": None,
            "TotalCount": 1,
            "UniqueCount": 1,
            "ContextDescription": None,
            "Timestamp": f"/Date({_ms('2026-03-03T08:30:00+00:00')}-0500)/",
        },
        {
            "Context": "https://shop.example.com/unsubscribe",
            "ContextName": None,
            "TotalCount": None,
            "UniqueCount": None,
            "ContextDescription": None,
            "Timestamp": None,
        },
    ],
    DIGEST: [  # the older documented shape: no Timestamp field at all
        {
            "Context": "https://shop.example.com/?utm_source=digest",
            "ContextName": None,
            "TotalCount": 34,
            "UniqueCount": 30,
            "ContextDescription": None,
        },
        {
            "Context": "https://shop.example.com/linen-shirt",
            "ContextName": None,
            "TotalCount": 95,
            "UniqueCount": 67,
            "ContextDescription": None,
        },
    ],
}
#: Listed campaigns: (ID, name, subject, status, delivered ISO or None).
CAMPAIGNS = [
    (SPRING, "Spring launch", "Our spring collection is here", "Sent", "2026-03-02T09:00:00+00:00"),
    (DIGEST, "Weekly digest #12", "This week at Example", "Sent", "2026-02-10T07:00:00+00:00"),
    (DRAFT, "Summer teaser", "Coming soon", "Draft", None),
]
#: Reachable by ID only (so the demo's listing stays clean): envelope errors 405 and 401.
ERRORS = {
    ARCHIVED: (405, "CAMPAIGN_IS_ARCHIVED"),
    UNSENT_STATS: (401, "CAMPAIGN_STATISTICS_NOT_FOUND"),
}
_ITEM_NAMES = {
    "Analytics": "Analytic",
    "Campaigns": "Campaign",
    "Messages": "Message",
    "CampaignActivity": "Activity",
}


def _xml(name: str, value: Any) -> str:
    if value is None:
        return f'<{name} i:nil="true"/>'
    if isinstance(value, dict):
        return f"<{name}>{''.join(_xml(k, v) for k, v in value.items())}</{name}>"
    if isinstance(value, list):
        item = _ITEM_NAMES.get(name, "Item")
        return f"<{name}>{''.join(_xml(item, v) for v in value)}</{name}>"
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{name}>{escape(str(value))}</{name}>"


def to_xml(body: Any) -> bytes:
    """An envelope as the XML the sandbox serves (``xsi:nil`` for nulls)."""
    xml = _xml("Response", body).replace(
        "<Response", '<Response xmlns:i="http://www.w3.org/2001/XMLSchema-instance"', 1
    )
    return ('<?xml version="1.0" encoding="utf-8"?>' + xml).encode()


def _http_date(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%m/%d/%Y %H:%M:%S")


class SitecoreSendSandbox:
    """The WSGI app; ``stats`` counts served and refused (rate-limited) calls."""

    def __init__(
        self,
        *,
        window: float = 1.0,
        calls: int = 2,
        latency: float = 0.0,
        size: int = 0,
        campaigns: int = 0,
        api_key: str = SANDBOX_KEY,
        click_rows: str = "mixed",
        bad_rows: int = 0,
        ignore_page: str = "",
        scanners: bool = False,
        today: str = "",
        account: str = "",
    ) -> None:
        self.window, self.calls, self.latency, self.api_key = window, calls, latency, api_key
        if click_rows not in {"mixed", *sandbox_clicks.SHAPES}:
            raise ValueError("click_rows must be mixed, activity or analytics")
        self.click_rows, self.bad_rows, self.scanners = click_rows, bad_rows, scanners
        #: "" pages properly; "echo": always page 1, saying it is the page asked for;
        #: "one": always page 1, saying so (two ways a server can ignore the page number)
        self.ignore_page = ignore_page
        #: How far every sample date moves (whole days): the data day less :data:`SAMPLE_DAY`.
        self.shift = shift_of(today, sample=SAMPLE_DAY)
        #: The account whose data is served ("": the default account's sample data).
        self.account = "" if account == "sitecore-send" else account
        if self.account:
            day = datetime.combine(SAMPLE_DAY, datetime.min.time(), UTC) + self.shift
            listed, self.links = sandbox_accounts.account_data(self.account, day)
            self.campaigns = listed
        else:
            self.links = {cid: [self._moved_item(i) for i in items] for cid, items in LINKS.items()}
            self.campaigns = [(*c[:4], self._moved(c[4])) for c in CAMPAIGNS]
        for n in range(campaigns):
            cid = _campaign(1000 + n)
            day = datetime.fromtimestamp(
                _ms("2026-01-31T12:00:00+00:00") / 1000 - 86400 * n, tz=UTC
            )
            sent = self._moved(day.isoformat())
            self.campaigns.append((cid, f"Campaign {n}", f"Subject {n}", "Sent", sent))
            self.links[cid] = [
                {
                    "Context": f"https://example.com/c{n}/{i}",
                    "TotalCount": i + 2,
                    "UniqueCount": i + 1,
                }
                for i in range(3)
            ]
        shift_ms = int(self.shift.total_seconds() * 1000)
        if size:
            sent = self._moved("2026-03-05T09:00:00+00:00")
            self.campaigns.insert(0, (LARGE, "Large report", "Many links", "Sent", sent))
            self.links[LARGE] = [
                {
                    "Context": f"https://example.com/p/{i}?ref=mail",
                    "ContextName": None,
                    "TotalCount": float(i % 97 + 3),
                    "UniqueCount": i % 97 + 1,
                    "ContextDescription": None,
                    "Timestamp": f"/Date({1767225600000 + shift_ms + i * 1000}+0000)/",
                }
                for i in range(size)
            ]
        self.stats = {"served": 0, "refused": 0, "click_pages": 0, "summaries": 0}
        #: The query of the latest ``stats/LinkClicked`` request (for tests).
        self.last_click_query: dict[str, list[str]] = {}
        self._click_cache: dict[tuple[str, int], list[tuple[datetime, dict[str, Any]]]] = {}
        self.clock = Clock()
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def _moved(self, iso: str | None) -> str | None:
        """A sample time (ISO) moved to the data day."""
        return None if iso is None else (datetime.fromisoformat(iso) + self.shift).isoformat()

    def _moved_item(self, item: dict[str, Any]) -> dict[str, Any]:
        stamp = str(item.get("Timestamp"))
        match = _DATE_MS.match(stamp)
        if not match or not self.shift:
            return item
        ms = int(match.group(1)) + int(self.shift.total_seconds() * 1000)
        return {**item, "Timestamp": f"/Date({ms}{stamp[match.end() :]}"}

    def sent_at(self, campaign_id: str) -> datetime | None:
        """When a listed campaign was sent (from the data day); ``None``: unsent or unknown."""
        sent = next((c[4] for c in self.campaigns if c[0] == campaign_id), None)
        return None if sent is None else datetime.fromisoformat(sent)

    @property
    def tick(self) -> int:
        """The data clock's tick (0: the documented sample counts)."""
        return self.clock.tick

    def advance(self, steps: int = 1) -> int:
        """Let the counts grow by ``steps`` ticks; return the new tick."""
        return self.clock.advance(steps)

    def links_at(self, campaign_id: str, tick: int | None = None) -> list[dict[str, Any]]:
        """The Analytics items of a campaign at ``tick`` (default: now): even positions grow."""
        tick = self.clock.tick if tick is None else tick
        return self._scanned(
            campaign_id,
            [
                {
                    **item,
                    "UniqueCount": grown(item.get("UniqueCount"), tick, 1),
                    "TotalCount": grown(item.get("TotalCount"), tick, 2),
                }
                if tick and i % 2 == 0
                else item
                for i, item in enumerate(self.links.get(campaign_id, []))
            ],
        )

    def _scanned(self, campaign_id: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """``items`` with the scanners' clicks added to their counts (``scanners`` option)."""
        sent = next((c[4] for c in self.campaigns if c[0] == campaign_id), None)
        if not self.scanners or sent is None:
            return items
        base = self.links.get(campaign_id, [])
        added = sandbox_clicks.scanner_added(base, datetime.fromisoformat(sent))
        return [
            item
            if item.get("UniqueCount") is None or item.get("TotalCount") is None
            else {
                **item,
                "UniqueCount": item["UniqueCount"] + unique,
                "TotalCount": item["TotalCount"] + total,
            }
            for item, (unique, total) in zip(items, added, strict=True)
        ]

    def __call__(self, environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        """Answer one request."""
        control = self.clock.control(environ, start)
        if control is not None:
            return control
        if self.latency:
            time.sleep(self.latency)
        path: str = environ.get("PATH_INFO", "")
        query = parse_qs(environ.get("QUERY_STRING", ""))
        stem, _, fmt = path.rpartition(".")
        if fmt not in {"json", "xml"} or not stem.startswith("/v3/campaigns/"):
            start("404 Not Found", [("Content-Type", "text/html")])
            return [b"<html><body>404 Not Found</body></html>"]
        parts = stem.removeprefix("/v3/campaigns/").split("/")
        headers: list[tuple[str, str]] = []
        if query.get("apikey", [""])[0] != self.api_key:
            body = self._envelope(104, "API_KEY_NOT_VALID", None)
        elif len(parts) == 3 and parts[1:] == ["stats", "links"]:
            body, headers = self._links(parts[0])
        elif len(parts) == 3 and parts[1:] == ["stats", "LinkClicked"]:
            body, headers = self._clicks(parts[0], query)
        elif len(parts) == 2 and parts[1] == "view_summary":
            body, headers = self._summary(parts[0])
        elif len(parts) == 2 and all(p.isdigit() for p in parts):
            body = self._list(int(parts[0]), int(parts[1]), query)
        else:
            body = self._envelope(
                501, "VALIDATION_ERROR", {"Messages": [{"Code": 501, "Message": "Invalid path"}]}
            )
        return self._reply(start, body, fmt, headers)

    def _envelope(self, code: int, error: str | None, context: Any) -> dict[str, Any]:
        return {"Code": code, "Error": error, "Context": context}

    def _links(self, campaign_id: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        limited = self._limit(self.api_key)
        if limited:
            return self._envelope(429, "RATE_LIMITING", None), limited
        if campaign_id in ERRORS and not self.account:
            code, error = ERRORS[campaign_id]
            return self._envelope(code, error, None), []
        if campaign_id not in self.links:
            return self._envelope(400, "CAMPAIGN_NOT_FOUND", None), []
        paging = {
            "PageSize": 0,
            "CurrentPage": 1,
            "TotalResults": 0,
            "TotalPageCount": -2147483648,
            "SortExpression": None,
            "SortIsAscending": False,
        }
        return self._envelope(
            0, None, {"Paging": paging, "Analytics": self.links_at(campaign_id)}
        ), []

    def click_shape(self, campaign_id: str) -> str:
        """The row shape ``stats/LinkClicked`` uses for a campaign."""
        if self.click_rows != "mixed":
            return self.click_rows
        order = list(self.links)
        position = order.index(campaign_id) if campaign_id in order else 0
        return sandbox_clicks.SHAPES[position % 2]

    def click_rows_of(self, campaign_id: str) -> list[tuple[datetime, dict[str, Any]]]:
        """Every click row of a campaign now, oldest first (empty for unsent campaigns)."""
        sent = self.sent_at(campaign_id)
        if sent is None:
            return []
        key = (campaign_id, self.clock.tick)
        if key not in self._click_cache:  # pages of one big campaign share one list
            self._click_cache = {
                key: sandbox_clicks.click_rows(
                    self.links.get(campaign_id, []),
                    sent,
                    self.click_shape(campaign_id),
                    self.clock.tick,  # the same growth as links_at: even positions
                    self.bad_rows,
                    self.scanners,
                )
            }
        return self._click_cache[key]

    def _clicks(
        self, campaign_id: str, query: dict[str, list[str]]
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        limited = self._limit(self.api_key)
        if limited:
            return self._envelope(429, "RATE_LIMITING", None), limited
        if campaign_id in ERRORS and not self.account:
            code, error = ERRORS[campaign_id]
            return self._envelope(code, error, None), []
        if not any(c[0] == campaign_id for c in self.campaigns) and campaign_id not in self.links:
            return self._envelope(400, "CAMPAIGN_NOT_FOUND", None), []
        with self._lock:
            self.last_click_query = query
            self.stats["click_pages"] += 1
        rows = self.click_rows_of(campaign_id)
        page = sandbox_clicks.clicks_page(rows, self.click_shape(campaign_id), query)
        return self._envelope(0, None, page), []

    def _summary(self, campaign_id: str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """``view_summary``: rate-limited on its own budget (which budget it shares is unknown)."""
        limited = self._limit(self.api_key + " view_summary")
        if limited:
            return self._envelope(429, "RATE_LIMITING", None), limited
        if campaign_id == UNSENT_STATS:
            return self._envelope(401, "CAMPAIGN_STATISTICS_NOT_FOUND", None), []
        listed = next((c for c in self.campaigns if c[0] == campaign_id), None)
        if listed is None and campaign_id == ARCHIVED:  # archived: its summary is kept
            oldest = min(datetime.fromisoformat(c[4]) for c in self.campaigns if c[4])
            listed = (ARCHIVED, "Autumn sale", "Everything must go", "Sent", "")
            listed = (*listed[:4], (oldest - timedelta(days=120)).isoformat())
        if listed is None:
            return self._envelope(400, "CAMPAIGN_NOT_FOUND", None), []
        with self._lock:
            self.stats["summaries"] += 1
        cid, name, subject, _status, sent = listed
        tail = cid.rsplit("-", 1)[-1]  # the sample's number; another ID (added by a test): any
        counts = sandbox_summary.counts_for(int(tail) if tail.isdigit() else len(cid))
        context = sandbox_summary.summary(
            cid, name, subject, sent, counts, self.links_at(campaign_id)
        )
        return self._envelope(0, None, context), []

    def _limit(self, key: str) -> list[tuple[str, str]]:
        """A fixed window per key that starts at its first call; refused calls don't count."""
        with self._lock:  # calls are timed in the order they are counted
            now = time.time()
            first, count = self._windows.get(key, (0.0, 0))
            if now >= first + self.window:
                first, count = now, 0
            if count >= self.calls:
                self.stats["refused"] += 1
                expires = math.ceil(first + self.window)
                return [
                    ("x-ratelimit-firstcall", _http_date(first)),
                    ("x-ratelimit-expires", _http_date(expires)),
                ]
            self._windows[key] = (first, count + 1)
            self.stats["served"] += 1
            return []

    def _list(self, page: int, size: int, query: dict[str, list[str]]) -> dict[str, Any]:
        if size < 1 or size > 100 or page < 1:
            return self._envelope(
                -2,
                None,
                {
                    "ID": "00000000-0000-0000-0000-000000000000",
                    "Messages": [{"Code": 501, "Message": "PageSize must be 1 to 100"}],
                },
            )
        items = list(self.campaigns)
        if query.get("SortBy") == ["DeliveredOn"]:
            items.sort(key=lambda c: c[4] or "", reverse=query.get("SortMethod") != ["ASC"])
        asked, page = page, (1 if self.ignore_page else page)
        chunk = items[(page - 1) * size : page * size]
        campaigns = [
            {
                "ID": cid,
                "Name": name,
                "Subject": subject,
                "Status": status,
                "DeliveredOn": f"/Date({_ms(sent)})/" if sent else None,
                "CreatedOn": "/Date(1700000000000+0000)/",
                "Unknown": 1,
            }
            for cid, name, subject, status, sent in chunk
        ]
        paging = {
            "PageSize": size,
            "CurrentPage": asked if self.ignore_page == "echo" else page,
            "TotalResults": len(items),
            "TotalPageCount": max(1, math.ceil(len(items) / size)),
            "SortExpression": "DeliveredOn",
            "SortIsAscending": False,
        }
        return self._envelope(0, None, {"Paging": paging, "Campaigns": campaigns})

    def _reply(
        self, start: Start, body: dict[str, Any], fmt: str, headers: list[tuple[str, str]]
    ) -> list[bytes]:
        if fmt == "xml":
            data, content_type = to_xml(body), "application/xml; charset=utf-8"
        else:
            text = (
                json.dumps(body, separators=(",", ":"))
                .replace("/Date(", "\\/Date(")
                .replace(")/", ")\\/")
            )
            data, content_type = text.encode(), "application/json; charset=utf-8"
        start(
            "200 OK", [("Content-Type", content_type), ("Content-Length", str(len(data))), *headers]
        )
        return [data]


def sandbox(**options: Any) -> Sandbox:
    """The sandbox with its settings: a fast window (1 s) and a matching rate limit.

    Options are read by core's :func:`~linkreport.kit.sandbox.options.sandbox_options`: strings
    from the CLI or Python values from tests; an unknown option is one clear error.
    """
    opts = sandbox_options(
        options,
        window=positive(1.0),
        calls=Option(2, minimum=1),
        latency=0.0,
        size=0,
        campaigns=0,
        api_key=SANDBOX_KEY,
        click_rows="mixed",
        bad_rows=0,
        ignore_page="",
        scanners=False,
        today="",
        account="",
    )
    if opts["account"] not in {"", "sitecore-send"} and "api_key" not in options:
        opts["api_key"] = sandbox_accounts.account_key(opts["account"])
    window = opts["window"]
    app = SitecoreSendSandbox(**opts)
    settings = {
        "api_key": app.api_key,
        "base_url": "{url}/v3",
        "rate_limit": f"{app.calls}/{max(1, math.ceil(window))}",
        "summary_rate_limit": f"{app.calls}/{max(1, math.ceil(window))}",
    }
    return Sandbox(app=app, settings=settings)
