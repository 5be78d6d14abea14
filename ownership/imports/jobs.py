"""Large imports run on a worker: an ImportJob records the file, its progress and its outcome.

A file with more rows than MATRIX_IMPORT_WORKER_ROWS is handed to matrix_import_job_task with
its reading options: the API only counts its rows (sources.py) and answers 202 at once, the
worker reads, checks and imports it; the browser and the API poll the job. Progress lives in
the cache, since the rows being written are not visible until the import's one transaction
commits. A job always ends done or failed with its reason: a worker that dies leaves it to the
next delivery of its message or to the sweep (matrix_import_job_task, import_jobs_sweep).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.db import OperationalError, transaction
from django.utils import timezone

from cxowner.celery import time_limits
from cxowner.orgs.change_context import change_context
from cxowner.orgs.locks import is_lock_conflict, rows_locked
from cxowner.orgs.models import Organization
from ownership.gaps.audits import collector_paused
from ownership.imports.matrixfile.sheet import MatrixFileInvalid
from ownership.imports.reading import import_options
from ownership.imports.services import ImportSummary, matrix_import, matrix_read
from ownership.imports.sources import reading_keep, reading_kept
from ownership.models import ImportJob

logger = logging.getLogger(__name__)

# The sweep fails a running job this long after its time limit: time for the limit to act first.
SWEEP_GRACE_SECONDS = 120


def import_runs_on_worker(*, rows: int) -> bool:
    return rows > settings.MATRIX_IMPORT_WORKER_ROWS


def import_job_create(
    *,
    organization: Organization,
    data: bytes,
    filename: str,
    rows: int,
    dry_run: bool,
    created_by=None,
    options: dict | None = None,
) -> ImportJob:
    """Record the job and hand it to a worker once the surrounding transaction commits. `options`
    are the reading options as import_options takes them (none: a matrix file as it is)."""
    job = ImportJob.objects.create(
        organization=organization,
        data=data,
        filename=filename[:255],
        rows=rows,
        dry_run=dry_run,
        created_by=created_by,
        options=options or {},
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
    # Checked before the lock too: a dry run still running holds its row lock until it ends.
    if not ImportJob.objects.filter(pk=job.pk, dry_run=True, status=ImportJob.Status.DONE).exists():
        raise ValueError("Only a finished dry run can be confirmed, once.")
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
        options=job.options,
    )
    # The file moves to the real import: confirming the same dry run twice would import it twice.
    ImportJob.objects.filter(pk=job.pk).update(data=b"")
    return confirmed


# Why a job failed, in the words its page and the API show (`errors`).
STOPPED = (
    "The worker stopped while importing this file (it was restarted or ran out of memory); "
    "nothing was imported. Run the import again."
)


def _timed_out() -> str:
    minutes = settings.MATRIX_IMPORT_TIME_LIMIT_SECONDS // 60
    return (
        f"The import took longer than {minutes} minutes and was stopped; nothing was imported. "
        "Import the file in smaller parts (a few journeys each)."
    )


def _not_finished() -> str:
    minutes = settings.MATRIX_IMPORT_TIME_LIMIT_SECONDS // 60
    return (
        f"The import did not finish within {minutes} minutes (its worker was restarted, ran out of "
        "memory or was stopped); nothing was imported. Run the import again."
    )


# The name it had before the capability packages: jobs queued before an upgrade still run.
@shared_task(
    name="ownership.import_jobs.matrix_import_job_task",
    acks_late=True,
    reject_on_worker_lost=True,
    **time_limits(settings.MATRIX_IMPORT_TIME_LIMIT_SECONDS),
)
def matrix_import_job_task(job_id: int) -> str | None:
    """Import a job's file once; the job ends done or failed with the reason, never left running.

    The claim (pending → running) commits first, so the job's page shows it running. The import
    then runs in one transaction that holds the job's row lock and writes the outcome with the
    rows: a worker killed half-way leaves nothing imported, and its lock dies with its database
    connection. A message handed out again (the worker died: reject_on_worker_lost, or Redis's
    visibility timeout) finds the job running: locked means a live run has it, so it is left alone;
    unlocked means its worker died, so it is marked failed, not run again (a file that ran the
    worker out of memory would do it again, for ever). The time limit, below the visibility
    timeout, keeps the broker from handing out a run that still goes.
    """
    claimed_at = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING, started_at=claimed_at
    )
    if not claimed:
        return _redelivered(job_id)
    with transaction.atomic():
        mine = ImportJob.objects.select_related("organization", "created_by").filter(
            pk=job_id, status=ImportJob.Status.RUNNING, started_at=claimed_at
        )
        job = rows_locked(mine).first()
        if job is None:  # failed by a redelivered copy in the instant between the claim and the lock
            return None
        changes = _import(job)
        ImportJob.objects.filter(pk=job_id).update(**changes)
    cache.delete(_progress_key(job_id))
    return changes["status"]


def _import(job: ImportJob) -> dict:
    """Import the job's file in a savepoint; the job's new fields, done or failed with the reason."""

    def progress(done: int) -> None:
        cache.set(_progress_key(job.pk), done, 24 * 3600)

    changes: dict = {}
    try:
        # The import is the job's creator's, made through a background task. Its hundreds of
        # thousands of rows, letters, findings and history items hold no cycle: the collector
        # only swept them again and again (5 s of CPU of a 100k-row job, issue 23).
        with transaction.atomic(), change_context(surface="task", user=job.created_by), collector_paused():
            summary = _read_and_import(job, progress)
    except MatrixFileInvalid as invalid:
        changes.update(status=ImportJob.Status.FAILED, errors=[str(error) for error in invalid.errors])
    except SoftTimeLimitExceeded:
        logger.warning("Import job %s ran out of time.", job.pk)
        changes.update(status=ImportJob.Status.FAILED, errors=[_timed_out()])
    except Exception:
        logger.exception("Import job %s failed.", job.pk)
        changes.update(status=ImportJob.Status.FAILED, errors=["The import failed on our side; nothing was changed."])
    else:
        changes.update(
            status=ImportJob.Status.DONE, rows=summary.rows, summary={"dry_run": job.dry_run, **asdict(summary)}
        )
        if not job.dry_run:
            changes["data"] = b""  # imported: the file is no longer needed
    changes["finished_at"] = timezone.now()
    return changes


def _read_and_import(job: ImportJob, progress: Callable[[int], None]) -> ImportSummary:
    """Read the job's file with its options (or take the reading a step before kept), then import it.
    A dry run keeps its reading for the import that confirms it."""
    data = bytes(job.data)
    reading = reading_kept(data, job.options)
    if reading is None:
        reading = matrix_read(
            data=data,
            filename=job.filename,
            max_bytes=settings.MATRIX_UPLOAD_MAX_BYTES,
            options=import_options(**job.options) if job.options else None,
            max_seconds=settings.MATRIX_WORKER_PARSE_MAX_SECONDS,
        )
        if job.dry_run:
            reading_keep(data, job.options, reading)
    summary = matrix_import(
        organization=job.organization,
        sheet=reading.sheet,
        dry_run=job.dry_run,
        progress=progress,
        replace=reading.replace,
    )
    return summary.read_from(reading)


def _redelivered(job_id: int) -> str | None:
    """A job claimed before: by a run still going (leave it) or by a worker that died (fail it)."""
    try:
        with transaction.atomic():
            orphan = rows_locked(ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.RUNNING), nowait=True)
            if not orphan.exists():
                return None  # done, failed or deleted: nothing left to do
            ImportJob.objects.filter(pk=job_id).update(
                status=ImportJob.Status.FAILED, errors=[STOPPED], finished_at=timezone.now()
            )
    except OperationalError as exc:
        if not is_lock_conflict(exc):
            raise
        logger.info("Import job %s handed out again while it still runs: left to its worker.", job_id)
        return None
    cache.delete(_progress_key(job_id))
    logger.warning("Import job %s was left running by a worker that stopped: marked failed.", job_id)
    return ImportJob.Status.FAILED


def import_jobs_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Fail the jobs still running past their time limit; send the jobs still pending again.

    A running job past the limit lost its worker and was never handed out again (a hard time
    limit kills the process and the message is acknowledged) or is waiting for a redelivery that
    may take the visibility timeout. A row some run still locks is skipped: a live run is never
    failed. A pending job was never picked up: the broker was down when it was sent (its
    on_commit send is robust) or lost the message. Sending it again is harmless: only one
    claim of a pending job succeeds. It is not failed: it runs once a worker takes it.
    """
    now = now or timezone.now()
    deadline = now - timedelta(seconds=settings.MATRIX_IMPORT_TIME_LIMIT_SECONDS + SWEEP_GRACE_SECONDS)
    with transaction.atomic():
        stuck = ImportJob.objects.filter(status=ImportJob.Status.RUNNING, started_at__lt=deadline)
        stuck_ids = list(stuck.select_for_update(of=("self",), skip_locked=True).values_list("pk", flat=True))
        ImportJob.objects.filter(pk__in=stuck_ids).update(
            status=ImportJob.Status.FAILED, errors=[_not_finished()], finished_at=now
        )
    for job_id in stuck_ids:
        cache.delete(_progress_key(job_id))
    since = now - timedelta(seconds=settings.MATRIX_IMPORT_RESEND_AFTER_SECONDS)
    waiting = ImportJob.objects.filter(status=ImportJob.Status.PENDING, created_at__lt=since)
    waiting_ids = list(waiting.order_by("created_at").values_list("pk", flat=True)[:1000])
    for job_id in waiting_ids:
        matrix_import_job_task.delay(job_id)
    if stuck_ids or waiting_ids:
        logger.warning("Import jobs: %s failed (left running), %s sent again.", len(stuck_ids), len(waiting_ids))
    return {"failed": len(stuck_ids), "resent": len(waiting_ids)}
