"""The sandbox's ``GET /v3/reports/email_reports/{id}/tracking/clicks``: single clicks.

Clicks are those behind the links report at the current tick (see
:func:`linkreport.kit.sandbox.clicks.sample_clicks`): a link with ``unique_clicks`` u has u
distinct contacts and u + u // 3 clicks (the report gives no total; a third click again),
and each tick adds one click by a new contact to the links that grow. Rows are sorted newest
first, paged by ``limit`` (1-500, default 500) with a cursor in ``_links.next.href``, and
filtered by ``url_id``. Personal data in the rows is made up but realistic, so tests can
prove none of it comes out. With the sandbox's ``scanners`` option, link scanners' clicks
(:func:`linkreport.kit.sandbox.clicks.scanner_clicks`) come beside people's, and the links
report counts them too (the API gives no IP addresses, so neither does the sandbox).
"""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from linkreport.kit.sandbox.clicks import (
    ScannerClick,
    sample_clicks,
    scanner_clicks,
    scanner_counts,
)

_NS = uuid.UUID("0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5")


def contact(n: int) -> dict[str, str]:
    """The made-up person behind contact number ``n``."""
    return {
        "contact_id": str(uuid.uuid5(_NS, f"contact-{n}")),
        "email_address": f"clicker{n}.cc@example.net",
        "first_name": f"Firstname{n}c",
        "last_name": f"Lastname{n}c",
    }


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def people_at_send(links: list[dict[str, Any]], sent: datetime) -> list[list[tuple[int, datetime]]]:
    """People's clicks per link position at tick 0, as :func:`click_rows` serves them."""
    out = []
    for position, link in enumerate(links):
        unique = int(link.get("unique_clicks") or 0)
        start = sent + timedelta(hours=1, seconds=7 * position)
        out.append(sample_clicks(unique, unique + unique // 3, start))
    return out


def scans(links: list[dict[str, Any]], sent: datetime) -> list[ScannerClick]:
    """The link scanners' clicks of an activity (the ``scanners`` option), oldest first."""
    return scanner_clicks(people_at_send(links, sent), sent, seed="constant-contact")


def scanner_added(links: list[dict[str, Any]], sent: datetime) -> list[tuple[int, int]]:
    """What the scanners add to each link's ``(unique_clicks, clicks)``, by position."""
    return scanner_counts(scans(links, sent), len(links))


def click_rows(
    activity_id: str,
    links: list[dict[str, Any]],
    sent: datetime,
    tick: int,
    bad_rows: int = 0,
    scanners: bool = False,
) -> list[dict[str, Any]]:
    """Every click row of an activity at ``tick``, newest first (scanners' too if asked)."""
    rows: list[tuple[datetime, dict[str, Any]]] = []
    for scan in scans(links, sent) if scanners else ():
        link = links[scan.link]
        row = {
            **contact(scan.contact),
            "campaign_activity_id": activity_id,
            "tracking_activity_type": "em_clicks",
            "device_type": "computer",
            "url_id": str(link["url_id"]),
            "link_url": link["link_url"],
            "created_time": _iso(scan.at),
        }
        rows.append((scan.at, row))
    for position, link in enumerate(links):
        unique = int(link.get("unique_clicks") or 0)
        grows = position % 2 == 0
        clicks = sample_clicks(
            unique,
            unique + unique // 3,
            sent + timedelta(hours=1, seconds=7 * position),
            tick=tick,
            unique_per_tick=1 if grows else 0,
            total_per_tick=1 if grows else 0,
        )
        for n, at in clicks:
            row = {
                **contact(n),
                "campaign_activity_id": activity_id,
                "tracking_activity_type": "em_clicks",
                "device_type": "computer" if n % 3 else "mobile",
                "url_id": str(link["url_id"]),
                "link_url": link["link_url"],
                "created_time": _iso(at),
            }
            rows.append((at, row))
    for k in range(bad_rows):  # unusable: no link, or a time that is not a time
        at = sent + timedelta(hours=2, minutes=k)
        row = {**contact(10_000 + k), "campaign_activity_id": activity_id}
        row |= {"created_time": _iso(at)} if k % 2 == 0 else {"link_url": "https://x.example/"}
        rows.append((at, row))
    rows.sort(key=lambda item: item[0], reverse=True)
    return [row for _, row in rows]


def clicks_body(rows: list[dict[str, Any]], query: dict[str, str], path: str) -> Any:
    """One page of ``rows`` for ``limit``/``url_id``/``cursor``; ``None`` for a bad limit."""
    if "cursor" in query:
        decoded = parse_qs(base64.urlsafe_b64decode(query["cursor"]).decode())
        query = {k: v[0] for k, v in decoded.items()}
    try:
        limit, offset = int(query.get("limit", 500)), int(query.get("next", 0))
    except ValueError:
        return None
    if not 1 <= limit <= 500:
        return None
    url_id = query.get("url_id")
    if url_id:
        rows = [row for row in rows if row.get("url_id") == url_id]
    body: dict[str, Any] = {"tracking_activities": rows[offset : offset + limit]}
    if offset + limit < len(rows):
        cursor = f"limit={limit}&next={offset + limit}" + (f"&url_id={url_id}" if url_id else "")
        token = base64.urlsafe_b64encode(cursor.encode()).decode()
        body["_links"] = {"next": {"href": f"{path}?cursor={token}"}}
    return body
