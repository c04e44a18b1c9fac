"""linkreport provider for Constant Contact (V3 API)."""

from __future__ import annotations

from collections.abc import Callable

import linkreport
from linkreport import LinkReportSource
from linkreport_constant_contact.source import ConstantContact

__all__ = ["ConstantContact"]


@linkreport.hookimpl
def register_sources(register: Callable[[LinkReportSource], None]) -> None:
    """Register the ``constant-contact`` source."""
    register(ConstantContact())
