"""The CLI's logging: standard error and ``--log-file``, redacted (not loaded by ``--help``)."""

from __future__ import annotations

import io
import logging
import os
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

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


def iso_now() -> str:
    """The time now in UTC, ISO 8601 to the millisecond: ``2026-06-01T07:00:00.123Z``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class IsoFormatter(logging.Formatter):
    """Log records with an ISO 8601 UTC time, as log collectors read it."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """``2026-06-01T07:00:00.123Z``."""
        when = datetime.fromtimestamp(record.created, UTC)
        return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class StampedStderr(io.TextIOWrapper):
    """Standard error that starts each line with :func:`iso_now` (for logs, e.g. cron's).

    With ``paint`` (:func:`linkreport.colour.styles`), a line's ``error:``/``warning:`` prefix is
    coloured instead of (or besides) being stamped.
    """

    _at_line_start = True
    _cleared = False
    stamp = True
    paint: dict[str, Callable[[str], str]] | None = None

    def write(self, text: str) -> int:
        """Write ``text``, stamping (and colouring) the start of each of its lines."""
        if not isinstance(text, str):  # as any text stream (click probes with b"")
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        out = []
        for line in text.splitlines(keepends=True):
            if self.paint is not None and (self._at_line_start or self._cleared):
                from linkreport.colour import message_line

                line = message_line(line, self.paint)
            if self._at_line_start and line.strip() and self.stamp:  # blank lines stay blank
                out.append(f"{iso_now()} ")
            out.append(line)
            self._at_line_start = line.endswith("\n")
            self._cleared = line.endswith(("\r", "\x1b[2K"))  # the live progress line's
        super().write("".join(out))
        return len(text)


def stamp_stderr(env: Mapping[str, str]) -> bool:
    """Stamp standard error's lines when it is not a terminal (or ``LINKREPORT_LOG_TIMES``).

    ``LINKREPORT_LOG_TIMES``: ``auto`` (the default) stamps unless it is a terminal, ``0``
    never, ``1`` always. Where standard error gets colour (:func:`linkreport.colour.enabled`),
    its ``error:`` and ``warning:`` prefixes are coloured.
    Returns whether standard error is now stamped.
    """
    from linkreport.colour import enabled, styles

    wanted = env.get("LINKREPORT_LOG_TIMES", "").strip()
    stream = sys.stderr
    if stream is None or isinstance(stream, StampedStderr):
        return isinstance(stream, StampedStderr) and stream.stamp
    stamp = wanted == "1" or (wanted != "0" and not stream.isatty())
    colour = enabled(stream, env)
    if not stamp and not colour:
        return False
    try:
        buffer = stream.buffer
    except AttributeError:  # replaced by something without bytes underneath (tests, IDEs)
        return False
    stream.flush()
    wrapped = StampedStderr(
        buffer, encoding=stream.encoding, errors=stream.errors, line_buffering=True
    )
    wrapped.stamp = stamp
    wrapped.paint = styles() if colour else None
    sys.stderr = wrapped
    return stamp


def setup_logging(debug: bool, log_file: str | None) -> None:
    """Log warnings (all with ``--debug``) to standard error, and all to ``log_file``, redacted.

    The log file's lines start with an ISO 8601 UTC time; so do standard error's when it
    is not a terminal (:func:`stamp_stderr`), and on a terminal they are as they were.
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
