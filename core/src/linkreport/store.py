"""Deprecated alias of :mod:`linkreport.credentials` (warns once)."""

from typing import TYPE_CHECKING

from linkreport.moved import alias

if TYPE_CHECKING:
    from linkreport.credentials import *  # noqa: F403

alias(__name__, "linkreport.credentials")
