"""No audit run stays pending for ever: one out of time or whose workers keep dying ends failed
with the reason, and a failed run stays so. Celery is eager here (tests/gaps/test_worker.py kills
a real worker mid-audit: its run is redone)."""

from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ownership.gaps import tasks
from ownership.gaps.audit_requests import audit_runs_expire
from ownership.gaps.audits import audit_run_create
from ownership.models import AuditRun
from tests.factories import OrganizationFactory, StageFactory, TouchpointFactory
from tests.row_locks import rows_held_elsewhere

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


def requested(organization, *, hours_ago: float = 0) -> AuditRun:
    run = audit_run_create(organization=organization, trigger="api")
    AuditRun.objects.filter(pk=run.pk).update(requested_at=timezone.now() - timedelta(hours=hours_ago))
    return run


def test_an_audit_past_its_time_limit_is_failed_with_the_reason(organization, settings, eager_retries):
    settings.AUDIT_TIME_LIMIT_SECONDS = 1800
    run = requested(organization)

    with mock.patch.object(tasks, "audit_run_execute", side_effect=SoftTimeLimitExceeded()):
        tasks.audit_run_task.delay(run.pk)

    run.refresh_from_db()
    assert run.status == AuditRun.Status.FAILED
    assert run.error == "Stopped after 30 minutes (its time limit); nothing was changed. The next audit checks all."
    assert run.finished_at is not None


def test_a_failed_run_stays_failed_when_its_message_comes_again(organization):
    TouchpointFactory(stage=StageFactory(journey__organization=organization))
    run = requested(organization)
    AuditRun.objects.filter(pk=run.pk).update(status=AuditRun.Status.FAILED, error="expired")

    assert tasks.audit_run_task.delay(run.pk).get() is None

    run.refresh_from_db()
    assert (run.status, run.error, run.counts_by_rule) == (AuditRun.Status.FAILED, "expired", {})


def test_the_sweep_fails_runs_pending_past_their_limit(organization, settings):
    settings.AUDIT_RUN_EXPIRE_SECONDS = 4 * 3600
    forgotten = requested(organization, hours_ago=5)
    waiting = requested(organization, hours_ago=3)

    assert audit_runs_expire() == 1

    forgotten.refresh_from_db()
    assert forgotten.status == AuditRun.Status.FAILED
    assert forgotten.error == (
        "No worker finished this audit within 4 hours (workers were down, restarted or out of memory); "
        "nothing was changed. The next audit checks everything again."
    )
    assert forgotten.finished_at is not None
    waiting.refresh_from_db()
    assert waiting.status == AuditRun.Status.PENDING


def test_the_audits_page_and_the_api_show_why_a_run_failed(organization, settings, client_as, api_as):
    settings.AUDIT_RUN_EXPIRE_SECONDS = 3600
    run = requested(organization, hours_ago=2)
    audit_runs_expire()
    run.refresh_from_db()

    page = client_as("viewer").get(reverse("ownership:audits", args=[organization.slug])).content.decode()
    assert run.error in page
    runs = api_as("viewer").get(f"/api/v1/orgs/{organization.slug}/audits/").json()["results"]
    assert [(item["status"], item["error"]) for item in runs] == [("failed", run.error)]


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sweep_never_fails_a_run_an_audit_holds(settings):
    settings.AUDIT_RUN_EXPIRE_SECONDS = 3600
    run = requested(OrganizationFactory(), hours_ago=2)
    # audit_run_execute locks its run's row for the whole audit
    with rows_held_elsewhere(AuditRun.objects.select_for_update().filter(pk=run.pk).values_list("pk")):
        assert audit_runs_expire() == 0
    run.refresh_from_db()
    assert run.status == AuditRun.Status.PENDING
