"""A test-only provider for an imaginary ESP ("FakeMail"), with its own sandbox.

The API: ``GET /api/campaigns?since=ISO`` and ``GET /api/campaigns/{id}/links`` with an
``X-Api-Key`` header. Campaign IDs starting with ``boom`` make the plugin raise an unexpected
exception, to test that a plugin bug fails only that campaign.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote

import linkreport
from linkreport import Campaign, LinkClicks, LinkReportSource, Sandbox, Setting, SourceContext
from linkreport.errors import AuthenticationError, NotFoundError

if TYPE_CHECKING:
    import requests

SANDBOX_KEY = "fakemail-sandbox-key"
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

    def fetch_links(
        self, ctx: SourceContext, campaign_id: str, *, include_unclicked: bool = False
    ) -> Iterator[LinkClicks]:
        if campaign_id.startswith("boom"):
            raise RuntimeError("the plugin has a bug")
        key = ctx.settings.require("api_key")
        data = ctx.http.get_json(
            f"/api/campaigns/{quote(campaign_id, safe='')}/links", headers={"X-Api-Key": key}
        )
        for link in data["links"]:
            if link["unique"] == 0 and not include_unclicked:
                continue
            yield LinkClicks(
                provider=self.name,
                campaign_id=campaign_id,
                url=link["url"],
                unique_clicks=link["unique"],
                total_clicks=link["total"],
            )

    def list_campaigns(self, ctx: SourceContext, since: datetime) -> Iterator[Campaign]:
        key = ctx.settings.require("api_key")
        data = ctx.http.get_json(
            "/api/campaigns", params={"since": since.isoformat()}, headers={"X-Api-Key": key}
        )
        for item in data["campaigns"]:
            yield Campaign(
                provider=self.name,
                campaign_id=item["id"],
                name=item["name"],
                sent_at=datetime.fromisoformat(item["sent_at"]).astimezone(UTC),
            )

    def classify_response(self, ctx: SourceContext, response: requests.Response) -> None:
        if response.status_code == 401:
            raise AuthenticationError("fakemail: the API key is not valid")
        if response.status_code == 404:
            raise NotFoundError("fakemail: campaign not found")

    def sandbox(self, **options: Any) -> Sandbox:
        rate = int(options.get("rate", 0))
        return Sandbox(app=make_app(rate), settings={"api_key": SANDBOX_KEY, "base_url": "{url}"})


def make_app(rate: int = 0) -> Callable[..., Iterable[bytes]]:
    """The FakeMail sandbox as a WSGI app; ``rate`` > 0 answers 429 past that many per second."""
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
        if environ.get("HTTP_X_API_KEY") != SANDBOX_KEY:
            return reply("401 Unauthorized", {"error": "bad key"})
        path = environ["PATH_INFO"]
        if path == "/api/campaigns":
            since = parse_qs(environ.get("QUERY_STRING", "")).get(
                "since", ["1970-01-01T00:00:00+00:00"]
            )[0]
            found = [
                {"id": cid, "name": name, "sent_at": sent}
                for cid, (name, sent, _) in CAMPAIGNS.items()
                if datetime.fromisoformat(sent) >= datetime.fromisoformat(since)
            ]
            return reply(
                "200 OK", {"campaigns": sorted(found, key=lambda c: c["sent_at"], reverse=True)}
            )
        parts = path.strip("/").split("/")
        if len(parts) == 4 and parts[:2] == ["api", "campaigns"] and parts[3] == "links":
            campaign = CAMPAIGNS.get(parts[2])
            if campaign is None:
                return reply("404 Not Found", {"error": "no such campaign"})
            links = [{"url": u, "unique": n, "total": t} for u, n, t in campaign[2]]
            return reply(
                "200 OK",
                {"links": [*links, {"url": "https://unclicked.example/", "unique": 0, "total": 0}]},
            )
        return reply("404 Not Found", {"error": "no such path"})

    app.refused = refused  # type: ignore[attr-defined]
    return app


@linkreport.hookimpl
def register_sources(register: Callable[[LinkReportSource], None]) -> None:
    register(FakeMail())
