"""The HTML report: a typed model (:mod:`.model`) drawn as one self-contained page (:mod:`.render`).

Jinja2 loads only when a page is rendered, so importing the model (as the store's queries do)
stays light.
"""

from __future__ import annotations

from typing import TextIO

from linkreport.report.model import (
    AccountInfo,
    CampaignSection,
    ClickSeries,
    LinkRow,
    Period,
    ReportData,
    SeriesPoint,
    TopLink,
    Totals,
)


def render_report(data: ReportData) -> str:
    """The HTML page for ``data``."""
    from linkreport.report.render import render

    return render(data)


def write_report(data: ReportData, stream: TextIO) -> None:
    """Write the HTML page for ``data`` to ``stream``."""
    from linkreport.report.render import write

    write(data, stream)


__all__ = [
    "AccountInfo",
    "CampaignSection",
    "ClickSeries",
    "LinkRow",
    "Period",
    "ReportData",
    "SeriesPoint",
    "TopLink",
    "Totals",
    "render_report",
    "write_report",
]
