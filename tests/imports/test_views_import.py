"""Import and export in the browser: a preview first, every row error in a table, nothing half-done."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from journeys.models import Touchpoint
from ownership.models import Assignment
from tests.factories import AssignmentFactory, JourneyFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

GOOD = b"journey,stage,touchpoint,Sales,Finance\nStore visit,Buy,Cashier,R,A\nStore visit,Buy,Receipt,,A/R\n"
BAD = b"journey,stage,touchpoint,Sales,Finance\nStore visit,Buy,Cashier,R,A\nStore visit,Buy,Receipt,X,A\n"


def upload(content: bytes, name: str = "matrix.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_preview_shows_what_would_change_and_changes_nothing(organization, editor):
    response = editor.post(reverse("ownership:import_preview", args=[organization.slug]), {"file": upload(GOOD)})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing has changed yet" in html
    assert "Store visit" in html
    assert not Touchpoint.objects.filter(organization=organization).exists()


def test_confirm_imports_the_previewed_file(organization, editor):
    preview = editor.post(reverse("ownership:import_preview", args=[organization.slug]), {"file": upload(GOOD)})
    token = preview.context["token"]
    response = editor.post(reverse("ownership:import_confirm", args=[organization.slug]), {"token": token})
    assert response.status_code == 302
    assert Touchpoint.objects.filter(organization=organization).count() == 2
    assert Assignment.objects.filter(organization=organization).count() == 4


def test_confirm_with_unknown_token_imports_nothing(organization, editor):
    response = editor.post(
        reverse("ownership:import_confirm", args=[organization.slug]), {"token": "nope"}, follow=True
    )
    assert "has expired" in response.content.decode()
    assert not Touchpoint.objects.filter(organization=organization).exists()


def test_bad_row_is_shown_in_a_table_and_nothing_changes(organization, editor):
    journey = JourneyFactory(organization=organization, name="Store visit")
    stage = StageFactory(journey=journey, organization=organization)
    AssignmentFactory(touchpoint=TouchpointFactory(stage=stage, journey=journey, organization=organization))
    before = set(Assignment.objects.values_list("id", flat=True))
    response = editor.post(reverse("ownership:import_preview", args=[organization.slug]), {"file": upload(BAD)})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was changed" in html
    assert "<td>3</td><td>Sales</td><td><code>X</code></td>" in html
    assert set(Assignment.objects.values_list("id", flat=True)) == before


def test_a_file_that_is_not_a_matrix_is_explained(organization, editor):
    response = editor.post(
        reverse("ownership:import_preview", args=[organization.slug]), {"file": upload(b"\x00\x01binary", "photo.png")}
    )
    assert response.status_code == 400
    assert "not imported" in response.content.decode()


def test_missing_file_error_is_next_to_the_field(organization, editor):
    response = editor.post(reverse("ownership:import_preview", args=[organization.slug]), {})
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()


def test_export_csv_downloads_the_matrix(organization, editor):
    journey = JourneyFactory(organization=organization, name="Store visit")
    stage = StageFactory(journey=journey, organization=organization, name="Buy")
    AssignmentFactory(
        touchpoint=TouchpointFactory(stage=stage, journey=journey, organization=organization, name="Cashier")
    )
    response = editor.get(reverse("ownership:export_csv", args=[organization.slug]))
    assert response["Content-Disposition"] == f'attachment; filename="{organization.slug}-matrix.csv"'
    assert b"Store visit,Buy,Cashier" in response.getvalue()


def test_export_xlsx_is_a_workbook(organization, editor):
    response = editor.get(reverse("ownership:export_xlsx", args=[organization.slug]))
    assert response.getvalue()[:2] == b"PK"


def test_export_of_one_journey(organization, editor):
    wanted = JourneyFactory(organization=organization, name="Wanted")
    other = JourneyFactory(organization=organization, name="Other")
    for journey in (wanted, other):
        stage = StageFactory(journey=journey, organization=organization)
        TouchpointFactory(stage=stage, journey=journey, organization=organization)
    response = editor.get(reverse("ownership:export_csv", args=[organization.slug]), {"journey": wanted.id})
    assert b"Wanted" in response.getvalue() and b"Other" not in response.getvalue()
