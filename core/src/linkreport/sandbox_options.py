"""Deprecated alias of :mod:`linkreport.kit.sandbox.options` (warns once)."""

from typing import TYPE_CHECKING

from linkreport.moved import alias

if TYPE_CHECKING:
    from linkreport.kit.sandbox.options import *  # noqa: F403

alias(__name__, "linkreport.kit.sandbox.options")
