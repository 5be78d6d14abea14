"""The report's PDF is drawn by a worker, never in a web request: a 110k-touchpoint organization
takes seconds of CPU per PDF, and four at once used to hold every web worker.

Asking for the PDF (the page's button, `report.pdf` in the API) gives a ReportJob:

- a finished one, if the organization has not changed since it was drawn (same `key`): its
  PDF is served at once, nothing is drawn again;
- the waiting or running one of the same key: the asker joins it;
- otherwise a new one, handed to report_render_task once the transaction commits.

One render runs per organization at a time: a job of another key (another journey, or the
organization changed meanwhile) waits, its task retried every few seconds until the running one
ends. At most ACTIVE_PER_ORGANIZATION jobs wait or run per organization; more is refused. Only
the KEPT_PER_ORGANIZATION newest finished jobs (and their PDFs) are kept.

A job is of one kind: the full report (of the organization or one journey) or the organization's
executive summary. While it runs, the worker writes how far it has got (the step, the pages laid
out) and how many pages to expect — the count of the last PDF of the same report, or an estimate
— so the job's page can say "page 40 of ~120".

A job's task that dies with its worker is delivered again (acks_late): it draws the job again,
at most MAX_ATTEMPTS times, then marks it failed with the reason. A job left waiting or running
longer than LOST_AFTER is marked failed by the next request for the same report, which then
starts a new one.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import date, timedelta

from celery import shared_task
from celery.exceptions import MaxRetriesExceededError, SoftTimeLimitExceeded
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cxowner.orgs.models import Organization
from journeys.models import Journey
from ownership.models import GapEvent, ReportJob
from ownership.reports.progress import report_pages_estimate
from ownership.reports.render import (
    PdfUnavailable,
    report_filename,
    report_pdf,
    summary_filename,
    summary_pdf,
)
from ownership.reports.selectors import report_build
from ownership.reports.summary import executive_summary_build

logger = logging.getLogger(__name__)

ACTIVE = (ReportJob.Status.PENDING, ReportJob.Status.RUNNING)
FINISHED = (ReportJob.Status.DONE, ReportJob.Status.FAILED)
ACTIVE_PER_ORGANIZATION = 5  # reports waiting or running; one more is refused
KEPT_PER_ORGANIZATION = 5  # finished jobs kept with their PDF; older ones are deleted
RENDER_SECONDS = 300  # one render's time limit on the worker
LOST_AFTER = timedelta(seconds=3 * RENDER_SECONDS)  # a job waiting or running longer is lost
WAIT_SECONDS = 3  # how often a job waiting for its organization's running render asks again
MAX_ATTEMPTS = 2
PROGRESS_SECONDS = 0.5  # a running job's progress is written at most this often
SUMMARY_PAGES = 3  # what a summary's page expects before its first PDF


KIND_FULL, KIND_SUMMARY = ReportJob.Kind.FULL, ReportJob.Kind.SUMMARY


class ReportBusy(Exception):
    """The organization already has ACTIVE_PER_ORGANIZATION reports waiting or running."""

    def __init__(self):
        super().__init__(
            f"{ACTIVE_PER_ORGANIZATION} reports of this organization are being drawn; "
            "ask again when one of them is done."
        )


def report_key(*, organization: Organization, journey: Journey | None, today: date, kind: str = KIND_FULL) -> str:
    """What the report is drawn from: every matrix write moves the change counter, a risk
    accepted or ended writes a gap event, and the title shows the organization's name."""
    version, name = Organization.objects.values_list("matrix_version", "name").get(pk=organization.pk)
    decision = GapEvent.objects.filter(organization=organization).order_by("-id").values_list("id", flat=True).first()
    parts = (version, decision or 0, journey.pk if journey else "", today.isoformat(), name)
    if kind != KIND_FULL:  # the full report's keys stay those of the PDFs drawn before kinds
        parts += (kind,)
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def report_jobs_expire(organization: Organization | None = None) -> int:
    """Fail the jobs (of one organization, or all: the sweep) that have waited or run longer than
    any render takes; how many."""
    before = timezone.now() - LOST_AFTER
    jobs = ReportJob.objects.filter(status__in=ACTIVE, created_at__lt=before)
    if organization is not None:
        jobs = jobs.filter(organization=organization)
    return jobs.update(
        status=ReportJob.Status.FAILED,
        finished_at=timezone.now(),
        error="No worker finished this report in time; ask for it again.",
    )


def report_job_ask(
    *, organization: Organization, journey: Journey | None, today: date, created_by=None, kind: str = KIND_FULL
) -> ReportJob:
    """The job that has, or will have, this report's PDF (see the module's docstring); ReportBusy
    when the organization has too many reports under way. Nothing is drawn here. The executive
    summary (`kind` KIND_SUMMARY) is always the whole organization's."""
    if kind == KIND_SUMMARY:
        journey = None
    key = report_key(organization=organization, journey=journey, today=today, kind=kind)
    same = ReportJob.objects.filter(organization=organization, key=key).defer("pdf")
    done = same.filter(status=ReportJob.Status.DONE).order_by("-finished_at", "-id").first()
    if done is not None:
        return done
    report_jobs_expire(organization)
    waiting = same.filter(status__in=ACTIVE).first()
    if waiting is not None:
        return waiting
    if ReportJob.objects.filter(organization=organization, status__in=ACTIVE).count() >= ACTIVE_PER_ORGANIZATION:
        raise ReportBusy
    try:
        with transaction.atomic():
            job = ReportJob.objects.create(
                organization=organization, journey=journey, key=key, today=today, created_by=created_by, kind=kind
            )
    except IntegrityError:  # the same report asked for at the same moment: join that one
        return same.filter(status__in=ACTIVE).get()
    transaction.on_commit(lambda: report_render_task.delay(job.pk), robust=True)
    return job


def report_job_pdf(job: ReportJob) -> bytes:
    """A finished job's PDF (read only when it is downloaded)."""
    return bytes(ReportJob.objects.values_list("pdf", flat=True).get(pk=job.pk))


def _finish(job_id: int, **changes) -> None:
    # Only a job still running is finished: one marked lost meanwhile stays as it was marked.
    ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.RUNNING).update(finished_at=timezone.now(), **changes)


def _prune(organization_id: int) -> None:
    finished = ReportJob.objects.filter(organization_id=organization_id, status__in=FINISHED)
    kept = list(finished.order_by("-finished_at", "-id").values_list("id", flat=True)[:KEPT_PER_ORGANIZATION])
    finished.exclude(pk__in=kept).delete()


class _Wait(Exception):
    """Another render of the organization runs: ask again in a few seconds."""


def _claim(job: ReportJob) -> bool:
    """Mark the job running; _Wait while another of its organization runs. A job found running
    is its own task delivered again after its worker died: it is drawn again."""
    try:
        with transaction.atomic():
            return bool(
                ReportJob.objects.filter(pk=job.pk, status__in=ACTIVE).update(
                    status=ReportJob.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
                )
            )
    except IntegrityError:
        raise _Wait from None


def report_job_run(job_id: int) -> str | None:
    """Draw a job's PDF; None when there is nothing to draw (gone, finished, lost)."""
    job = ReportJob.objects.select_related("organization", "journey").defer("pdf").filter(pk=job_id).first()
    if job is None or job.status in FINISHED:
        return None
    if job.attempts >= MAX_ATTEMPTS:
        ReportJob.objects.filter(pk=job_id, status__in=ACTIVE).update(
            status=ReportJob.Status.FAILED,
            finished_at=timezone.now(),
            error=f"The report stopped {job.attempts} times before it was done; ask for it again.",
        )
        return ReportJob.Status.FAILED
    if not _claim(job):
        return None
    try:
        pdf, filename = _draw(job)
    except PdfUnavailable as error:
        _finish(job_id, status=ReportJob.Status.FAILED, error=str(error))
    except SoftTimeLimitExceeded:
        _finish(job_id, status=ReportJob.Status.FAILED, error=f"The report took over {RENDER_SECONDS} seconds.")
    except Exception:
        logger.exception("Report job %s failed.", job_id)
        _finish(job_id, status=ReportJob.Status.FAILED, error="The report could not be drawn on our side.")
    else:
        pages = ReportJob.objects.values_list("pages_done", flat=True).get(pk=job_id)
        _finish(job_id, status=ReportJob.Status.DONE, pdf=pdf, filename=filename, pages_expected=pages)
    _prune(job.organization_id)
    return ReportJob.objects.values_list("status", flat=True).get(pk=job_id)


class _Progress:
    """Writes how far a running job has got: its step and the pages laid out, at most every
    PROGRESS_SECONDS (and at every change of step), so following a render costs it little."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.step = ""
        self.written_at = 0.0

    def __call__(self, step: str, pages: int = 0, **changes) -> None:
        now = time.monotonic()
        if step == self.step and now - self.written_at < PROGRESS_SECONDS:
            return
        self.step, self.written_at = step, now
        running = ReportJob.objects.filter(pk=self.job_id, status=ReportJob.Status.RUNNING)
        running.update(step=step, pages_done=pages, **changes)


def _pages_expected(job: ReportJob, document) -> int:
    """The pages of the last PDF of the same report, else an estimate."""
    same = ReportJob.objects.filter(
        organization_id=job.organization_id, kind=job.kind, journey_id=job.journey_id, status=ReportJob.Status.DONE
    )
    last = same.exclude(pages_expected=0).order_by("-finished_at", "-id").values_list("pages_expected", flat=True)
    if last:
        return last[0]
    return SUMMARY_PAGES if job.kind == KIND_SUMMARY else report_pages_estimate(document)


def _draw(job: ReportJob) -> tuple[bytes, str]:
    """The job's PDF and its file name, its progress written as it goes."""
    progress = _Progress(job.pk)
    progress(ReportJob.Step.READING)
    if job.kind == KIND_SUMMARY:
        document = executive_summary_build(organization=job.organization, today=job.today)
        draw, filename = summary_pdf, summary_filename(summary=document)
        arguments = {"summary": document}
    else:
        document = report_build(organization=job.organization, journey=job.journey, today=job.today)
        draw, filename = report_pdf, report_filename(report=document)
        arguments = {"report": document}
    progress(ReportJob.Step.LAYOUT, pages_expected=_pages_expected(job, document))
    return draw(**arguments, follow=progress), filename


@shared_task(
    name="ownership.tasks.report_render_task",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=RENDER_SECONDS,
    time_limit=RENDER_SECONDS + 30,
    max_retries=int(LOST_AFTER.total_seconds()) // WAIT_SECONDS,
)
def report_render_task(self, job_id: int) -> str | None:
    """Draw one report job's PDF, waiting while another render of its organization runs."""
    try:
        return report_job_run(job_id)
    except _Wait:
        try:
            raise self.retry(countdown=WAIT_SECONDS) from None
        except MaxRetriesExceededError:
            ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.PENDING).update(
                status=ReportJob.Status.FAILED,
                finished_at=timezone.now(),
                error="The report waited too long for the organization's other reports.",
            )
            return ReportJob.Status.FAILED
