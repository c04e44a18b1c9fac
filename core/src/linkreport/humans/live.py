"""People's clicks for the live commands: ``links --humans`` and ``clicks --humans``.

The click events of a campaign enter core through :func:`linkreport.click_events.source_clicks`
as for every other caller; the events of each activity are classified apart, with the
campaign's send time where the listing gave one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from linkreport.errors import LinkReportError
from linkreport.humans.classify import Verdict, classify_campaigns
from linkreport.humans.records import HumanClickPeriod, HumanLinkClicks
from linkreport.humans.rules import HumanRules
from linkreport.humans.summary import HumanCounts, summarise, summarise_by
from linkreport.records import ClickEvent, LinkClicks

if TYPE_CHECKING:
    from linkreport.click_events import Period
    from linkreport.source import SourceContext

#: Where ``ctx.extras`` keeps the send times the campaign listing gave (campaign ID -> time).
SENT_AT = "linkreport.sent_at"


def sent_at_of(ctx: SourceContext, campaign_id: str) -> datetime | None:
    """The send time of ``campaign_id`` if this run's listing gave one, else ``None``."""
    known = ctx.extras.get(SENT_AT)
    return known.get(campaign_id) if isinstance(known, dict) else None


def verdicts_of(
    events: Sequence[ClickEvent], *, sent_at: datetime | None, rules: HumanRules
) -> list[Verdict]:
    """:func:`~linkreport.humans.classify` per activity of one campaign's events."""
    groups = {(e.campaign_id, e.activity_id) for e in events}
    return classify_campaigns(events, sent_at=dict.fromkeys(groups, sent_at), rules=rules)


def human_links(
    ctx: SourceContext, campaign_id: str, records: Iterable[LinkClicks], *, rules: HumanRules
) -> list[HumanLinkClicks]:
    """``records`` of one campaign with people's clicks, from its click events.

    Where the provider gives no click events the counts are ``None``; a link nobody (no
    person) clicked has 0. A failure to fetch the events raises, failing the campaign.
    """
    from linkreport.click_events import source_clicks

    records = list(records)
    if not ctx.source.supports_clicks:
        return [HumanLinkClicks.of(r, None) for r in records]
    events = list(source_clicks(ctx, campaign_id))
    sent = sent_at_of(ctx, campaign_id)
    verdicts = verdicts_of(events, sent_at=sent, rules=rules)
    by_url = summarise(events, verdicts)
    by_id: dict[tuple[str, str | None, str | None], HumanCounts] = {}
    if any(e.link_id is not None for e in events):  # the same URL twice: told apart by ID
        by_id = summarise_by(events, verdicts, lambda e: (e.campaign_id, e.activity_id, e.link_id))
    none = HumanCounts(0, 0)
    out = []
    for r in records:
        if by_id and r.link_id is not None:
            counts = by_id.get((r.campaign_id, r.activity_id, r.link_id), none)
        else:
            counts = by_url.get((r.campaign_id, r.activity_id, r.url), none)
        out.append(HumanLinkClicks.of(r, counts))
    return out


def human_timeline(
    events: Sequence[ClickEvent], verdicts: Sequence[Verdict], by: Period = "day"
) -> list[HumanClickPeriod]:
    """:func:`linkreport.click_events.timeline` rows with people's clicks and contacts added."""
    from linkreport.click_events import period_start, timeline

    people: dict[tuple[str, str, str | None, str, datetime], list[str]] = {}
    for event, verdict in zip(events, verdicts, strict=True):
        if not verdict.machine:
            key = (
                event.provider,
                event.campaign_id,
                event.activity_id,
                event.url,
                period_start(event.clicked_at, by),
            )
            people.setdefault(key, []).append(event.contact)
    rows = []
    for row in timeline(events, by):
        who = people.get((row.provider, row.campaign_id, row.activity_id, row.url, row.period), [])
        rows.append(HumanClickPeriod.of(row, len(who), len(set(who))))
    return rows


class HumanStream:
    """A campaign's stream of links with people's clicks, estimated once all links are in.

    Iterate it for :class:`~linkreport.humans.records.HumanLinkClicks`; ``error``/``skipped``/
    ``ok`` are those of the links, or ``humans_error`` when the click events could not be had
    (the campaign then fails: no records).
    """

    def __init__(self, stream: Any, ctx: SourceContext, rules: HumanRules) -> None:
        self.stream, self.ctx, self.rules = stream, ctx, rules
        self.campaign_id: str = stream.campaign_id
        self.humans_error: LinkReportError | None = None

    @property
    def error(self) -> LinkReportError | None:
        """Why the campaign failed: its links' error, or its click events'."""
        error: LinkReportError | None = self.humans_error or self.stream.error
        return error

    @property
    def skipped(self) -> bool:
        """Whether the links were never fetched (the run stopped)."""
        return bool(self.stream.skipped)

    @property
    def ok(self) -> bool:
        """Whether the links and people's clicks were had whole."""
        return bool(self.stream.ok) and self.humans_error is None

    def __iter__(self) -> Iterator[HumanLinkClicks]:
        records = list(self.stream)
        if not self.stream.ok:  # nothing written: the failure or skip follows
            return
        try:
            estimated = human_links(self.ctx, self.campaign_id, records, rules=self.rules)
        except LinkReportError as exc:
            self.humans_error = exc.for_campaign(self.campaign_id)
            return
        yield from estimated


def human_streams(
    ctx: SourceContext, streams: Iterable[Any], rules: HumanRules
) -> Iterator[HumanStream]:
    """Each campaign stream as a :class:`HumanStream` (its click events fetched after its links)."""
    for stream in streams:
        yield HumanStream(stream, ctx, rules)
