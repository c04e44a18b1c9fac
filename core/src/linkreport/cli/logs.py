"""The CLI's logging: standard error and ``--log-file``, redacted (not loaded by ``--help``).

The handlers (:mod:`linkreport.cli.loghandlers`) are set up when something first imports
:mod:`logging`: a command that logs nothing (``top`` reading the store) never loads it.
"""

from __future__ import annotations

import io
import sys
import warnings
from collections.abc import Callable, Mapping

TYPE_CHECKING = False  # typing's, without importing typing (`top`, `providers` stamp stderr)
if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from typing import Any


def iso_now() -> str:
    """The time now in UTC, ISO 8601 to the millisecond: ``2026-06-01T07:00:00.123Z``."""
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


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


def show_warning(message: Warning | str, category: type[Warning], *args: Any, **kw: Any) -> None:
    """Print linkreport's own warnings as one ``warning:`` line; others as Python does.

    The CLI's ``warnings.showwarning``.
    """
    from linkreport.config import ConfigWarning

    plugins = sys.modules.get("linkreport.plugins")  # (loaded if a plugin's warning is said)
    declaration = plugins is not None and issubclass(category, plugins.PluginDeclarationWarning)
    if issubclass(category, ConfigWarning) or declaration:
        import click

        from linkreport.redaction import redact
        from linkreport.terminal import printable

        click.echo(printable(redact(f"warning: {message}")), err=True)
    else:
        _python_show_warning(message, category, *args, **kw)


_python_show_warning = warnings.showwarning


def setup_logging(debug: bool, log_file: str | None) -> None:
    """Log warnings (all with ``--debug``) to standard error, and all to ``log_file``, redacted.

    See :func:`linkreport.cli.loghandlers.configure`. Without ``--debug`` or ``--log-file``,
    and while nothing has imported :mod:`logging`, that waits until something does (before
    any logger exists, so no record can go unredacted or to Python's bare last-resort handler).
    """
    if debug or log_file or "logging" in sys.modules:
        from linkreport.cli.loghandlers import configure

        configure(debug, log_file)
    else:
        when_imported("logging", lambda: setup_logging(debug, log_file))


class _WhenImported:
    """A finder on ``sys.meta_path`` that calls ``then`` once module ``name`` has been run."""

    def __init__(self, name: str, then: Callable[[], None]) -> None:
        self.name, self.then = name, then

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> ModuleSpec | None:
        """The spec the other finders give ``name``, its loader calling ``then`` after it."""
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)  # once, and not asked again by the look-up below
        import importlib.util

        spec = importlib.util.find_spec(fullname)
        loader = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            self.then()

        loader.exec_module = exec_module  # type: ignore[method-assign]  # this spec's own loader
        return spec


def when_imported(name: str, then: Callable[[], None]) -> None:
    """Call ``then`` right after the first import of top-level module ``name`` has run it."""
    for finder in sys.meta_path:
        if isinstance(finder, _WhenImported) and finder.name == name:
            sys.meta_path.remove(finder)  # set up again (a second run in one process)
            break
    sys.meta_path.insert(0, _WhenImported(name, then))
