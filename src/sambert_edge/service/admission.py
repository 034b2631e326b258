"""Admission control: a bounded synthesis queue per worker process, and a deadline per request.

Synthesis runs on a small thread pool (``SYNTH_WORKERS`` threads, about one per core the worker
may use) rather than on the request threads, for two reasons: a request can give up at its
deadline (the work is then cancelled if it has not started, or finishes in the background while
still holding its place in the queue, so a flood of timeouts cannot pile up CPU work), and a full
queue can be refused at once with 503 + Retry-After instead of making clients wait on Gunicorn's
backlog. ``MAX_QUEUE`` bounds jobs admitted but not finished (running + waiting).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TypeVar

from .errors import ApiError

T = TypeVar("T")


class Admission:
    """Bounded queue + deadline in front of the synthesis thread pool of this process.

    Args:
        max_queue: jobs (or streams) admitted at once; more get 503.
        workers: synthesis threads.
        timeout_s: deadline of one request, queueing included.
        retry_after_s: the ``Retry-After`` a refused client is given.
    """

    def __init__(self, max_queue: int, workers: int, timeout_s: float, retry_after_s: int = 1) -> None:
        self.max_queue = max(1, int(max_queue))
        self.workers = max(1, int(workers))
        self.timeout_s = float(timeout_s)
        self.retry_after_s = int(retry_after_s)
        self._lock = threading.Lock()
        self._pending = 0
        self._rejected = 0
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0

    @property
    def depth(self) -> int:
        """Jobs admitted and not finished, for the queue-depth gauge."""
        return self._pending

    @property
    def rejected(self) -> int:
        """Requests refused with 503 because the queue was full, since start."""
        return self._rejected

    def _executor(self) -> ThreadPoolExecutor:
        # Threads do not survive fork: a Gunicorn worker must not inherit the master's pool.
        with self._lock:
            if self._pool is None or self._pool_pid != os.getpid():
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="synth")
                self._pool_pid = os.getpid()
            return self._pool

    def _admit(self) -> None:
        with self._lock:
            if self._pending >= self.max_queue:
                self._rejected += 1
                raise ApiError(503, f"server busy: {self._pending} syntheses queued (limit {self.max_queue}); "
                                    f"retry after {self.retry_after_s} s",
                               headers={"Retry-After": str(self.retry_after_s)}, retry_after_s=self.retry_after_s)
            self._pending += 1

    def _release(self, _future: object = None) -> None:
        with self._lock:
            self._pending -= 1

    def deadline(self) -> float:
        """The monotonic time by which a request starting now must be done."""
        return time.monotonic() + self.timeout_s

    def _wait(self, future: Future, deadline: float) -> T:
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            if future.cancel():
                raise ApiError(503, f"synthesis did not start within {self.timeout_s:g} s; server busy",
                               headers={"Retry-After": str(self.retry_after_s)},
                               retry_after_s=self.retry_after_s) from None
            raise ApiError(504, f"synthesis took longer than {self.timeout_s:g} s; send shorter text") from None

    def run(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the pool as one admitted job; ApiError 503/504 when refused or late."""
        deadline = self.deadline()
        self._admit()
        try:
            future = self._executor().submit(fn)
        except RuntimeError:  # pool shut down (interpreter exiting)
            self._release()
            raise
        future.add_done_callback(self._release)
        return self._wait(future, deadline)

    def admit_stream(self) -> StreamTicket:
        """Admit one stream now (503 if the queue is full); the ticket runs its pieces.

        The caller releases the ticket when the response closes, which also happens when the
        client goes away before the stream starts (a generator that never ran has no ``finally``).
        """
        self._admit()
        return StreamTicket(self)


class StreamTicket:
    """One admitted stream: a place in the queue held until ``release`` (idempotent)."""

    def __init__(self, admission: Admission) -> None:
        self._admission = admission
        self._released = False
        self._lock = threading.Lock()
        self.deadline = admission.deadline()

    def step(self, fn: Callable[[], T]) -> T:
        """Run one piece (a sentence) on the pool within the stream's deadline."""
        admission = self._admission
        return admission._wait(admission._executor().submit(fn), self.deadline)

    def release(self) -> None:
        with self._lock:
            if self._released:
                return
            self._released = True
        self._admission._release()
