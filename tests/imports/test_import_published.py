"""Importing RACI charts as published, through the one import service, the command line, the API
and the import page: layouts, letter maps, pasted text, every problem at once, the preview."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from journeys.models import Journey, Touchpoint
from ownership.imports.matrixfile.sheet import MatrixFileInvalid
from ownership.imports.reading import PASTED_TEXT, TableRefused
from ownership.imports.services import matrix_export
from tests.imports.importing import letters, run

pytestmark = pytest.mark.django_db

WIKI = """# Release process

| Activity | Product Owner | Developers | QA Lead |
|----------|---------------|------------|---------|
| **Planning** |
| [Write the notes](https://wiki/notes) | A | R | C |
| Freeze the branch | I | **A/R** | S |
| **Shipping** |
| Deploy | I | R | A |
"""
TRANSPOSED_HTML = b"""<h2>Launch</h2><table>
<tr><th>Deliverable</th><th>Responsible</th><th>Accountable</th><th>Consulted</th><th>Informed</th></tr>
<tr><td>Launch plan</td><td>Marketing</td><td>Head of Product</td><td>Sales, Legal</td><td>&mdash;</td></tr>
<tr><td>Price list</td><td>Finance and Sales</td><td>CFO</td><td>Marketing</td><td>Execs</td></tr>
</table>"""


# --- the service ------------------------------------------------------------------------------------


def test_a_markdown_chart_imports_under_the_journey_given(organization):
    summary = run(organization, WIKI.encode(), "release.md", journey="Release", letter_map="S=C")
    assert summary.layout == "activity" and summary.table == "table 1 'Release process'"
    journey = Journey.objects.get(organization=organization, name="Release")
    assert list(journey.stages.values_list("name", flat=True)) == ["Planning", "Shipping"]
    assert ("Freeze the branch", "Developers", "A") in letters(organization)
    assert ("Freeze the branch", "QA Lead", "C") in letters(organization)
    assert "Letter map: S read as C in 1 cell" in str(summary)
    assert summary.journey_ids == [journey.id]


def test_a_transposed_html_chart_imports_its_names_as_functions(organization):
    summary = run(organization, TRANSPOSED_HTML, "launch.html", journey="Launch")
    assert summary.layout == "transposed"
    assert summary.functions_created == ["Marketing", "Head of Product", "Sales", "Legal", "Finance", "CFO", "Execs"]
    assert ("Price list", "Sales", "R") in letters(organization)


def test_pasted_text_is_recognised_by_its_content(organization):
    summary = run(organization, b"Task\tSales\tIT\nQuote\tA\tR\n", PASTED_TEXT, journey="Buy")
    assert summary.layout == "activity" and summary.touchpoints_created == 1


def test_an_unknown_letter_is_refused_with_the_letters_to_map_and_nothing_changes(organization):
    with pytest.raises(TableRefused) as caught:
        run(organization, WIKI.encode(), "release.md", journey="Release")
    assert caught.value.unknown_letters == ("S",)
    [error] = caught.value.errors
    assert (error.row, error.column, error.value) == (4, "QA Lead", "S")
    assert "S=R" in error.reason
    assert not Journey.objects.filter(organization=organization).exists()


def test_every_problem_is_told_at_once_where_it_was_written(organization):
    text = "| Task | Importance | Sales |\n|---|---|---|\n| **Plan** |\n| Quote | 9 | A |\n| Order | 3 | Q |\n"
    with pytest.raises(MatrixFileInvalid) as caught:
        run(organization, text.encode(), "chart.md", journey="Buy")
    assert [(e.row, e.column, e.value) for e in caught.value.errors] == [(3, "Importance", "9"), (4, "Sales", "Q")]


def test_a_header_problem_stops_before_the_rows(organization):
    with pytest.raises(MatrixFileInvalid) as caught:
        run(organization, b"Task,Sales,SALES\nQuote,Q,R\nOrder,Q,A\n", "chart.csv")
    [error] = caught.value.errors
    assert "Two columns name the same function" in error.reason


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_import_export_stays_identical(organization, fmt):
    run(organization, WIKI.encode(), "release.md", journey="Release", letter_map="S=C")
    first = b"".join(matrix_export(organization=organization, fmt=fmt).chunks)
    run(organization, first, f"export.{fmt}")
    assert b"".join(matrix_export(organization=organization, fmt=fmt).chunks) == first


def test_a_workbook_with_a_title_and_merged_stages_imports(organization):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [
        ("Change control",),
        (),
        ("Phase", "Step", "Manager", "CAB"),
        ("Request", "Log", "A", "N/A"),
        (None, "Assess", "A/R", "C"),
    ]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    summary = run(organization, buffer.getvalue(), "change.xlsx", journey="Change")
    assert summary.touchpoints_created == 2
    assert set(Touchpoint.objects.filter(organization=organization).values_list("stage__name", flat=True)) == {
        "Request"
    }


# --- the command line -------------------------------------------------------------------------------


def test_the_command_reads_a_chart_with_its_options(organization, tmp_path: Path, capsys):
    path = tmp_path / "release.md"
    path.write_text(WIKI)
    call_command("import_matrix", organization.slug, str(path), "--journey", "Release", "--letter-map", "S=C")
    out = capsys.readouterr().out
    assert "Read as activity-first" in out and "Letter map: S read as C" in out


def test_the_command_names_the_letter_to_map(organization, tmp_path: Path, capsys):
    path = tmp_path / "release.md"
    path.write_text(WIKI)
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_matrix", organization.slug, str(path), "--journey", "Release")
    assert "Unknown letter 'S'" in capsys.readouterr().err


def test_the_command_refuses_a_letter_map_it_cannot_read(organization, tmp_path: Path):
    path = tmp_path / "release.md"
    path.write_text(WIKI)
    with pytest.raises(CommandError, match="S=Q"):
        call_command("import_matrix", organization.slug, str(path), "--journey", "R", "--letter-map", "S=Q")


# --- the API ----------------------------------------------------------------------------------------


@pytest.fixture
def api(api_as):
    client = api_as("editor")
    client.base += "/import/"
    return client


def test_the_api_imports_pasted_text_with_a_letter_map(api, organization):
    body = {"text": WIKI, "journey": "Release", "letter_map": "S=C", "dry_run": True}
    response = api.post(api.base, body, format="json")
    assert response.status_code == 200
    summary = response.json()
    assert summary["layout"] == "activity" and summary["touchpoints_created"] == 3
    assert "Letter map: S read as C in 1 cell" in summary["notes"]
    assert not Journey.objects.filter(organization=organization).exists()


def test_the_api_answers_the_letters_to_map(api):
    response = api.post(
        api.base, {"file": SimpleUploadedFile("release.md", WIKI.encode()), "journey": "R"}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["unknown_letters"] == ["S"]
    assert response.json()["errors"][0]["row"] == 4


@pytest.mark.parametrize(("field", "value"), [("layout", "sideways"), ("letter_map", "S=Q"), ("table", 0)])
def test_the_api_refuses_options_it_cannot_read(api, field, value):
    response = api.post(api.base, {"text": WIKI, "journey": "R", field: value}, format="json")
    assert response.status_code == 400
    assert field in response.json() or field in str(response.json())


def test_the_api_needs_a_file_or_text(api):
    response = api.post(api.base, {"journey": "R"}, format="json")
    assert response.status_code == 400


# --- the import page --------------------------------------------------------------------------------


def test_the_page_previews_a_pasted_chart_journey_by_journey(editor, organization):
    url = reverse("ownership:import_preview", args=[organization.slug])
    response = editor.post(url, {"text": WIKI, "journey": "Release", "letter_map": "S=C", "heading_rows": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="import-layout">activity<' in page
    assert "New journey Release" in page and "Freeze the branch" in page
    assert not Journey.objects.filter(organization=organization).exists()


def test_the_page_asks_for_each_unknown_letter_then_imports_and_shows_the_matrix(editor, organization):
    url = reverse("ownership:import_preview", args=[organization.slug])
    response = editor.post(url, {"text": WIKI, "journey": "Release", "heading_rows": "on"})
    assert response.status_code == 400
    assert 'name="map_S"' in response.content.decode()
    token = response.context["token"]
    response = editor.post(url, {"token": token, "journey": "Release", "heading_rows": "on", "map_S": "R"})
    assert response.status_code == 200
    response = editor.post(
        reverse("ownership:import_confirm", args=[organization.slug]), {"token": response.context["token"]}
    )
    journey = Journey.objects.get(organization=organization, name="Release")
    assert response.status_code == 302
    assert response["Location"] == reverse("journeys:matrix", args=[organization.slug, journey.id])
    assert ("Freeze the branch", "QA Lead", "R") in letters(organization)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_page_offers_templates(editor, organization, fmt):
    response = editor.get(reverse(f"ownership:import_template_{fmt}", args=[organization.slug]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="cxowner-template.{fmt}"'


def test_a_large_chart_goes_to_the_worker_with_its_reading_options(
    api, organization, settings, django_capture_on_commit_callbacks
):
    settings.MATRIX_IMPORT_WORKER_ROWS = 5
    rows = "".join(f"| Step {n} | A | S |\n" for n in range(12))
    text = "| Task | Owner | Helper |\n|---|---|---|\n" + rows
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(api.base, {"text": text, "journey": "Big", "letter_map": "S=R"}, format="json")
    assert response.status_code == 202
    job = api.get(response["Location"]).json()
    assert (job["status"], job["rows"], job["filename"]) == ("done", 12, "pasted text")
    assert Touchpoint.objects.filter(organization=organization, journey__name="Big").count() == 12
    assert ("Step 3", "Helper", "R") in letters(organization)
