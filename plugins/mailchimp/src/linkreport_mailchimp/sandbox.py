"""Mailchimp's sandbox: the sample data served by linkreport.kit's ApiSandbox.

Beside the kit's listing (``/campaigns``) and link reports (``/reports/{id}/click-details``)
it serves, as added routes, ``/reports/{id}`` (delivery counts) and ``/reports/{id}/
email-activity`` (recipients with ``activity[]``: opens and clicks; ``since``; paged by
``offset``/``count`` as the source's ``clicks`` declaration reads them).
Errors are problem+json as Mailchimp's.
Options: ``campaigns`` (older extra campaigns), ``links`` (extra links in the first sample
campaign), ``scanners`` (link scanners' clicks beside people's, counted in the reports too),
``rate`` requests per ``window`` seconds, then 429 with ``Retry-After`` if ``retry_after``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from linkreport import Sandbox
from linkreport.kit import ApiSource
from linkreport.kit.sandbox import ApiSandbox, Asked, Refused
from linkreport.kit.sandbox.options import positive, sandbox_options
from linkreport.kit.wire import parse_timestamp
from linkreport_mailchimp.samples import (
    CAMPAIGNS,
    LIST_ID,
    SANDBOX_KEY,
    SPRING,
    Click,
    clicks,
    email,
    email_id,
    link_id,
    sent_at,
)

_TITLES = {
    400: "Invalid Resource",
    401: "API Key Invalid",
    404: "Resource Not Found",
    429: "Too Many Requests",
}
_DETAILS = {
    401: "Your API key may be invalid, or you've attempted to access the wrong datacenter.",
    404: "The requested resource could not be found.",
    429: "You have exceeded the limit of 10 simultaneous connections.",
}
Links = list[tuple[str, int, int]]


def problem(status: int, message: str) -> dict[str, Any]:
    """A problem+json body as Mailchimp writes it."""
    return {
        "type": "https://mailchimp.com/developer/marketing/docs/errors/",
        "title": _TITLES.get(status, "Bad Request"),
        "status": status,
        "detail": _DETAILS.get(status, message),
        "instance": "0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9",
    }


def _time(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


class MailchimpSandbox(ApiSandbox):
    """The kit's sandbox plus Mailchimp's email activity."""

    def __init__(
        self,
        source: ApiSource,
        every: Mapping[str, tuple[str, int, Links]],
        scanners: bool,
        **kwargs: Any,
    ) -> None:
        self.every, self.scanners = every, scanners
        routes = {"/reports/{id}": self._summary, "/reports/{id}/email-activity": self._activity}
        super().__init__(
            source, campaigns=self._campaigns, reports=self._reports, routes=routes, **kwargs
        )

    def clicks_of(self, campaign_id: str, tick: int) -> tuple[Links, list[Click]] | None:
        """The links and every click of a campaign at ``tick`` (``None``: unknown)."""
        found = self.every.get(campaign_id)
        if found is None:
            return None
        _title, days, links = found
        return links, clicks(links, sent_at(days), tick, self.scanners)

    def _campaigns(self, tick: int) -> list[dict[str, Any]]:
        return [
            {
                "id": cid,
                "type": "regular",
                "status": "sent",
                "send_time": _time(sent_at(days)),
                "settings": {"title": title, "subject_line": f"{title}: this week only"},
            }
            for cid, (title, days, _) in self.every.items()
        ]

    def _reports(self, campaign_id: str, tick: int) -> list[dict[str, Any]] | None:
        found = self.clicks_of(campaign_id, tick)
        if found is None:
            return None
        links, every = found
        out = []
        for position, (url, _u, _t) in enumerate(links):
            mine = [c for c in every if c.link == position]
            out.append(
                {
                    "id": link_id(url),
                    "url": url,
                    "total_clicks": len(mine),
                    "unique_clicks": len({c.contact for c in mine}),
                    "last_click": _time(mine[-1].at) if mine else "",
                    "campaign_id": campaign_id,
                    "ab_split": {"a": {}, "b": {}},
                }
            )
        return out

    def _summary(self, asked: Asked) -> dict[str, Any]:
        campaign_id = str(asked.id)
        found = self.every.get(campaign_id)
        if found is None:
            raise Refused(404, "campaign not found")
        title, days, _links = found
        sent = 1000 if campaign_id in CAMPAIGNS else 100
        return {
            "id": campaign_id,
            "campaign_title": title,
            "type": "regular",
            "list_id": LIST_ID,
            "emails_sent": sent,
            "send_time": _time(sent_at(days)),
            "bounces": {
                "hard_bounces": sent // 100,
                "soft_bounces": sent // 50,
                "syntax_errors": 1,
            },
        }

    def _activity(self, asked: Asked) -> dict[str, Any]:
        campaign_id = str(asked.id)
        found = self.clicks_of(campaign_id, asked.tick)
        if found is None:
            raise Refused(404, "campaign not found")
        links, every = found
        since = parse_timestamp(asked.params["since"]) if asked.params.get("since") else None
        people: dict[int, list[tuple[datetime, dict[str, Any]]]] = {}
        for click in every:
            acts = people.setdefault(click.contact, [])
            if not acts:  # an open before the first click (not a click: left out)
                opened = click.at - timedelta(minutes=1)
                acts.append((opened, {"action": "open", "timestamp": _time(opened)}))
            url = links[click.link][0]
            acts.append(
                (
                    click.at,
                    {"action": "click", "type": "", "timestamp": _time(click.at), "url": url}
                    | {"ip": click.ip},
                )
            )
        emails = [
            {
                "campaign_id": campaign_id,
                "list_id": LIST_ID,
                "list_is_active": True,
                "email_id": email_id(n),
                "email_address": email(n),
                "activity": [a for at, a in acts if since is None or at > since],
            }
            for n, acts in sorted(people.items())
        ]
        emails = [e for e in emails if e["activity"]]
        assert self.source.clicks is not None
        return {**self.page(self.source.clicks, emails, asked), "campaign_id": campaign_id}


def make_sandbox(source: ApiSource, options: Mapping[str, Any]) -> Sandbox:
    """The sandbox and the settings that point linkreport at it."""
    opts = sandbox_options(
        options,
        campaigns=0,
        links=0,
        scanners=False,
        rate=0,
        window=positive(1.0),
        retry_after=True,
    )
    every = dict(CAMPAIGNS)
    if opts["links"]:
        title, days, links = every[SPRING]
        extra = [(f"https://shop.example.com/item/{n}", 1, 1) for n in range(opts["links"])]
        every[SPRING] = (title, days, links + extra)
    for n in range(opts["campaigns"]):  # older than the samples, one a day
        url = f"https://news.example.com/{n}"
        every[f"e{n:09x}"] = (f"Extra {n + 1}", 40 + n, [(url, 1, 1)])
    app = MailchimpSandbox(
        source,
        every,
        opts["scanners"],
        key=SANDBOX_KEY,
        rate=opts["rate"],
        window=opts["window"],
        # Mailchimp documents no reset header: without Retry-After the client backs off.
        reset_header="Retry-After" if opts["retry_after"] else "X-Sandbox-Window",
        error_body=problem,
    )
    return Sandbox(app=app, settings={"api_key": SANDBOX_KEY, "base_url": "{url}"})
