"""The Celery application; tasks live in each app's tasks.py."""

import os

from celery import Celery
from celery.signals import worker_init
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cxowner.settings")

app = Celery("cxowner")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Each worker records a heartbeat, so /healthz can tell whether anybody takes the audits.
app.steps["worker"].add("cxowner.heartbeat:WorkerHeartbeat")


@worker_init.connect
def background_priority(**_) -> None:
    """Lower the worker's CPU priority (settings.WORKER_NICE) before its pool forks, so every child
    and an embedded beat inherit it: under load an edit no longer queues for a core behind an audit."""
    from django.conf import settings

    if settings.WORKER_NICE:
        os.nice(settings.WORKER_NICE)


# Transient database and broker errors are retried with exponential backoff, a bounded number of
# times; every app's tasks share this policy.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, BrokerError)
RETRY_OPTIONS = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


def time_limits(seconds: int) -> dict[str, int]:
    """A task's hard time limit, and a soft one a little before it that the task can catch to
    record why it stopped (the hard limit kills the process; only a sweep can say so then).

    Kept below the broker's visibility timeout (settings), so the broker never hands a task that
    still runs to a second worker.
    """
    return {"time_limit": seconds, "soft_time_limit": max(seconds - max(seconds // 20, 5), 1)}
