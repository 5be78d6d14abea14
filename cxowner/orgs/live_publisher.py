"""Live pushes sent by one thread per process, off the thread that made the change.

`async_to_sync(layer.group_send)` on the request thread cost every write a new thread, a new
event loop and a new connection to Redis (channels-redis keeps its connections per loop, and
the loop died with the call), all inside the answer's time; and a thread that runs a loop of
its own (Playwright's in a browser test, any async caller of sync code) cannot call it at all.
Here one daemon thread per process owns one loop for as long as the process lives, so its
Redis connections live as long; a write only puts its message on a queue and returns.

Messages leave in the order they were put, one at a time: an organization's pages hear its
changes in order. The queue is bounded: were Redis down or slow for long, messages past
QUEUE_MAX are dropped (and said so in the log) rather than piling up in memory; every change is
in the change feed, and a page catches up from its cursor when it reconnects
(GET /o/<org>/live/changes?after=N).

gunicorn and Celery fork their workers: a thread does not survive a fork, and a lock held by it
at that moment would stay held in the child. So the thread is started lazily by the first
message of a process, and a process whose id changed (a forked child) starts its own thread with
its own queue. At exit the queue is given a moment to empty (a management command that writes
and ends still reaches the open pages).
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Awaitable, Callable

logger = logging.getLogger(__name__)

QUEUE_MAX = 10_000
FLUSH_AT_EXIT_SECONDS = 2.0

Send = Callable[..., Awaitable[object]]


class Publisher:
    """A queue and the thread that empties it on its own event loop, one of each per process."""

    def __init__(self, maxsize: int = QUEUE_MAX) -> None:
        self.maxsize = maxsize
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        self._dropped = 0

    def publish(self, send: Send, *args) -> bool:
        """Have `await send(*args)` run on the publisher's thread; False if the queue was full and
        the message was dropped."""
        pending = self._started()
        try:
            pending.put_nowait((send, args))
        except queue.Full:
            self._dropped += 1
            # Once per outage, then every thousandth: a Redis that is down must not flood the log.
            if self._dropped % 1000 == 1:
                logger.warning(
                    "Live push queue full (%d waiting): %d message(s) dropped; open pages catch up from the feed",
                    self.maxsize,
                    self._dropped,
                )
            return False
        return True

    def flush(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for every message put so far to be sent; whether it was."""
        pending = self._queue
        if pending is None or self._pid != os.getpid():
            return True
        deadline = time.monotonic() + timeout
        with pending.all_tasks_done:
            while pending.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                pending.all_tasks_done.wait(left)
        return True

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread

    def _started(self) -> queue.Queue:
        if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            return self._queue
        with self._lock:
            if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
                # A new queue too: the parent's may hold messages (and a lock) that are not ours.
                self._queue = queue.Queue(self.maxsize)
                self._thread = threading.Thread(target=_run, args=(self._queue,), name="live-publisher", daemon=True)
                self._pid = os.getpid()
                self._dropped = 0
                self._thread.start()
            return self._queue


def _run(pending: queue.Queue) -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    while True:
        send, args = pending.get()
        try:
            loop.run_until_complete(send(*args))
        except Exception:
            # A channel layer that is down: the change is saved and in the feed; pages catch up.
            logger.exception("Could not push a live message")
        finally:
            pending.task_done()


publisher = Publisher()


@atexit.register
def _flush_at_exit() -> None:
    publisher.flush(FLUSH_AT_EXIT_SECONDS)
