"""Celery tasks of the audits: thin wrappers that pass ids and call the audit services.

Whatever asks for an audit (the schedule, a matrix change, the API, a button) records an AuditRun
and hands its id to audit_run_task (ownership.gaps.audit_requests), so every path shares the same
guarantees:

- one audit at a time per organization: the task holds the organization's audit lock (an
  advisory lock, ownership.gaps.audit_locks) for the whole audit; a second audit finds it taken
  and tries again later, backing off. The lock dies with the database connection, so a killed
  worker never leaves it behind. Edits do not wait for an audit that repairs nothing;
- nothing half-written, nothing lost: audit_run_execute is one transaction and does nothing to a
  run already done; the task is acknowledged only when it finishes (acks_late) and handed back
  to the broker if its worker dies (reject_on_worker_lost), so a killed audit is simply redone;
- transient database and broker errors are retried with exponential backoff, a bounded number
  of times; a run that still fails is marked failed with the error;
- never pending for ever: an audit is stopped at AUDIT_TIME_LIMIT_SECONDS (below the broker's
  visibility timeout, so a live audit is not handed to a second worker) and its run marked
  failed; a run whose workers kept dying (out of memory, say) is marked failed by the sweep
  once AUDIT_RUN_EXPIRE_SECONDS have passed (audit_runs_expire), and a failed run stays failed.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from cxowner.celery import RETRY_OPTIONS, time_limits
from cxowner.orgs.locks import organization_locked
from cxowner.orgs.models import Organization
from ownership.gaps.audit_locks import AuditLocked, MatrixMoved, audit_exclusive, on_one_snapshot, snapshot_possible
from ownership.gaps.audit_requests import audit_pending_key, audit_request
from ownership.gaps.audits import audit_run_execute
from ownership.gaps.signals import audit_changes_committed
from ownership.gaps.workflow import accepted_risks_reopen
from ownership.models import AuditNotice, AuditRun

logger = logging.getLogger(__name__)


class AuditRunTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Out of retries or a real bug: the run says so instead of staying pending forever."""
        run_id = args[0] if args else kwargs.get("run_id")
        error = ""
        if isinstance(exc, AuditLocked):
            error = "Another audit of this organization held the lock too long."
        elif isinstance(exc, SoftTimeLimitExceeded):
            minutes = settings.AUDIT_TIME_LIMIT_SECONDS // 60
            error = f"Stopped after {minutes} minutes (its time limit); nothing was changed. The next audit checks all."
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
    **time_limits(settings.AUDIT_TIME_LIMIT_SECONDS),
)
def audit_run_task(self, run_id: int) -> int | None:
    """Execute a recorded audit run; a run already done is left as it is (idempotent).

    A failed run is left as it is too: it says why (out of retries, out of time, or expired by
    the sweep after its workers kept dying), and a later audit checks everything again.
    """
    run = AuditRun.objects.select_related("organization").filter(pk=run_id).first()
    if run is None:
        logger.info("Audit run %s no longer exists: its organization was deleted.", run_id)
        return None
    if run.status == AuditRun.Status.FAILED:
        logger.info("Audit run %s failed before (%s): left as it is.", run_id, run.error)
        return None
    if run.status != AuditRun.Status.DONE:
        try:
            run = _audit_run_locked(run)
        except AuditLocked as exc:
            # Bounded: after AUDIT_LOCK_RETRIES tries on_failure marks the run failed.
            countdown = min(2**self.request.retries, settings.AUDIT_LOCK_RETRY_MAX_SECONDS)
            raise self.retry(exc=exc, countdown=countdown, max_retries=settings.AUDIT_LOCK_RETRIES) from exc
        logger.info(
            "Audit of %s done: run %s (%s), %s gap(s) open, %s opened, %s resolved, coverage %s.",
            run.organization,
            run.pk,
            run.trigger,
            run.open_gaps,
            run.opened_count,
            run.resolved_count,
            "—" if run.coverage is None else f"{run.coverage:.0%}",
        )
    # Also for a run found done: its worker may have died between the commit and this line.
    if (run.opened_count or run.resolved_count) and not AuditNotice.objects.filter(run=run).exists():
        audit_changes_committed.send(sender=AuditRun, run=run)
    return run.pk


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
    """Execute the run as the only audit of its organization (AuditLocked if another runs).

    On one snapshot first, so that edits do not wait for it (ownership.gaps.audit_locks); if an
    edit committed before the audit could write its repairs, again holding the organization's row
    from the start: the repairs are then computed on the matrix as it is."""
    if snapshot_possible():
        try:
            with on_one_snapshot(run.organization_id):
                return _audit_run_executed(run)
        except MatrixMoved:
            logger.info("Audit run %s: the matrix changed before its repairs; run again holding it.", run.pk)
    with transaction.atomic():
        audit_exclusive(run.organization_id)
        # NO KEY UPDATE: waits for the edit in flight, not for edits that insert rows pointing
        # at the organization (those take KEY SHARE). SQLite has no row locks; it runs one
        # writing transaction at a time anyway.
        organization_locked(run.organization_id)
        return _audit_run_executed(run)


def _audit_run_executed(run: AuditRun) -> AuditRun:
    result = audit_run_execute(run=run)
    if settings.AUDIT_TEST_DELAY_SECONDS:
        # Test-only (always 0 otherwise): the audit is written but not committed, the moment
        # tests/test_worker.py kills the worker to show nothing half-done survives.
        time.sleep(settings.AUDIT_TEST_DELAY_SECONDS)
    return result.run


# -- audits after matrix changes (debounced) ----------------------------------------------------
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


@shared_task(name="ownership.tasks.accepted_risks_reopen_task", **RETRY_OPTIONS)
def accepted_risks_reopen_task() -> int:
    """Beat, hourly: accepted risks whose expiry date has come are open gaps again."""
    return accepted_risks_reopen(today=timezone.localdate())
