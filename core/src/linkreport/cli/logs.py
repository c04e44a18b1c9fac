"""The CLI's logging: standard error and ``--log-file``, redacted (not loaded by ``--help``)."""

from __future__ import annotations

import logging
import os
import sys

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


def setup_logging(debug: bool, log_file: str | None) -> None:
    """Log warnings (all with ``--debug``) to standard error, and all to ``log_file``, redacted."""
    from linkreport.redaction import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.DEBUG if debug else logging.WARNING)
    handlers: list[logging.Handler] = [handler]
    if log_file:
        handlers.append(_open_log(log_file))
    root = logging.getLogger()
    for each in handlers:
        each.addFilter(RedactingFilter())
        each.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.handlers[:] = handlers
    root.setLevel(logging.DEBUG if debug or log_file else logging.WARNING)
