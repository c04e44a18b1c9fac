"""How a run is cut short: SIGINT and SIGTERM, and a closed standard output.

SIGINT and SIGTERM raise :class:`Interrupted` at the next safe point; an EPIPE of standard
output is :class:`PipeClosed`; writing to a standard output that was never open (``>&-``) is
:class:`OutputClosed`. No click here: every command, ``--help`` included, installs the
handlers first.
"""

from __future__ import annotations

import errno
import io
import signal
import sys

TYPE_CHECKING = False  # typing's, without importing typing
if TYPE_CHECKING:
    from types import FrameType, TracebackType

EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM; ``code`` is the exit status that says which."""

    def __init__(self, code: int = EXIT_INTERRUPTED) -> None:
        super().__init__()
        self.code = code


class _Guard:
    depth = 0
    pending: Interrupted | None = None


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    exc = Interrupted(EXIT_TERMINATED if signum == signal.SIGTERM else EXIT_INTERRUPTED)
    if _Guard.depth:
        _Guard.pending = _Guard.pending or exc
        return
    raise exc


def install_signal_handlers() -> None:
    """Make SIGINT and SIGTERM raise :class:`Interrupted` (main thread only)."""
    try:
        signal.signal(signal.SIGINT, _on_signal)
        signal.signal(signal.SIGTERM, _on_signal)
    except ValueError:  # not the main thread (embedded use)
        pass


class uninterrupted:  # (named as the function it was: ``with uninterrupted():``)
    """Hold back SIGINT/SIGTERM until the block ends (then raise them)."""

    def __enter__(self) -> None:
        _Guard.depth += 1

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        _Guard.depth -= 1
        if _Guard.depth == 0 and _Guard.pending is not None:
            pending, _Guard.pending = _Guard.pending, None
            raise pending


class PipeClosed(Exception):
    """Standard output's reader went away (EPIPE): the run ends quietly (exit status 141)."""


class pipe_closed_is_final:  # (a context manager without contextlib)
    """Turn EPIPE into :class:`PipeClosed`, which click passes on (it would exit 1)."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if isinstance(error, OSError) and error.errno == errno.EPIPE and stdout_closed():
            raise PipeClosed from None  # (a socket's EPIPE stays an error)


def stdout_closed() -> bool:
    """Whether standard output is a pipe (or socket) whose reader has gone."""
    import select

    try:
        poll = select.poll()
        poll.register(sys.stdout.fileno(), 0)  # errors and hang-ups are always reported
        return any(event & (select.POLLERR | select.POLLHUP) for _, event in poll.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll (Windows), no descriptor: assume so
        return True


class OutputClosed(Exception):
    """Output was written to a standard output that is closed (``>&-``): it was lost.

    The run ends with one line and exit status 1; a command that writes nothing there (``sync``)
    is not affected.
    """

    def __str__(self) -> str:
        return "cannot write standard output: it is closed (to discard the output: >/dev/null)"


class ClosedOutput(io.TextIOBase):
    """Standard output when the process started without one: writing anything raises.

    Python makes ``sys.stdout`` ``None`` then, so the first ``flush()`` or ``isatty()`` would
    be an ``AttributeError``. This stand-in is a text stream that is not a terminal, takes
    empty writes and flushes (nothing is lost), and raises :class:`OutputClosed` for any text,
    and for its ``buffer``, which only output goes through.
    """

    encoding = "utf-8"
    errors = "strict"

    def writable(self) -> bool:
        """A text stream for writing (whose every write of text fails)."""
        return True

    def write(self, text: str) -> int:
        """Raise :class:`OutputClosed`, unless ``text`` is empty."""
        if not isinstance(text, str):  # as a text stream (click tells them apart so)
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            raise OutputClosed
        return 0

    def flush(self) -> None:
        """Nothing is ever held: nothing to do."""

    def isatty(self) -> bool:
        """Not a terminal."""
        return False

    @property
    def buffer(self) -> io.BufferedWriter:
        """Raise :class:`OutputClosed`: only output is written to the binary buffer."""
        raise OutputClosed


def check_stdout() -> None:
    """Raise :class:`OutputClosed` now if standard output is closed (``>&-``).

    For a command that must not start what its output would describe (``sandbox
    --background`` would leave a server nobody was told of).
    """
    if isinstance(sys.stdout, ClosedOutput):
        raise OutputClosed


def replace_closed_stdout() -> None:
    """Put a :class:`ClosedOutput` where Python left ``sys.stdout`` ``None`` (``>&-``)."""
    if sys.stdout is None:
        sys.stdout = ClosedOutput()
