"""A fixed pool of threads serving many accounts' work as their rate limiters allow.

Each account is a :class:`Lane` of tasks; a task is a generator whose every step (each
``next()``) is meant to send about one request. A worker takes the next step of a lane whose
limiter has a slot free *now* (:meth:`~linkreport.ratelimit.RateLimiter.try_grant`), and that
step's first request uses the slot granted (:func:`~linkreport.ratelimit.reserved`). Lanes
whose limiter is full wait in a heap ordered by when it may have a slot, and idle workers
block on one condition until the earliest of them (computed, not polled) or until work
arrives. Threads are therefore bounded by the pool's size, whatever the number of accounts.

A lane runs at most ``cap`` tasks at once and finishes the tasks it started before it starts
new ones, so work in progress (and memory) is bounded per account; the next step of a task
goes ahead of lanes merely ready (a new account's opening waits behind requests of accounts
already open). A step that sends more
than one request waits for the limiter inside the step, as any caller of the HTTP client.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator

from linkreport import cancel
from linkreport.ratelimit import RateLimiter, Ticket, reserved

Task = Iterator[None]


class Lane:
    """One account's tasks: started ones first, at most ``cap`` at once, under one limiter.

    ``limiter`` may be set by a task once the account is open (``None``: never waits).
    """

    def __init__(self, name: str, cap: int, limiter: RateLimiter | None = None) -> None:
        self.name = name
        self.cap = cap
        self.limiter = limiter
        self._started: deque[Task] = deque()  # started, waiting for their next step
        self._fresh: deque[Task] = deque()  # not started yet
        self._open = 0  # started and not finished (running a step or waiting for one)
        self._running = 0  # running a step now
        self._queued = False  # in the pool's heap

    def _runnable(self) -> bool:
        if self._running >= self.cap:
            return False
        return bool(self._started) or (bool(self._fresh) and self._open < self.cap)

    def _take(self) -> Task:
        if self._started:
            task = self._started.popleft()
        else:
            task = self._fresh.popleft()
            self._open += 1
        self._running += 1
        return task


class Pool:
    """Up to ``threads`` daemon workers running the lanes' tasks; :meth:`run` until all end.

    ``on_error(lane, exc)`` is told of an exception a task's step raised (the task ends).
    """

    def __init__(
        self,
        threads: int,
        on_error: Callable[[Lane, BaseException], None] | None = None,
        on_wait: Callable[[float, Lane], None] | None = None,
    ) -> None:
        if threads < 1:
            raise ValueError("threads must be positive")
        self.threads = threads
        self.on_error = on_error
        #: Told ``(seconds, lane)`` when nothing runs and every lane waits for its limiter
        #: (for the progress line), once per wait.
        self.on_wait = on_wait
        self._running = 0  # steps running now, in every lane
        self._announced = 0.0  # when the wait last announced ends
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, Lane]] = []
        self._order = itertools.count()
        self._pending = 0  # tasks added and not finished
        self._stopped = False
        self._workers: list[threading.Thread] = []

    @property
    def stopped(self) -> bool:
        """Whether :meth:`stop` was called (steps then send no further request)."""
        return self._stopped

    def add(self, lane: Lane, task: Task) -> None:
        """Add a task to ``lane`` (it starts after the lane's started ones)."""
        with self._cond:
            lane._fresh.append(task)
            self._pending += 1
            self._offer(lane, time.monotonic())

    def run(self) -> None:
        """Start the workers and return when every task (those added meanwhile too) ended.

        Interrupted (``KeyboardInterrupt``), the pool stops: running steps send no further
        request, and no step starts.
        """
        for n in range(self.threads):
            worker = threading.Thread(target=self._work, name=f"linkreport-sync-{n}", daemon=True)
            worker.start()
            self._workers.append(worker)
        try:
            with self._cond:
                while self._pending and not self._stopped:
                    self._cond.wait()
        except BaseException:
            self.stop()
            raise
        for worker in self._workers:
            worker.join()

    def stop(self) -> None:
        """Start no further step; running ones send no further request."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    def _offer(self, lane: Lane, when: float) -> None:
        """Put ``lane`` in the heap for ``when`` if it has a step to run; hold the lock."""
        if lane._queued or not lane._runnable():
            return
        lane._queued = True
        heapq.heappush(self._heap, (when, next(self._order), lane))
        if self._heap[0][2] is lane:
            self._cond.notify()  # a worker waits for a later time, or for work

    def _next(self) -> tuple[Lane, Task, Ticket | None] | None:
        """Wait for a lane whose limiter is ready; take its step and slot (None: all done)."""
        with self._cond:
            while not self._stopped:
                if not self._heap:
                    if not self._pending:
                        return None
                    self._cond.wait()
                    continue
                when, _, lane = self._heap[0]
                now = time.monotonic()
                if when > now:
                    self._idle(when, lane)
                    self._cond.wait(when - now)
                    continue
                heapq.heappop(self._heap)
                lane._queued = False
                ticket: Ticket | None = None
                if lane.limiter is not None:
                    ticket, delay = lane.limiter.try_grant()
                    if ticket is None:
                        self._offer(lane, now + delay)
                        continue
                task = lane._take()
                self._running += 1
                self._offer(lane, now)  # more of the lane may run beside it
                if self._heap and self._heap[0][0] <= now:
                    self._cond.notify()  # another lane is ready: wake another worker
                return lane, task, ticket
            return None

    def _idle(self, when: float, lane: Lane) -> None:
        """Say the pool waits until ``when`` for ``lane``'s limiter, if nothing else runs."""
        now = time.monotonic()
        if self.on_wait is None or self._running or when - now < 1:
            return
        if abs(when - self._announced) < 0.5:  # said already
            return
        self._announced = when
        self.on_wait(when - now, lane)

    def _work(self) -> None:
        with cancel.cancelled_when(lambda: self._stopped):
            while (taken := self._next()) is not None:
                lane, task, ticket = taken
                more = False
                try:
                    with reserved(lane.limiter, ticket):
                        more = next(task, StopIteration) is not StopIteration
                except BaseException as exc:
                    if self.on_error is not None:
                        self.on_error(lane, exc)
                with self._cond:
                    lane._running -= 1
                    self._running -= 1
                    if more:
                        lane._started.appendleft(task)  # finish what was started first
                    else:
                        lane._open -= 1
                        self._pending -= 1
                        if not self._pending:
                            self._cond.notify_all()
                    # work started goes on before any lane starts (its limiter permitting):
                    # 500 accounts opening first would hold every request back
                    self._offer(lane, 0.0 if more else time.monotonic())
        with self._cond:
            self._cond.notify_all()  # the others see the end (or the stop) too
