"""The rows the dlt resources load, and their column hints (plain data: no dlt import).

Field names are the store's (``linkreport.db``): the record fields plus ``account``, and
``url_canonical`` for link snapshots. Every column is typed; timestamps are UTC.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs

from linkreport.db.store import best_sent_time
from linkreport.records import Campaign, CampaignStats, LinkClicks

Row = dict[str, Any]
Columns = dict[str, dict[str, Any]]


def _text(nullable: bool = True) -> dict[str, Any]:
    return {"data_type": "text", "nullable": nullable}


def _time(nullable: bool = True) -> dict[str, Any]:
    return {"data_type": "timestamp", "timezone": True, "nullable": nullable}


def _count() -> dict[str, Any]:
    return {"data_type": "bigint", "nullable": True}


CAMPAIGN_COLUMNS: Columns = {
    "account": _text(False),
    "provider": _text(False),
    "campaign_id": _text(False),
    "name": _text(),
    "subject": _text(),
    "status": _text(),
    "sent_at": _time(),
    "sent_at_source": _text(False),
    "updated_at": _time(),
}

SNAPSHOT_COLUMNS: Columns = {
    "snapshot_key": _text(False),
    "account": _text(False),
    "provider": _text(False),
    "campaign_id": _text(False),
    "activity_id": _text(),
    "activity_role": _text(),
    "url": _text(False),
    "unique_clicks": _count(),
    "total_clicks": _count(),
    "link_id": _text(),
    "link_tag": _text(),
    "list_id": _text(),
    "list_action": _text(),
    "timestamp": _time(),
    "fetched_at": _time(False),
    "url_canonical": _text(False),
}

EVENT_COLUMNS: Columns = {
    "event_key": _text(False),
    "account": _text(False),
    "provider": _text(False),
    "campaign_id": _text(False),
    "activity_id": _text(),
    "url": _text(False),
    "link_id": _text(),
    "clicked_at": _time(False),
    "contact": _text(False),
    "network": _text(),  # a keyed pseudonym of the clicker's network, never an address
    "machine": {"data_type": "bool", "nullable": True},  # a link scanner's click
    "reason": _text(),  # the rule that decided (null: a person's)
}

STATS_COLUMNS: Columns = {
    "stats_key": _text(False),
    "account": _text(False),
    "provider": _text(False),
    "campaign_id": _text(False),
    "activity_id": _text(),
    "sent": _count(),
    "bounces": _count(),
    "delivered": _count(),
    "sent_at": _time(),
    "fetched_at": _time(False),
}

FAILED_AT = "failed_at"
FAILURE_COLUMNS: Columns = {
    "account": _text(False),
    "campaign_id": _text(),
    "resource": _text(False),
    "error": _text(False),
    "failed_at": _time(False),
}

#: What identifies one link of one campaign (everything but its counts and times).
LINK_IDENTITY = (
    "provider",
    "campaign_id",
    "activity_id",
    "activity_role",
    "url",
    "link_id",
    "link_tag",
    "list_id",
    "list_action",
)


def stable_key(*parts: str | int | None) -> str:
    """Return a hex SHA-256 of ``parts`` (``None`` and ``""`` stay distinct)."""
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def campaign_row(
    account: str, campaign: Campaign, first_seen: datetime, stats_sent_at: datetime | None = None
) -> Row:
    """One ``campaigns`` row, its ``sent_at`` chosen as the store chooses it.

    ``sent_at`` is the provider's send time (from the listing, else from its delivery counts:
    ``stats_sent_at``, the earliest activity's), else its ``updated_at``, else ``first_seen``
    (when a load first saw the campaign); ``sent_at_source`` says which of the three.
    """
    if campaign.sent_at is None and stats_sent_at is not None:
        campaign = attrs.evolve(campaign, sent_at=stats_sent_at)
    sent, source = best_sent_time(campaign, first_seen)
    return {"account": account, **attrs.asdict(campaign), "sent_at": sent, "sent_at_source": source}


def snapshot_row(account: str, record: LinkClicks, canonical: Callable[[str], str]) -> Row:
    """One ``link_snapshots`` row: the record, ``account``, ``url_canonical`` and its key.

    The key is the link's identity plus its counts, so a link gets a new row only when its
    counts change (``fetched_at`` is when those counts were first loaded), and loading the
    same fetch again adds nothing.
    """
    fields: Mapping[str, Any] = attrs.asdict(record)
    identity = [fields[name] for name in LINK_IDENTITY]
    key = stable_key(account, *identity, record.unique_clicks, record.total_clicks)
    return {
        "snapshot_key": key,
        "account": account,
        **fields,
        "url_canonical": canonical(record.url),
    }


def stats_row(account: str, record: CampaignStats) -> Row:
    """One ``campaign_stats`` row: the record, ``account`` and its key.

    The key is the campaign (activity) plus its counts and send time, so it gets a new row
    only when they change, as in the store (``fetched_at``: when they were first loaded).
    """
    when = record.sent_at.isoformat() if record.sent_at else None
    key = stable_key(
        account,
        record.provider,
        record.campaign_id,
        record.activity_id,
        record.sent,
        record.bounces,
        record.delivered,
        when,
    )
    return {"stats_key": key, "account": account, **attrs.asdict(record)}


def failure_row(
    account: str, resource: str, error: str, when: datetime, campaign_id: str | None = None
) -> Row:
    """One ``failures`` row."""
    return {
        "account": account,
        "campaign_id": campaign_id,
        "resource": resource,
        "error": error,
        FAILED_AT: when,
    }
