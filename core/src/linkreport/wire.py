"""Deprecated alias of :mod:`linkreport.kit.wire` (warns once)."""

from typing import TYPE_CHECKING

from linkreport.moved import alias

if TYPE_CHECKING:
    from linkreport.kit.wire import *  # noqa: F403

alias(__name__, "linkreport.kit.wire")
