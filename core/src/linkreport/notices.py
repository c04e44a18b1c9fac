"""Warnings said once per run (a read-only home, an unsaved token), not once per campaign.

:func:`warn_once` prints ``warning: ...`` on standard error, redacted and made safe for a
terminal, the first time a key is seen in this process; the CLI's reporter becomes the sink
while a command runs so the line does not garble a live progress line.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from linkreport.redaction import redact
from linkreport.terminal import printable

_said: set[str] = set()
_lock = threading.Lock()
_sink: Callable[[str], None] | None = None


def set_sink(sink: Callable[[str], None] | None) -> None:
    """Send notices to ``sink`` (e.g. a reporter's ``note``); ``None``: standard error."""
    global _sink
    _sink = sink


def warn_once(key: str, text: str) -> bool:
    """Print ``warning: text`` unless ``key`` was already warned about; return whether printed."""
    with _lock:
        if key in _said:
            return False
        _said.add(key)
    line = f"warning: {printable(redact(text))}"
    import logging  # not at start-up: `providers` imports this and logs nothing

    logging.getLogger("linkreport").info("%s", line)  # into --log-file; stderr gets it below
    if _sink is not None:
        _sink(line)
    else:
        print(line, file=sys.stderr, flush=True)
    return True


def forget() -> None:
    """Forget what was said (for tests running several runs in one process)."""
    with _lock:
        _said.clear()
