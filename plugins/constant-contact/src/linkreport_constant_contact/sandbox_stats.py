"""The sandbox's delivery counts and send times (additive routes of the Constant Contact sandbox).

- ``GET /v3/reports/stats/email_campaign_activities/{ids}``: one to ten comma-separated
  activity IDs; any malformed ID is a 404 for all, more than ten a 400; an ID that does not
  exist or has no stats (not sent, not a ``primary_email``/``resend``) is listed under
  ``errors`` while the others are in ``results`` (as the reference describes).
- ``GET /v3/reports/summary_reports/email_campaign_summaries?limit=``: campaigns newest
  ``last_sent_date`` first, ``limit`` 1..500 (default 50), cursor paging through
  ``_links.next.href``, ``unique_counts`` values as strings.
- ``GET /v3/emails/activities/{id}/send_history``: the activity's one send.

Counts come from a per-activity table (:func:`counts_for`), made consistent with the link
report at the current tick: ``em_sends - em_bounces`` is never below a link's unique clicks.
Send times come from the campaign data: a primary email was sent at its campaign's
``updated_at``, a resend a day later (as the click events are dated).
"""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from linkreport_constant_contact.sandbox import ConstantContactSandbox

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
#: (em_sends, em_bounces) of the sample activities by name (see ``sandbox.ident``).
SAMPLE_COUNTS = {"a-news": (2500, 61), "r-news": (800, 9), "a-sale": (1200, 30)}


def counts_for(name: str | None, number: int) -> tuple[int, int]:
    """``(em_sends, em_bounces)`` of an activity: the sample table, else made from a number."""
    if name in SAMPLE_COUNTS:
        return SAMPLE_COUNTS[name]
    return 100 + number % 50, number % 4


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def activity_counts(box: ConstantContactSandbox, activity_id: str) -> tuple[int, int]:
    """``(em_sends, em_bounces)`` now, never fewer deliveries than a link's unique clicks."""
    sends, bounces = box.activity_counts.get(activity_id, (100, 0))
    uniques = [int(link["unique_clicks"] or 0) for link in box.links_at(activity_id)]
    return max(sends, max(uniques, default=0) + bounces), bounces


def activity_stats(box: ConstantContactSandbox, ids_text: str) -> tuple[str, Any]:
    """Status and body of the activity stats report."""
    ids = ids_text.split(",")
    if not all(_UUID.match(i) for i in ids):
        return "404 Not Found", [
            {"error_key": "reports.api.not_found", "error_message": "Resource not found"}
        ]
    if len(ids) > 10:
        return "400 Bad Request", [
            {
                "error_key": "reports.api.validation",
                "error_message": "No more than 10 campaign_activity_ids may be requested",
            }
        ]
    results, errors = [], []
    for activity_id in dict.fromkeys(ids):
        when = box.sent_at(activity_id)
        if when is None:
            errors.append(
                {
                    "error_key": "reports.stats.not_found",
                    "error_message": f"No stats found for campaign activity {activity_id}",
                }
            )
            continue
        sends, bounces = activity_counts(box, activity_id)
        links = box.links_at(activity_id)
        clicked = sum(int(link["unique_clicks"] or 0) for link in links)
        results.append(
            {
                "campaign_id": box.activities[activity_id][0],
                "campaign_activity_id": activity_id,
                "stats": {
                    "em_sends": sends,
                    "em_bounces": bounces,
                    "em_opens": sends // 3,
                    "em_clicks": max(
                        (int(link["unique_clicks"] or 0) for link in links), default=0
                    ),
                    "em_clicks_all": clicked,
                    "em_forwards": 0,
                    "em_optouts": 1,
                    "em_abuse": 0,
                    "em_not_opened": max(0, sends - sends // 3 - bounces),
                },
                "last_refresh_time": _iso(when + timedelta(hours=6)),
            }
        )
    return "200 OK", {"errors": errors, "results": results}


def summaries(box: ConstantContactSandbox, query: dict[str, str]) -> tuple[str, Any]:
    """Status and body of one page of the email campaigns summary report."""
    if "cursor" in query:
        decoded = parse_qs(base64.urlsafe_b64decode(query["cursor"]).decode())
        query = {k: v[0] for k, v in decoded.items()}
    try:
        limit, offset = int(query.get("limit", 50)), int(query.get("next", 0))
    except ValueError:
        limit, offset = 0, 0
    if not 1 <= limit <= 500:
        return "400 Bad Request", [
            {"error_key": "reports.api.validation", "error_message": "limit must be 1 to 500"}
        ]
    rows = []
    for campaign_id, (_name, _status, _updated, acts) in box.campaigns.items():
        sent = [
            (when, activity_id)
            for activity_id, _role, _s in acts
            if (when := box.sent_at(activity_id)) is not None
        ]
        if not sent:
            continue
        counts = [activity_counts(box, activity_id) for _when, activity_id in sent]
        clicks = sum(
            max((int(link["unique_clicks"] or 0) for link in box.links_at(a)), default=0)
            for _w, a in sent
        )
        rows.append(
            (
                max(when for when, _a in sent),
                {
                    "campaign_id": campaign_id,
                    "campaign_type": "NEWSLETTER",
                    "last_sent_date": _iso(max(when for when, _a in sent)),
                    "unique_counts": {
                        "sends": str(sum(s for s, _b in counts)),
                        "opens": str(sum(s // 3 for s, _b in counts)),
                        "clicks": str(clicks),
                        "forwards": "0",
                        "optouts": "1",
                        "abuse": "0",
                        "bounces": str(sum(b for _s, b in counts)),
                        "not_opened": "0",
                    },
                },
            )
        )
    rows.sort(key=lambda row: row[0], reverse=True)
    body: dict[str, Any] = {
        "bulk_email_campaign_summaries": [row for _when, row in rows[offset : offset + limit]],
        "aggregate_percents": {"open": 33.3, "click": 4.2, "bounce": 2.4},
    }
    if offset + limit < len(rows):
        cursor = base64.urlsafe_b64encode(f"limit={limit}&next={offset + limit}".encode()).decode()
        body["_links"] = {
            "next": {
                "href": f"/v3/reports/summary_reports/email_campaign_summaries?cursor={cursor}"
            }
        }
    return "200 OK", body


def send_history(box: ConstantContactSandbox, activity_id: str) -> tuple[str, Any]:
    """Status and body of an activity's send history (one send, or none when never sent)."""
    when = box.sent_at(activity_id)
    if when is None:
        return "200 OK", []
    sends, _bounces = activity_counts(box, activity_id)
    return "200 OK", [
        {
            "send_id": 1,
            "contact_list_ids": ["7c1e0b2a-0000-4000-8000-000000000001"],
            "segment_ids": [],
            "count": sends,
            "run_date": _iso(when),
            "send_status": "COMPLETED",
            "reason_code": 0,
        }
    ]
