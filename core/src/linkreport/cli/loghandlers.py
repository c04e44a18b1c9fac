"""The CLI's log handlers: standard error and ``--log-file``, each redacting every record.

Loaded by :func:`linkreport.cli.logs.setup_logging` when logging is needed.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import UTC, datetime

from linkreport.cli.logs import StampedStderr
from linkreport.cli.state import _State


class _LogFile(logging.FileHandler):
    """``--log-file``: created 0600; a write that fails is said once and fails the run."""

    def handleError(self, record: logging.LogRecord) -> None:
        """Say once that the log is incomplete (instead of a traceback per record)."""
        _State.log_failed = True
        from linkreport.notices import warn_once

        error = sys.exc_info()[1]
        reason = getattr(error, "strerror", None) or error.__class__.__name__
        warn_once(
            f"log:{self.baseFilename}", f"cannot write the log file {self.baseFilename}: {reason}"
        )


def _open_log(path: str) -> logging.Handler:
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        return _LogFile(path, encoding="utf-8")
    except OSError as exc:
        from linkreport.errors import UsageError

        reason = (exc.strerror or exc.__class__.__name__).lower()
        raise UsageError(f"cannot write the log file {path}: {reason}") from None


class IsoFormatter(logging.Formatter):
    """Log records with an ISO 8601 UTC time, as log collectors read it."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """``2026-06-01T07:00:00.123Z``."""
        when = datetime.fromtimestamp(record.created, UTC)
        return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def configure(debug: bool, log_file: str | None) -> None:
    """Log warnings (all with ``--debug``) to standard error, and all to ``log_file``, redacted.

    The log file's lines start with an ISO 8601 UTC time; so do standard error's when it is
    not a terminal (:func:`~linkreport.cli.logs.stamp_stderr`); on a terminal they are as
    they were.
    """
    from linkreport.redaction import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.DEBUG if debug else logging.WARNING)
    stamped = isinstance(sys.stderr, StampedStderr) and sys.stderr.stamp
    handler.setFormatter(
        logging.Formatter(
            "%(levelname)s %(name)s: %(message)s"
            if stamped
            else "%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    )
    handlers: list[logging.Handler] = [handler]
    if log_file:
        handlers.append(_open_log(log_file))
        handlers[-1].setFormatter(IsoFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for each in handlers:
        each.addFilter(RedactingFilter())
    root.handlers[:] = handlers
    root.setLevel(logging.DEBUG if debug or log_file else logging.WARNING)
