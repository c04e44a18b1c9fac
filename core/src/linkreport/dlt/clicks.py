"""The ``click_events`` resource: new click events of every campaign, incrementally.

dlt's resource state keeps the newest ``clicked_at`` loaded per (account, campaign,
activity); the next run asks each source for a campaign's events from the oldest of its
activities' newest on, as ``linkreport sync`` does (``fetch_clicks`` is inclusive, so events
come again and the merge on ``event_key`` replaces them). The state is committed only with a
successful load, so a failed load is fetched again next time.

Each event carries ``machine`` and ``reason`` (:mod:`linkreport.humans`, under ``[humans]``),
decided per campaign (activity) over the events fetched with it. So that a burst spanning two
loads is decided on all of its events, a campaign is fetched from twice the rules' longest
window before its cursor (the first window only as context), and the events of the last
window before it are loaded again with their new verdicts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from linkreport.click_events import source_clicks
from linkreport.db import event_key
from linkreport.db.store import from_text, to_text
from linkreport.dlt.harvest import Harvest
from linkreport.dlt.rows import Row
from linkreport.errors import BadResponseError, LinkReportError
from linkreport.humans import HumanRules, Verdict, classify_campaigns
from linkreport.records import Campaign, ClickEvent

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


def event_row(account: str, event: ClickEvent, verdict: Verdict | None = None) -> Row:
    """One ``click_events`` row: the event, ``account``, its stable ``event_key``, its verdict."""
    return {
        "event_key": event_key(account, event),
        "account": account,
        **attrs.asdict(event),
        "machine": None if verdict is None else verdict.machine,
        "reason": None if verdict is None else verdict.reason,
    }


def context_seconds(rules: HumanRules) -> float:
    """The rules' longest window: how far before a click other clicks change its verdict."""
    return max(float(v) for k, v in attrs.asdict(rules).items() if k.endswith("_seconds"))


def _decided(
    account: str, campaign: Campaign, events: list[ClickEvent], rules: HumanRules, since: datetime
) -> list[Row]:
    """The rows of the events from ``since`` on, each activity's events classified together."""
    verdicts = classify_campaigns(
        events,
        sent_at={(e.campaign_id, e.activity_id): campaign.sent_at for e in events},
        rules=rules,
    )
    return [
        event_row(account, e, v)
        for e, v in zip(events, verdicts, strict=True)
        if e.clicked_at >= since
    ]


def _account_events(
    harvest: Harvest, account: str, resume: dict[tuple[str, str], datetime], rules: HumanRules
) -> list[Row]:
    opened = harvest.open(account)
    if not opened or not opened[0].source.supports_clicks:
        return []
    ctx, campaigns = opened
    window = timedelta(seconds=context_seconds(rules))
    rows: list[Row] = []
    for campaign in campaigns:
        cid = campaign.campaign_id
        cursor = resume.get((account, cid))
        try:
            events = []
            for event in source_clicks(ctx, cid, since=cursor - 2 * window if cursor else None):
                if not isinstance(event, ClickEvent):  # plugins are not type-checked by us
                    kind = type(event).__name__  # type: ignore[unreachable]
                    raise BadResponseError(f"the {ctx.provider} plugin yielded {kind}")
                events.append(event)
            since = cursor - window if cursor else datetime.min.replace(tzinfo=UTC)
            rows.extend(_decided(account, campaign, events, rules, since))
        except Exception as error:
            harvest.failures.add(account, RESOURCE, error, cid)
            if isinstance(error, LinkReportError) and error.fatal:
                break  # a bad key or an exhausted quota fails every campaign alike
    return rows


def click_events(harvest: Harvest, state: MutableMapping[str, Any]) -> Iterator[list[Row]]:
    """Yield each account's new click events; advance ``state`` past what was yielded."""
    import os

    from linkreport.config import home_dir

    newest: dict[str, str] = state.setdefault(NEWEST, {})
    resume = _resume_points(newest)
    rules = HumanRules.for_home(home_dir(os.environ if harvest.env is None else harvest.env))

    def work(account: str) -> list[Row]:
        return _account_events(harvest, account, resume, rules)

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
