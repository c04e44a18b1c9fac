"""linkreport provider for Mailchimp (Marketing API 3.0), written on linkreport.kit."""

from __future__ import annotations

import linkreport

TYPE_CHECKING = False  # typing's: `linkreport --help` imports this module, not typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from linkreport import LinkReportSource
    from linkreport_mailchimp.source import Mailchimp

__all__ = ["Mailchimp"]


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
