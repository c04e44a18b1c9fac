r"""Text from servers made safe for a terminal: no control characters, no escape sequences.

:func:`printable` is applied to every message linkreport writes on standard error (errors,
notes, progress, warnings), so a URL, ID or error text chosen by a server cannot move the
cursor, forge lines, retitle the window or hide text. Each control character becomes a
visible escape (such as ``\x1b`` for ESC), so nothing is silently lost either.
"""

from __future__ import annotations

import functools
import re

#: C0 and C1 controls, DEL, and the invisible format characters that reorder or hide text
#: (bidirectional overrides and isolates, zero-width marks, line and paragraph separators).
_UNSAFE = (
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


@functools.cache
def _unsafe(newlines: bool) -> re.Pattern[str]:
    """The characters to escape (tabs and newlines too, unless ``newlines``), compiled once.

    Compiled when first used: every command imports this module (through the errors), and
    compiling both patterns costs a sixth of a bare interpreter's start.
    """
    return re.compile(_UNSAFE if newlines else _UNSAFE[:-1] + "\t\n]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, newlines: bool = False) -> str:
    """``text`` with every control or hiding character shown as an escape.

    Tabs and newlines are escaped too unless ``newlines`` is true (for multi-line messages
    that linkreport itself composed, such as a traceback under ``--debug``).
    """
    return _unsafe(newlines).sub(_escape, text)


def counted(count: int, word: str) -> str:
    """``1 campaign``, ``2 campaigns``: a count and its noun, agreeing."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


#: The most characters of an ID or value quoted in a message (:func:`clipped`).
CLIP = 80


def clipped(text: str, limit: int = CLIP) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for quoting in a message.

    Every error line that quotes an ID or a value the user gave goes through this, so a
    100,000-character ID is not echoed whole: ``f"{clipped(campaign_id)!r} is not ..."``.
    """
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}…"
