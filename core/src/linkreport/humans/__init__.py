"""Human clicks: which click events were people's, and which link scanners' (``docs/humans.md``).

:func:`classify` marks each click event of one campaign ``machine`` or not, with the rule
that decided (:class:`Verdict`); :class:`HumanRules` holds the rules' switches and settings
(``[humans]`` in ``config.toml``); :func:`summarise` counts people's clicks per link.
"""

from __future__ import annotations

from linkreport.humans.classify import HUMAN, Verdict, classify, classify_campaigns
from linkreport.humans.rules import RULES, HumanRules
from linkreport.humans.summary import (
    HumanCounts,
    LinkKey,
    machine_share,
    summarise,
    summarise_by,
)

__all__ = [
    "HUMAN",
    "RULES",
    "HumanCounts",
    "HumanRules",
    "LinkKey",
    "Verdict",
    "classify",
    "classify_campaigns",
    "machine_share",
    "summarise",
    "summarise_by",
]
