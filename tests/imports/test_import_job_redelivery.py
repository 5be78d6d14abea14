"""An import job whose worker dies ends failed with the reason, never `running` for ever; a job
that still runs is never failed or run twice (tests/imports/test_import_job_worker.py kills a
real worker). Celery is eager here: calling the task again is what a redelivery does."""

from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from journeys.models import Touchpoint
from ownership.imports import jobs
from ownership.imports import services as imports
from ownership.imports.jobs import STOPPED, import_job_confirm, import_job_create, import_jobs_sweep
from ownership.models import ImportJob
from ownership.tasks import jobs_sweep_task
from tests.factories import OrganizationFactory
from tests.row_locks import rows_held_elsewhere

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")

ROWS = 12


def big_file(rows: int = ROWS) -> bytes:
    lines = ["journey,stage,touchpoint,Sales"] + [f"Journey {n % 3},Stage,Touchpoint {n},A" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def new_job(organization, dry_run: bool = False) -> ImportJob:
    return import_job_create(organization=organization, data=big_file(), filename="big.csv", rows=ROWS, dry_run=dry_run)


def left_running(job: ImportJob, *, minutes_ago: float = 0) -> ImportJob:
    """What a worker killed mid-import leaves: the committed claim, nothing of the import."""
    started = timezone.now() - timedelta(minutes=minutes_ago)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, started_at=started)
    job.refresh_from_db()
    return job


def test_a_job_found_running_on_redelivery_is_failed_with_the_reason(organization):
    job = left_running(new_job(organization))

    assert jobs.matrix_import_job_task(job.pk) == ImportJob.Status.FAILED

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert job.errors == [STOPPED]
    assert job.finished_at is not None
    assert not Touchpoint.objects.filter(organization=organization).exists()


def test_a_failed_job_stays_failed_when_its_message_comes_again(organization):
    job = left_running(new_job(organization))
    jobs.matrix_import_job_task(job.pk)

    assert jobs.matrix_import_job_task(job.pk) is None
    job.refresh_from_db()
    assert (job.status, job.errors) == (ImportJob.Status.FAILED, [STOPPED])


def test_the_outcome_commits_with_the_import_so_a_death_between_them_leaves_nothing_imported(organization):
    job = new_job(organization)
    real_import = jobs._import

    def import_then_die(job):
        real_import(job)
        raise SystemExit("the worker dies after the rows are written, before the job says so")

    with mock.patch.object(jobs, "_import", import_then_die), pytest.raises(SystemExit):
        jobs.matrix_import_job_task(job.pk)

    assert not Touchpoint.objects.filter(organization=organization).exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING  # the claim only: what the next delivery finds
    jobs.matrix_import_job_task(job.pk)
    job.refresh_from_db()
    assert (job.status, job.errors) == (ImportJob.Status.FAILED, [STOPPED])


def test_an_import_past_its_time_limit_is_failed_with_the_reason_and_imports_nothing(organization, settings):
    settings.MATRIX_IMPORT_TIME_LIMIT_SECONDS = 1800
    job = new_job(organization)
    real_write = imports.import_write

    def slow_write(*args):
        real_write(*args)
        raise SoftTimeLimitExceeded()  # the soft limit strikes after the rows are written

    with mock.patch.object(imports, "import_write", slow_write):
        assert jobs.matrix_import_job_task(job.pk) == ImportJob.Status.FAILED

    job.refresh_from_db()
    assert job.errors == [
        "The import took longer than 30 minutes and was stopped; nothing was imported. "
        "Import the file in smaller parts (a few journeys each)."
    ]
    assert job.finished_at is not None
    assert not Touchpoint.objects.filter(organization=organization).exists()


def test_the_reason_is_on_the_job_s_page_and_in_the_api(client_as, api_as, organization):
    job = left_running(new_job(organization))
    jobs.matrix_import_job_task(job.pk)

    page = client_as("viewer").get(reverse("ownership:import_job", args=[organization.slug, job.pk]))
    assert "nothing was imported. Run the import again." in page.content.decode()
    assert 'data-status="failed"' in page.content.decode()
    body = api_as("viewer").get(f"/api/v1/orgs/{organization.slug}/imports/{job.pk}/").json()
    assert (body["status"], body["errors"]) == ("failed", [STOPPED])
    assert body["finished_at"] is not None


def test_a_dry_run_still_running_cannot_be_confirmed(organization):
    job = left_running(new_job(organization, dry_run=True))

    with pytest.raises(ValueError, match="finished dry run"):
        import_job_confirm(job=job)


# -- the sweep ----------------------------------------------------------------------------------


def test_the_sweep_fails_a_job_running_past_its_time_limit(organization, settings):
    settings.MATRIX_IMPORT_TIME_LIMIT_SECONDS = 600
    orphan = left_running(new_job(organization), minutes_ago=13)

    assert import_jobs_sweep() == {"failed": 1, "resent": 0}

    orphan.refresh_from_db()
    assert orphan.status == ImportJob.Status.FAILED
    assert orphan.errors == [
        "The import did not finish within 10 minutes (its worker was restarted, ran out of memory or "
        "was stopped); nothing was imported. Run the import again."
    ]
    assert orphan.finished_at is not None


def test_the_sweep_leaves_a_job_running_within_its_time_limit(organization, settings):
    settings.MATRIX_IMPORT_TIME_LIMIT_SECONDS = 600
    running = left_running(new_job(organization), minutes_ago=9)

    assert import_jobs_sweep() == {"failed": 0, "resent": 0}
    running.refresh_from_db()
    assert running.status == ImportJob.Status.RUNNING


def test_the_sweep_sends_a_job_nobody_picked_up_again(organization, settings):
    settings.MATRIX_IMPORT_RESEND_AFTER_SECONDS = 600
    lost = new_job(organization)  # its message never reached a worker (the broker was down)
    ImportJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    on_its_way = new_job(OrganizationFactory())

    assert jobs_sweep_task.delay().get() == {
        "import_jobs_failed": 0,
        "import_jobs_resent": 1,
        "audit_runs_failed": 0,
        "report_jobs_failed": 0,
    }

    lost.refresh_from_db()
    assert lost.status == ImportJob.Status.DONE  # eager: sent again, it ran
    assert Touchpoint.objects.filter(organization=organization).count() == ROWS
    on_its_way.refresh_from_db()
    assert on_its_way.status == ImportJob.Status.PENDING


# -- a job a live worker holds ------------------------------------------------------------------


def held_by_a_live_run(job: ImportJob, then):
    """Call `then` while another connection holds the job's row lock, as a live import does."""
    with rows_held_elsewhere(ImportJob.objects.select_for_update().filter(pk=job.pk).values_list("pk")):
        return then()


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_message_handed_out_again_while_its_job_runs_leaves_the_job_to_its_worker():
    job = left_running(new_job(OrganizationFactory()))

    assert held_by_a_live_run(job, lambda: jobs.matrix_import_job_task(job.pk)) is None

    job.refresh_from_db()
    assert (job.status, job.errors) == (ImportJob.Status.RUNNING, [])


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sweep_never_fails_a_job_a_live_run_holds(settings):
    settings.MATRIX_IMPORT_TIME_LIMIT_SECONDS = 60
    job = left_running(new_job(OrganizationFactory()), minutes_ago=30)

    assert held_by_a_live_run(job, import_jobs_sweep) == {"failed": 0, "resent": 0}

    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING
