"""Deprecated alias of :mod:`linkreport.click_events` (warns once)."""

from typing import TYPE_CHECKING

from linkreport.moved import alias

if TYPE_CHECKING:
    from linkreport.click_events import *  # noqa: F403

alias(__name__, "linkreport.click_events")
