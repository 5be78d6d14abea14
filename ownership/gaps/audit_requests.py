"""Asking for an audit, the way every surface does: the button, the API, the schedule, a matrix change.

A request records an AuditRun and hands its id to a worker once the surrounding transaction
commits (ownership.gaps.tasks.audit_run_task, which holds the guarantees: one audit at a time per
organization, nothing half-written, retries). Requests never stack; with no worker alive, "run
audit now" runs the audit here. Matrix changes ask for one debounced audit.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from cxowner.heartbeat import worker_seen_recently
from cxowner.orgs.locks import organization_locked
from cxowner.orgs.models import Organization
from ownership.gaps.audit_locks import audit_exclusive
from ownership.gaps.audits import audit_run_create, audit_run_execute
from ownership.gaps.signals import audit_changes_committed
from ownership.models import AuditRun

logger = logging.getLogger(__name__)


def audit_request(*, organization: Organization, trigger: str) -> AuditRun:
    """Record an audit run and hand it to a worker once the surrounding transaction commits."""
    from ownership.gaps.tasks import audit_run_task  # here: the tasks module imports this one

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
        audit_exclusive(organization.pk, wait=True)
        organization_locked(organization.pk)
        run = waiting or audit_run_create(organization=organization, trigger=trigger)
        run = audit_run_execute(run=run).run
    # A worker that was handed the waiting run finds it done and leaves it; the notices still go.
    if run.opened_count or run.resolved_count:
        transaction.on_commit(lambda: audit_changes_committed.send(sender=AuditRun, run=run), robust=True)
    return AuditAsked(run, "ran_here")


def audit_runs_expire(*, now: datetime | None = None) -> int:
    """Mark failed the runs still pending AUDIT_RUN_EXPIRE_SECONDS after they were requested.

    A killed audit leaves its run pending (nothing written) and is redone when its message is
    handed out again; one whose worker dies every time (out of memory, say) would be redone for
    ever. A run an audit holds locked right now is skipped: a live audit is never failed.
    """
    now = now or timezone.now()
    hours = settings.AUDIT_RUN_EXPIRE_SECONDS / 3600
    expired = AuditRun.objects.filter(
        status=AuditRun.Status.PENDING, requested_at__lt=now - timedelta(seconds=settings.AUDIT_RUN_EXPIRE_SECONDS)
    )
    with transaction.atomic():
        run_ids = list(expired.select_for_update(of=("self",), skip_locked=True).values_list("pk", flat=True))
        AuditRun.objects.filter(pk__in=run_ids).update(
            status=AuditRun.Status.FAILED,
            finished_at=now,
            error=(
                f"No worker finished this audit within {hours:g} hours (workers were down, restarted or "
                "out of memory); nothing was changed. The next audit checks everything again."
            ),
        )
    if run_ids:
        logger.warning("Expired %s audit run(s) no worker finished: %s.", len(run_ids), run_ids)
    return len(run_ids)


# -- audits after matrix changes (debounced) ----------------------------------------------------
def audit_pending_key(organization_id: int) -> str:
    return f"cxowner:audit-pending:{organization_id}"


def audit_after_change(*, organization_id: int) -> bool:
    """Ask for one audit shortly after a matrix change; changes within the window join it.

    The first change sets a pending mark and schedules the audit AUDIT_DEBOUNCE_SECONDS later;
    later changes find the mark and add nothing. Returns whether an audit was scheduled.
    """
    from ownership.gaps.tasks import audit_change_task  # here: the tasks module imports this one

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
