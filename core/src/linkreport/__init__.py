"""linkreport: which links in your email campaigns were clicked, whatever ESP sent them.

The public Python API: the records, the plugin hook marker, the source base class, the
errors, and :func:`fetch_links` / :func:`fetch_reports` to fetch without the CLI.
"""

from __future__ import annotations

from linkreport import lazy as _lazy

__version__ = "0.1.0"

TYPE_CHECKING = False  # typing's, without importing typing (a tenth of --help)
if TYPE_CHECKING:
    from linkreport.about import About, Setting
    from linkreport.accounts import Account, list_accounts
    from linkreport.click_events import fetch_clicks
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
    from linkreport.hookmarker import hookimpl  # pluggy's marker, without importing pluggy
    from linkreport.records import Campaign, CampaignStats, ClickEvent, LinkClicks
    from linkreport.runner import (
        CampaignReport,
        fetch_links,
        fetch_reports,
        list_campaigns,
        open_account,
    )
    from linkreport.source import LinkReportSource, Sandbox, SourceContext
    from linkreport.stats import StatsAnswer, fetch_stats

# Every name loads on first use, so that `import linkreport` (and the CLI, which imports it)
# costs next to nothing: attrs, pluggy and requests load only for what needs them.
_LAZY = {
    **dict.fromkeys(
        (
            "AuthenticationError",
            "BadResponseError",
            "ConfigurationError",
            "LinkReportError",
            "NotFoundError",
            "NotSupportedError",
            "ProviderError",
            "QuotaExhaustedError",
            "RateLimitedError",
            "TransientError",
        ),
        ".errors",
    ),
    **dict.fromkeys(("Campaign", "CampaignStats", "ClickEvent", "LinkClicks"), ".records"),
    **dict.fromkeys(("StatsAnswer", "fetch_stats"), ".stats"),
    **dict.fromkeys(("LinkReportSource", "Sandbox", "SourceContext"), ".source"),
    **dict.fromkeys(("About", "Setting"), ".about"),
    **dict.fromkeys(
        ("fetch_links", "fetch_reports", "list_campaigns", "CampaignReport", "open_account"),
        ".runner",
    ),
    **dict.fromkeys(("Account", "list_accounts"), ".accounts"),
    "fetch_clicks": ".click_events",
    "hookimpl": ".hookmarker",
}


__getattr__ = _lazy.loader(globals(), _LAZY)


__all__ = [
    "About",
    "Account",
    "AuthenticationError",
    "BadResponseError",
    "Campaign",
    "CampaignReport",
    "CampaignStats",
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
    "StatsAnswer",
    "TransientError",
    "__version__",
    "fetch_clicks",
    "fetch_links",
    "fetch_reports",
    "fetch_stats",
    "hookimpl",
    "list_accounts",
    "list_campaigns",
    "open_account",
]
