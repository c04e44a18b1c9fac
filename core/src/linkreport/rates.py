"""Click rates of links: ``links --rates`` and ``fetch_links(..., rates=True)``.

Each link record gains ``delivered`` (its campaign's or activity's delivered count, from the
source's :meth:`~linkreport.source.LinkReportSource.fetch_stats`) and ``click_rate``
(``unique_clicks / delivered``, a fraction; ``None`` when either is unknown or nothing was
delivered), right after ``total_clicks`` (after the human fields, where ``--humans`` adds
them). A campaign's stats are asked once its links are all fetched (for Constant Contact its
activities are known by then, so the stats cost one request for up to ten activities and no
lookup), with ``send_times=False``: at most one extra request per campaign, none without
``rates``. With ``--humans`` the answer the human estimate asked for the campaign's send
time is reused (:func:`linkreport.stats.stats_once`): never two stats requests for one
campaign. A campaign whose counts cannot be had keeps its links, with ``delivered`` and
``click_rate`` empty, and the reason said once (:attr:`RatedStream.stats_error`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from linkreport.errors import LinkReportError
from linkreport.records import CampaignStats, LinkClicks, utc_now

if TYPE_CHECKING:
    from linkreport.source import SourceContext

#: The fields ``--rates`` adds, in order, right after ``total_clicks`` (and the human fields).
RATE_FIELDS = ("delivered", "click_rate")
#: With ``--humans`` too: ``human_click_rate`` (``human_unique_clicks / delivered``) follows
#: ``click_rate``.
HUMAN_RATE_FIELDS = ("human_click_rate",)


@attrs.frozen(kw_only=True)
class RatedLinkClicks:
    """A :class:`~linkreport.records.LinkClicks` with its delivered count and click rate.

    The fields of ``LinkClicks`` in their order, with ``delivered`` and ``click_rate`` after
    ``total_clicks``. ``None`` means unknown (never invented).
    """

    provider: str
    campaign_id: str
    activity_id: str | None = None
    activity_role: str | None = None
    url: str
    unique_clicks: int | None = None
    total_clicks: int | None = None
    delivered: int | None = None
    click_rate: float | None = None
    link_id: str | None = None
    link_tag: str | None = None
    list_id: str | None = None
    list_action: str | None = None
    timestamp: datetime | None = None
    fetched_at: datetime = attrs.field(factory=utc_now)


@attrs.frozen(kw_only=True)
class HumanRatedLinkClicks:
    """A link record of ``links --humans --rates``.

    After ``total_clicks``: people's clicks, then ``delivered``, ``click_rate`` and
    ``human_click_rate`` (``human_unique_clicks / delivered``).
    """

    provider: str
    campaign_id: str
    activity_id: str | None = None
    activity_role: str | None = None
    url: str
    unique_clicks: int | None = None
    total_clicks: int | None = None
    human_unique_clicks: int | None = None
    human_total_clicks: int | None = None
    delivered: int | None = None
    click_rate: float | None = None
    human_click_rate: float | None = None
    link_id: str | None = None
    link_tag: str | None = None
    list_id: str | None = None
    list_action: str | None = None
    timestamp: datetime | None = None
    fetched_at: datetime = attrs.field(factory=utc_now)


RATED_FIELDS: tuple[str, ...] = tuple(a.name for a in attrs.fields(RatedLinkClicks))


def click_rate(unique: int | None, delivered: int | None) -> float | None:
    """``unique / delivered``; ``None`` when either is unknown or nothing was delivered."""
    if unique is None or not delivered:
        return None
    return unique / delivered


def delivered_of(record: Any, stats: Iterable[CampaignStats]) -> int | None:
    """The delivered count of the record's activity (or campaign, for a source without them)."""
    for each in stats:
        if each.campaign_id == record.campaign_id and each.activity_id == record.activity_id:
            return each.delivered
    for each in stats:  # an ID given as an activity: its stats name it
        if record.activity_id is not None and each.activity_id == record.activity_id:
            return each.delivered
    return None


def rated(record: Any, stats: Iterable[CampaignStats]) -> RatedLinkClicks | HumanRatedLinkClicks:
    """The record with its ``delivered`` and ``click_rate``.

    A :class:`~linkreport.humans.records.HumanLinkClicks` also gets ``human_click_rate``.
    """
    delivered = delivered_of(record, stats)
    values = attrs.asdict(record, recurse=False)
    values["delivered"] = delivered
    values["click_rate"] = click_rate(record.unique_clicks, delivered)
    if "human_unique_clicks" in values:
        values["human_click_rate"] = click_rate(record.human_unique_clicks, delivered)
        return HumanRatedLinkClicks(**values)
    return RatedLinkClicks(**values)


class RatedStream:
    """A campaign's stream of links, rated once all of them are in.

    Iterate it for :class:`RatedLinkClicks`; ``error``/``skipped``/``ok`` are the links'
    (see :class:`~linkreport.pipeline.CampaignStream`); ``stats_error`` says why the counts
    are missing, if they are (the links are still whole).
    """

    def __init__(self, stream: Any, ctx: SourceContext) -> None:
        self.stream, self.ctx = stream, ctx
        self.campaign_id: str = stream.campaign_id
        self.stats_error: LinkReportError | None = None

    @property
    def error(self) -> LinkReportError | None:
        """The links' error, if they failed."""
        error: LinkReportError | None = self.stream.error
        return error

    @property
    def skipped(self) -> bool:
        """Whether the links were never fetched (the run stopped)."""
        return bool(self.stream.skipped)

    @property
    def ok(self) -> bool:
        """Whether the links were fetched whole."""
        return bool(self.stream.ok)

    def __getattr__(self, name: str) -> Any:
        if name == "stream":  # (not yet set)
            raise AttributeError(name)
        return getattr(self.stream, name)  # what a wrapped stream says more (humans_error)

    def __iter__(self) -> Iterator[RatedLinkClicks | HumanRatedLinkClicks]:
        records = list(self.stream)  # the counts are asked once the links are all in
        if not self.stream.ok:
            yield from (rated(r, ()) for r in records)
            return
        stats = self._stats()
        for record in records:
            yield rated(record, stats)

    def _stats(self) -> tuple[CampaignStats, ...]:
        from linkreport.errors import NotSupportedError
        from linkreport.stats import stats_once

        if not self.ctx.source.supports_stats:
            return ()
        try:  # (the answer ``--humans`` got for the send time, if it asked: never twice)
            answer = stats_once(self.ctx, self.campaign_id, send_times=False)
        except NotSupportedError:
            return ()
        if answer.error is not None:
            self.stats_error = answer.error
            return ()
        return answer.stats


def rated_streams(ctx: SourceContext, streams: Iterable[Any]) -> Iterator[RatedStream]:
    """Each campaign stream as a :class:`RatedStream` (one stats request per campaign at most)."""
    for stream in streams:
        yield RatedStream(stream, ctx)


def percent(rate: float | None) -> str:
    """A click rate for people: ``2.47%``, ``-`` when unknown."""
    return "-" if rate is None else f"{rate * 100:.2f}%"


def _table() -> None:
    """The ``table`` columns of rated links: those of links (with people's), then the rates."""
    from linkreport import formats
    from linkreport.humans.records import HumanLinkClicks

    def count(r: Any) -> str:
        return "-" if r.delivered is None else f"{r.delivered:,}"

    rates: list[formats.Column] = [
        ("DELIVERED", count, True),
        ("RATE", lambda r: percent(r.click_rate), True),
    ]
    formats.register_columns(RatedLinkClicks, [*formats.table_columns(LinkClicks), *rates])
    people = ("HUMAN RATE", lambda r: percent(r.human_click_rate), True)
    columns = [*formats.table_columns(HumanLinkClicks), *rates, people]
    formats.register_columns(HumanRatedLinkClicks, columns)


_table()
