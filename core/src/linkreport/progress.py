"""Progress and messages on standard error: a live line on terminals, plain lines elsewhere."""

from __future__ import annotations

import sys
import threading
import time
from datetime import datetime, timedelta
from typing import TextIO

from linkreport.notices import set_sink
from linkreport.redaction import redact
from linkreport.terminal import printable


def clock_text(seconds: float, now: datetime | None = None) -> str:
    """Local time when a wait of ``seconds`` ends, with the date when it is another day."""
    now = now or datetime.now()
    try:
        when = now + timedelta(seconds=seconds)
    except OverflowError:
        return "the far future"
    return f"{when:%H:%M:%S}" if when.date() == now.date() else f"{when:%Y-%m-%d %H:%M:%S}"


class Reporter:
    """Receives progress from a run; this base prints messages and ignores progress."""

    #: Whether progress is shown to a person (a live line on a terminal).
    live = False

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.total = 0
        self._lock = threading.Lock()
        if stream is None:  # warnings said once per run go through the live line too
            set_sink(self.note)

    def start(self, total: int, what: str) -> None:
        """A run of ``total`` items (e.g. campaigns) begins."""
        self.total = total

    def limit(self, requests: int, seconds: float) -> None:
        """Each item costs at least one request, and at most ``requests`` go in ``seconds``.

        The estimate of the time left then never promises less than the limit allows.
        """

    def grow(self, more: int) -> None:
        """``more`` items join a running total (several runs sharing one line)."""
        with self._lock:
            self.total += more

    def advance(self, ok: bool = True) -> None:
        """One item finished."""

    def waiting(self, seconds: float, reason: str) -> None:
        """A request waits ``seconds`` because of ``reason`` (rate limit, retry)."""

    def note(self, text: str) -> None:
        """Print a message line (errors, warnings) on standard error, redacted and made safe.

        Control characters and escape sequences (from server data in the text) are shown
        as escapes, so a line can neither move the cursor nor forge other lines.
        """
        with self._lock:
            self._clear()
            print(printable(redact(text)), file=self.stream, flush=True)
            self._redraw()

    def finish(self) -> None:
        """The run is over; clear any live line."""
        with self._lock:
            self._clear()

    def _clear(self) -> None:
        pass

    def _redraw(self) -> None:
        pass


class TerminalReporter(Reporter):
    """A single live line: done/total, elapsed, ETA, and why it is waiting."""

    live = True

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self.total = 0
        self.done = 0
        self.failed = 0
        self.what = "items"
        self.started = time.monotonic()
        self.wait_text = ""
        self._line = ""
        self._limit: tuple[int, float] | None = None

    def start(self, total: int, what: str) -> None:
        """Begin counting ``total`` items."""
        with self._lock:
            self.total, self.what, self.started = total, what, time.monotonic()
            self._render()

    def limit(self, requests: int, seconds: float) -> None:
        """Estimate the time left no lower than ``requests`` per ``seconds`` allows."""
        with self._lock:
            self._limit = (max(requests, 1), seconds)
            self._render()

    def grow(self, more: int) -> None:
        """Add ``more`` items to the total."""
        with self._lock:
            self.total += more
            self._render()

    def advance(self, ok: bool = True) -> None:
        """Count one finished item."""
        with self._lock:
            self.done += 1
            self.failed += 0 if ok else 1
            self.wait_text = ""
            self._render()

    def waiting(self, seconds: float, reason: str) -> None:
        """Show the wait and its reason until the next event."""
        until = clock_text(seconds)
        with self._lock:
            self.wait_text = f"waiting {seconds:.0f}s until {until}: {printable(redact(reason))}"
            self._render()

    def _render(self) -> None:
        elapsed = time.monotonic() - self.started
        parts = [f"{self.done}/{self.total} {self.what}"]
        if self.failed:
            parts.append(f"{self.failed} failed")
        parts.append(f"{elapsed:.0f}s")
        left = self.total - self.done
        if left > 0 and (self.done or self._limit):
            eta = elapsed / self.done * left if self.done else 0.0
            if self._limit:  # what the rate limit allows at best: whole windows, the first now
                requests, seconds = self._limit
                eta = max(eta, (-(-left // requests) - 1) * seconds)
            if eta >= 1 or self.done:
                parts.append(f"ETA {_duration(eta)}")
        if self.wait_text:
            parts.append(self.wait_text)
        self._clear()
        self._line = printable(redact(" | ".join(parts)))[:200]
        self._redraw()

    def _clear(self) -> None:
        if self._line:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()

    def _redraw(self) -> None:
        if self._line:
            self.stream.write(self._line)
            self.stream.flush()

    def finish(self) -> None:
        """Clear the live line."""
        with self._lock:
            self._clear()
            self._line = ""


def _duration(seconds: float) -> str:
    """``42s``, ``9m05s``, ``2h10m``."""
    whole = round(seconds)
    if whole < 120:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    return f"{minutes}m{secs:02d}s" if minutes < 120 else f"{minutes // 60}h{minutes % 60:02d}m"
