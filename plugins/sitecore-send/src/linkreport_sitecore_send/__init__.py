"""linkreport provider for Sitecore Send (formerly Moosend)."""

from __future__ import annotations

import linkreport

TYPE_CHECKING = False  # typing's: `linkreport --help` imports this module, not typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from linkreport import LinkReportSource
    from linkreport_sitecore_send.source import SitecoreSend

__all__ = ["SitecoreSend"]


@linkreport.hookimpl
def register_sources(register: Callable[[LinkReportSource], None]) -> None:
    """Register the ``sitecore-send`` source."""
    from linkreport_sitecore_send.source import SitecoreSend

    register(SitecoreSend())


def __getattr__(name: str) -> Any:
    # The source (and what it imports) loads when first used, not when the plugin is
    # loaded: `linkreport --help` loads every plugin to list the commands they add.
    if name == "SitecoreSend":
        from linkreport_sitecore_send.source import SitecoreSend

        return SitecoreSend
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
