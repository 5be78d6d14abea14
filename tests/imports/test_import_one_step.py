"""Published charts imported with no option through the service, the command line and the API
(issue 19), and an import that keeps what the file does not describe unless asked to replace."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from journeys.models import Journey, Touchpoint
from tests.imports.importing import letters, run
from tests.imports.test_tables_one_step import PHASES

pytestmark = pytest.mark.django_db


CHECKOUT = """# RACI Matrix — Checkout

| ID | Step | Payments | Support | Fraud |
|---|---|---|---|---|
| 1_0 | Take the card | A | | C |
| 1_1 | Refund | R (finance desk) | A | |
| 1_2 | Chargeback | (C) | I | A |

S = Support, N = Not involved
"""


def test_a_chart_with_no_journey_column_an_id_column_and_remarks_imports_with_no_option(organization):
    summary = run(organization, CHECKOUT.encode(), "checkout.md")
    journey = Journey.objects.get(organization=organization)
    assert journey.name == "Checkout"
    assert ("Refund", "Payments", "R") in letters(organization) and ("Chargeback", "Payments", "C") in letters(
        organization
    )
    assert Touchpoint.objects.get(name="Refund").description == "Payments: finance desk"
    text = str(summary)
    assert "journey named 'Checkout'" in text and "Column 'ID'" in text and "remark" in text


def test_a_page_of_phase_tables_keeps_every_tables_touchpoints(organization):
    run(organization, PHASES.encode(), "relaunch.md")
    journey = Journey.objects.get(organization=organization, name="Website relaunch")
    assert list(journey.stages.values_list("name", flat=True)) == [
        "Phase 1: Initiation",
        "Phase 2: Build",
        "Phase 3: Launch",
    ]
    assert journey.touchpoints.count() == 6


def test_importing_one_table_later_keeps_the_other_tables_touchpoints(organization):
    run(organization, PHASES.encode(), "relaunch.md")
    summary = run(organization, PHASES.encode(), "relaunch.md", table=2)
    assert summary.touchpoints_deleted == 0
    names = set(Touchpoint.objects.filter(organization=organization).values_list("name", flat=True))
    assert {"Write the brief", "Pick the studio", "Go live", "Build the pages"} <= names


def test_replacing_the_journey_deletes_what_the_file_does_not_list(organization):
    run(organization, PHASES.encode(), "relaunch.md")
    summary = run(organization, PHASES.encode(), "relaunch.md", table=2, replace=True)
    # Table 2 is "Phase 1: Initiation" (table 1 is the key).
    assert summary.touchpoints_deleted == 4 and summary.stages_deleted == 2
    assert set(Touchpoint.objects.values_list("name", flat=True)) == {"Write the brief", "Pick the studio"}
    assert any("Replaces its journeys" in note for note in summary.notes)


def test_the_command_imports_a_chart_with_no_option(organization, tmp_path: Path, capsys):
    path = tmp_path / "checkout.md"
    path.write_text(CHECKOUT)
    call_command("import_matrix", organization.slug, str(path))
    assert "journey named 'Checkout'" in capsys.readouterr().out
    assert Journey.objects.filter(organization=organization, name="Checkout").exists()


def test_the_command_replaces_when_asked(organization, tmp_path: Path):
    path = tmp_path / "relaunch.md"
    path.write_text(PHASES)
    call_command("import_matrix", organization.slug, str(path))
    call_command("import_matrix", organization.slug, str(path), "--table", "2", "--replace")
    assert Touchpoint.objects.filter(organization=organization).count() == 2


@pytest.fixture
def api(api_as):
    client = api_as("editor")
    client.base += "/import/"
    return client


def test_the_api_imports_a_chart_with_no_option(api, organization):
    upload = SimpleUploadedFile("checkout.md", CHECKOUT.encode())
    response = api.post(api.base, {"file": upload}, format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["journeys_created"] == ["Checkout"]


def test_the_api_replaces_when_asked(api, organization):
    api.post(api.base, {"text": PHASES}, format="json")
    response = api.post(api.base, {"text": PHASES, "table": 2, "replace": True}, format="json")
    assert response.status_code == 200 and response.json()["touchpoints_deleted"] == 4
