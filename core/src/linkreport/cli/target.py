"""Where ``links`` writes: standard output, or ``--output`` replaced atomically at the end.

A file target is written to a temporary file beside it and renamed into place when the run
ends, so readers never see half a report and a run that fetched nothing leaves an existing
file as it was; through a symlink, the file it names is replaced and the link stays. A device
or named pipe (``/dev/null``, ``/dev/stdout``, a FIFO) is written in place, as standard
output is (renaming over it would put a file in its place). SIGINT and SIGTERM raise
:class:`Interrupted` (a ``KeyboardInterrupt``) at the next safe point: never in the middle of
writing a campaign.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import IO, Any

import click

# (the handlers live in linkreport.cli.signals, which imports no click: re-exported)
from linkreport.cli.signals import EXIT_INTERRUPTED as EXIT_INTERRUPTED
from linkreport.cli.signals import EXIT_TERMINATED as EXIT_TERMINATED
from linkreport.cli.signals import Interrupted as Interrupted
from linkreport.cli.signals import install_signal_handlers as install_signal_handlers
from linkreport.cli.signals import uninterrupted as uninterrupted


class WriteFailed(click.ClickException):
    """Writing the output failed (disk full, file too large...); the old file survives."""

    def show(self, file: IO[Any] | None = None) -> None:
        """One line on standard error."""
        click.echo(f"error: {self.format_message()}", err=True)


class Target:
    """Standard output (``None`` or ``-``) or a file replaced atomically by :meth:`commit`."""

    def __init__(self, path: str | None) -> None:
        self.path = None if path in (None, "-") else path
        self._temp: str | None = None
        self._final = ""  # the file renamed over (a symlink's target, not the link)
        self.stream: IO[bytes]
        if self.path is None:
            sys.stdout.flush()
            self.stream = sys.stdout.buffer
            return
        import tempfile  # here, not at start-up: every command installs the signal handlers

        from linkreport.files import special_file

        if special_file(self.path):  # /dev/null, /dev/stdout, a named pipe: written as stdout is
            try:
                self.stream = open(self.path, "wb")  # noqa: SIM115  (closed by commit/abandon)
            except OSError as exc:
                raise click.FileError(self.path, hint=exc.strerror or str(exc)) from None
            return
        self._final = os.path.realpath(self.path)  # a symlink stays; the file it names is replaced
        directory = os.path.dirname(self._final)
        try:
            fd, self._temp = tempfile.mkstemp(
                prefix=f".{os.path.basename(self._final)}.", suffix=".part", dir=directory
            )
        except OSError as exc:
            raise click.FileError(self.path, hint=exc.strerror or str(exc)) from None
        self.stream = os.fdopen(fd, "wb")

    @property
    def rewindable(self) -> bool:
        """Whether the output is a temporary file of our own (see ``CampaignWriter(rewind)``)."""
        return self._temp is not None

    def failed(self, exc: OSError) -> WriteFailed:
        """The one-line error for a failed write, after dropping the temporary file."""
        self.abandon()
        where = self.path or "standard output"
        kept = f"; {self.path} was left as it was" if self.path else ""
        return WriteFailed(f"cannot write {where}: {exc.strerror or exc}{kept}")

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Guard the writing of the output.

        A failed write becomes one line (:meth:`failed`); any other exception, an interrupt
        too, drops the temporary file and goes on up; a broken pipe goes on up as it is.
        """
        try:
            yield
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self.failed(exc) from None
        except BaseException:
            self.abandon()
            raise

    def commit(self) -> None:
        """Flush; for a file, make it durable and rename it over the target."""
        if self.path is None or self._temp is None:
            self.stream.flush()
            if self.path is not None:  # a device or named pipe written in place
                self.stream.close()
            return
        try:
            self.stream.flush()
            os.fsync(self.stream.fileno())
            self.stream.close()
            os.chmod(self._temp, _mode_for(self._final))
            os.replace(self._temp, self._final)
        except OSError as exc:
            raise self.failed(exc) from None
        self._temp = None

    def abandon(self) -> None:
        """Drop the temporary file; an existing target stays as it was."""
        if self.path is not None and self._temp is None:  # a device or named pipe
            with contextlib.suppress(OSError):
                self.stream.close()
        if self._temp is not None:
            with contextlib.suppress(OSError):
                self.stream.close()
            with contextlib.suppress(OSError):
                os.unlink(self._temp)
            self._temp = None


def _mode_for(path: str) -> int:
    try:
        return os.stat(path).st_mode & 0o7777  # keep an existing file's permissions
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
