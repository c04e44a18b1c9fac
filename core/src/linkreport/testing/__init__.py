"""Deprecated alias of :mod:`linkreport.kit.testing` (warns once)."""

from typing import TYPE_CHECKING

from linkreport.moved import alias

if TYPE_CHECKING:
    from linkreport.kit.testing import *  # noqa: F403

alias(
    __name__,
    "linkreport.kit.testing",
    (
        "bad_values",
        "behaviour",
        "clicks_contract",
        "contract",
        "declared",
        "fixtures",
        "stats_contract",
    ),
)
