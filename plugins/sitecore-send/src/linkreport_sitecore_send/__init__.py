"""linkreport provider for Sitecore Send (formerly Moosend)."""

from __future__ import annotations

import linkreport
from linkreport.about import About, Setting

TYPE_CHECKING = False  # typing's: `linkreport --help` imports this module, not typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from linkreport import LinkReportSource
    from linkreport_sitecore_send.source import SitecoreSend

__all__ = ["ABOUT", "SitecoreSend"]

#: What the source declares (it says ``about = ABOUT``), here so that ``linkreport providers``
#: lists it without importing the source.
ABOUT = About(
    "sitecore-send",
    "Sitecore Send (formerly Moosend) campaign link activity",
    settings=(
        Setting("api_key", "API key (Settings > API key in Sitecore Send)", secret=True),
        Setting(
            "base_url",
            "API base URL (https://api.moosend.com/v3 works too)",
            default="https://api.sitecoresend.io/v3",
        ),
        Setting("wire_format", "json or xml", default="json"),
        Setting(
            "summary_rate_limit",
            "request budget of view_summary (delivery counts), <requests>/<seconds>; "
            "undocumented, so assumed to be its own and as strict as the statistics resource's",
            default="2/60",
        ),
    ),
    rate_limit="2/60",  # the documented limit of the campaign statistics resource
    clicks=True,
    stats=True,
    sandbox=True,
)


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
