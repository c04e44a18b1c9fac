"""linkreport provider for Constant Contact (V3 API)."""

from __future__ import annotations

import linkreport
from linkreport.about import About, Setting

TYPE_CHECKING = False  # typing's: `linkreport --help` imports this module, not typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from linkreport import LinkReportSource
    from linkreport_constant_contact.source import ConstantContact

__all__ = ["ABOUT", "ConstantContact"]

#: What the source declares (it says ``about = ABOUT``), here so that ``linkreport providers``
#: lists it without importing the source.
ABOUT = About(
    "constant-contact",
    "Constant Contact (V3 API) email campaign links reports",
    settings=(
        Setting("access_token", "OAuth2 access token (stored by `linkreport auth`)", secret=True),
        Setting(
            "refresh_token", "OAuth2 refresh token (rotated and re-stored on use)", secret=True
        ),
        Setting(
            "client_id", "your app's client ID (API key) from the developer portal", secret=True
        ),
        Setting(
            "client_secret",
            "your app's client secret (omit for public/PKCE/device apps)",
            secret=True,
        ),
        Setting("base_url", "API base URL", default="https://api.cc.email/v3"),
        Setting(
            "token_url",
            "OAuth2 token endpoint",
            default="https://authz.constantcontact.com/oauth2/default/v1/token",
        ),
        Setting(
            "device_authorization_url",
            "OAuth2 device authorization endpoint",
            default="https://authz.constantcontact.com/oauth2/default/v1/device/authorize",
        ),
    ),
    rate_limit="4/1",  # documented: 4 requests per second (and 10,000 per day)
    # an access token, or a refresh token with the app's client ID, is enough
    configured_when=(("access_token",), ("refresh_token", "client_id")),
    clicks=True,
    stats=True,
    sandbox=True,
)


@linkreport.hookimpl
def register_sources(register: Callable[[LinkReportSource], None]) -> None:
    """Register the ``constant-contact`` source."""
    from linkreport_constant_contact.source import ConstantContact

    register(ConstantContact())


def __getattr__(name: str) -> Any:
    # The source (and what it imports) loads when first used, not when the plugin is
    # loaded: `linkreport --help` loads every plugin to list the commands they add.
    if name == "ConstantContact":
        from linkreport_constant_contact.source import ConstantContact

        return ConstantContact
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
