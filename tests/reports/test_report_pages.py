"""The report's page and PDF in the browser and the API: every member reads them, outsiders get
404, admins set the monthly mail."""

import io
import sys

import pytest
from django.urls import reverse
from pypdf import PdfReader
from rest_framework.test import APIClient

from cxowner.orgs.models import ChangeSet
from ownership.gaps.audits import audit_organization
from ownership.models import ReportSchedule
from tests.factories import MembershipFactory, OrganizationFactory, client_for, matrix_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey(organization):
    journey = matrix_build(organization=organization, touchpoints=12, functions=3, stages=2)
    audit_organization(organization=organization, trigger="manual")
    return journey


def test_a_viewer_reads_the_print_page_without_the_navigation(organization, member, journey):
    response = client_for(member("viewer")).get(reverse("ownership:report", args=[organization.slug]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="report-coverage"' in html
    assert 'class="mainnav"' not in html
    assert journey.name in html
    assert "Monthly mail" not in html  # only admins set it


def test_the_page_reports_on_one_journey_when_asked(organization, member, journey):
    url = reverse("ownership:report", args=[organization.slug])
    html = client_for(member("viewer")).get(url, {"journey": journey.id}).content.decode()
    assert f'<h1 id="cover-h">{journey.name}</h1>' in html


@pytest.mark.parametrize("value", ["abc", "999999999", "-1"])
def test_a_journey_that_is_not_one_of_the_organization_is_not_found(organization, member, journey, value):
    url = reverse("ownership:report", args=[organization.slug])
    assert client_for(member("viewer")).get(url, {"journey": value}).status_code == 404


def test_another_organizations_journey_is_not_found(organization, member, journey):
    other = matrix_build(organization=OrganizationFactory(), touchpoints=2, functions=1, stages=1)
    url = reverse("ownership:report_pdf", args=[organization.slug])
    assert client_for(member("viewer")).get(url, {"journey": other.id}).status_code == 404


@pytest.mark.parametrize("name", ["ownership:report", "ownership:report_pdf"])
def test_an_outsider_gets_404(organization, journey, name):
    outsider = MembershipFactory(role="admin").user
    assert client_for(outsider).get(reverse(name, args=[organization.slug])).status_code == 404


def test_the_pdf_downloads_as_an_attachment_named_for_the_day(
    organization, member, journey, django_capture_on_commit_callbacks
):
    viewer = client_for(member("viewer"))
    url = reverse("ownership:report_pdf", args=[organization.slug])
    with django_capture_on_commit_callbacks(execute=True):  # the worker draws it (eager in tests)
        asked = viewer.get(url)
    assert asked.status_code == 302  # to the job's page
    response = viewer.get(url)  # drawn since, and nothing changed: the file itself
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(f'attachment; filename="ownership-report-{organization.slug}-')
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert organization.name in text


def test_the_page_costs_a_bounded_number_of_queries(organization, member, journey, django_assert_max_num_queries):
    client = client_for(member("viewer"))
    url = reverse("ownership:report", args=[organization.slug])
    # session, user, membership · the report's twenty · the journey choices
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200


def test_an_admin_switches_the_monthly_mail_on_and_it_is_on_the_record(organization, member, journey):
    admin = client_for(member("admin"))
    response = admin.post(
        reverse("ownership:report_mail", args=[organization.slug]),
        {"monthly": "on", "recipients": "Board@example.com, cfo@example.com", "version": 1},
    )
    assert response.status_code == 302
    schedule = ReportSchedule.objects.get(organization=organization)
    assert schedule.monthly and schedule.recipients == ["board@example.com", "cfo@example.com"]
    assert ChangeSet.objects.filter(organization=organization, kind="reportschedule.update").exists()
    html = admin.get(reverse("ownership:report", args=[organization.slug])).content.decode()
    assert "The monthly mail is on." in html
    assert "board@example.com, cfo@example.com" in html


def test_a_wrong_address_is_named_and_what_was_typed_stays(organization, member, journey):
    response = client_for(member("admin")).post(
        reverse("ownership:report_mail", args=[organization.slug]),
        {"monthly": "on", "recipients": "board@example.com, not-an-address", "version": 1},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Not an e-mail address: not-an-address." in html
    assert 'value="board@example.com, not-an-address"' in html
    assert not ReportSchedule.objects.filter(organization=organization, monthly=True).exists()


def test_a_stale_mail_setting_is_refused_with_a_message(organization, member, journey):
    admin = client_for(member("admin"))
    url = reverse("ownership:report_mail", args=[organization.slug])
    admin.post(url, {"monthly": "on", "recipients": "", "version": 1})
    response = admin.post(url, {"recipients": "late@example.com", "version": 1}, follow=True)
    assert "The monthly mail was changed by " in response.content.decode()
    assert ReportSchedule.objects.get(organization=organization).recipients == []


def test_an_editor_may_not_set_the_monthly_mail(organization, member, journey):
    response = client_for(member("editor")).post(
        reverse("ownership:report_mail", args=[organization.slug]), {"monthly": "on", "version": 1}
    )
    assert response.status_code == 403


# The API ------------------------------------------------------------------------------------


def test_the_api_answers_the_pdf_to_a_client_that_asks_for_it(
    organization, member, journey, django_capture_on_commit_callbacks
):
    url = f"/api/v1/orgs/{organization.slug}/report.pdf"
    api = client_for(member("viewer"), APIClient)
    with django_capture_on_commit_callbacks(execute=True):
        asked = api.get(url, {"journey": journey.id}, HTTP_ACCEPT="application/pdf")
    assert asked.status_code == 202 and asked.json()["status"] == "pending"
    response = api.get(url, {"journey": journey.id}, HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert journey.name in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


def test_without_the_pdf_libraries_the_job_says_what_to_install(
    organization, member, journey, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as on a machine with Python only
    viewer = client_for(member("viewer"))
    with django_capture_on_commit_callbacks(execute=True):
        asked = viewer.post(reverse("ownership:report_pdf", args=[organization.slug]))
    response = viewer.get(asked["Location"])
    assert b'data-status="failed"' in response.content
    assert b"libpango-1.0-0" in response.content and b"print the report" in response.content


def test_without_the_pdf_libraries_the_api_job_fails_with_the_reason(
    organization, member, journey, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    api = client_for(member("viewer"), APIClient)
    with django_capture_on_commit_callbacks(execute=True):
        asked = api.get(f"/api/v1/orgs/{organization.slug}/report.pdf", HTTP_ACCEPT="application/pdf")
    job = api.get(asked["Location"]).json()
    assert job["status"] == "failed" and "Pango" in job["error"] and job["pdf"] is None


def test_the_api_answers_a_bad_journey_in_json(organization, member, journey):
    url = f"/api/v1/orgs/{organization.slug}/report.pdf"
    response = client_for(member("viewer"), APIClient).get(url, {"journey": "x"}, HTTP_ACCEPT="application/pdf")
    assert response.status_code == 400
    assert response.json() == {"journey": ["A valid integer is required."]}


def test_the_api_changes_the_mail_at_its_version_only(organization, member):
    client = client_for(member("admin"), APIClient)
    url = f"/api/v1/orgs/{organization.slug}/report/schedule/"
    current = client.get(url)
    assert current.json()["monthly"] is False and current["ETag"] == '"1"'
    changed = client.patch(url, {"monthly": True, "version": 1}, format="json")
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = client.patch(url, {"recipients": ["x@example.com"], "version": 1}, format="json")
    assert stale.status_code == 412
    assert stale.json()["version"] == 2


def test_the_api_names_the_wrong_addresses(organization, member):
    url = f"/api/v1/orgs/{organization.slug}/report/schedule/"
    body = {"recipients": ["ok@example.com", "nope"], "version": 1}
    response = client_for(member("admin"), APIClient).patch(url, body, format="json")
    assert response.status_code == 400
    assert response.json() == {"recipients": ["Not an e-mail address: nope."]}
