"""Large imports run on a worker: an ImportJob records the file, its progress and its outcome.

A file with more rows than MATRIX_IMPORT_WORKER_ROWS is read (and so validated) in the request,
then handed to matrix_import_job_task; the browser and the API poll the job. Progress lives in
the cache, since the rows being written are not visible until the import's one transaction
commits.
"""

from __future__ import annotations

import logging
from dataclasses import asdict

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from cxowner.orgs.change_context import change_context
from cxowner.orgs.locks import rows_locked
from cxowner.orgs.models import Organization
from ownership.imports.matrixfile.sheet import MatrixFileInvalid
from ownership.imports.services import matrix_import_file
from ownership.models import ImportJob

logger = logging.getLogger(__name__)


def import_runs_on_worker(*, rows: int) -> bool:
    return rows > settings.MATRIX_IMPORT_WORKER_ROWS


def import_job_create(
    *, organization: Organization, data: bytes, filename: str, rows: int, dry_run: bool, created_by=None
) -> ImportJob:
    """Record the job and hand it to a worker once the surrounding transaction commits."""
    job = ImportJob.objects.create(
        organization=organization, data=data, filename=filename[:255], rows=rows, dry_run=dry_run, created_by=created_by
    )
    transaction.on_commit(lambda: matrix_import_job_task.delay(job.pk), robust=True)
    return job


def _progress_key(job_id: int) -> str:
    return f"cxowner:import-job:{job_id}:rows-done"


def import_job_rows_done(job: ImportJob) -> int:
    if job.status == ImportJob.Status.DONE:
        return job.rows
    if job.status == ImportJob.Status.PENDING:
        return 0
    return min(cache.get(_progress_key(job.pk)) or 0, job.rows)


@transaction.atomic
def import_job_confirm(*, job: ImportJob, created_by=None) -> ImportJob:
    """Run for real the file a finished dry run checked."""
    job = rows_locked(ImportJob.objects.select_related("organization").filter(pk=job.pk)).get()
    if not job.dry_run or job.status != ImportJob.Status.DONE or not job.data:
        raise ValueError("Only a finished dry run can be confirmed, once.")
    confirmed = import_job_create(
        organization=job.organization,
        data=bytes(job.data),
        filename=job.filename,
        rows=job.rows,
        dry_run=False,
        created_by=created_by,
    )
    # The file moves to the real import: confirming the same dry run twice would import it twice.
    ImportJob.objects.filter(pk=job.pk).update(data=b"")
    return confirmed


# The name it had before the capability packages: jobs queued before an upgrade still run.
@shared_task(name="ownership.import_jobs.matrix_import_job_task", acks_late=True, reject_on_worker_lost=True)
def matrix_import_job_task(job_id: int) -> str | None:
    """Import a job's file; a job already finished is left as it is (idempotent)."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("organization", "created_by").get(pk=job_id)
    key = _progress_key(job_id)

    def progress(done: int) -> None:
        cache.set(key, done, 24 * 3600)

    changes: dict = {"finished_at": timezone.now()}
    try:
        # The import is the job's creator's, made through a background task.
        with change_context(surface="task", user=job.created_by):
            summary = matrix_import_file(
                organization=job.organization,
                data=bytes(job.data),
                filename=job.filename,
                max_bytes=settings.MATRIX_UPLOAD_MAX_BYTES,
                dry_run=job.dry_run,
                progress=progress,
                max_seconds=settings.MATRIX_WORKER_PARSE_MAX_SECONDS,
            )
    except MatrixFileInvalid as invalid:
        changes.update(status=ImportJob.Status.FAILED, errors=[str(error) for error in invalid.errors])
    except Exception:
        logger.exception("Import job %s failed.", job_id)
        changes.update(status=ImportJob.Status.FAILED, errors=["The import failed on our side; nothing was changed."])
    else:
        changes.update(status=ImportJob.Status.DONE, summary={"dry_run": job.dry_run, **asdict(summary)})
        if not job.dry_run:
            changes["data"] = b""  # imported: the file is no longer needed
    changes["finished_at"] = timezone.now()
    ImportJob.objects.filter(pk=job_id).update(**changes)
    cache.delete(key)
    return changes["status"]
