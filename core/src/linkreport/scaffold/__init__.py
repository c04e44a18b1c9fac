"""Deprecated alias of :mod:`linkreport.kit.scaffold` (warns once)."""

from typing import TYPE_CHECKING

from linkreport.moved import alias

if TYPE_CHECKING:
    from linkreport.kit.scaffold import *  # noqa: F403

alias(__name__, "linkreport.kit.scaffold")
