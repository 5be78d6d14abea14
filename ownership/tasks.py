"""Celery tasks: thin wrappers that pass ids and call the audit, schedule and notification services.

Whatever asks for an audit (the schedule, a matrix change, the API, a button) records an AuditRun
and hands its id to audit_run_task, so every path shares the same guarantees:

- one audit at a time per organization: the task holds a row lock on the organization for the
  whole audit; a second audit finds it taken and tries again later, backing off. The lock dies
  with the database connection, so a killed worker never leaves it behind;
- nothing half-written, nothing lost: audit_run_execute is one transaction and does nothing to a
  run already done; the task is acknowledged only when it finishes (acks_late) and handed back
  to the broker if its worker dies (reject_on_worker_lost), so a killed audit is simply redone;
- transient database and broker errors are retried with exponential backoff, a bounded number
  of times; a run that still fails is marked failed with the error.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import NamedTuple

from celery import Task, shared_task
from celery.signals import beat_embedded_init, beat_init
from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError, transaction
from django.dispatch import receiver
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from cxowner.orgs.locks import rows_locked
from cxowner.orgs.models import Organization
from cxowner.orgs.signals import matrix_changed

from .audits import audit_run_create, audit_run_execute
from .campaign_reminders import campaign_remind, campaign_reminders_send
from .gap_workflow import accepted_risks_reopen, gap_assignee_notify
from .heartbeat import worker_seen_recently

# Registered with the worker from here, where Celery looks for tasks.
from .import_jobs import matrix_import_job_task  # noqa: F401
from .models import AuditNotice, AuditRun, Gap, Webhook
from .notifications import (
    gap_assigned_deliver,
    notice_send,
    webhook_deliver,
    webhook_retry_delay,
    webhooks_of,
    webhooks_to_notify,
)
from .report_mail import report_mail_send, report_mails_due
from .schedules import audit_schedule_delete, audit_schedules_ensure

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError, BrokerError)
RETRY_OPTIONS = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}
# PostgreSQL's lock_not_available: FOR UPDATE NOWAIT found the row locked.
LOCK_NOT_AVAILABLE = "55P03"


class AuditLocked(Exception):
    """Another audit of the organization is running."""


class AuditRunTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Out of retries or a real bug: the run says so instead of staying pending forever."""
        run_id = args[0] if args else kwargs.get("run_id")
        error = "Another audit of this organization held the lock too long." if isinstance(exc, AuditLocked) else ""
        AuditRun.objects.filter(pk=run_id).exclude(status=AuditRun.Status.DONE).update(
            status=AuditRun.Status.FAILED,
            error=(error or f"{type(exc).__name__}: {exc}")[:2000],
            finished_at=timezone.now(),
        )


@shared_task(bind=True, base=AuditRunTask, acks_late=True, reject_on_worker_lost=True, **RETRY_OPTIONS)
def audit_run_task(self, run_id: int) -> int | None:
    """Execute a recorded audit run; a run already done is left as it is (idempotent)."""
    run = AuditRun.objects.select_related("organization").filter(pk=run_id).first()
    if run is None:
        logger.info("Audit run %s no longer exists: its organization was deleted.", run_id)
        return None
    if run.status != AuditRun.Status.DONE:
        try:
            run = _audit_run_locked(run)
        except AuditLocked as exc:
            # Bounded: after AUDIT_LOCK_RETRIES tries on_failure marks the run failed.
            countdown = min(2**self.request.retries, settings.AUDIT_LOCK_RETRY_MAX_SECONDS)
            raise self.retry(exc=exc, countdown=countdown, max_retries=settings.AUDIT_LOCK_RETRIES) from exc
        logger.info(
            "Audit of %s done: run %s (%s), %s gap(s) open, %s opened, %s resolved, coverage %.0f%%.",
            run.organization,
            run.pk,
            run.trigger,
            run.open_gaps,
            run.opened_count,
            run.resolved_count,
            (run.coverage or 0) * 100,
        )
    # Also for a run found done: its worker may have died between the commit and this line.
    if (run.opened_count or run.resolved_count) and not AuditNotice.objects.filter(run=run).exists():
        audit_notify_task.delay(run.pk)
    return run.pk


def audit_request(*, organization: Organization, trigger: str) -> AuditRun:
    """Record an audit run and hand it to a worker once the surrounding transaction commits."""
    run = audit_run_create(organization=organization, trigger=trigger)
    # robust: with the broker down the request still succeeds; audit_runs_resume_task sends it later.
    transaction.on_commit(lambda: audit_run_task.delay(run.pk), robust=True)
    return run


class AuditAsked(NamedTuple):
    run: AuditRun
    # "requested": handed to the workers; "waiting": one was already waiting for them;
    # "ran_here": no worker is alive, so it ran in this process and is done.
    outcome: str


def audit_waiting(*, organization: Organization) -> AuditRun | None:
    """The organization's oldest run still waiting for a worker, if any."""

    pending = AuditRun.objects.filter(organization=organization, status=AuditRun.Status.PENDING)
    return pending.order_by("requested_at", "id").first()


def audit_request_once(*, organization: Organization, trigger: str) -> AuditAsked:
    """Ask the workers for an audit unless one is already waiting: requests never stack."""

    waiting = audit_waiting(organization=organization)
    if waiting is not None:
        return AuditAsked(waiting, "waiting")
    with transaction.atomic():
        return AuditAsked(audit_request(organization=organization, trigger=trigger), "requested")


def audit_request_now(*, organization: Organization, trigger: str) -> AuditAsked:
    """What "run audit now" does.

    A run already waiting for a worker is not asked for twice. With no worker seen recently the
    audit runs here (the waiting run, if there is one), so no run stays pending for ever.
    """
    if worker_seen_recently():
        return audit_request_once(organization=organization, trigger=trigger)
    waiting = audit_waiting(organization=organization)
    with transaction.atomic():
        # Waits for an audit that may still be running elsewhere, as the command line does.
        list(Organization.objects.select_for_update(no_key=True).filter(pk=organization.pk).values_list("pk"))
        run = waiting or audit_run_create(organization=organization, trigger=trigger)
        run = audit_run_execute(run=run).run
    # A worker that was handed the waiting run finds it done and leaves it; the notices still go.
    if run.opened_count or run.resolved_count:
        transaction.on_commit(lambda: audit_notify_task.delay(run.pk), robust=True)
    return AuditAsked(run, "ran_here")


@shared_task(**RETRY_OPTIONS)
def audit_runs_resume_task() -> int:
    """Hand pending runs nobody is working on back to the workers: no requested audit is lost.

    A run stays pending when the broker was down as it was requested, or its worker died and the
    broker has not redelivered it yet. Sending one twice is harmless: a done run is left alone
    and the organization lock keeps a duplicate from running alongside.
    """
    since = timezone.now() - timedelta(seconds=settings.AUDIT_RESUME_AFTER_SECONDS)
    run_ids = list(
        AuditRun.objects.filter(status=AuditRun.Status.PENDING, requested_at__lt=since)
        .order_by("requested_at")
        .values_list("pk", flat=True)[:1000]
    )
    for run_id in run_ids:
        audit_run_task.delay(run_id)
    if run_ids:
        logger.info("Resumed %s pending audit run(s).", len(run_ids))
    return len(run_ids)


def _audit_run_locked(run: AuditRun) -> AuditRun:
    with transaction.atomic():
        try:
            # NO KEY UPDATE: conflicts with another audit's lock, not with edits that insert
            # rows pointing at the organization (those take KEY SHARE). SQLite has no row
            # locks; it runs one writing transaction at a time anyway.
            list(
                rows_locked(Organization.objects.filter(pk=run.organization_id), nowait=True, no_key=True).values_list(
                    "pk", flat=True
                )
            )
        except OperationalError as exc:
            if getattr(exc.__cause__, "pgcode", None) == LOCK_NOT_AVAILABLE:
                raise AuditLocked(f"An audit of organization {run.organization_id} is running.") from exc
            raise
        result = audit_run_execute(run=run)
        if settings.AUDIT_TEST_DELAY_SECONDS:
            # Test-only (always 0 otherwise): the audit is written but not committed, the moment
            # tests/test_worker.py kills the worker to show nothing half-done survives.
            time.sleep(settings.AUDIT_TEST_DELAY_SECONDS)
    return result.run


# -- scheduled audits ---------------------------------------------------------------------------


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY_OPTIONS)
def audit_scheduled_task(organization_id: int) -> int | None:
    """Beat's task for one organization's schedule (ownership/schedules.py)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        audit_schedule_delete(organization_id=organization_id)
        return None
    with transaction.atomic():
        run = audit_request(organization=organization, trigger=AuditRun.Trigger.SCHEDULE)
    return run.pk


@shared_task(**RETRY_OPTIONS)
def audit_schedules_ensure_task() -> int:
    """Give organizations created since the last check their default schedule."""
    return audit_schedules_ensure()


@beat_init.connect
@beat_embedded_init.connect
def _schedules_on_beat_start(sender=None, **kwargs) -> None:
    # Before the scheduler reads its table, so every organization is on it from the start.
    created = audit_schedules_ensure()
    if created:
        logger.info("Created the default audit schedule for %s organization(s).", created)


def _schedule_dropped_with_organization(sender, instance, **kwargs) -> None:
    audit_schedule_delete(organization_id=instance.pk)


# -- audits after matrix changes (debounced) ----------------------------------------------------


def audit_pending_key(organization_id: int) -> str:
    return f"cxowner:audit-pending:{organization_id}"


def audit_after_change(*, organization_id: int) -> bool:
    """Ask for one audit shortly after a matrix change; changes within the window join it.

    The first change sets a pending mark and schedules the audit AUDIT_DEBOUNCE_SECONDS later;
    later changes find the mark and add nothing. Returns whether an audit was scheduled.
    """
    delay = settings.AUDIT_DEBOUNCE_SECONDS
    # The mark outlives the countdown, so a busy worker does not cause a second audit; it still
    # expires, so a task lost with its broker does not silence later changes for good.
    if not cache.add(audit_pending_key(organization_id), timezone.now().isoformat(), timeout=delay * 4 + 60):
        return False
    try:
        audit_change_task.apply_async((organization_id,), countdown=delay)
    except Exception:
        cache.delete(audit_pending_key(organization_id))
        raise
    return True


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY_OPTIONS)
def audit_change_task(organization_id: int) -> int | None:
    """The debounced audit: one run for every change made while it waited."""
    # Clear the mark before the audit reads the matrix: a change committed from now on asks for
    # its own audit, and one committed before is in this one.
    cache.delete(audit_pending_key(organization_id))
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return None
    with transaction.atomic():
        run = audit_request(organization=organization, trigger=AuditRun.Trigger.CHANGE)
    return run.pk


@receiver(matrix_changed, dispatch_uid="ownership.audit_after_change")
def _audit_on_matrix_change(sender, organization_id: int, **kwargs) -> None:
    if settings.AUDIT_ON_CHANGE:
        # robust: a broker that is down must not turn a saved edit into an error page.
        transaction.on_commit(lambda: audit_after_change(organization_id=organization_id), robust=True)


# -- notifications ------------------------------------------------------------------------------


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY_OPTIONS)
def audit_notify_task(run_id: int) -> int:
    """E-mail the digest of a run once, then hand the run to each webhook's own task."""
    run = AuditRun.objects.select_related("organization").filter(pk=run_id).first()
    if run is None or notice_send(run=run) is None:
        return 0
    webhook_ids = webhooks_to_notify(run=run)
    for webhook_id in webhook_ids:
        webhook_deliver_task.delay(webhook_id, run.pk)
    return len(webhook_ids)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT_ERRORS, max_retries=20)
def webhook_deliver_task(self, webhook_id: int, run_id: int) -> bool:
    """One delivery attempt; a failed one is retried later with backoff, up to WEBHOOK_MAX_ATTEMPTS."""
    webhook = Webhook.objects.filter(pk=webhook_id, active=True).first()
    run = AuditRun.objects.select_related("organization").filter(pk=run_id).first()
    if webhook is None or run is None:
        return False
    attempt = self.request.retries + 1
    delivery = webhook_deliver(webhook=webhook, run=run, attempt=attempt)
    if delivery.succeeded:
        return True
    logger.warning("Webhook %s, run %s, attempt %s failed: %s", webhook.url, run.pk, attempt, delivery.error)
    if attempt >= settings.WEBHOOK_MAX_ATTEMPTS:
        return False
    raise self.retry(countdown=webhook_retry_delay(attempt=attempt), max_retries=settings.WEBHOOK_MAX_ATTEMPTS - 1)


# -- the gap workflow ---------------------------------------------------------------------------


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY_OPTIONS)
def gap_assignee_notify_task(gap_id: int) -> bool:
    """E-mail the assignee, then hand gap.assigned to each webhook's own delivery task."""
    sent = gap_assignee_notify(gap_id=gap_id)
    gap = Gap.objects.filter(pk=gap_id, assignee__isnull=False).only("organization_id").first()
    for webhook_id in webhooks_of(organization_id=gap.organization_id) if gap else []:
        gap_assigned_deliver_task.delay(webhook_id, gap_id)
    return sent


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=TRANSIENT_ERRORS, max_retries=20)
def gap_assigned_deliver_task(self, webhook_id: int, gap_id: int) -> bool:
    """One attempt to deliver gap.assigned; retried with backoff like an audit's delivery."""
    webhook = Webhook.objects.filter(pk=webhook_id, active=True).first()
    gap = Gap.objects.select_related("organization", "assignee").filter(pk=gap_id).first()
    if webhook is None or gap is None:
        return False
    attempt = self.request.retries + 1
    delivery = gap_assigned_deliver(webhook=webhook, gap=gap, attempt=attempt)
    if delivery.succeeded:
        return True
    logger.warning("Webhook %s, gap %s assigned, attempt %s failed: %s", webhook.url, gap.pk, attempt, delivery.error)
    if attempt >= settings.WEBHOOK_MAX_ATTEMPTS:
        return False
    raise self.retry(countdown=webhook_retry_delay(attempt=attempt), max_retries=settings.WEBHOOK_MAX_ATTEMPTS - 1)


@shared_task(**RETRY_OPTIONS)
def accepted_risks_reopen_task() -> int:
    """Beat, hourly: accepted risks whose expiry date has come are open gaps again."""
    return accepted_risks_reopen(today=timezone.localdate())


# -- the monthly report mail --------------------------------------------------------------------


@shared_task(**RETRY_OPTIONS)
def report_mails_due_task() -> int:
    """Beat, hourly: each organization whose monthly report has not gone out gets its own task."""
    organization_ids = report_mails_due(today=timezone.localdate())
    for organization_id in organization_ids:
        report_mail_task.delay(organization_id)
    return len(organization_ids)


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY_OPTIONS)
def report_mail_task(organization_id: int) -> bool:
    """Mail one organization's report for this month, once (ownership/report_mail.py)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return False
    return report_mail_send(organization=organization, today=timezone.localdate()) is not None


# -- review campaigns ---------------------------------------------------------------------------


@shared_task(acks_late=True, reject_on_worker_lost=True, **RETRY_OPTIONS)
def campaign_remind_task(campaign_id: int) -> int:
    """One campaign's reminders for today (its first round, right after it starts)."""
    return campaign_remind(campaign_id=campaign_id, today=timezone.localdate())


@shared_task(**RETRY_OPTIONS)
def campaign_reminders_task() -> int:
    """Beat, hourly: each open campaign's reminders, at most once a day, until its end date."""
    return campaign_reminders_send(today=timezone.localdate())
