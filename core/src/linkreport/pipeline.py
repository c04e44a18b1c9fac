"""The concurrent, ordered, bounded fetch of many IDs behind :mod:`linkreport.runner`.

A feeder thread reads IDs lazily (the first request goes out before an unbounded input
ends) and starts at most ``jobs + LOOKAHEAD`` campaigns that the consumer has not finished
reading; workers stream each campaign's records into its :class:`CampaignStream` as the
source produces them, and the consumer takes the streams in the order of the IDs. Memory
is therefore bounded by the look-ahead, never by the number of campaigns. Records enter core
here: personal data in their URLs is pseudonymised as they are handed over
(:mod:`linkreport.personal_urls`).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from linkreport import cancel, personal_urls
from linkreport.concurrency import decode_after, on_request
from linkreport.errors import LinkReportError
from linkreport.records import LinkClicks
from linkreport.source import SourceContext

#: Campaigns started beyond ``jobs`` so workers never idle while the head is being read.
LOOKAHEAD = 2
#: Records a worker hands over at once (one lock round trip per chunk, not per record).
CHUNK = 512
#: Chunks a campaign not yet being read may hold before its worker waits for the reader:
#: workers ahead of the reader pause rather than pile up whole reports in memory, and while
#: one waits no other campaign starts (unless the reader has reached it).
AHEAD_CHUNKS = 8
#: Bodies of at least this many bytes wait to be decoded while a worker ahead of the reader
#: waits with a report (:meth:`CampaignStream._decode_turn`).
HOLD_BACK = 64 * 1024
_END = object()
#: Set when the interpreter starts exiting (the hook ``concurrent.futures`` itself uses): a
#: worker waiting for a reader then gives up, and sends no further request.
_exiting = threading.Event()
_register_atexit = getattr(threading, "_register_atexit", None)
if _register_atexit is not None:
    _register_atexit(_exiting.set)


class _Run:
    """State shared by one run's feeder, workers and consumer."""

    def __init__(self, ctx: SourceContext, include_unclicked: bool, jobs: int) -> None:
        self.ctx = ctx
        self.include_unclicked = include_unclicked
        self.scrubber = personal_urls.scrubber(ctx)
        self.stop = threading.Event()  # a fatal error or the consumer left: start nothing more
        self.slots = threading.Semaphore(jobs + LOOKAHEAD)
        self.fatal_reported = False
        self.closed = False  # the consumer left (interrupted or stopped early)
        self.turns = threading.Condition(threading.Lock())
        self.waiting = 0  # workers ahead of the reader waiting for it, each holding a report
        #: the one campaign ahead of the reader let through the decode gate, until it sends
        #: its next request, waits for the reader, is read or ends (``_decode_turn``)
        self.decoder: CampaignStream | None = None

    @property
    def abandoned(self) -> bool:
        """Nobody will read on: the consumer left, or the program is exiting.

        (A caller may keep an unfinished generator to the end; waiting workers must not
        keep the interpreter from exiting.)
        """
        return self.closed or _exiting.is_set()

    def waits(self, change: int) -> None:
        """A worker starts (+1) or stops (-1) waiting for the reader."""
        with self.turns:
            self.waiting += change
            self.turns.notify_all()

    def release(self, stream: CampaignStream) -> None:
        """``stream`` no longer holds the decode gate; workers waiting for a turn look again.

        (It sent its next request, waits for the reader, is read or ended.)
        """
        with self.turns:
            if self.decoder is stream:
                self.decoder = None
            self.turns.notify_all()


class CampaignStream:
    """One ID's records, streamed as the source produces them.

    Iterate it once for the records; when the iteration ends, :attr:`error` (the failure)
    or :attr:`skipped` (the run stopped first: a fatal error elsewhere, or the caller closed
    the run; records fetched before are there, but the report is not whole) say how it ended.
    Records already yielded by a campaign that then fails were fetched but belong to an
    incomplete report: callers decide whether to keep them.
    """

    def __init__(self, campaign_id: str, run: _Run) -> None:
        self.campaign_id = campaign_id
        self.error: LinkReportError | None = None
        self.skipped = False
        self._run = run
        self._cond = threading.Condition(threading.Lock())
        self._chunks: list[list[LinkClicks]] = []
        self._done = False
        self._read = False
        self._ended = False  # the reader read to the end
        self._left = False  # the reader moved on before the end: nobody reads the rest
        self._cut = False  # the worker stopped before the source's end (nobody would read on)

    @property
    def ok(self) -> bool:
        """Whether the whole report was fetched (meaningful once iterated)."""
        return self.error is None and not self.skipped

    def __iter__(self) -> Iterator[LinkClicks]:
        with self._cond:
            if self._read:
                raise RuntimeError(f"the records of {self.campaign_id} were already read")
            self._read = True
            self._cond.notify()  # a worker waiting for its reader may go on
        self._run.release(self)  # read: no longer ahead; a worker waiting to start it may go
        while True:
            with self._cond:
                while not self._chunks and not self._done:
                    self._cond.wait()
                chunks, self._chunks = self._chunks, []
                done = self._done
            for chunk in chunks:
                yield from chunk
            if done and not chunks:
                break
        self._ended = True
        error = self.error
        if error is not None and error.fatal:
            if self._run.fatal_reported:  # already in flight when the run stopped: say it once
                self.error, self.skipped = None, True
            self._run.fatal_reported = True

    # --- worker side -------------------------------------------------------------------

    def _put(self, chunk: list[LinkClicks], wait: bool = True) -> bool:
        """Hand a chunk to the reader; False if the reader left (nobody will read it).

        Ahead of the reader, with :data:`AHEAD_CHUNKS` held, wait for it (unless not ``wait``).
        """
        with self._cond:
            if self._left:
                return False
            if wait and not self._read and len(self._chunks) >= AHEAD_CHUNKS:
                self._run.waits(+1)
                self._run.release(self)  # (waiting, it keeps the others from decoding)
                try:
                    while not self._read and len(self._chunks) >= AHEAD_CHUNKS:
                        if self._run.abandoned:
                            return False
                        self._cond.wait(0.2)
                finally:
                    self._run.waits(-1)
            self._chunks.append(chunk)
            self._cond.notify()
        return True

    def _leave(self) -> None:
        """The reader moved on before the end: drop what is held, fetch no more of it."""
        with self._cond:
            self._left = True
            self._chunks = []

    def _wait_for_a_turn(self) -> None:
        """Start only when no worker ahead of the reader is waiting with a report already."""
        run = self._run
        with run.turns:
            while run.waiting and not self._read and not run.abandoned:
                run.turns.wait(0.2)

    def _decode_turn(self, size: int) -> None:
        """Decode a large body only if no other worker ahead of the reader holds a report.

        One at a time may decode ahead of the reader (:attr:`_Run.decoder`) until it sends
        its next request (its body is done with), waits for the reader with its report, is
        read or ends: workers checking only whether another waits would all pass at once.
        A body is a fraction of the records it decodes into; small ones (a lookup another
        worker may be waiting for) are never held back.
        """
        if size < HOLD_BACK:
            return
        run = self._run
        with run.turns:
            while not self._read and not run.abandoned:
                if not run.waiting and run.decoder in (None, self):
                    run.decoder = self
                    break
                run.turns.wait(0.2)

    def _finish(self, error: LinkReportError | None = None, skipped: bool = False) -> None:
        with self._cond:
            self.error, self.skipped, self._done = error, skipped, True
            self._cond.notify()
        self._run.release(self)

    def _fetch(self) -> None:
        run, ctx = self._run, self._run.ctx
        self._wait_for_a_turn()
        if run.stop.is_set() or run.abandoned:
            self._finish(skipped=True)
            return
        error: LinkReportError | None = None
        try:
            with (
                cancel.cancelled_when(lambda: run.abandoned or self._left),  # nobody reads
                decode_after(self._decode_turn),
                on_request(lambda: run.release(self)),
            ):
                records = ctx.source.fetch_links(
                    ctx, self.campaign_id, include_unclicked=run.include_unclicked
                )
                error = self._pump(records)
        except LinkReportError as exc:
            if exc.fatal:
                run.stop.set()
            error = exc.for_campaign(self.campaign_id)
        except BaseException as exc:  # SystemExit, CancelledError too: the campaign failed
            error = LinkReportError(
                f"unexpected {exc.__class__.__name__} in the {ctx.provider} plugin: {exc}",
                campaign_id=self.campaign_id,
            )
            error.__cause__ = exc
        finally:
            self._finish(error, skipped=error is None and self._cut)

    def _pump(self, records: Iterable[LinkClicks]) -> LinkReportError | None:
        """Hand the source's records over in chunks; the last chunk goes however it ends.

        (A source that fails part-way has yielded records the reader is owed: the stream
        says they belong to an incomplete report, but it never hides some of them.)
        """
        chunk: list[LinkClicks] = []
        append = chunk.append
        scrub = self._run.scrubber  # personal data in URLs: replaced here, before anyone sees it
        names, encoded = scrub.names, scrub.encoded  # (scrub.suspect, inline: the hot path)
        try:
            for record in records:
                if record.__class__ is not LinkClicks and not isinstance(record, LinkClicks):
                    return LinkReportError(  # type: ignore[unreachable]  # plugins are not checked
                        f"the {self._run.ctx.provider} plugin yielded {type(record).__name__},"
                        " not LinkClicks",
                        campaign_id=self.campaign_id,
                    )
                url = record.url
                if (
                    "@" in url
                    or ("=" in url and names(url) is not None)
                    or ("%" in url and encoded(url) is not None)
                ):
                    record = scrub.record(record)
                append(record)
                if len(chunk) >= CHUNK:
                    full, chunk = chunk, []
                    append = chunk.append
                    if self._run.closed or not self._put(full):  # nobody will read the rest
                        self._cut = True
                        return None
        except BaseException:
            if chunk:  # a failure is not held up by a reader not here yet (a fatal one
                self._put(chunk, wait=False)  # stops the run now): one chunk more at most
                chunk = []
            raise
        finally:
            if chunk and (self._run.closed or not self._put(chunk)):
                self._cut = True  # nobody will read it
        return None


class _Workers:
    """Up to ``jobs`` daemon threads running the tasks submitted, in order.

    Daemon threads, unlike :class:`concurrent.futures.ThreadPoolExecutor`'s: once the reader
    has left, a worker still waiting for a server that stalls must not keep the program
    from exiting (what must be finished holds :func:`linkreport.cancel.finishing`).
    """

    def __init__(self, jobs: int) -> None:
        self._jobs = jobs
        self._tasks: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, task: Callable[[], None]) -> None:
        """Run ``task`` on a worker (a new one while fewer than ``jobs`` were started)."""
        with self._lock:
            if len(self._threads) < self._jobs:
                name = f"linkreport_{len(self._threads)}"
                thread = threading.Thread(target=self._work, name=name, daemon=True)
                thread.start()
                self._threads.append(thread)
        self._tasks.put(task)

    def _work(self) -> None:
        while (task := self._tasks.get()) is not None:
            with contextlib.suppress(BaseException):  # a worker never dies with tasks queued
                task()

    def shutdown(self, *, wait: bool) -> None:
        """No task after those submitted; ``wait`` for them to end."""
        with self._lock:
            threads = list(self._threads)
        for _ in threads:
            self._tasks.put(None)
        if wait:
            for thread in threads:
                thread.join()


def _feed(run: _Run, ids: Iterable[str], pool: _Workers, out: queue.Queue[Any]) -> None:
    """Start a stream per ID in order, holding a look-ahead slot for each; END or an error last."""
    try:
        # reading the IDs may send requests (--since lists campaigns): none once nobody reads
        with cancel.cancelled_when(lambda: run.abandoned):
            _feed_ids(run, ids, pool, out)
    except BaseException as exc:
        out.put(exc)
    else:
        out.put(_END)


def _feed_ids(run: _Run, ids: Iterable[str], pool: _Workers, out: queue.Queue[Any]) -> None:
    """Start a stream per ID in order, holding a look-ahead slot for each."""
    for campaign_id in ids:
        while not run.slots.acquire(timeout=0.2):
            if run.closed:
                return
        if run.closed:
            return
        stream = CampaignStream(campaign_id, run)
        if run.stop.is_set():
            stream._finish(skipped=True)  # a fatal error stopped the run: list, don't fetch
        else:
            pool.submit(stream._fetch)
        out.put(stream)


def stream_campaigns(
    ctx: SourceContext, ids: Iterable[str], *, include_unclicked: bool, jobs: int
) -> Iterator[CampaignStream]:
    """Yield a :class:`CampaignStream` per ID, in order, fetching up to ``jobs`` at once.

    ``ids`` is read lazily from a feeder thread (an error it raises is raised here, after
    the streams of the IDs before it). Read each stream before asking for the next; a
    stream left unread is drained (its records dropped) when the next one is requested,
    and one left part-way is given up (its worker fetches no more of it).
    """
    run = _Run(ctx, include_unclicked, jobs)
    pool = _Workers(jobs)
    streams: queue.Queue[Any] = queue.Queue()
    feeder = threading.Thread(
        target=_feed, args=(run, ids, pool, streams), name="linkreport-ids", daemon=True
    )
    feeder.start()
    left = False
    try:
        while True:
            item = streams.get()
            if item is _END:
                break
            if isinstance(item, BaseException):
                raise item
            stream: CampaignStream = item
            yield stream
            if not stream._read:
                for _ in stream:
                    pass
            elif not stream._ended:
                stream._leave()
                left = True
            run.slots.release()
            ctx.reporter.advance(stream.ok)
    except BaseException:  # interrupted, or the caller stopped early: don't wait for sleepers
        run.closed = True  # (workers send no further request: linkreport.cancel)
        if not _exiting.is_set():  # (a generator closed as the interpreter exits: daemon
            run.stop.set()  # threads may be frozen holding any lock; take none of them)
            pool.shutdown(wait=False)
        raise
    else:  # a worker of a stream given up may wait on a request nobody reads: don't join it
        pool.shutdown(wait=not left)
    finally:
        if not _exiting.is_set():
            ctx.reporter.finish()
