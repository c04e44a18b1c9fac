"""People's clicks for the live commands: ``links --humans`` and ``clicks --humans``.

The click events of a campaign enter core through :func:`linkreport.click_events.source_clicks`
as for every other caller; the events of each activity are classified apart, with its send
time (:func:`campaign_verdicts`): the listing's where ``--since`` listed the campaign, else the
one the source's delivery counts give (asked once per campaign and run, and shared with
``--rates``), else none (``instant`` then starts its clock at the first click).
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


Group = tuple[str, str | None]  # (campaign_id, activity_id) of click events


def campaign_verdicts(
    ctx: SourceContext, campaign_id: str, events: Sequence[ClickEvent], *, rules: HumanRules
) -> list[Verdict]:
    """The verdicts on the events of one ID asked, each activity classified with its send time.

    Where the ``instant`` rule runs and the source reports delivery counts, each activity's
    send time is the ``sent_at`` of the ID's stats (:func:`linkreport.stats.stats_once`:
    one request per campaign and run, which ``--rates`` reuses), unless the listing gave the
    campaign's (:func:`sent_at_of`) and it has one activity. An activity without its own
    has the listing's, unless that is known to be another activity's (a Constant Contact
    email resent: the listing's time is the resend's); else none. Stats that cannot be had
    (and no listing) cost only the send time: one note says so, and ``instant`` starts its
    clock at the first click.
    """
    groups = {(e.campaign_id, e.activity_id) for e in events}
    listed = sent_at_of(ctx, campaign_id)
    times: dict[Group, datetime | None] = dict.fromkeys(groups, listed)
    wanted = bool(groups) and "instant" in rules.switched_on() and ctx.source.supports_stats
    if wanted and (listed is None or len(groups) > 1):
        own = stats_send_times(ctx, campaign_id, groups, quiet=listed is not None)
        for group in groups:
            others = any(when is not None for g, when in own.items() if g != group)
            times[group] = own[group] or (None if others else listed)
    return classify_campaigns(events, sent_at=times, rules=rules)


def stats_send_times(
    ctx: SourceContext, campaign_id: str, groups: Iterable[Group], *, quiet: bool = False
) -> dict[Group, datetime | None]:
    """Each activity's send time from the stats of ``campaign_id`` (``None``: not given).

    A stats failure gives no send times and (unless ``quiet``) one note naming the campaign
    and the error.
    """
    from linkreport.stats import stats_once
    from linkreport.terminal import clipped

    answer = stats_once(ctx, campaign_id, send_times=True)
    if answer.error is not None:
        if quiet:
            return dict.fromkeys(groups)
        ctx.reporter.note(
            f"note: {ctx.account} {clipped(campaign_id)}: no send time ({answer.error}), so"
            " people's clicks are estimated with the first click as the clock"
        )
        return dict.fromkeys(groups)
    exact = {(s.campaign_id, s.activity_id): s.sent_at for s in answer.stats}
    by_activity = {s.activity_id: s.sent_at for s in answer.stats if s.activity_id is not None}
    return {
        group: exact.get(group) or (by_activity.get(group[1]) if group[1] is not None else None)
        for group in groups
    }


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
    verdicts = campaign_verdicts(ctx, campaign_id, events, rules=rules)
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
