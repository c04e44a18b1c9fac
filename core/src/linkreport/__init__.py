"""linkreport: which links in your email campaigns were clicked, whatever ESP sent them.

The public Python API: the records, the plugin hook marker, the source base class, the
errors, and :func:`fetch_links` / :func:`fetch_reports` to fetch without the CLI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

from linkreport.errors import (
    AuthenticationError,
    BadResponseError,
    ConfigurationError,
    LinkReportError,
    NotFoundError,
    NotSupportedError,
    ProviderError,
    QuotaExhaustedError,
    RateLimitedError,
    TransientError,
)
from linkreport.records import Campaign, ClickEvent, LinkClicks
from linkreport.source import LinkReportSource, Sandbox, Setting, SourceContext

__version__ = "0.1.0"

#: Marker for hook implementations in plugins: ``@linkreport.hookimpl``.
hookimpl = pluggy.HookimplMarker("linkreport")

if TYPE_CHECKING:
    from linkreport.accounts import Account, list_accounts
    from linkreport.runner import (
        CampaignReport,
        fetch_links,
        fetch_reports,
        list_campaigns,
        open_account,
    )
    from linkreport.timeline import fetch_clicks


def __getattr__(name: str) -> Any:
    # The runner pulls in requests and the HTTP policy; load it only when used.
    if name in {"fetch_links", "fetch_reports", "list_campaigns", "CampaignReport", "open_account"}:
        from linkreport import runner

        return getattr(runner, name)
    if name in {"Account", "list_accounts"}:
        from linkreport import accounts

        return getattr(accounts, name)
    if name == "fetch_clicks":
        from linkreport import timeline

        return timeline.fetch_clicks
    raise AttributeError(name)


__all__ = [
    "Account",
    "AuthenticationError",
    "BadResponseError",
    "Campaign",
    "CampaignReport",
    "ClickEvent",
    "ConfigurationError",
    "LinkClicks",
    "LinkReportError",
    "LinkReportSource",
    "NotFoundError",
    "NotSupportedError",
    "ProviderError",
    "QuotaExhaustedError",
    "RateLimitedError",
    "Sandbox",
    "Setting",
    "SourceContext",
    "TransientError",
    "__version__",
    "fetch_clicks",
    "fetch_links",
    "fetch_reports",
    "hookimpl",
    "list_accounts",
    "list_campaigns",
    "open_account",
]
