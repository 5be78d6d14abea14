"""What was seen (issue 18, item 5), with a real worker: `kill -9` of the worker in the middle of
a large import job, then a worker again. The job must end failed, with the reason and a finish
time, and nothing imported; it stayed `running` for ever before.

Uses the worker helper of tests/gaps/test_worker.py (PostgreSQL and Redis; skipped without them,
failed in CI)."""

from django.db import transaction

from journeys.models import Touchpoint
from ownership.imports.jobs import STOPPED, import_job_create, import_job_rows_done
from ownership.models import ImportJob
from tests.factories import OrganizationFactory
from tests.gaps.test_worker import WORKER_MARKS, celery  # noqa: F401  (celery: the fixture)

pytestmark = WORKER_MARKS

JOURNEYS, ROWS = 40, 20_000  # long enough to be caught half-way: progress is told journey by journey


def large_file() -> bytes:
    lines = ["journey,stage,touchpoint,Sales,Support"]
    lines += [f"Journey {n % JOURNEYS},Stage {n % 7},Touchpoint {n},A,R" for n in range(ROWS)]
    return ("\n".join(lines) + "\n").encode()


def test_a_job_whose_worker_is_killed_mid_import_ends_failed_with_the_reason(celery):  # noqa: F811
    organization = OrganizationFactory()
    doomed = celery.worker("doomed")
    with transaction.atomic():  # sent to the broker when this commits
        job = import_job_create(
            organization=organization, data=large_file(), filename="big.csv", rows=ROWS, dry_run=False
        )

    def half_way() -> bool:
        job.refresh_from_db()
        return job.status == ImportJob.Status.RUNNING and 0 < import_job_rows_done(job) < ROWS

    celery.wait_for(half_way, "the import to be under way")
    celery.kill(doomed)

    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING  # as it was seen: the claim, and nothing else
    assert not Touchpoint.objects.filter(organization=organization).exists()

    celery.worker("survivor")
    celery.wait_for(
        lambda: ImportJob.objects.filter(pk=job.pk).exclude(status=ImportJob.Status.RUNNING).exists(),
        "the job's message to reach the new worker",
    )
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED, celery.logs()
    assert job.errors == [STOPPED]
    assert job.finished_at is not None
    assert not Touchpoint.objects.filter(organization=organization).exists()
    assert import_job_rows_done(job) == 0  # the dead run's progress is not shown as the job's
