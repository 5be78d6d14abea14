"""Celery tasks of review campaigns' reminders; each keeps the name it had in ownership.tasks."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from cxowner.celery import RETRY_OPTIONS
from ownership.reviews.reminders import campaign_remind, campaign_reminders_send


# -- review campaigns ---------------------------------------------------------------------------
@shared_task(name="ownership.tasks.campaign_remind_task", acks_late=True, reject_on_worker_lost=True, **RETRY_OPTIONS)
def campaign_remind_task(campaign_id: int) -> int:
    """One campaign's reminders for today (its first round, right after it starts)."""
    return campaign_remind(campaign_id=campaign_id, today=timezone.localdate())


@shared_task(name="ownership.tasks.campaign_reminders_task", **RETRY_OPTIONS)
def campaign_reminders_task() -> int:
    """Beat, hourly: each open campaign's reminders, at most once a day, until its end date."""
    return campaign_reminders_send(today=timezone.localdate())
