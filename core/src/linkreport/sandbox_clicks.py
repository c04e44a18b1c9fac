"""Deprecated alias of :mod:`linkreport.kit.sandbox.clicks` (warns once)."""

from typing import TYPE_CHECKING

from linkreport.moved import alias

if TYPE_CHECKING:
    from linkreport.kit.sandbox.clicks import *  # noqa: F403

alias(__name__, "linkreport.kit.sandbox.clicks")
