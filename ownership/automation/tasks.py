"""Celery tasks of the audit schedules and notifications: thin wrappers that pass ids and call the
services. Each keeps the name it had in ownership.tasks, which beat and stored schedules call.
Their receivers (beat's start, an organization deleted, an audit's or an assignment's news) are
in ownership.automation.receivers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import transaction

from cxowner.celery import RETRY_OPTIONS, TRANSIENT_ERRORS
from cxowner.orgs.mail import MAIL_ERRORS, mail_error_text
from cxowner.orgs.models import Organization
from ownership.automation.notifications import (
    digest_failed,
    digest_send,
    event_deliver,
    gap_assigned_deliver,
    notice_claim,
    webhook_deliver,
    webhook_retry_delay,
    webhooks_of,
    webhooks_to_notify,
)
from ownership.automation.schedules import audit_schedule_delete, audit_schedules_ensure
from ownership.gaps.audit_requests import audit_request
from ownership.gaps.workflow import gap_assignee_notify
from ownership.models import AuditRun, Gap, Webhook, WebhookDelivery

logger = logging.getLogger(__name__)


@shared_task(name="ownership.tasks.audit_schedules_ensure_task", **RETRY_OPTIONS)
def audit_schedules_ensure_task() -> int:
    """Give organizations created since the last check their default schedule."""
    return audit_schedules_ensure()


@shared_task(name="ownership.tasks.audit_scheduled_task", acks_late=True, reject_on_worker_lost=True, **RETRY_OPTIONS)
def audit_scheduled_task(organization_id: int) -> int | None:
    """Beat's task for one organization's schedule (ownership.automation.schedules)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        audit_schedule_delete(organization_id=organization_id)
        return None
    with transaction.atomic():
        run = audit_request(organization=organization, trigger=AuditRun.Trigger.SCHEDULE)
    return run.pk


# -- notifications ------------------------------------------------------------------------------
# A mail server that fails is asked again after MAIL_RETRY_SECONDS × 2**(n-1), MAIL_MAX_ATTEMPTS
# times in all (about half an hour); then the failure is logged at ERROR and kept where admins see it.
MAIL_MAX_ATTEMPTS = 5
MAIL_RETRY_SECONDS = 60


def _mail_retry(task, error: Exception, *, what: str, failed: Callable[[str], None] | None = None) -> bool:
    """Ask Celery to try the mail again later, or, after the last attempt, report the failure."""
    attempt = task.request.retries + 1
    text = mail_error_text(error)
    if attempt >= MAIL_MAX_ATTEMPTS:
        logger.error("%s: the e-mail could not be sent after %s attempts: %s", what, attempt, text)
        if failed is not None:
            failed(text)
        return False
    logger.warning("%s: the e-mail could not be sent (attempt %s), trying again: %s", what, attempt, text)
    countdown = MAIL_RETRY_SECONDS * 2 ** (attempt - 1)
    raise task.retry(exc=error, countdown=countdown, max_retries=MAIL_MAX_ATTEMPTS - 1)


@shared_task(
    name="ownership.tasks.audit_notify_task", bind=True, acks_late=True, reject_on_worker_lost=True, **RETRY_OPTIONS
)
def audit_notify_task(self, run_id: int) -> int:
    """Hand a run to each webhook's own task once, then e-mail its digest (retried apart: the
    webhooks are queued whatever happens to the mail). The number of webhooks handed the run."""
    run = AuditRun.objects.select_related("organization").filter(pk=run_id).first()
    if run is None:
        return 0
    webhook_ids = []
    if notice_claim(run=run) is not None:
        webhook_ids = webhooks_to_notify(run=run)
        for webhook_id in webhook_ids:
            webhook_deliver_task.delay(webhook_id, run.pk)
    try:
        digest_send(run=run)
    except MAIL_ERRORS as error:
        _mail_retry(self, error, what=f"Digest of audit run {run.pk}", failed=partial(_digest_failed, run))
    return len(webhook_ids)


def _digest_failed(run: AuditRun, error: str) -> None:
    digest_failed(run=run, error=error)


# A webhook delivery task makes one attempt each time it runs; a failed attempt asks Celery to run it
# again after webhook_retry_delay, until WEBHOOK_MAX_ATTEMPTS. Transient database or broker errors
# are retried by Celery itself (autoretry_for).
DELIVERY_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "max_retries": 20,
}


def _delivery_attempt(task, *, webhook_id: int, deliver: Callable[..., WebhookDelivery], event: str) -> bool:
    """Make attempt number `task.request.retries + 1` to an active webhook through `deliver`; on
    failure log it and ask Celery for the next attempt, unless that was the last one."""
    webhook = Webhook.objects.filter(pk=webhook_id, active=True).first()
    if webhook is None:
        return False
    attempt = task.request.retries + 1
    delivery = deliver(webhook=webhook, attempt=attempt)
    if delivery.succeeded:
        return True
    logger.warning("Webhook %s, %s, attempt %s failed: %s", webhook.url, event, attempt, delivery.error)
    if attempt >= settings.WEBHOOK_MAX_ATTEMPTS:
        return False
    raise task.retry(countdown=webhook_retry_delay(attempt=attempt), max_retries=settings.WEBHOOK_MAX_ATTEMPTS - 1)


@shared_task(name="ownership.tasks.webhook_deliver_task", **DELIVERY_OPTIONS)
def webhook_deliver_task(self, webhook_id: int, run_id: int) -> bool:
    """One delivery attempt; a failed one is retried later with backoff, up to WEBHOOK_MAX_ATTEMPTS."""
    run = AuditRun.objects.select_related("organization").filter(pk=run_id).first()
    if run is None:
        return False
    deliver = partial(webhook_deliver, run=run)
    return _delivery_attempt(self, webhook_id=webhook_id, deliver=deliver, event=f"run {run.pk}")


# -- the gap workflow ---------------------------------------------------------------------------
@shared_task(
    name="ownership.tasks.gap_assignee_notify_task",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    **RETRY_OPTIONS,
)
def gap_assignee_notify_task(self, gap_id: int) -> bool:
    """Hand gap.assigned to each webhook's own delivery task, then e-mail the assignee; a failing
    mail server is asked again later (the webhooks were queued on the first attempt only)."""
    if self.request.retries == 0:
        gap = Gap.objects.filter(pk=gap_id, assignee__isnull=False).only("organization_id").first()
        for webhook_id in webhooks_of(organization_id=gap.organization_id) if gap else []:
            gap_assigned_deliver_task.delay(webhook_id, gap_id)
    try:
        return gap_assignee_notify(gap_id=gap_id)
    except MAIL_ERRORS as error:
        return _mail_retry(self, error, what=f"Assignment of gap {gap_id}")


@shared_task(name="ownership.tasks.gap_assigned_deliver_task", **DELIVERY_OPTIONS)
def gap_assigned_deliver_task(self, webhook_id: int, gap_id: int) -> bool:
    """One attempt to deliver gap.assigned; retried with backoff like an audit's delivery."""
    gap = Gap.objects.select_related("organization", "assignee").filter(pk=gap_id).first()
    if gap is None:
        return False
    deliver = partial(gap_assigned_deliver, gap=gap)
    return _delivery_attempt(self, webhook_id=webhook_id, deliver=deliver, event=f"gap {gap.pk} assigned")


# -- events written elsewhere ---------------------------------------------------------------------
@shared_task(name="ownership.tasks.webhook_event_task", **DELIVERY_OPTIONS)
def webhook_event_task(self, webhook_id: int, event: str, document: dict, role_id: int | None = None) -> bool:
    """One attempt to deliver an event whose document was written when it happened (`role.vacated`:
    the role may be filled again by the time a retry runs); retried with backoff like the others."""
    deliver = partial(event_deliver, event=event, document=document, role_id=role_id)
    return _delivery_attempt(self, webhook_id=webhook_id, deliver=deliver, event=event)
