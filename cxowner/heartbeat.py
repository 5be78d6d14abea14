"""Whether a Celery worker is alive: each worker records a heartbeat, the web side reads it.

"The broker accepts messages" says nothing about anybody taking them: /healthz and the audits
page read this instead, and "run audit now" runs the audit in the request when no worker has
been seen (ownership.gaps.audit_requests.audit_request_now).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import bootsteps
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

# A worker records its heartbeat this often, and is taken for gone after SEEN_WITHIN without one.
HEARTBEAT_EVERY = timedelta(seconds=15)


SEEN_WITHIN = timedelta(seconds=60)


def heartbeat_key(queue: str | None = None) -> str:
    # Per queue: a worker counts for the web servers that send to the queue it takes from.
    return f"cxowner:worker-heartbeat:{queue or settings.CELERY_TASK_DEFAULT_QUEUE}"


def worker_heartbeat_record(*, at: datetime | None = None, queue: str | None = None) -> None:
    # Kept a day: "last seen" stays readable after the worker has gone.
    cache.set(heartbeat_key(queue), (at or timezone.now()).isoformat(), timeout=86_400)


def worker_last_seen(*, queue: str | None = None) -> datetime | None:
    value = cache.get(heartbeat_key(queue))
    return datetime.fromisoformat(value) if value else None


_UNREAD = object()


def worker_seen_recently(*, now: datetime | None = None, last: object = _UNREAD) -> bool:
    """Whether a heartbeat came within SEEN_WITHIN; `last` (read already, maybe None) saves a read."""
    if last is _UNREAD:
        last = worker_last_seen()
    return last is not None and (now or timezone.now()) - last <= SEEN_WITHIN


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A worker bootstep (registered in cxowner/celery.py): records the heartbeat on a timer."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.timer_entry = None

    def start(self, worker):
        _beat()
        self.timer_entry = worker.timer.call_repeatedly(HEARTBEAT_EVERY.total_seconds(), _beat, priority=10)

    def stop(self, worker):
        if self.timer_entry is not None:
            self.timer_entry.cancel()


def _beat() -> None:
    try:
        worker_heartbeat_record()
    except Exception:  # a cache hiccup must not take the worker down; the next beat retries
        import logging

        logging.getLogger(__name__).warning("Could not record the worker heartbeat.", exc_info=True)
