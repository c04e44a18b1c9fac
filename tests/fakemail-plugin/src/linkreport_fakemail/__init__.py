"""A test-only provider for an imaginary ESP ("FakeMail"), with its own sandbox.

The API (``X-Api-Key`` header): ``GET /api/campaigns?since=ISO&page=N`` (newest first, pages of
:data:`PAGE_SIZE`, ``{"campaigns": [...], "pages": P}``) and ``GET /api/campaigns/{id}/links``.
A key with blanks in it gets HTTP 400 ``malformed API key``. Campaign IDs
starting with ``boom`` make the plugin raise an unexpected exception, to test that a plugin
bug fails only that campaign. It is a provider for tests (``test_only``): ``linkreport demo``
shows it only when asked by name.

Delivery counts: ``GET /api/stats?ids=ID,ID,...`` (up to :data:`STATS_BATCH` IDs a request,
``{"stats": [{"id", "sent", "bounces", "sent_at"}]}``, IDs it does not know left out).

The sandbox option ``measures`` chooses which counts its link reports carry: ``both`` (the
default), ``total`` (only total clicks, ``unique`` null: an ESP that reports totals alone) or
``unique`` (only unique clicks), so tests can prove that nothing adds unlike measures.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import linkreport
from linkreport import Campaign, LinkClicks, LinkReportSource, Sandbox, Setting, SourceContext
from linkreport.errors import (
    AuthenticationError,
    BadResponseError,
    ConfigurationError,
    NotFoundError,
)
from linkreport.listing import usable

# Deliberately on the old import paths (now deprecated aliases of linkreport.kit.paging,
# .problems, .sandbox.options and .wire): FakeMail stands for a third-party plugin written
# against the helpers before they moved into linkreport.kit, and its tests prove it still works.
from linkreport.paging import page_numbers
from linkreport.problems import raise_for_status, server_message
from linkreport.sandbox_options import sandbox_options
from linkreport.wire import WireError, parse_count, parse_timestamp

if TYPE_CHECKING:
    import requests

    from linkreport.stats import StatsAnswer

SANDBOX_KEY = "fakemail-sandbox-key"
PAGE_SIZE = 10
#: Campaign IDs one delivery-counts request takes.
STATS_BATCH = 4
#: Each sample campaign's delivery counts: sent, bounces (the extra ones: 10 sent, 0 bounces).
STATS: dict[str, tuple[int, int]] = {"c1": (500, 20), "c2": (2000, 100), "c3": (100, 0)}
#: The sandbox's ``measures`` option: which counts its link reports carry.
MEASURES = ("both", "total", "unique")
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_KEY_SHAPE = re.compile(r"^\S+$")
CAMPAIGNS: dict[str, tuple[str, str, list[tuple[str, int, int | None]]]] = {
    "c1": (
        "Spring sale",
        "2026-03-01T10:00:00+00:00",
        [("https://shop.example/spring", 12, 30), ("https://shop.example/", 3, None)],
    ),
    "c2": ("Newsletter", "2026-04-01T10:00:00+00:00", [("https://news.example/a?x=1&y=2", 7, 9)]),
    "c3": ("Empty", "2026-05-01T10:00:00+00:00", []),
}


class FakeMail(LinkReportSource):
    """The FakeMail test provider."""

    name = "fakemail"
    description = "FakeMail, an imaginary ESP used by linkreport's tests"
    settings = (
        Setting("api_key", "FakeMail API key", secret=True),
        Setting("base_url", "API base URL", default="https://api.fakemail.invalid"),
    )
    rate_limit = "50/1"
    test_only = True

    def _get(self, ctx: SourceContext, path: str, **params: str) -> Any:
        key = ctx.settings.require("api_key")
        return ctx.http.get_json(path, params=params or None, headers={"X-Api-Key": key})

    def fetch_links(
        self, ctx: SourceContext, campaign_id: str, *, include_unclicked: bool = False
    ) -> Iterator[LinkClicks]:
        if campaign_id.startswith("boom"):
            raise RuntimeError("the plugin has a bug")
        if not _ID.match(campaign_id):
            raise NotFoundError(f"{campaign_id!r} is not a FakeMail campaign ID")
        data = self._get(ctx, f"/api/campaigns/{campaign_id}/links")
        for link in data["links"]:
            try:
                record = self._link(campaign_id, link)
            except ValueError as exc:  # a WireError, or a value the record refuses
                raise BadResponseError(
                    f"unexpected links of campaign {campaign_id}: {exc}"
                ) from None
            clicks = (
                record.total_clicks if record.total_clicks is not None else record.unique_clicks
            )
            if clicks == 0 and not include_unclicked:
                continue
            yield record

    def _link(self, campaign_id: str, link: Any) -> LinkClicks:
        """One decoded link as its record; a ``WireError`` when a value is unusable."""
        try:
            return LinkClicks(
                provider=self.name,
                campaign_id=campaign_id,
                url=link["url"],
                unique_clicks=parse_count(link["unique"]),
                total_clicks=parse_count(link["total"]),
            )
        except WireError:
            raise
        except ValueError as exc:  # the record refuses it (a lone surrogate)
            raise WireError(str(exc)) from None

    def fetch_stats(
        self, ctx: SourceContext, campaign_ids: Sequence[str], *, send_times: bool = True
    ) -> Iterator[StatsAnswer]:
        from linkreport.records import CampaignStats
        from linkreport.stats import StatsAnswer

        wanted = [i for i in campaign_ids if _ID.match(i)]
        for bad in (i for i in campaign_ids if not _ID.match(i)):
            yield StatsAnswer(bad, error=NotFoundError(f"{bad!r} is not a FakeMail campaign ID"))
        for start in range(0, len(wanted), STATS_BATCH):
            part = wanted[start : start + STATS_BATCH]
            found = {
                item["id"]: item
                for item in self._get(ctx, "/api/stats", ids=",".join(part))["stats"]
            }
            for campaign_id in part:
                item = found.get(campaign_id)
                if item is None:
                    yield StatsAnswer(
                        campaign_id, error=NotFoundError("fakemail: campaign not found")
                    )
                    continue
                try:
                    record = CampaignStats(
                        provider=self.name,
                        campaign_id=campaign_id,
                        sent=parse_count(item["sent"]),
                        bounces=parse_count(item["bounces"]),
                        sent_at=parse_timestamp(item["sent_at"]),
                    )
                except (ValueError, KeyError, TypeError) as exc:
                    error = BadResponseError(f"unexpected delivery counts: {exc}")
                    yield StatsAnswer(campaign_id, error=error)
                    continue
                yield StatsAnswer(campaign_id, stats=(record,))

    def list_campaigns(self, ctx: SourceContext, since: datetime) -> Iterator[Campaign]:
        pages = page_numbers(
            lambda n: self._get(ctx, "/api/campaigns", since=since.isoformat(), page=str(n)),
            more=lambda page, n: n < page["pages"],
            what="campaign list",
            items=lambda page: page["campaigns"],  # a page served again is an error
        )
        for page in pages:  # one unusable item is left out alone, named
            yield from usable(ctx, page["campaigns"], self._campaign, campaign_id=_item_id)

    def _campaign(self, item: Any) -> Campaign:
        """One decoded listing item as its record; a ``ValueError`` when it is unusable."""
        sent_at = parse_timestamp(item["sent_at"])
        return Campaign(
            provider=self.name, campaign_id=item["id"], name=item["name"], sent_at=sent_at
        )

    def classify_response(self, ctx: SourceContext, response: requests.Response) -> None:
        if response.status_code == 400 and "API key" in (server_message(response) or ""):
            raise AuthenticationError(f"fakemail: {server_message(response)}")
        raise_for_status(
            response,
            unauthorized="fakemail: the API key is not valid",
            not_found="fakemail: campaign not found",
        )

    def sandbox(self, **options: Any) -> Sandbox:
        opts = sandbox_options(options, rate=0, campaigns=0, measures="both")
        if opts["measures"] not in MEASURES:
            raise ConfigurationError(
                f"sandbox option measures must be one of {', '.join(MEASURES)},"
                f" got {opts['measures']!r}"
            )
        return Sandbox(
            app=make_app(opts["rate"], opts["campaigns"], measures=opts["measures"]),
            settings={"api_key": SANDBOX_KEY, "base_url": "{url}"},
        )


def _item_id(item: Any) -> Any:
    return item.get("id") if isinstance(item, dict) else None


def _all_campaigns(extra: int) -> dict[str, tuple[str, str, list[tuple[str, int, int | None]]]]:
    found = dict(CAMPAIGNS)
    first = datetime(2025, 12, 31, 10, tzinfo=UTC)
    for n in range(extra):  # older than the samples, one a day
        sent = (first - timedelta(days=n)).isoformat()
        found[f"x{n + 1}"] = (f"Extra {n + 1}", sent, [(f"https://extra.example/{n}", 1, 1)])
    return found


def make_app(
    rate: int = 0, campaigns: int = 0, *, measures: str = "both"
) -> Callable[..., Iterable[bytes]]:
    """The FakeMail sandbox as a WSGI app.

    ``rate`` > 0 answers 429 past that many requests per second; ``campaigns`` adds that many
    older campaigns, so the listing spans several pages. ``measures`` (:data:`MEASURES`):
    which counts the link reports carry (the other is null).
    """
    recent: list[float] = []
    refused = [0]

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def reply(status: str, body: Any) -> list[bytes]:
            payload = json.dumps(body).encode()
            start_response(
                status,
                [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
            )
            return [payload]

        now = time.monotonic()
        recent[:] = [t for t in recent if t > now - 1]
        if rate and len(recent) >= rate:
            refused[0] += 1
            start_response("429 Too Many Requests", [("Retry-After", "1"), ("Content-Length", "0")])
            return [b""]
        recent.append(now)
        every = _all_campaigns(campaigns)  # per request: tests may change CAMPAIGNS meanwhile
        key = environ.get("HTTP_X_API_KEY", "")
        if not _KEY_SHAPE.match(key):
            return reply("400 Bad Request", {"error": "malformed API key"})
        if key != SANDBOX_KEY:
            return reply("401 Unauthorized", {"error": "bad key"})
        path = environ["PATH_INFO"]
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if path == "/api/campaigns":
            since = datetime.fromisoformat(query.get("since", "1970-01-01T00:00:00+00:00"))
            found = sorted(
                (
                    {"id": cid, "name": name, "sent_at": sent}
                    for cid, (name, sent, _) in every.items()
                    if datetime.fromisoformat(sent) >= since
                ),
                key=lambda c: c["sent_at"],
                reverse=True,
            )
            page = int(query.get("page", "1"))
            pages = max(1, -(-len(found) // PAGE_SIZE))
            chunk = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
            return reply("200 OK", {"campaigns": chunk, "page": page, "pages": pages})
        if path == "/api/stats":
            ids = [i for i in query.get("ids", "").split(",") if i]
            if len(ids) > STATS_BATCH:
                return reply("400 Bad Request", {"error": f"at most {STATS_BATCH} ids"})
            stats = [
                {"id": i, "sent": sent, "bounces": bounces, "sent_at": every[i][1]}
                for i in ids
                if i in every
                for sent, bounces in [STATS.get(i, (10, 0))]
            ]
            return reply("200 OK", {"stats": stats})
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["api", "campaigns"] and parts[3] == "links":
            campaign = every.get(parts[2])
            if campaign is None:
                return reply("404 Not Found", {"error": "no such campaign"})
            reported = [*campaign[2], ("https://unclicked.example/", 0, 0)]
            links = [
                {
                    "url": u,
                    "unique": None if measures == "total" else n,
                    # (a total-only ESP reports a total for every link)
                    "total": None
                    if measures == "unique"
                    else (n if t is None and measures == "total" else t),
                }
                for u, n, t in reported
            ]
            return reply("200 OK", {"links": links})
        return reply("404 Not Found", {"error": "no such path"})

    app.refused = refused  # type: ignore[attr-defined]
    return app


@linkreport.hookimpl
def register_sources(register: Callable[[LinkReportSource], None]) -> None:
    register(FakeMail())
