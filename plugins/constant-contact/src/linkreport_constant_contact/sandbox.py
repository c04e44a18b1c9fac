"""A loopback emulation of Constant Contact V3 and its OAuth2 server, from documented behaviour.

API (under ``/v3``): ``GET /emails`` (cursor paging with host-relative ``_links.next.href``),
``/emails/{id}``, ``/emails/activities/{id}``, ``/reports/email_reports/{id}/links``, click
events, delivery counts and send times (:mod:`linkreport_constant_contact.sandbox_stats`), with
bearer checks, array and object error bodies, 4 requests per second (``throttled``) and a
daily quota (``quota_exceeded``). OAuth2 (under ``/oauth2``): the token endpoint with
rotating refresh tokens (a reused one gets ``invalid_grant``) and the device flow, which
approves after a few polls (see :mod:`linkreport_constant_contact.sandbox_oauth`).

Options (strings from ``linkreport sandbox constant-contact -o key=value``, or Python values from
tests, read alike by the kit's :func:`~linkreport.kit.sandbox.sandbox_options`; an unknown one is
one clear error):
``token`` ``jwt`` (default) or ``opaque``; ``ttl`` access-token lifetime in seconds (86400);
``initial_ttl`` lifetime of the first access token (``ttl``; 0 or less: already expired);
``rate`` requests per second (4); ``daily`` requests per day (10000); ``latency`` seconds per
answer (0); ``size`` links of an extra large campaign (0); ``campaigns`` extra sent campaigns
(0), each with a resend activity too if ``resend`` is true; ``approve_after`` device-flow
polls before approval (2); ``interval`` device-flow polling interval (1); ``slow_down``
answer the first poll with ``slow_down`` (0); ``odd_tokens`` answer refreshes oddly but
unambiguously (a numeric refresh token, ``expires_in`` as ``"86400.0"``, extra fields) (0);
``bad_rows`` unusable click rows added to each activity's ``tracking/clicks`` (0; see
:mod:`linkreport_constant_contact.sandbox_clicks`);
``duplicate_activities`` list every campaign's activities twice (0); ``scanners`` (false) link
scanners' clicks beside people's, counted in the links reports too (as the real API counts
them; ``demo`` turns it on); ``today`` the day the data is
dated from (``YYYY-MM-DD``, or ``sample``: :data:`SAMPLE_DAY`, the dates the docs show; default
``LINKREPORT_SANDBOX_TODAY``, else the day the sandbox starts); ``account`` whose data to serve
(default: the provider's default account, the sample data below; another name gets campaigns
of its own, see :mod:`linkreport_constant_contact.sandbox_accounts`).

Every date below is the sample's, for :data:`SAMPLE_DAY`; the sandbox moves them all by whole
days to its data day, so the newsletter is always sent 7 days before it (inside every default
``--since``) and the flash sale 20 days before.

Counts are running totals that grow with the sandbox's data clock (``kit.sandbox.Clock``):
``POST {url}/_sandbox/advance[?steps=N]`` (or :meth:`ConstantContactSandbox.advance`) moves it
on, and every link at an even position in an activity's report gains 1 unique click per tick;
the others stay as they are.
"""

from __future__ import annotations

import base64
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from linkreport import Sandbox
from linkreport.errors import ConfigurationError
from linkreport.kit.sandbox import Clock, grown, shift_of
from linkreport.kit.sandbox.options import Option, positive, sandbox_options
from linkreport_constant_contact import sandbox_accounts, sandbox_clicks, sandbox_stats
from linkreport_constant_contact.sandbox_oauth import (
    CLIENT_ID,
    CLIENT_SECRET,
    OAuthServer,
    Start,
    json_answer,
)

_NS = uuid.UUID("6f1d2b9e-2d4c-4c55-9d8e-0a4c6f1b2c3d")
#: The data day of the sample dates below (``-o today=sample``): the newsletter went out 7 days
#: before it, the flash sale 20.
SAMPLE_DAY = date(2026, 11, 9)


def ident(name: str) -> str:
    """A deterministic UUID for a sample object."""
    return str(uuid.uuid5(_NS, name))


def _link(url: str, url_id: Any, unique: int, **extra: str) -> dict[str, Any]:
    return {"link_url": url, "url_id": url_id, "unique_clicks": unique, **extra}


LIST_ID = ident("list-vip")
NEWSLETTER, SALE, DRAFT, DELETED, LARGE = (
    ident(n) for n in ("c-newsletter", "c-sale", "c-draft", "c-deleted", "c-large")
)
A_NEWS, P_NEWS, R_NEWS = ident("a-news"), ident("p-news"), ident("r-news")
A_SALE, P_SALE, X_SALE = ident("a-sale"), ident("p-sale"), ident("x-sale")
A_DRAFT, A_DELETED = ident("a-draft"), ident("a-deleted")

#: campaign ID -> (name, status, updated_at, [(activity ID, role, status)])
CAMPAIGNS: dict[str, tuple[str, str, str, list[tuple[str, str, str]]]] = {
    NEWSLETTER: (
        "November newsletter",
        "Done",
        "2026-11-02T09:00:00.000Z",
        [
            (A_NEWS, "primary_email", "DONE"),
            (P_NEWS, "permalink", "DONE"),
            (R_NEWS, "resend", "DONE"),
        ],
    ),
    SALE: (
        "Flash sale",
        "Done",
        "2026-10-20T15:30:00.000Z",
        [
            (A_SALE, "primary_email", "DONE"),
            (P_SALE, "permalink", "DONE"),
            (X_SALE, "ab_test_variant", "DONE"),
        ],
    ),
    DRAFT: (
        "Winter teaser",
        "Draft",
        "2026-11-08T08:00:00.000Z",
        [(A_DRAFT, "primary_email", "DRAFT")],
    ),
    DELETED: (
        "Old test",
        "Removed",
        "2026-09-01T08:00:00.000Z",
        [(A_DELETED, "primary_email", "REMOVED")],
    ),
}
LINKS: dict[str, list[dict[str, Any]]] = {
    A_NEWS: [
        _link(
            "https://www.example.com/?utm_campaign=nov",
            "1100577727123",
            99,
            link_tag="hero",
            list_id=LIST_ID,
            list_action="add",
        ),
        _link(
            "https://shop.example.com/linen-shirt",
            "1100577727421",
            17,
        ),
        _link("https://www.example.com/unsubscribe", "1100577727999", 0),
    ],
    R_NEWS: [_link("https://www.example.com/?utm_campaign=nov", "1100577727123", 12)],
    A_SALE: [
        _link("https://shop.example.com/sale", 555617788878, 40),  # a number: seen in the wild
        _link("https://shop.example.com/sale?variant=b", "555617788879", 0),
    ],
}


class ConstantContactSandbox(OAuthServer):
    """The WSGI app; ``stats`` counts refreshes, throttled and quota answers."""

    def __init__(
        self,
        *,
        token: str = "jwt",  # noqa: S107 (a token style, not a secret)
        ttl: float = 86400.0,
        initial_ttl: float | None = None,
        rate: int = 4,
        daily: int = 10000,
        latency: float = 0.0,
        size: int = 0,
        campaigns: int = 0,
        resend: bool = False,
        approve_after: int = 2,
        interval: float = 1.0,
        slow_down: bool = False,
        odd_tokens: bool = False,
        bad_rows: int = 0,
        duplicate_activities: bool = False,
        scanners: bool = False,
        today: str = "",
        account: str = "",
    ) -> None:
        if token not in {"jwt", "opaque"}:
            raise ConfigurationError(f"sandbox option token must be jwt or opaque, got {token!r}")
        self.token_style, self.ttl = token, ttl
        self.rate, self.daily = rate, daily
        self.latency = latency
        self.approve_after, self.interval = approve_after, interval
        self.slow_down, self.odd_tokens = slow_down, odd_tokens
        self.bad_rows, self.scanners = bad_rows, scanners
        self._click_cache: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.duplicate_activities = duplicate_activities
        #: How far every sample date moves (whole days): the data day less :data:`SAMPLE_DAY`.
        self.shift = shift_of(today, sample=SAMPLE_DAY)
        #: The account whose data is served ("": the default account's sample data).
        self.account = "" if account == "constant-contact" else account
        if self.account:
            data_day = datetime.combine(SAMPLE_DAY, datetime.min.time(), UTC) + self.shift
            self.campaigns, self.links = sandbox_accounts.account_data(self.account, data_day)
        else:
            self.campaigns = {
                cid: (name, status, self._moved(updated), acts)
                for cid, (name, status, updated, acts) in CAMPAIGNS.items()
            }
            self.links = dict(LINKS)
        #: (em_sends, em_bounces) per sent activity (see sandbox_stats)
        self.activity_counts = {
            ident(name): sandbox_stats.counts_for(name, 0) for name in sandbox_stats.SAMPLE_COUNTS
        }
        for n in range(campaigns):
            cid, aid, rid = ident(f"c-extra-{n}"), ident(f"a-extra-{n}"), ident(f"r-extra-{n}")
            day = 30 - n % 28
            acts = [(aid, "primary_email", "DONE")] + ([(rid, "resend", "DONE")] if resend else [])
            self.campaigns[cid] = (
                f"Campaign {n}",
                "Done",
                self._moved(f"2026-08-{day:02d}T12:00:00.000Z"),
                acts,
            )
            self.links[aid] = [_link(f"https://example.com/extra/{n}", str(9000 + n), n % 5 + 1)]
            self.links[rid] = [_link(f"https://example.com/extra/{n}", str(9000 + n), n % 3 + 1)]
            self.activity_counts[aid] = sandbox_stats.counts_for(None, n)
            self.activity_counts[rid] = sandbox_stats.counts_for(None, n + 7)
        if size:
            aid = ident("a-large")
            self.campaigns[LARGE] = (
                "Large campaign",
                "Done",
                self._moved("2026-11-05T10:00:00.000Z"),
                [(aid, "primary_email", "DONE")],
            )
            self.links[aid] = [
                _link(
                    f"https://example.com/p/{i}?ref=mail",
                    str(2000000 + i),
                    i % 97 + 1,
                    **({"link_tag": f"t{i % 7}"} if i % 3 == 0 else {}),
                )
                for i in range(size)
            ]
            self.activity_counts[aid] = (50000, 400)
        self.activities = {
            a: (cid, role, status, name)
            for cid, (name, _s, _u, acts) in self.campaigns.items()
            for a, role, status in acts
        }
        self.stats = {
            "refreshes": 0,
            "throttled": 0,
            "quota": 0,
            "served": 0,
            "invalid_grant": 0,
            "unauthorized": 0,
            "click_pages": 0,
            "stats_requests": 0,
            "summary_pages": 0,
        }
        self._lock = threading.Lock()
        self.clock = Clock()
        self._access: dict[str, float] = {}
        self._refresh: set[str] = set()
        self._recent: deque[float] = deque()
        self._devices: dict[str, int] = {}
        self._codes: dict[str, tuple[str, str]] = {}
        self.initial = self._issue(ttl if initial_ttl is None else initial_ttl)

    # --- API ---------------------------------------------------------------------------

    def _limited(self) -> list[bytes] | None:
        with self._lock:  # arrivals are timed in the order they are counted
            now = time.time()
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if self.stats["served"] >= self.daily:
                self.stats["quota"] += 1
                return [b'{"error_key":"quota_exceeded","error_message":"Limit Exceeded"}']
            if len(self._recent) >= self.rate:
                self.stats["throttled"] += 1
                return [b'{"error_key":"throttled","error_message":"Too Many Requests"}']
            self._recent.append(now)
            self.stats["served"] += 1
            return None

    def _moved(self, iso: str) -> str:
        """A sample time (``...Z``) moved to the data day."""
        when = datetime.fromisoformat(iso.replace("Z", "+00:00")) + self.shift
        return when.strftime("%Y-%m-%dT%H:%M:%S.") + iso[20:] if self.shift else iso

    def sent_at(self, activity_id: str) -> datetime | None:
        """When an activity was sent (from the data day); ``None`` for unsent ones.

        The campaign's ``updated_at`` (what the API lists), a resend a day later.
        """
        if activity_id not in self.activities:
            return None
        campaign_id, role, status, _name = self.activities[activity_id]
        if status != "DONE" or role not in {"primary_email", "resend"}:
            return None
        sent = datetime.fromisoformat(self.campaigns[campaign_id][2].replace("Z", "+00:00"))
        return sent + timedelta(days=1) if role == "resend" else sent

    @property
    def created_at(self) -> str:
        """Every campaign's ``created_at`` (the sample's 1 January, moved to the data day)."""
        return self._moved("2026-01-01T00:00:00.000Z")

    @property
    def tick(self) -> int:
        """The data clock's tick (0: the documented sample counts)."""
        return self.clock.tick

    def advance(self, steps: int = 1) -> int:
        """Let the counts grow by ``steps`` ticks; return the new tick."""
        return self.clock.advance(steps)

    def links_at(self, activity_id: str, tick: int | None = None) -> list[dict[str, Any]]:
        """The link counts of an activity at ``tick`` (default: now): even positions grow."""
        tick = self.clock.tick if tick is None else tick
        links = [
            {**link, "unique_clicks": grown(link["unique_clicks"], tick, 1)}
            if tick and i % 2 == 0
            else link
            for i, link in enumerate(self.links.get(activity_id, []))
        ]
        sent = self.sent_at(activity_id) if self.scanners else None
        if sent is None:
            return links
        added = sandbox_clicks.scanner_added(self.links.get(activity_id, []), sent)
        return [
            {**link, "unique_clicks": link["unique_clicks"] + unique}
            for link, (unique, _total) in zip(links, added, strict=True)
        ]

    def __call__(self, environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        """Answer one request."""
        control = self.clock.control(environ, start)
        if control is not None:
            return control
        if self.latency:
            time.sleep(self.latency)
        path = environ.get("PATH_INFO", "")
        if path == "/oauth2/token" and environ["REQUEST_METHOD"] == "POST":
            return self._token(environ, start)
        if path == "/oauth2/device/authorize" and environ["REQUEST_METHOD"] == "POST":
            return self._device(environ, start)
        if path == "/oauth2/authorize":
            return self._authorize(environ, start)
        if not path.startswith("/v3/"):
            start("404 Not Found", [("Content-Type", "text/html")])
            return [b"<html>Not Found</html>"]
        bearer = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
        if self._access.get(bearer, 0) < time.time():
            with self._lock:
                self.stats["unauthorized"] += 1
            return json_answer(
                start,
                "401 Unauthorized",
                {"error_key": "unauthorized", "error_message": "Unauthorized"},
            )
        refused = self._limited()
        if refused is not None:
            start("429 Too Many Requests", [("Content-Type", "application/json")])
            return refused
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        parts = path.removeprefix("/v3/").split("/")
        return self._route(parts, query, start)

    def _not_found(self, start: Start, what: str) -> list[bytes]:
        return json_answer(
            start,
            "404 Not Found",
            [
                {
                    "error_key": f"{what}.api.not.found",
                    "error_message": f"The requested {what} was not found.",
                }
            ],
        )

    def _route(self, parts: list[str], query: dict[str, str], start: Start) -> list[bytes]:
        if parts == ["emails"]:
            return self._list(query, start)
        stats = self._stats_route(parts, query)
        if stats is not None:
            return json_answer(start, *stats)
        if len(parts) == 2 and parts[0] == "emails":
            if parts[1] not in self.campaigns:
                return self._not_found(start, "campaign")
            name, status, updated, acts = self.campaigns[parts[1]]
            return json_answer(
                start,
                "200 OK",
                {
                    "campaign_id": parts[1],
                    "name": name,
                    "current_status": status,
                    "type": "NEWSLETTER",
                    "created_at": self.created_at,
                    "updated_at": updated,
                    "campaign_activities": [
                        {"campaign_activity_id": a, "role": r} for a, r, _ in acts
                    ]
                    * (2 if self.duplicate_activities else 1),
                },
            )
        if len(parts) == 3 and parts[:2] == ["emails", "activities"]:
            if parts[2] not in self.activities:
                return self._not_found(start, "activity")
            cid, role, status, name = self.activities[parts[2]]
            return json_answer(
                start,
                "200 OK",
                {
                    "campaign_activity_id": parts[2],
                    "campaign_id": cid,
                    "role": role,
                    "current_status": status,
                    "subject": f"{name}!",
                    "from_name": "Example",
                    "from_email": "news@example.com",
                    "reply_to_email": "news@example.com",
                },
            )
        if len(parts) == 4 and parts[:2] == ["reports", "email_reports"] and parts[3] == "links":
            if parts[2] not in self.activities:
                return self._not_found(start, "activity")
            links = self.links_at(parts[2])
            if query.get("no_clicks") != "true":
                links = [link for link in links if link["unique_clicks"] > 0]
            return json_answer(
                start, "200 OK", {"campaign_activity_id": parts[2], "link_click_counts": links}
            )
        if len(parts) == 5 and parts[:2] == ["reports", "email_reports"]:
            if parts[3:] == ["tracking", "clicks"] and parts[2] in self.activities:
                body = sandbox_clicks.clicks_body(
                    self.click_rows(parts[2]), query, "/v3/" + "/".join(parts)
                )
                if body is not None:
                    with self._lock:
                        self.stats["click_pages"] += 1
                    return json_answer(start, "200 OK", body)
                return json_answer(
                    start,
                    "400 Bad Request",
                    [{"error_key": "reports.api.validation", "error_message": "invalid limit"}],
                )
            if parts[2] not in self.activities:
                return self._not_found(start, "activity")
        return json_answer(
            start,
            "400 Bad Request",
            [{"error_key": "api.bad.request", "error_message": "Unknown path"}],
        )

    def _stats_route(self, parts: list[str], query: dict[str, str]) -> tuple[str, Any] | None:
        """Delivery counts and send times (see :mod:`.sandbox_stats`), or ``None``."""
        if len(parts) == 4 and parts[:3] == ["reports", "stats", "email_campaign_activities"]:
            with self._lock:
                self.stats["stats_requests"] += 1
            return sandbox_stats.activity_stats(self, parts[3])
        if parts == ["reports", "summary_reports", "email_campaign_summaries"]:
            with self._lock:
                self.stats["summary_pages"] += 1
            return sandbox_stats.summaries(self, query)
        if len(parts) == 4 and parts[:2] == ["emails", "activities"] and parts[3] == "send_history":
            if parts[2] not in self.activities:
                return "404 Not Found", [
                    {
                        "error_key": "activity.api.not.found",
                        "error_message": "The requested activity was not found.",
                    }
                ]
            return sandbox_stats.send_history(self, parts[2])
        return None

    def click_rows(self, activity_id: str) -> list[dict[str, Any]]:
        """Every click row of an activity now, newest first (none for unsent activities)."""
        sent = self.sent_at(activity_id)
        if sent is None:
            return []
        key = (activity_id, self.tick)
        if key not in self._click_cache:  # pages of one big activity share one list
            links = self.links.get(activity_id, [])
            rows = sandbox_clicks.click_rows(
                activity_id, links, sent, self.tick, self.bad_rows, self.scanners
            )
            self._click_cache = {key: rows}
        return self._click_cache[key]

    def _list(self, query: dict[str, str], start: Start) -> list[bytes]:
        if "cursor" in query:
            decoded = parse_qs(base64.urlsafe_b64decode(query["cursor"]).decode())
            query = {k: v[0] for k, v in decoded.items()}
        limit, offset = int(query.get("limit", 50)), int(query.get("next", 0))
        if not 1 <= limit <= 500:
            return json_answer(
                start,
                "400 Bad Request",
                [{"error_key": "emails.api.validation", "error_message": "limit must be 1 to 500"}],
            )
        after = query.get("after_date", "")
        rows = sorted(
            (
                (u, cid, name, status)
                for cid, (name, status, u, _) in self.campaigns.items()
                if u > after.replace("+00:00", "Z")
            ),
            reverse=True,
        )
        chunk = rows[offset : offset + limit]
        body: dict[str, Any] = {
            "campaigns": [
                {
                    "campaign_id": cid,
                    "name": name,
                    "current_status": status,
                    "type": "NEWSLETTER",
                    "type_code": 10,
                    "created_at": self.created_at,
                    "updated_at": updated,
                }
                for updated, cid, name, status in chunk
            ]
        }
        if offset + limit < len(rows):
            cursor = f"limit={limit}&next={offset + limit}&after_date={after}"
            body["_links"] = {
                "next": {
                    "href": "/v3/emails?cursor="
                    + base64.urlsafe_b64encode(cursor.encode()).decode()
                }
            }
        return json_answer(start, "200 OK", body)


def sandbox(**options: Any) -> Sandbox:
    """The sandbox with settings pointing at it (its initial tokens, client, endpoints).

    Options are read by core's :func:`~linkreport.kit.sandbox.options.sandbox_options`: strings
    from the CLI or Python values from tests; an unknown option or a bad value is one clear
    error.
    """
    opts = sandbox_options(
        options,
        token="jwt",
        ttl=positive(86400.0),
        initial_ttl=None,
        rate=positive(4),
        daily=10000,
        latency=0.0,
        size=0,
        campaigns=0,
        resend=False,
        approve_after=2,
        interval=positive(1.0),
        slow_down=False,
        odd_tokens=False,
        bad_rows=0,
        duplicate_activities=False,
        scanners=False,
        today="",
        account="",
    )
    if opts["initial_ttl"] is not None:  # not given: the first token lives as long as the others
        opts.update(
            sandbox_options(
                {"initial_ttl": opts["initial_ttl"]}, initial_ttl=Option(0.0, minimum=None)
            )
        )
    app = ConstantContactSandbox(**opts)
    settings = {
        "access_token": app.initial["access_token"],
        "refresh_token": app.initial["refresh_token"],
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "base_url": "{url}/v3",
        "token_url": "{url}/oauth2/token",
        "device_authorization_url": "{url}/oauth2/device/authorize",
        "rate_limit": f"{app.rate}/1",
    }
    return Sandbox(app=app, settings=settings)
