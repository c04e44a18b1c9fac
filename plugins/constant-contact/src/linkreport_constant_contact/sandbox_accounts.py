"""The sandbox's data for accounts other than the default one, chosen by the account's name.

``linkreport sandbox constant-contact --account globex`` serves campaigns of its own for
``globex``: always the same for one name, different for another. Each links to the shop's
homepage and product pages (:data:`linkreport.kit.sandbox.SHARED_LINKS`, which Sitecore Send's
sandbox and the default account's sample data link to as well) beside links of the account's
own, so ``linkreport top`` merges links across campaigns, accounts and providers.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from linkreport.kit.sandbox import SHARED_LINKS, account_digest

#: Names of the campaigns an account may have sent.
TOPICS = (
    "Monthly newsletter",
    "Spring collection",
    "Customer stories",
    "Clearance",
    "Workshop invitation",
    "Thank you",
)
#: Days before the data day each sent campaign was last updated (sent): two in the last week,
#: the others 2 to 8 weeks before (some outside the default 30 days).
DAYS_AGO = (5, 4, 12, 22, 38, 50)
_NS = uuid.UUID("2b0c7a51-3f0e-4d1c-9a57-6c1e0f3d2a84")

#: campaign ID -> (name, status, updated_at, [(activity ID, role, status)]), as ``CAMPAIGNS``.
Campaigns = dict[str, tuple[str, str, str, list[tuple[str, str, str]]]]


def _id(account: str, what: str) -> str:
    return str(uuid.uuid5(_NS, f"{account}/{what}"))


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def account_data(account: str, day: datetime) -> tuple[Campaigns, dict[str, list[dict[str, Any]]]]:
    """``(campaigns, links)`` of ``account`` dated from ``day``, as ``CAMPAIGNS`` and ``LINKS``."""
    dice = account_digest(account, "constant-contact")
    brand = account.replace("-", " ").replace("_", " ").title()
    campaigns: Campaigns = {}
    links: dict[str, list[dict[str, Any]]] = {}
    for n, days in enumerate(DAYS_AGO):
        cid, aid, pid = (_id(account, f"{k}{n}") for k in ("c", "a", "p"))
        sent = day - timedelta(days=days + dice[1 + n] % 2, hours=-(8 + dice[1 + n] % 6))
        name = f"{TOPICS[(dice[0] + n) % len(TOPICS)]} ({brand})"
        activities = [(aid, "primary_email", "DONE"), (pid, "permalink", "DONE")]
        campaigns[cid] = (name, "Done", _iso(sent), activities)
        urls = [
            f"{SHARED_LINKS[0]}?utm_source=cc&utm_campaign={account}-{n + 1}",
            SHARED_LINKS[1 + (dice[8] + n) % 2],
            f"https://www.example.org/{account}/stories/{n + 1}",
        ]
        if n % 2:
            urls.append(SHARED_LINKS[3])
        links[aid] = [
            {
                "link_url": url,
                "url_id": str(2_200_000_000 + int.from_bytes(dice[n : n + 3]) + i),
                "unique_clicks": 2 + dice[(9 + 3 * n + i) % 32] % 45,
            }
            for i, url in enumerate(urls)
        ]
    draft = _id(account, "draft")
    campaigns[draft] = (
        f"Next month ({brand})",
        "Draft",
        _iso(day - timedelta(days=1, hours=-10)),
        [(_id(account, "draft-a"), "primary_email", "DRAFT")],
    )
    return campaigns, links
