"""The sandbox's data for accounts other than the default one, chosen by the account's name.

``linkreport sandbox sitecore-send --account acme`` serves campaigns of its own for ``acme``:
always the same for one name, different for another. Each sends the shop's homepage and
product pages (:data:`linkreport.kit.sandbox.SHARED_LINKS`, which the default account's sample
data and Constant Contact's sandbox link to as well) beside links of the account's own, so
``linkreport top`` merges links across campaigns, accounts and providers.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from linkreport.kit.sandbox.server import SHARED_LINKS, account_digest

#: (name, subject) of the campaigns an account may have sent.
TOPICS = (
    ("Weekly digest", "This week at {brand}"),
    ("New arrivals", "Just in at {brand}"),
    ("Members' evening", "You are invited"),
    ("Weekend sale", "48 hours only"),
    ("Care guide", "Make it last"),
    ("Gift ideas", "For everyone on your list"),
)
#: Days before the data day each sent campaign went out: two in the last week, the others 2 to
#: 8 weeks before (some outside the default 30 days).
DAYS_AGO = (4, 6, 15, 25, 41, 54)


def account_key(account: str) -> str:
    """The API key the sandbox takes for ``account`` (the default account's: ``SANDBOX_KEY``)."""
    return f"sandbox-{account_digest(account, 'sitecore-send key').hex()[:8]}-api-key"


def _id(account: str, what: str) -> str:
    return str(uuid.UUID(bytes=account_digest(account, f"sitecore-send {what}")[:16], version=4))


def account_data(
    account: str, day: datetime
) -> tuple[list[tuple[str, str, str, str, str | None]], dict[str, list[dict[str, Any]]]]:
    """``(campaigns, links)`` of ``account`` dated from ``day``, as ``CAMPAIGNS``/``LINKS``."""
    dice = account_digest(account, "sitecore-send")
    brand = account.replace("-", " ").replace("_", " ").title()
    campaigns: list[tuple[str, str, str, str, str | None]] = []
    links: dict[str, list[dict[str, Any]]] = {}
    for n, days in enumerate(DAYS_AGO):
        name, subject = TOPICS[(dice[0] + n) % len(TOPICS)]
        cid = _id(account, f"campaign {n}")
        sent = day - timedelta(days=days + dice[1 + n] % 2, hours=-(7 + dice[1 + n] % 5))
        campaigns.append(
            (cid, f"{name} ({brand})", subject.format(brand=brand), "Sent", sent.isoformat())
        )
        urls = [
            f"{SHARED_LINKS[0]}?utm_source={account}&utm_campaign=c{n + 1}",
            SHARED_LINKS[1 + (dice[8] + n) % 2],
            f"https://www.example.org/{account}/news/{n + 1}",
        ]
        if n % 2 == 0:
            urls.append(SHARED_LINKS[3])
        stamp = f"/Date({int((sent + timedelta(hours=1)).timestamp() * 1000)}+0000)/"
        links[cid] = [
            {
                "Context": url,
                "ContextName": None,
                "TotalCount": (u := 3 + dice[(9 + 3 * n + i) % 32] % 40)
                + dice[(20 + n + i) % 32] % 9,
                "UniqueCount": u,
                "ContextDescription": None,
                "Timestamp": stamp,
            }
            for i, url in enumerate(urls)
        ]
    campaigns.append((_id(account, "draft"), f"Next month ({brand})", "Coming soon", "Draft", None))
    return campaigns, links
