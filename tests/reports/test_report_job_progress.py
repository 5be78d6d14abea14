"""A report job's kind and progress (ownership/reports/jobs.py): the executive summary is a job of
its own beside the full report, asked from the pages and the API by any member and by nobody
outside; a running job's page says how far it has got ("page 40 of ~120") and announces it
politely; the request that asks for a large organization's report draws nothing."""

import io
import os
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from rest_framework.test import APIClient

from cxowner.orgs.models import Organization
from journeys.models import Touchpoint
from ownership.gaps.audits import audit_organization
from ownership.models import ReportJob
from ownership.reports import jobs
from ownership.reports.jobs import report_job_ask, report_job_run
from tests.factories import MembershipFactory, OrganizationFactory, client_for, matrix_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey(organization):
    journey = matrix_build(organization=organization, touchpoints=40, functions=4, stages=3)
    audit_organization(organization=organization, trigger="manual")
    return journey


def pdf_url(organization) -> str:
    return reverse("ownership:report_pdf", args=[organization.slug])


def jobs_url(organization) -> str:
    return f"/api/v1/orgs/{organization.slug}/report/jobs/"


def job_page(organization, job) -> str:
    return reverse("ownership:report_job", args=[organization.slug, job.pk])


def test_the_summary_is_a_job_of_its_own_beside_the_full_report(
    organization, journey, viewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        full = viewer.post(pdf_url(organization))
        summary = viewer.post(pdf_url(organization), {"kind": "summary"})
    assert full["Location"] != summary["Location"]
    assert sorted(ReportJob.objects.values_list("kind", flat=True)) == ["full", "summary"]


def test_the_summary_is_the_whole_organizations_even_asked_from_a_journeys_report(organization, journey):
    job = report_job_ask(organization=organization, journey=journey, today=timezone.localdate(), kind="summary")
    assert job.journey is None


def test_the_worker_draws_the_summary_and_its_page_offers_it(
    organization, journey, viewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the worker (eager in tests)
        asked = viewer.post(pdf_url(organization), {"kind": "summary"})
    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.DONE and job.filename.startswith(f"executive-summary-{organization.slug}-")
    page = viewer.get(asked["Location"]).content.decode()
    assert 'data-kind="summary"' in page and "Executive summary PDF" in page
    download = viewer.get(reverse("ownership:report_job_pdf", args=[organization.slug, job.pk]))
    pages = PdfReader(io.BytesIO(download.content)).pages
    assert len(pages) == job.pages_expected  # the pages laid out, kept for the next one's estimate


def test_an_unknown_kind_is_refused_with_the_kinds_there_are(organization, journey, viewer, api_as):
    answer = viewer.post(pdf_url(organization), {"kind": "poster"})
    assert answer.status_code == 400 and '"summary"' in answer.content.decode()
    api = api_as("viewer").post(jobs_url(organization), {"kind": "poster"}, format="json")
    assert api.status_code == 400 and "kind" in api.json()
    assert not ReportJob.objects.exists()


def test_the_api_asks_for_the_summary_and_follows_it_to_its_pdf(
    organization, journey, api_as, django_capture_on_commit_callbacks
):
    api = api_as("viewer")
    with django_capture_on_commit_callbacks(execute=False):
        asked = api.post(jobs_url(organization), {"kind": "summary"}, format="json")
    assert asked.status_code == 202 and asked.json()["kind"] == "summary" and asked.json()["status"] == "pending"
    report_job_run(asked.json()["id"])  # the worker
    job = api.get(asked["Location"]).json()
    assert job["status"] == "done" and job["pages_done"] >= 1
    assert api.get(job["pdf"], HTTP_ACCEPT="application/pdf").content.startswith(b"%PDF")
    again = api.post(jobs_url(organization), {"kind": "summary"}, format="json")
    assert again.status_code == 200 and again.json()["id"] == job["id"]  # nothing changed: that PDF


def test_a_summary_of_one_journey_is_refused(organization, journey, api_as):
    answer = api_as("viewer").post(jobs_url(organization), {"kind": "summary", "journey": journey.pk}, format="json")
    assert answer.status_code == 400 and "whole organization" in str(answer.json()["journey"])


def test_another_organizations_journey_is_refused_by_the_api(organization, journey, api_as):
    other = matrix_build(organization=OrganizationFactory(), touchpoints=2, functions=1, stages=1)
    answer = api_as("viewer").post(jobs_url(organization), {"kind": "full", "journey": other.pk}, format="json")
    assert answer.status_code == 400 and not ReportJob.objects.exists()


def test_an_outsider_can_neither_ask_for_nor_see_the_summary(organization, journey):
    job = report_job_ask(organization=organization, journey=None, today=timezone.localdate(), kind="summary")
    outsider = MembershipFactory(organization=OrganizationFactory(), role="admin").user
    api = APIClient()
    api.force_login(outsider)
    assert api.post(jobs_url(organization), {"kind": "summary"}, format="json").status_code == 404
    assert client_for(outsider).post(pdf_url(organization), {"kind": "summary"}).status_code == 404
    assert client_for(outsider).get(job_page(organization, job)).status_code == 404
    assert ReportJob.objects.count() == 1


def test_asking_needs_the_csrf_token_in_the_browser(organization, journey, member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member("viewer"))
    assert browser.post(pdf_url(organization), {"kind": "summary"}).status_code == 403
    assert not ReportJob.objects.exists()


def test_a_running_jobs_page_shows_the_page_laid_out_of_those_expected(organization, journey, viewer):
    job = report_job_ask(organization=organization, journey=None, today=timezone.localdate())
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJob.Status.RUNNING, step=ReportJob.Step.LAYOUT, pages_done=40, pages_expected=120
    )
    page = viewer.get(job_page(organization, job)).content.decode()
    assert "Laying out page 40 of ~120." in page and 'value="40" max="120"' in page
    assert 'id="report-job-announce"' in page and 'aria-live="polite"' in page
    assert "About 30% laid out." in page  # announced in tenths, not page by page
    polled = viewer.get(job_page(organization, job), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in polled and 'hx-swap-oob="innerHTML"' in polled


def test_the_worker_writes_its_progress_page_by_page_as_it_lays_the_pdf_out(organization, journey, monkeypatch):
    monkeypatch.setattr(jobs, "PROGRESS_SECONDS", 0)
    seen = []
    write = jobs._Progress.__call__

    def recorded(self, step, pages=0, **changes):
        write(self, step, pages, **changes)
        seen.append(ReportJob.objects.values_list("step", "pages_done").get(pk=self.job_id))

    monkeypatch.setattr(jobs._Progress, "__call__", recorded)
    job = report_job_ask(organization=organization, journey=None, today=timezone.localdate())
    assert report_job_run(job.pk) == ReportJob.Status.DONE
    layout = [pages for step, pages in seen if step == ReportJob.Step.LAYOUT]
    assert seen[0] == ("reading", 0) and seen[-1][0] == "writing"
    assert layout[-1] > 1 and layout == sorted(layout)  # one page after another, as they are laid out
    job.refresh_from_db()
    assert job.pages_expected == seen[-1][1]


def test_the_next_render_expects_the_pages_the_last_one_had(organization, journey, monkeypatch):
    job = report_job_ask(organization=organization, journey=None, today=timezone.localdate())
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.DONE, pages_expected=37)
    expected = []
    monkeypatch.setattr(jobs, "report_pdf", lambda *, report, follow: expected.append(_expected()) or b"%PDF")
    Organization.objects.filter(pk=organization.pk).update(matrix_version=organization.matrix_version + 5)
    report_job_run(report_job_ask(organization=organization, journey=None, today=timezone.localdate()).pk)
    assert expected == [37]


def _expected() -> int:
    return ReportJob.objects.filter(status=ReportJob.Status.RUNNING).values_list("pages_expected", flat=True).get()


def test_the_request_that_starts_a_3000_touchpoint_report_answers_without_drawing_it(
    db, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    with open(os.devnull, "w") as quiet:
        call_command("generate_org", "big-report", touchpoints=3000, functions=12, stdout=quiet)
    organization = Organization.objects.get(slug="big-report")
    assert Touchpoint.objects.filter(organization=organization).count() == 3000
    viewer = client_for(MembershipFactory(organization=organization, role="viewer").user)
    with (
        mock.patch.object(jobs, "report_build") as build,
        mock.patch.object(jobs, "report_pdf") as draw,
        mock.patch.object(jobs.report_render_task, "delay") as queue,
        django_capture_on_commit_callbacks(execute=True),
        django_assert_max_num_queries(20),  # the membership, the key, the job: nothing per touchpoint
    ):
        answer = viewer.post(pdf_url(organization))
    job = ReportJob.objects.get(organization=organization)
    assert answer.status_code == 302 and answer["Location"].endswith(f"/report/jobs/{job.pk}/")
    assert job.status == ReportJob.Status.PENDING and not bytes(job.pdf)
    queue.assert_called_once_with(job.pk)  # handed to the worker
    build.assert_not_called()
    draw.assert_not_called()
