"""The report's PDF is a job a worker draws (ownership/reports/jobs.py): the web request only
queues it, one render runs per organization, a second ask joins the one under way, a finished PDF
is served again while the organization has not changed, and no other organization sees it."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import IntegrityError
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cxowner.orgs.models import Organization
from ownership.gaps.audits import audit_organization
from ownership.models import ReportJob
from ownership.reports import jobs
from ownership.reports.jobs import report_job_ask, report_job_run
from tests.factories import MembershipFactory, OrganizationFactory, matrix_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey(organization):
    journey = matrix_build(organization=organization, touchpoints=6, functions=2, stages=2)
    audit_organization(organization=organization, trigger="manual")
    return journey


@pytest.fixture
def drawn(monkeypatch):
    """Counts the PDFs drawn, and draws them cheaply (the layout is tested in test_report_pages)."""
    calls = []

    def draw(*, report=None, summary=None, follow=None):
        calls.append(report or summary)
        return b"%PDF-1.7 " + (report or summary).title.encode()

    monkeypatch.setattr(jobs, "report_pdf", draw)
    monkeypatch.setattr(jobs, "summary_pdf", draw)
    return calls


def pdf_url(organization) -> str:
    return reverse("ownership:report_pdf", args=[organization.slug])


def api_pdf_url(organization) -> str:
    return f"/api/v1/orgs/{organization.slug}/report.pdf"


def test_asking_for_the_pdf_queues_a_job_and_the_request_draws_nothing(
    organization, journey, viewer, django_capture_on_commit_callbacks
):
    with (
        mock.patch.object(jobs, "report_build") as build,
        mock.patch.object(jobs, "report_pdf") as render,
        mock.patch.object(jobs.report_render_task, "delay") as queue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = viewer.post(pdf_url(organization))
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/report/jobs/{job.pk}/")
    assert job.status == ReportJob.Status.PENDING
    queue.assert_called_once_with(job.pk)  # the worker's task, instead of drawing it here
    build.assert_not_called()
    render.assert_not_called()


def test_the_jobs_page_polls_while_it_waits_and_offers_the_pdf_when_done(
    organization, journey, viewer, drawn, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        waiting = viewer.get(viewer.post(pdf_url(organization))["Location"])
    assert b'data-status="pending"' in waiting.content and b'hx-trigger="every 2s"' in waiting.content
    job = ReportJob.objects.get()
    report_job_run(job.pk)  # the worker
    done = viewer.get(reverse("ownership:report_job", args=[organization.slug, job.pk]), HTTP_HX_REQUEST="true")
    assert b'data-status="done"' in done.content and b"hx-trigger" not in done.content
    download = viewer.get(reverse("ownership:report_job_pdf", args=[organization.slug, job.pk]))
    assert download["Content-Type"] == "application/pdf" and download.content.startswith(b"%PDF")


def test_a_second_ask_joins_the_job_under_way(organization, journey, client_as, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = client_as("viewer").post(pdf_url(organization))
        second = client_as("editor").post(pdf_url(organization))
    assert first["Location"] == second["Location"]
    assert ReportJob.objects.count() == 1 and len(queued) == 1


def test_a_finished_pdf_is_served_again_until_the_organization_changes(
    organization, journey, viewer, drawn, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        viewer.post(pdf_url(organization))
    again = viewer.get(pdf_url(organization))
    assert again["Content-Type"] == "application/pdf" and len(drawn) == 1
    Organization.objects.filter(pk=organization.pk).update(matrix_version=F("matrix_version") + 1)  # any write
    with django_capture_on_commit_callbacks(execute=True):
        changed = viewer.get(pdf_url(organization))
    assert changed.status_code == 302 and len(drawn) == 2
    assert ReportJob.objects.filter(status=ReportJob.Status.DONE).count() == 2


def test_a_journeys_report_is_not_the_organizations(organization, journey, drawn):
    whole = report_job_ask(organization=organization, journey=None, today=timezone.localdate())
    one = report_job_ask(organization=organization, journey=journey, today=timezone.localdate())
    assert whole.pk != one.pk and whole.key != one.key


def test_one_render_runs_per_organization(organization, journey, drawn):
    today = timezone.localdate()
    running = report_job_ask(organization=organization, journey=None, today=today)
    ReportJob.objects.filter(pk=running.pk).update(status=ReportJob.Status.RUNNING)
    waiting = report_job_ask(organization=organization, journey=journey, today=today)
    with pytest.raises(jobs._Wait):  # its task asks again in a few seconds
        report_job_run(waiting.pk)
    assert ReportJob.objects.get(pk=waiting.pk).status == ReportJob.Status.PENDING and drawn == []
    with pytest.raises(IntegrityError):  # and the database holds to it whatever the code does
        ReportJob.objects.filter(pk=waiting.pk).update(status=ReportJob.Status.RUNNING)


def test_another_organizations_job_and_pdf_are_not_found(organization, journey, drawn):
    job = report_job_ask(organization=organization, journey=None, today=timezone.localdate())
    report_job_run(job.pk)
    outsider = MembershipFactory(organization=OrganizationFactory(), role="admin")
    browser, api = Client(), APIClient()
    browser.force_login(outsider.user)
    api.force_login(outsider.user)
    other = outsider.organization.slug
    assert browser.get(reverse("ownership:report_job", args=[other, job.pk])).status_code == 404
    assert browser.get(reverse("ownership:report_job_pdf", args=[other, job.pk])).status_code == 404
    assert api.get(f"/api/v1/orgs/{other}/report/jobs/{job.pk}/").status_code == 404
    assert api.get(f"/api/v1/orgs/{other}/report/jobs/{job.pk}/pdf").status_code == 404
    assert browser.get(reverse("ownership:report_job", args=[organization.slug, job.pk])).status_code == 404


def test_the_api_answers_202_with_the_job_then_its_pdf(
    organization, journey, api_as, drawn, django_capture_on_commit_callbacks
):
    api = api_as("viewer")
    with django_capture_on_commit_callbacks(execute=False):
        asked = api.get(api_pdf_url(organization), HTTP_ACCEPT="application/pdf")
    assert asked.status_code == 202 and asked.json()["pdf"] is None
    job_url = asked["Location"]
    pdf = f"/api/v1/orgs/{organization.slug}/report/jobs/{asked.json()['id']}/pdf"
    assert api.get(pdf).status_code == 409
    report_job_run(asked.json()["id"])
    job = api.get(job_url).json()
    assert job["status"] == "done" and job["pdf"] == pdf
    assert api.get(pdf, HTTP_ACCEPT="application/pdf").content.startswith(b"%PDF")
    assert api.get(api_pdf_url(organization)).status_code == 200  # unchanged: served at once


def test_too_many_reports_under_way_are_refused(organization, journey, api_as, client_as):
    today = timezone.localdate()
    for day in range(jobs.ACTIVE_PER_ORGANIZATION):
        report_job_ask(organization=organization, journey=None, today=today - timedelta(days=day + 1))
    answer = api_as("viewer").get(api_pdf_url(organization))
    assert answer.status_code == 429 and "ask again" in answer.json()["detail"]
    assert client_as("viewer").post(pdf_url(organization)).status_code == 429


def test_a_job_whose_worker_died_is_drawn_again_once_then_failed_with_the_reason(organization, journey, drawn):
    job = report_job_ask(organization=organization, journey=None, today=timezone.localdate())
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.RUNNING, attempts=1)
    assert report_job_run(job.pk) == ReportJob.Status.DONE  # its task delivered again
    again = report_job_ask(organization=organization, journey=journey, today=timezone.localdate())
    ReportJob.objects.filter(pk=again.pk).update(status=ReportJob.Status.RUNNING, attempts=jobs.MAX_ATTEMPTS)
    assert report_job_run(again.pk) == ReportJob.Status.FAILED
    assert "stopped 2 times" in ReportJob.objects.get(pk=again.pk).error


def test_a_job_nobody_finished_in_time_is_failed_and_asked_again(organization, journey):
    lost = report_job_ask(organization=organization, journey=None, today=timezone.localdate())
    ReportJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - jobs.LOST_AFTER - timedelta(seconds=1))
    fresh = report_job_ask(organization=organization, journey=None, today=timezone.localdate())
    assert fresh.pk != lost.pk
    assert ReportJob.objects.get(pk=lost.pk).status == ReportJob.Status.FAILED


def test_the_sweep_fails_a_report_nobody_finished_in_time_and_leaves_a_young_one(organization, journey):
    from ownership.tasks import jobs_sweep_task

    lost = report_job_ask(organization=organization, journey=None, today=timezone.localdate())
    young = report_job_ask(organization=organization, journey=journey, today=timezone.localdate())
    ReportJob.objects.filter(pk=lost.pk).update(created_at=timezone.now() - jobs.LOST_AFTER - timedelta(seconds=1))
    assert jobs_sweep_task.delay().get()["report_jobs_failed"] == 1
    lost.refresh_from_db()
    assert lost.status == ReportJob.Status.FAILED and lost.finished_at and "in time" in lost.error
    assert ReportJob.objects.get(pk=young.pk).status in (ReportJob.Status.PENDING, ReportJob.Status.DONE)


def test_only_the_newest_finished_pdfs_are_kept(organization, journey, drawn):
    today = timezone.localdate()
    for day in range(jobs.KEPT_PER_ORGANIZATION + 2):
        report_job_run(report_job_ask(organization=organization, journey=None, today=today - timedelta(days=day)).pk)
    kept = ReportJob.objects.filter(organization=organization)
    assert kept.count() == jobs.KEPT_PER_ORGANIZATION
    assert today not in set(kept.values_list("today", flat=True))  # the first drawn went first
