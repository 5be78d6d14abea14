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
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, transaction
from django.dispatch import receiver
from django.utils import timezone

from cxowner.celery import RETRY_OPTIONS
from cxowner.heartbeat import worker_seen_recently
from cxowner.orgs.locks import rows_locked
from cxowner.orgs.models import Organization
from cxowner.orgs.signals import matrix_changed
from ownership.automation.schedules import audit_schedule_delete
from ownership.automation.tasks import audit_notify_task
from ownership.gaps.audits import audit_run_create, audit_run_execute
from ownership.gaps.workflow import accepted_risks_reopen
from ownership.models import AuditNotice, AuditRun

logger = logging.getLogger(__name__)


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


@shared_task(
    name="ownership.tasks.audit_run_task",
    bind=True,
    base=AuditRunTask,
    acks_late=True,
    reject_on_worker_lost=True,
    **RETRY_OPTIONS,
)
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


@shared_task(name="ownership.tasks.audit_runs_resume_task", **RETRY_OPTIONS)
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
@shared_task(name="ownership.tasks.audit_scheduled_task", acks_late=True, reject_on_worker_lost=True, **RETRY_OPTIONS)
def audit_scheduled_task(organization_id: int) -> int | None:
    """Beat's task for one organization's schedule (ownership/schedules.py)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        audit_schedule_delete(organization_id=organization_id)
        return None
    with transaction.atomic():
        run = audit_request(organization=organization, trigger=AuditRun.Trigger.SCHEDULE)
    return run.pk


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


@shared_task(name="ownership.tasks.audit_change_task", acks_late=True, reject_on_worker_lost=True, **RETRY_OPTIONS)
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


@shared_task(name="ownership.tasks.accepted_risks_reopen_task", **RETRY_OPTIONS)
def accepted_risks_reopen_task() -> int:
    """Beat, hourly: accepted risks whose expiry date has come are open gaps again."""
    return accepted_risks_reopen(today=timezone.localdate())
