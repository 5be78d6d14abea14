"""Large imports run on the worker (eager here): the request answers at once with a job whose
progress and outcome the browser and the API show."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from journeys.models import Touchpoint
from ownership.imports.jobs import import_job_create, import_job_rows_done, matrix_import_job_task
from ownership.models import ImportJob
from tests.factories import MembershipFactory, client_for

pytestmark = pytest.mark.django_db

ROWS = 30


@pytest.fixture(autouse=True)
def small_threshold(settings):
    settings.MATRIX_IMPORT_WORKER_ROWS = 10


def big_file(rows: int = ROWS, letter: str = "A") -> bytes:
    lines = ["journey,stage,touchpoint,Sales"] + [f"Journey {n % 3},Stage,Touchpoint {n},{letter}" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def api(api_as):
    return api_as("editor")


def upload(api, data: bytes, dry_run: bool = False):
    body = {"file": SimpleUploadedFile("big.csv", data), "dry_run": dry_run}
    return api.post(f"{api.base}/import/", body, format="multipart")


def test_a_large_import_through_the_api_is_a_job_that_finishes_on_the_worker(
    api, organization, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api, big_file())
    assert response.status_code == 202
    job = response.json()
    assert (job["rows"], job["dry_run"]) == (ROWS, False)
    followed = api.get(response["Location"]).json()
    assert followed["status"] == "done"
    assert followed["rows_done"] == ROWS
    assert followed["summary"]["touchpoints_created"] == ROWS
    assert Touchpoint.objects.filter(organization=organization).count() == ROWS
    assert ImportJob.objects.get().data in (b"", memoryview(b""))  # the file is dropped once imported


def test_a_small_import_still_answers_at_once(api, organization):
    response = upload(api, big_file(rows=5))
    assert response.status_code == 200
    assert response.json()["touchpoints_created"] == 5


def test_a_bad_large_file_ends_its_job_failed_with_the_problems_the_page_shows(
    api, organization, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api, big_file(letter="Q"))
    assert response.status_code == 202
    job = api.get(response["Location"]).json()
    assert job["status"] == "failed"
    # One message for one problem in many cells, with their count.
    [error] = job["errors"]
    assert f"{ROWS} in all" in error
    assert not Touchpoint.objects.filter(organization=organization).exists()


def test_the_api_answers_a_large_file_before_reading_it(api, organization, monkeypatch):
    from ownership.imports import api as imports_api

    def never(**kwargs):
        raise AssertionError("the request read the file")

    monkeypatch.setattr(imports_api, "matrix_read", never)
    response = upload(api, big_file())
    assert response.status_code == 202
    assert response.json()["status"] == "pending"


def test_a_large_import_through_the_api_can_replace_its_journeys(api, organization, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(api, big_file())
    fewer = big_file(rows=ROWS - 3)
    body = {"file": SimpleUploadedFile("big.csv", fewer), "replace": True}
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"{api.base}/import/", body, format="multipart")
    assert response.status_code == 202
    job = api.get(response["Location"]).json()
    assert (job["status"], job["summary"]["touchpoints_deleted"]) == ("done", 3)
    assert Touchpoint.objects.filter(organization=organization).count() == ROWS - 3


def test_the_import_that_confirms_a_dry_run_takes_its_reading_without_reading_again(
    api, organization, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dry = upload(api, big_file(), dry_run=True).json()
    from ownership.imports import jobs

    def never(**kwargs):
        raise AssertionError("the file was read again")

    monkeypatch.setattr(jobs, "matrix_read", never)
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = api.post(f"{api.base}/imports/{dry['id']}/confirm/").json()
    assert api.get(f"{api.base}/imports/{confirmed['id']}/").json()["status"] == "done"
    assert Touchpoint.objects.filter(organization=organization).count() == ROWS


def test_a_large_dry_run_changes_nothing_and_can_be_confirmed(api, organization, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dry = upload(api, big_file(), dry_run=True).json()
    assert api.get(f"{api.base}/imports/{dry['id']}/").json()["summary"]["touchpoints_created"] == ROWS
    assert not Touchpoint.objects.filter(organization=organization).exists()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = api.post(f"{api.base}/imports/{dry['id']}/confirm/")
    assert confirmed.status_code == 202
    assert Touchpoint.objects.filter(organization=organization).count() == ROWS
    assert api.post(f"{api.base}/imports/{dry['id']}/confirm/").status_code == 400  # once only


def test_a_job_that_is_not_a_finished_dry_run_cannot_be_confirmed(api, organization):
    job = import_job_create(organization=organization, data=big_file(), filename="big.csv", rows=ROWS, dry_run=False)
    assert api.post(f"{api.base}/imports/{job.pk}/confirm/").status_code == 400


def test_progress_is_reported_while_the_job_runs(organization, monkeypatch):
    job = import_job_create(organization=organization, data=big_file(), filename="big.csv", rows=ROWS, dry_run=False)
    seen: list[int] = []
    from ownership.imports import services as imports
    from ownership.imports import writing

    real_write = imports.import_write

    def watching_write(org, plan, progress):
        def report(done):
            progress(done)
            seen.append(import_job_rows_done(ImportJob.objects.get(pk=job.pk)))

        return real_write(org, plan, report)

    monkeypatch.setattr(imports, "import_write", watching_write)
    monkeypatch.setattr(writing, "ROWS_PER_WRITE", 10)
    assert matrix_import_job_task(job.pk) == "done"
    assert seen == [10, 20, 30]  # thirty rows written ten at a time


def test_a_job_runs_once(organization):
    job = import_job_create(organization=organization, data=big_file(), filename="big.csv", rows=ROWS, dry_run=False)
    assert matrix_import_job_task(job.pk) == "done"
    assert matrix_import_job_task(job.pk) is None


def test_another_organization_cannot_see_a_job(organization, member):
    job = import_job_create(organization=organization, data=big_file(), filename="big.csv", rows=ROWS, dry_run=False)
    outsider = client_for(MembershipFactory().user, APIClient)
    assert outsider.get(f"/api/v1/orgs/{organization.slug}/imports/{job.pk}/").status_code == 404


def test_the_browser_preview_of_a_large_file_shows_the_job_then_imports(
    editor, organization, django_capture_on_commit_callbacks
):
    url = reverse("ownership:import_preview", args=[organization.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(url, {"file": SimpleUploadedFile("big.csv", big_file())})
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("ownership:import_job", args=[organization.slug, job.pk])
    page = editor.get(response["Location"]).content.decode()
    assert "Nothing has changed yet" in page
    with django_capture_on_commit_callbacks(execute=True):
        run = editor.post(reverse("ownership:import_job_run", args=[organization.slug, job.pk]))
    assert Touchpoint.objects.filter(organization=organization).count() == ROWS
    assert "Imported:" in editor.get(run["Location"]).content.decode()


def test_a_running_job_s_partial_asks_again(editor, organization):
    job = import_job_create(organization=organization, data=big_file(), filename="big.csv", rows=ROWS, dry_run=True)
    partial = editor.get(reverse("ownership:import_job", args=[organization.slug, job.pk]), HTTP_HX_REQUEST="true")
    html = partial.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert "0 of 30 rows" in html
