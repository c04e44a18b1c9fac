"""The ``click_events`` resource: new click events of every campaign, incrementally.

dlt's resource state keeps the newest ``clicked_at`` loaded per (account, campaign); the
next run asks each source only for events from then on (``fetch_clicks`` is inclusive, so
the newest event comes again and the merge on ``event_key`` drops it). The state is
committed only with a successful load, so a failed load is fetched again next time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, MutableMapping
from typing import Any

import attrs

from linkreport.db import event_key
from linkreport.db.store import from_text, to_text
from linkreport.dlt.harvest import Harvest
from linkreport.dlt.rows import Row
from linkreport.errors import BadResponseError, LinkReportError
from linkreport.records import ClickEvent

RESOURCE = "click_events"
NEWEST = "newest_clicked_at"


def cursor_key(account: str, campaign_id: str) -> str:
    """The state key of one campaign of one account."""
    return json.dumps([account, campaign_id])


def event_row(account: str, event: ClickEvent) -> Row:
    """One ``click_events`` row: the event, ``account`` and its stable ``event_key``."""
    return {"event_key": event_key(account, event), "account": account, **attrs.asdict(event)}


def _account_events(harvest: Harvest, account: str, known: dict[str, str]) -> list[Row]:
    opened = harvest.open(account)
    if not opened or not opened[0].source.supports_clicks:
        return []
    ctx, campaigns = opened
    rows: list[Row] = []
    for campaign in campaigns:
        cid = campaign.campaign_id
        newest = known.get(cursor_key(account, cid))
        since = from_text(newest) if newest else None
        try:
            for event in ctx.source.fetch_clicks(ctx, cid, since=since):
                if not isinstance(event, ClickEvent):  # plugins are not type-checked by us
                    kind = type(event).__name__  # type: ignore[unreachable]
                    raise BadResponseError(f"the {ctx.provider} plugin yielded {kind}")
                rows.append(event_row(account, event))
        except Exception as error:
            harvest.failures.add(account, RESOURCE, error, cid)
            if isinstance(error, LinkReportError) and error.fatal:
                break  # a bad key or an exhausted quota fails every campaign alike
    return rows


def click_events(harvest: Harvest, state: MutableMapping[str, Any]) -> Iterator[list[Row]]:
    """Yield each account's new click events; advance ``state`` past what was yielded."""
    newest: dict[str, str] = state.setdefault(NEWEST, {})
    known = dict(newest)
    for rows in harvest.each_account(lambda account: _account_events(harvest, account, known)):
        yield rows
        for row in rows:
            key = cursor_key(row["account"], row["campaign_id"])
            when = to_text(row["clicked_at"])
            if when > newest.get(key, ""):
                newest[key] = when
    for account in harvest.accounts:  # forget campaigns no longer in the window
        opened = harvest.open(account)
        if opened:
            listed = {cursor_key(account, c.campaign_id) for c in opened[1]}
            for key in [k for k in newest if json.loads(k)[0] == account and k not in listed]:
                del newest[key]
