"""linkreport provider for Constant Contact (V3 API)."""

from __future__ import annotations

import linkreport

TYPE_CHECKING = False  # typing's: `linkreport --help` imports this module, not typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from linkreport import LinkReportSource
    from linkreport_constant_contact.source import ConstantContact

__all__ = ["ConstantContact"]


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
