"""linkreport provider for Sitecore Send (formerly Moosend)."""

from __future__ import annotations

from collections.abc import Callable

import linkreport
from linkreport import LinkReportSource
from linkreport_sitecore_send.source import SitecoreSend

__all__ = ["SitecoreSend"]


@linkreport.hookimpl
def register_sources(register: Callable[[LinkReportSource], None]) -> None:
    """Register the ``sitecore-send`` source."""
    register(SitecoreSend())
