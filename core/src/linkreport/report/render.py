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

import attrs
import jinja2
from markupsafe import Markup, escape

from linkreport import __version__
from linkreport.report import charts, text
from linkreport.report.model import CampaignSection, LinkRow, ReportData

T = TypeVar("T")
_SENT_LABEL = {"sent_at": "Sent", "updated_at": "Updated", "first_seen": "First seen"}
CHART_LIMIT = 10  # ranked links drawn as bars
TABLE_LIMIT = 25  # ranked links listed in the table under the chart
LONG_AFTER = 60  # campaigns: past this, the browser draws each campaign only when scrolled to


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
        percent=text.percent,
        day=text.day,
        moment=text.moment,
        iso=text.iso,
        plural=text.plural,
        num=num,
        share=text.share,
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


_MISSING = Markup('<span class="na">\N{EM DASH}</span>')


def num(value: int | None) -> Markup:
    """A count for the page: ``1,234``, or a muted "—" where the provider reports none."""
    return _MISSING if value is None else Markup(f"{value:,}")  # noqa: S704 (digits, commas)


def _bar_value(link: LinkRow) -> int:
    return link.unique_clicks if link.unique_clicks is not None else (link.total_clicks or 0)


def _link_rows(links: Sequence[LinkRow]) -> Markup:
    """The body rows of a campaign's links table.

    The one piece of markup built outside the templates: a report has tens of thousands of
    these rows, and one f-string per row is several times faster than the template loop. The
    only values from the provider, the URL and the activity role, pass through ``escape``.
    """
    peak = max((_bar_value(link) for link in links), default=0)
    humans = any(link.machine_clicks is not None for link in links)
    rows = []
    for link in links:
        role = link.activity_role
        tag = f'<span class="tag">{escape(role)}</span>' if role else ""
        share = f"{_bar_value(link) * 100 / peak:.1f}" if peak else "0"
        people = (
            f"<td>{num(link.human_unique_clicks)}</td><td>{num(link.machine_clicks)}</td>"
            if humans
            else ""
        )
        rows.append(
            f"<tr><td>{tag}{escape(link.url)}</td><td>{num(link.unique_clicks)}</td>"
            f"<td>{num(link.total_clicks)}</td>{people}"
            f'<td><i style="width:{share}%"></i></td></tr>\n'
        )
    return Markup("".join(rows))  # noqa: S704 (every provider value escaped above)


@attrs.frozen
class CampaignView:
    """A campaign ready to draw: its numbers, its links' rows, its timeline."""

    c: CampaignSection
    unique: Markup
    total: Markup
    rows: Markup
    timeline: charts.Timeline | None

    @classmethod
    def of(cls, section: CampaignSection) -> CampaignView:
        """Rank the links, format the numbers, lay out the timeline."""
        rows = _link_rows(ranked(section.links))
        timeline = charts.timeline(section.series) if section.series else None
        unique, total = num(section.unique_clicks), num(section.total_clicks)
        if section.unique_partial:
            unique += "*"
        if section.total_partial:
            total += "*"
        return cls(section, unique, total, rows, timeline)


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
    if since is None:  # everything stored: say from when that is
        sent = [c.sent_at for c in data.campaigns if c.sent_at is not None]
        return f"{text.day(min(sent))} \N{EN DASH} {until}" if sent else f"up to {until}"
    return f"{text.day(since)} \N{EN DASH} {until}"


def _context(data: ReportData) -> dict[str, Any]:
    campaigns = _newest_first(data.campaigns)
    not_reporting = sorted({c.provider for c in campaigns if c.links and c.total_clicks is None})
    no_unique = sorted({c.provider for c in campaigns if c.links and c.unique_clicks is None})
    links = [(c.provider, k) for c in campaigns for k in c.links]
    return {
        "data": data,
        "version": __version__,
        "period_text": _period_text(data),
        "campaigns": [CampaignView.of(c) for c in campaigns],
        "chart": charts.bar_chart(data.top_links, limit=CHART_LIMIT),
        "table_limit": TABLE_LIMIT,
        "not_reporting_total": not_reporting,
        "not_reporting_unique": no_unique,
        "unique_only": sorted(
            {p for p, k in links if k.unique_clicks is not None and k.total_clicks is None}
        ),
        "total_only": sorted(
            {p for p, k in links if k.total_clicks is not None and k.unique_clicks is None}
        ),
        "any_updated": any(c.sent_at_source != "sent_at" for c in campaigns),
        "sent_label": _SENT_LABEL,
        "long_after": LONG_AFTER,
        "humans": any(c.machine_share is not None for c in campaigns),
    }


def write(data: ReportData, stream: TextIO) -> None:
    """Write the page for ``data`` to ``stream``, a few hundred pieces at a time."""
    template = _environment().get_template("report.html.j2")
    pieces = template.stream(_context(data))
    pieces.enable_buffering(size=500)
    for piece in pieces:
        stream.write(piece)


def render(data: ReportData) -> str:
    """The page for ``data`` as one string."""
    return _environment().get_template("report.html.j2").render(_context(data))
