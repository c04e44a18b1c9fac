"""The HTML report: a typed model (:mod:`.model`) drawn as one self-contained page (:mod:`.render`).

Jinja2 loads only when a page is rendered, so importing the model (as the store's queries do)
stays light.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
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


def save_report(data: ReportData, path: str | os.PathLike[str]) -> int:
    """Write the page for ``data`` to the file ``path`` atomically; return its size in bytes.

    The page is written to a temporary file beside ``path`` and renamed over it, so a
    failure never leaves half a page (nor destroys the previous one); through a symlink, the
    file it names is replaced. A device or named pipe (``/dev/null``) is written in place.
    """
    from linkreport.files import special_file

    if special_file(path):
        page = render_report(data).encode()
        with open(path, "wb") as stream:
            stream.write(page)
        return len(page)
    target = Path(os.path.realpath(path))
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or "."
    )
    try:
        with open(handle, "w", encoding="utf-8", newline="\n") as stream:
            write_report(data, stream)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target.stat().st_size


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
    "save_report",
    "write_report",
]
