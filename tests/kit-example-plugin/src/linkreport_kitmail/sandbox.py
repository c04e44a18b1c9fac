"""KitMail's sandbox: its sample data served by linkreport.kit's ApiSandbox."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from linkreport import Sandbox
from linkreport.kit.sandbox import ApiSandbox, grown, positive, sandbox_options
from linkreport.kit.source import ApiSource
from linkreport_kitmail.samples import CAMPAIGNS, SANDBOX_KEY


def make_sandbox(source: ApiSource, options: Mapping[str, Any]) -> Sandbox:
    """The sandbox; options ``campaigns`` (older extras), ``rate`` per ``window`` seconds."""
    opts = sandbox_options(options, campaigns=0, rate=0, window=positive(1.0))
    every = dict(CAMPAIGNS)
    first = datetime(2025, 12, 31, 10, tzinfo=UTC)
    for n in range(opts["campaigns"]):  # older than the samples, one a day
        sent = (first - timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        every[1000 + n] = (f"Extra {n + 1}", sent, [(f"https://extra.example/{n}", 1, 0)])

    def campaigns(tick: int) -> list[dict[str, Any]]:
        return [
            {"id": cid, "name": name, "subject": name, "sentDate": sent, "status": "sent"}
            for cid, (name, sent, _) in every.items()
        ]

    def reports(campaign_id: str, tick: int) -> list[dict[str, Any]] | None:
        found = every.get(int(campaign_id)) if campaign_id.isdigit() else None
        if found is None:
            return None
        return [{"url": url, "clicks": grown(n, tick, per)} for url, n, per in found[2]]

    app = ApiSandbox(
        source,
        key=SANDBOX_KEY,
        campaigns=campaigns,
        reports=reports,
        rate=opts["rate"],
        window=opts["window"],
        reset_header="x-sib-ratelimit-reset",
        error_body=lambda status, message: {"code": "unauthorized", "message": message},
    )
    return Sandbox(app=app, settings={"api_key": SANDBOX_KEY, "base_url": "{url}"})
