"""The ``click_events`` resource: new click events of every campaign, incrementally.

dlt's resource state keeps the newest ``clicked_at`` loaded per (account, campaign,
activity); the next run asks each source for a campaign's events from the oldest of its
activities' newest on, as ``linkreport sync`` does (``fetch_clicks`` is inclusive, so events
come again and the merge on ``event_key`` drops them). The state is committed only with a
successful load, so a failed load is fetched again next time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, MutableMapping
from datetime import datetime
from typing import Any

import attrs

from linkreport.db import event_key
from linkreport.db.store import from_text, to_text
from linkreport.dlt.harvest import Harvest
from linkreport.dlt.rows import Row
from linkreport.errors import BadResponseError, LinkReportError
from linkreport.records import ClickEvent
from linkreport.timeline import source_clicks

RESOURCE = "click_events"
NEWEST = "newest_clicked_at"


def cursor_key(account: str, campaign_id: str, activity_id: str | None) -> str:
    """The state key of one activity (or ``None``) of one campaign of one account."""
    return json.dumps([account, campaign_id, activity_id])


def _resume_points(newest: dict[str, str]) -> dict[tuple[str, str], datetime]:
    """Per (account, campaign): the oldest of its activities' newest loaded clicks."""
    oldest: dict[tuple[str, str], str] = {}
    for key, when in newest.items():
        account, campaign_id, _activity = json.loads(key)
        if when < oldest.get((account, campaign_id), "\uffff"):
            oldest[(account, campaign_id)] = when
    return {campaign: from_text(when) for campaign, when in oldest.items()}


def event_row(account: str, event: ClickEvent) -> Row:
    """One ``click_events`` row: the event, ``account`` and its stable ``event_key``."""
    return {"event_key": event_key(account, event), "account": account, **attrs.asdict(event)}


def _account_events(
    harvest: Harvest, account: str, resume: dict[tuple[str, str], datetime]
) -> list[Row]:
    opened = harvest.open(account)
    if not opened or not opened[0].source.supports_clicks:
        return []
    ctx, campaigns = opened
    rows: list[Row] = []
    for campaign in campaigns:
        cid = campaign.campaign_id
        try:
            for event in source_clicks(ctx, cid, since=resume.get((account, cid))):
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
    resume = _resume_points(newest)

    def work(account: str) -> list[Row]:
        return _account_events(harvest, account, resume)

    for rows in harvest.each_account(RESOURCE, work):
        yield rows
        for row in rows:
            key = cursor_key(row["account"], row["campaign_id"], row["activity_id"])
            when = to_text(row["clicked_at"])
            if when > newest.get(key, ""):
                newest[key] = when
    for account in harvest.accounts:  # forget campaigns no longer in the window
        opened = harvest.open(account)
        if opened:
            listed = {c.campaign_id for c in opened[1]}
            for key in list(newest):
                owner, campaign_id, _activity = json.loads(key)
                if owner == account and campaign_id not in listed:
                    del newest[key]
