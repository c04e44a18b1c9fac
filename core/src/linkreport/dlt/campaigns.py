"""The ``campaigns`` resource: one row per campaign, its send time chosen as the store does.

A send time the campaign's delivery counts give (Constant Contact's listing has none) is
its ``sent_at`` where the listing gives none, as in the store.

A campaign without a send time or ``updated_at`` is dated when a load first saw it; that
time is kept in the resource's dlt state (``first_seen``, per account and campaign), so the
merged row keeps it run after run, as the store keeps its first ``sent_at``. Campaigns that
leave the ``since`` window of an account listed in this run are forgotten.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, MutableMapping
from datetime import datetime
from typing import Any

from linkreport.db.store import from_text, to_text
from linkreport.dlt.harvest import Harvest
from linkreport.dlt.rows import Row, campaign_row
from linkreport.records import utc_now

RESOURCE = "campaigns"
FIRST_SEEN = "first_seen"


def campaign_rows(harvest: Harvest, state: MutableMapping[str, Any]) -> Iterator[list[Row]]:
    """Yield each account's ``campaigns`` rows; keep first-seen times in ``state``."""
    first_seen: dict[str, str] = state.setdefault(FIRST_SEEN, {})

    def work(account: str) -> list[Row]:
        now = utc_now()
        rows: list[Row] = []
        campaigns = harvest.campaigns(account)
        sent: dict[str, datetime] = {}  # the earliest send time each campaign's stats give
        if any(c.sent_at is None for c in campaigns):
            for stats in harvest.stats(account):
                known = sent.get(stats.campaign_id)
                if stats.sent_at is not None and (known is None or stats.sent_at < known):
                    sent[stats.campaign_id] = stats.sent_at
        for campaign in campaigns:
            seen = now
            stats_sent = sent.get(campaign.campaign_id)
            if campaign.sent_at is None and campaign.updated_at is None and stats_sent is None:
                key = json.dumps([account, campaign.campaign_id])
                seen = from_text(first_seen.setdefault(key, to_text(now)))
            rows.append(campaign_row(account, campaign, seen, stats_sent))
        return rows

    yield from harvest.each_account(RESOURCE, work)
    opened = [account for account in harvest.accounts if harvest.open(account)]
    listed = {json.dumps([a, c.campaign_id]) for a in opened for c in harvest.campaigns(a)}
    for key in list(first_seen):
        if json.loads(key)[0] in opened and key not in listed:
            del first_seen[key]
