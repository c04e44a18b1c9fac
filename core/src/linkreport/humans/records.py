"""The records of ``links --humans`` and ``clicks --humans``: the usual ones, people's clicks added.

Without ``--humans`` the commands write :class:`~linkreport.records.LinkClicks` and
:class:`~linkreport.records.ClickPeriod` unchanged; with it, these classes, whose fields are
the same in the same order plus people's counts (right after ``total_clicks``, and at the
end of a timeline row).
"""

from __future__ import annotations

from datetime import datetime

import attrs

from linkreport.humans.summary import HumanCounts
from linkreport.records import ClickPeriod, LinkClicks, utc_now


@attrs.frozen(kw_only=True)
class HumanLinkClicks:
    """A :class:`~linkreport.records.LinkClicks` with the estimate of people's clicks.

    ``human_unique_clicks``/``human_total_clicks`` are the contacts and clicks of the link
    not marked ``machine`` (``None`` where the provider gives no click events); the
    provider's own ``unique_clicks``/``total_clicks`` are exactly as reported.
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
    link_id: str | None = None
    link_tag: str | None = None
    list_id: str | None = None
    list_action: str | None = None
    timestamp: datetime | None = None
    fetched_at: datetime = attrs.field(factory=utc_now)

    @classmethod
    def of(cls, record: LinkClicks, counts: HumanCounts | None) -> HumanLinkClicks:
        """``record`` with ``counts`` (``None``: the provider gives no click events)."""
        return cls(
            **attrs.asdict(record, recurse=False),
            human_unique_clicks=None if counts is None else counts.unique,
            human_total_clicks=None if counts is None else counts.total,
        )


@attrs.frozen(kw_only=True)
class HumanClickPeriod:
    """A :class:`~linkreport.records.ClickPeriod` with people's clicks and contacts in it."""

    provider: str
    campaign_id: str
    activity_id: str | None = None
    url: str
    period: datetime
    clicks: int
    unique_contacts: int
    human_clicks: int
    human_contacts: int

    @classmethod
    def of(cls, row: ClickPeriod, clicks: int, contacts: int) -> HumanClickPeriod:
        """``row`` with people's ``clicks`` and distinct ``contacts`` in its period."""
        return cls(**attrs.asdict(row, recurse=False), human_clicks=clicks, human_contacts=contacts)


HUMAN_LINK_FIELDS: tuple[str, ...] = tuple(a.name for a in attrs.fields(HumanLinkClicks))


def _register_tables() -> None:
    """The ``table`` columns: those of links and timelines, people's counts beside theirs."""
    from linkreport import formats

    def number(name: str) -> formats.Column:
        return (formats.header(name), lambda r: formats._number(getattr(r, name)), True)

    links = formats.table_columns(LinkClicks)
    at = 1 + next(i for i, c in enumerate(links) if c[0] == formats.header("total_clicks"))
    columns = [*links[:at], number("human_unique_clicks"), number("human_total_clicks")]
    formats.register_columns(HumanLinkClicks, [*columns, *links[at:]], totals="links")
    periods = formats.table_columns(ClickPeriod)
    extra = [number("human_clicks"), number("human_contacts")]
    formats.register_columns(HumanClickPeriod, [*periods, *extra], totals="periods")


_register_tables()
