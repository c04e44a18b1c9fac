"""Rendering a :class:`~linkreport.report.model.ReportData` as one self-contained HTML page.

Jinja2 with autoescaping on for everything, templates shipped as package data, CSS inlined, charts
as inline SVG (:mod:`linkreport.report.charts`); no script, and a Content-Security-Policy that
lets the page load nothing at all.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TextIO, TypeVar

import jinja2

from linkreport import __version__
from linkreport.report import charts, text
from linkreport.report.model import CampaignSection, LinkRow, ReportData

T = TypeVar("T")
_SENT_LABEL = {"sent_at": "Sent", "updated_at": "Updated", "first_seen": "First seen"}
CHART_LIMIT = 10  # ranked links drawn as bars
TABLE_LIMIT = 25  # ranked links listed in the table under the chart


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("linkreport.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        number=text.number,
        day=text.day,
        moment=text.moment,
        iso=text.iso,
        plural=text.plural,
        pairs=_pairs,
    )
    return env


def _pairs(items: Sequence[T]) -> Iterator[tuple[T, T]]:
    return itertools.pairwise(items)


def _sort_key(count: int | None) -> int:
    return -1 if count is None else count


def ranked(links: Iterable[LinkRow]) -> list[LinkRow]:
    """A campaign's links, most unique clicks first (then total clicks, then URL)."""
    return sorted(
        links, key=lambda k: (-_sort_key(k.unique_clicks), -_sort_key(k.total_clicks), k.url)
    )


def _bar_value(link: LinkRow) -> int:
    return link.unique_clicks if link.unique_clicks is not None else (link.total_clicks or 0)


def _link_peak(section: CampaignSection) -> int:
    return max((_bar_value(link) for link in section.links), default=0)


def _share(link: LinkRow, peak: int) -> str:
    return f"{_bar_value(link) * 100 / peak:.1f}" if peak else "0"


def _newest_first(sections: Iterable[CampaignSection]) -> list[CampaignSection]:
    dated = sorted(
        (s for s in sections if s.sent_at is not None),
        key=lambda s: (s.sent_at, s.account, s.campaign_id),
        reverse=True,
    )
    return dated + [s for s in sections if s.sent_at is None]


def _period_text(data: ReportData) -> str:
    since = data.period.since
    until = text.day(data.period.until)
    return f"up to {until}" if since is None else f"{text.day(since)} \N{EN DASH} {until}"


def _context(data: ReportData) -> dict[str, Any]:
    campaigns = _newest_first(data.campaigns)
    not_reporting = sorted({c.provider for c in campaigns if c.links and c.total_clicks is None})
    return {
        "data": data,
        "version": __version__,
        "period_text": _period_text(data),
        "campaigns": campaigns,
        "timelines": [charts.timeline(c.series) if c.series else None for c in campaigns],
        "chart": charts.bar_chart(data.top_links, limit=CHART_LIMIT),
        "table_limit": TABLE_LIMIT,
        "not_reporting_total": not_reporting,
        "any_updated": any(c.sent_at_source != "sent_at" for c in campaigns),
        "sent_label": _SENT_LABEL,
        "ranked": ranked,
        "link_peak": _link_peak,
        "share": _share,
    }


def write(data: ReportData, stream: TextIO) -> None:
    """Write the page for ``data`` to ``stream``, chunk by chunk."""
    template = _environment().get_template("report.html.j2")
    for chunk in template.generate(_context(data)):
        stream.write(chunk)


def render(data: ReportData) -> str:
    """The page for ``data`` as one string."""
    return _environment().get_template("report.html.j2").render(_context(data))
