"""linkreport provider for Mailchimp (Marketing API 3.0), written on linkreport.kit."""

from __future__ import annotations

import re

import linkreport
from linkreport.about import About, Setting

TYPE_CHECKING = False  # typing's: `linkreport --help` imports this module, not typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from linkreport import LinkReportSource
    from linkreport_mailchimp.source import Mailchimp

__all__ = ["ABOUT", "Mailchimp", "base_url_of", "data_centre"]

#: A data centre: the part of the key after its last ``-`` (``us19``).
_DATA_CENTRE = r"[a-z]{2,8}[0-9]{1,4}"


def data_centre(key: str) -> str:
    """The data centre of an API key (``...-us19``: ``us19``); ``ValueError`` without one."""
    _, dash, centre = key.strip().rpartition("-")
    if not dash or not re.fullmatch(_DATA_CENTRE, centre):
        raise ValueError(
            "the Mailchimp API key has no data-centre suffix (it ends in -us19 or the like: "
            "copy the whole key from Profile > Extras > API keys)"
        )
    return centre


def base_url_of(key: str) -> str:
    """``https://<dc>.api.mailchimp.com/3.0`` for an API key."""
    return f"https://{data_centre(key)}.api.mailchimp.com/3.0"


#: What the source declares (it says ``about = ABOUT``), here so that ``linkreport providers``
#: lists it without importing the source.
ABOUT = About(
    "mailchimp",
    "Mailchimp (Marketing API 3.0) campaign link clicks",
    settings=(
        Setting("api_key", "Mailchimp API key (Profile > Extras > API keys)", secret=True),
        Setting(
            "base_url",
            "API base URL (default: from the key's data centre)",
            derived_from=("api_key",),
            derive=base_url_of,
        ),
    ),
    # No request rate is documented, only 10 simultaneous connections per user (calls time
    # out after 120 s): docs/providers/mailchimp.md. 10 a second keeps well inside both.
    rate_limit="10/1",
    concurrency=10,
    clicks=True,
    stats=True,
    sandbox=True,
)


@linkreport.hookimpl
def register_sources(register: Callable[[LinkReportSource], None]) -> None:
    """Register the ``mailchimp`` source."""
    from linkreport_mailchimp.source import Mailchimp

    register(Mailchimp())


def __getattr__(name: str) -> Any:
    # The source loads when first used, not when the plugin is loaded (`linkreport --help`).
    if name == "Mailchimp":
        from linkreport_mailchimp.source import Mailchimp

        return Mailchimp
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
