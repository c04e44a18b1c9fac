"""Deprecated alias of :mod:`linkreport.kit.problems` (warns once)."""

from typing import TYPE_CHECKING

from linkreport.moved import alias

if TYPE_CHECKING:
    from linkreport.kit.problems import *  # noqa: F403

alias(__name__, "linkreport.kit.problems")
