"""Celery tasks: thin wrappers that pass ids and call the audit services."""

from celery import shared_task
from django.db import transaction

from cxowner.orgs.models import Organization

from .audits import audit_run_create, audit_run_execute
from .models import AuditRun


@shared_task(acks_late=True, reject_on_worker_lost=True)
def audit_run_task(run_id: int) -> int:
    """Execute a recorded audit run; a run already done is left as it is (idempotent)."""
    run = AuditRun.objects.get(pk=run_id)
    return audit_run_execute(run=run).run.pk


def audit_request(*, organization: Organization, trigger: str) -> AuditRun:
    """Record an audit run and hand it to a worker once the surrounding transaction commits."""
    run = audit_run_create(organization=organization, trigger=trigger)
    transaction.on_commit(lambda: audit_run_task.delay(run.pk))
    return run
