"""Audits that run themselves: the audit task, the debounce after edits, schedules, the lock, /healthz.

Celery is eager here; tests/test_worker.py shows the same with a real worker, beat and broker.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from cxowner.orgs.models import Membership, Organization
from journeys.services import stage_create
from ownership.automation import tasks as automation_tasks
from ownership.automation.schedules import (
    audit_schedule_get,
    audit_schedule_name,
    audit_schedule_set,
    audit_schedules_ensure,
    crontab_text,
)
from ownership.gaps import audit_requests, tasks
from ownership.gaps.audit_locks import AUDIT_LOCK_SPACE
from ownership.gaps.audits import audit_run_create, audit_run_execute
from ownership.models import AuditNotice, AuditRun
from ownership.structure.services import function_create
from tests.factories import JourneyFactory, OrganizationFactory, StageFactory, TouchpointFactory
from tests.row_locks import rows_held_elsewhere

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@pytest.fixture
def audits_on_change(settings):
    settings.AUDIT_ON_CHANGE = True
    cache.clear()
    yield
    cache.clear()


def gapped(organization):
    """One unassigned touchpoint: every audit of it has something to say."""
    TouchpointFactory(stage=StageFactory(journey__organization=organization))
    return organization


# -- the audit task -----------------------------------------------------------------------------


def test_requested_audit_runs_once_the_request_commits(organization, django_capture_on_commit_callbacks):
    gapped(organization)
    with django_capture_on_commit_callbacks(execute=True):
        run = audit_requests.audit_request(organization=organization, trigger=AuditRun.Trigger.API)
        run.refresh_from_db()
        assert run.status == AuditRun.Status.PENDING

    run.refresh_from_db()
    assert run.status == AuditRun.Status.DONE
    assert run.trigger == AuditRun.Trigger.API
    assert run.counts_by_rule["unassigned"] == 1


def test_task_leaves_a_done_run_as_it_is(organization):
    run = audit_run_execute(run=audit_run_create(organization=gapped(organization), trigger="manual")).run
    TouchpointFactory(stage=StageFactory(journey__organization=organization))

    tasks.audit_run_task.delay(run.pk)

    run.refresh_from_db()
    assert run.counts_by_rule["unassigned"] == 1
    assert AuditRun.objects.filter(organization=organization).count() == 1


def test_task_for_a_deleted_run_does_nothing(organization):
    run = audit_run_create(organization=organization, trigger="manual")
    run_id = run.pk
    run.delete()

    assert tasks.audit_run_task.delay(run_id).get() is None


def test_transient_database_error_is_retried(organization, eager_retries):
    run = audit_run_create(organization=gapped(organization), trigger="manual")
    failures = iter([OperationalError("server closed the connection unexpectedly")])

    def flaky(*, run):
        for error in failures:
            raise error
        return audit_run_execute(run=run)

    with mock.patch.object(tasks, "audit_run_execute", side_effect=flaky) as execute:
        tasks.audit_run_task.delay(run.pk)

    assert execute.call_count == 2
    run.refresh_from_db()
    assert run.status == AuditRun.Status.DONE


def test_failing_audit_marks_the_run_failed(organization, eager_retries):
    run = audit_run_create(organization=organization, trigger="manual")

    with mock.patch.object(tasks, "audit_run_execute", side_effect=ValueError("a rule broke")):
        tasks.audit_run_task.delay(run.pk)

    run.refresh_from_db()
    assert run.status == AuditRun.Status.FAILED
    assert run.error == "ValueError: a rule broke"


def test_audit_finding_the_lock_taken_retries_then_gives_up(organization, settings, eager_retries):
    settings.AUDIT_LOCK_RETRIES = 2
    run = audit_run_create(organization=organization, trigger="manual")

    with mock.patch.object(tasks, "_audit_run_locked", side_effect=tasks.AuditLocked("busy")) as locked:
        tasks.audit_run_task.delay(run.pk)

    assert locked.call_count == 3  # the first try and two retries
    run.refresh_from_db()
    assert run.status == AuditRun.Status.FAILED
    assert "lock" in run.error


def test_audit_finding_the_lock_free_on_retry_completes(organization, eager_retries):
    run = audit_run_create(organization=gapped(organization), trigger="manual")
    audit_locked = tasks._audit_run_locked
    outcomes = iter([tasks.AuditLocked("busy")])

    def locked_once(run):
        for error in outcomes:
            raise error
        return audit_locked(run)

    with mock.patch.object(tasks, "_audit_run_locked", side_effect=locked_once):
        tasks.audit_run_task.delay(run.pk)

    run.refresh_from_db()
    assert run.status == AuditRun.Status.DONE


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_audit_refuses_to_start_while_another_audit_runs():
    organization = gapped(OrganizationFactory())
    run = audit_run_create(organization=organization, trigger="manual")
    another_audit = Organization.objects.raw(
        "SELECT id FROM orgs_organization WHERE id = %s AND pg_advisory_xact_lock(%s, id::integer) IS NOT NULL",
        [organization.pk, AUDIT_LOCK_SPACE],
    )

    with rows_held_elsewhere(another_audit), pytest.raises(tasks.AuditLocked):
        tasks._audit_run_locked(run)

    run.refresh_from_db()
    assert run.status == AuditRun.Status.PENDING
    assert tasks._audit_run_locked(run).status == AuditRun.Status.DONE


def test_pending_runs_nobody_works_on_are_sent_again(organization, settings):
    settings.AUDIT_RESUME_AFTER_SECONDS = 600
    stuck = audit_run_create(organization=organization, trigger="api")
    AuditRun.objects.filter(pk=stuck.pk).update(requested_at=timezone.now() - timedelta(minutes=11))
    audit_run_create(organization=organization, trigger="api")  # just requested: its task is on its way

    with mock.patch.object(tasks.audit_run_task, "delay") as send:
        assert tasks.audit_runs_resume_task.delay().get() == 1

    send.assert_called_once_with(stuck.pk)


def test_request_survives_a_broker_outage(organization, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.audit_run_task, "delay", side_effect=ConnectionRefusedError),
        django_capture_on_commit_callbacks(execute=True),
    ):
        run = audit_requests.audit_request(organization=organization, trigger=AuditRun.Trigger.API)

    run.refresh_from_db()
    assert run.status == AuditRun.Status.PENDING  # audit_runs_resume_task sends it once the broker is back


def test_run_that_opened_gaps_is_announced(organization, member, django_capture_on_commit_callbacks):
    admin = member(Membership.Role.ADMIN)
    gapped(organization)
    with django_capture_on_commit_callbacks(execute=True):
        run = audit_requests.audit_request(organization=organization, trigger=AuditRun.Trigger.MANUAL)

    assert AuditNotice.objects.filter(run=run).exists()
    assert [message.to for message in mail.outbox] == [[admin.email]]


def test_run_found_done_is_announced_if_its_worker_died_before_announcing(organization, member):
    member(Membership.Role.EDITOR)
    run = audit_run_execute(run=audit_run_create(organization=gapped(organization), trigger="manual")).run

    tasks.audit_run_task.delay(run.pk)
    tasks.audit_run_task.delay(run.pk)

    assert AuditNotice.objects.filter(run=run).count() == 1
    assert len(mail.outbox) == 1


# -- audits after matrix changes ----------------------------------------------------------------


def test_matrix_changes_schedule_no_audit_unless_enabled(organization, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.audit_change_task, "apply_async") as schedule,
        django_capture_on_commit_callbacks(execute=True),
    ):
        function_create(organization=organization, name="Sales")

    schedule.assert_not_called()


def test_many_edits_in_a_window_schedule_one_audit(
    organization, audits_on_change, settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_DEBOUNCE_SECONDS = 45
    journey = JourneyFactory(organization=organization)
    with mock.patch.object(tasks.audit_change_task, "apply_async") as schedule:
        for name in ["Sales", "Marketing", "IT"]:
            with django_capture_on_commit_callbacks(execute=True):
                function_create(organization=organization, name=name)
        with django_capture_on_commit_callbacks(execute=True):
            stage_create(journey=journey, name="Buy")

    schedule.assert_called_once_with((organization.pk,), countdown=45)


def test_edits_of_different_organizations_are_audited_separately(audits_on_change, django_capture_on_commit_callbacks):
    first, second = OrganizationFactory(), OrganizationFactory()
    with mock.patch.object(tasks.audit_change_task, "apply_async") as schedule:
        with django_capture_on_commit_callbacks(execute=True):
            function_create(organization=first, name="Sales")
        with django_capture_on_commit_callbacks(execute=True):
            function_create(organization=second, name="Sales")

    assert [call.args[0] for call in schedule.call_args_list] == [(first.pk,), (second.pk,)]


def test_edit_made_after_the_debounced_audit_started_gets_its_own(
    organization, audits_on_change, django_capture_on_commit_callbacks
):
    with mock.patch.object(tasks.audit_change_task, "apply_async") as schedule:
        with django_capture_on_commit_callbacks(execute=True):
            function_create(organization=organization, name="Sales")
        tasks.audit_change_task.run(organization.pk)  # the worker picks up the debounced audit
        with django_capture_on_commit_callbacks(execute=True):
            function_create(organization=organization, name="IT")

    assert schedule.call_count == 2


def test_edit_rolled_back_schedules_no_audit(organization, audits_on_change, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.audit_change_task, "apply_async") as schedule,
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        function_create(organization=organization, name="Sales")
        raise RuntimeError("the request failed after the edit")

    schedule.assert_not_called()


def test_debounced_audit_records_a_change_run(organization, audits_on_change, django_capture_on_commit_callbacks):
    gapped(organization)
    # Eager Celery ignores the countdown: the audit runs as the edit commits.
    with django_capture_on_commit_callbacks(execute=True):
        function_create(organization=organization, name="Sales")

    [run] = AuditRun.objects.filter(organization=organization)
    assert (run.trigger, run.status) == (AuditRun.Trigger.CHANGE, AuditRun.Status.DONE)
    assert cache.get(audit_requests.audit_pending_key(organization.pk)) is None


def test_broker_down_does_not_break_the_edit(organization, audits_on_change, django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.audit_change_task, "apply_async", side_effect=ConnectionRefusedError),
        django_capture_on_commit_callbacks(execute=True),
    ):
        function = function_create(organization=organization, name="Sales")

    assert function.pk is not None
    # The mark is gone, so the next edit tries again.
    assert cache.get(audit_requests.audit_pending_key(organization.pk)) is None


# -- schedules ----------------------------------------------------------------------------------


def test_organization_is_audited_nightly_by_default(organization):
    schedule = audit_schedule_get(organization=organization)

    assert crontab_text(schedule.crontab) == "0 2 * * *"
    assert str(schedule.crontab.timezone) == "UTC"
    assert schedule.task == "ownership.tasks.audit_scheduled_task"
    assert schedule.args == f"[{organization.pk}]"
    assert schedule.enabled


def test_admins_change_the_schedule(organization):
    first = audit_schedule_get(organization=organization)

    changed = audit_schedule_set(organization=organization, minute="30", hour="*/6", day_of_week="1-5")

    assert changed.pk == first.pk
    assert crontab_text(PeriodicTask.objects.get(pk=first.pk).crontab) == "30 */6 * * 1-5"


def test_admins_pause_the_schedule(organization):
    audit_schedule_set(organization=organization, enabled=False)

    assert not PeriodicTask.objects.get(name=audit_schedule_name(organization_id=organization.pk)).enabled


def test_invalid_schedule_is_refused_and_the_old_one_kept(organization):
    audit_schedule_set(organization=organization, minute="15", hour="3")

    with pytest.raises(ValidationError) as refused:
        audit_schedule_set(organization=organization, minute="61", hour="3")

    assert "minute" in refused.value.message_dict
    assert crontab_text(audit_schedule_get(organization=organization).crontab) == "15 3 * * *"


def test_missing_schedules_are_created_once():
    first, second = OrganizationFactory(), OrganizationFactory()
    audit_schedule_set(organization=first, hour="5")

    assert audit_schedules_ensure() == 1
    assert audit_schedules_ensure() == 0
    assert crontab_text(audit_schedule_get(organization=second).crontab) == "0 2 * * *"
    assert crontab_text(audit_schedule_get(organization=first).crontab) == "0 5 * * *"


def test_deleting_an_organization_drops_its_schedule(organization):
    name = audit_schedule_get(organization=organization).name

    organization.delete()

    assert not PeriodicTask.objects.filter(name=name).exists()


def test_scheduled_task_records_a_schedule_run(organization, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        automation_tasks.audit_scheduled_task.delay(gapped(organization).pk)

    [run] = AuditRun.objects.filter(organization=organization)
    assert (run.trigger, run.status) == (AuditRun.Trigger.SCHEDULE, AuditRun.Status.DONE)


def test_scheduled_task_of_a_deleted_organization_drops_the_schedule():
    # A schedule left behind, e.g. by a bulk delete that sent no signals.
    schedule = audit_schedule_get(organization=Organization(pk=987654))

    automation_tasks.audit_scheduled_task.delay(987654)

    assert not PeriodicTask.objects.filter(pk=schedule.pk).exists()
    assert not AuditRun.objects.exists()


def test_schedule_command_changes_the_schedule(organization):
    out = StringIO()

    call_command("audit_schedule", organization.slug, "30 4 * * 1", stdout=out)

    assert crontab_text(audit_schedule_get(organization=organization).crontab) == "30 4 * * 1"
    assert "30 4 * * 1" in out.getvalue()


def test_schedule_command_pauses_and_keeps_the_time(organization):
    audit_schedule_set(organization=organization, minute="5", hour="1")

    call_command("audit_schedule", organization.slug, "--pause", stdout=StringIO())

    schedule = audit_schedule_get(organization=organization)
    assert not schedule.enabled
    assert crontab_text(schedule.crontab) == "5 1 * * *"


def test_schedule_command_refuses_a_bad_schedule(organization):
    with pytest.raises(CommandError, match="hour"):
        call_command("audit_schedule", organization.slug, "0 24 * * *", stdout=StringIO())

    assert crontab_text(audit_schedule_get(organization=organization).crontab) == "0 2 * * *"


# -- /healthz -----------------------------------------------------------------------------------


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() | {"worker": "-"} == {"database": "ok", "broker": "ok", "worker": "-"}


def test_healthz_answers_503_when_the_broker_is_unreachable(client):
    app = tasks.audit_run_task.app
    broker_url = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = broker_url

    assert response.status_code == 503
    assert response.json()["database"] == "ok"
    assert response.json()["broker"].startswith("error: ")
