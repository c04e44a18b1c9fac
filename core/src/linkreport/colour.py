"""Colour for people: whether a stream gets it, and the few styles tables and messages use.

A stream gets colour when it is a terminal (``TERM`` not ``dumb``), unless ``NO_COLOR`` is set
and not empty (https://no-color.org); ``FORCE_COLOR`` (set, not empty, not ``0``) gives it
colour even when it is not a terminal (a pager: ``linkreport top | less -R``), and
``NO_COLOR`` wins over it. Files written with ``--output`` never get colour.
Styles come from ``click.style``, imported only when colour is on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

TYPE_CHECKING = False  # typing's, without importing typing (stderr is set up at start-up)
if TYPE_CHECKING:
    from typing import Any


def enabled(stream: Any, env: Mapping[str, str] | None = None) -> bool:
    """Whether text written to ``stream`` (standard output or error) may carry colour."""
    env = os.environ if env is None else env
    if env.get("NO_COLOR", ""):
        return False
    if env.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    try:
        terminal = bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # closed, detached, or no file at all
        return False
    return terminal and env.get("TERM", "") != "dumb"


def on_stdout(stream: Any) -> bool:
    """Whether ``stream`` is standard output (not an ``--output`` file) and gets colour."""
    try:
        if stream.fileno() != 1:
            return False
    except (AttributeError, OSError, ValueError):  # io.StringIO, a detached stream
        return False
    return enabled(stream)


def styles() -> dict[str, Callable[[str], str]]:
    """Styles by role: header, quiet (zeros, nulls, rules), total, error, warning."""
    import click

    return {
        "header": lambda text: click.style(text, bold=True),
        "quiet": lambda text: click.style(text, dim=True),
        "total": lambda text: click.style(text, bold=True),
        "error": lambda text: click.style(text, fg="red", bold=True),
        "warning": lambda text: click.style(text, fg="yellow", bold=True),
    }


def message_line(line: str, paint: Mapping[str, Callable[[str], str]]) -> str:
    """A message line with its ``error:``/``warning:`` prefix (any case) coloured."""
    head, colon, rest = line.partition(":")
    role = head.lower()
    if colon and role in ("error", "warning"):
        return paint[role](head + colon) + rest
    return line
