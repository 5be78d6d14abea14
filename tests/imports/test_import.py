"""Importing and exporting the matrix file against the database (docs/matrix-file.md)."""

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxowner.orgs.names import name_key
from journeys.models import Journey, Stage, Touchpoint
from ownership.editor.services import assignment_confirm
from ownership.imports.matrixfile.sheet import MatrixFileInvalid
from ownership.imports.matrixfile.writer import write_matrix_csv, write_matrix_xlsx
from ownership.imports.reading import import_options
from ownership.imports.services import matrix_import_file, matrix_sheet
from ownership.models import Assignment, Function
from tests.factories import AssignmentFactory, FunctionFactory, OrganizationFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

LIMIT = 10 * 1024 * 1024
BROADBAND = (
    "journey;stage;touchpoint;channel;importance;Out of scope;Customer Service;Field Operations;Marketing\r\n"
    "Fix my broadband;Report;Support chat;Chat;4;;a, r;;i\r\n"
    "Fix my broadband;Repair;Technician visit;Home;5;;;A + R;\r\n"
    "Fix my broadband;Repair;Street cabinet;Street;2;yes;;;\r\n"
    "Get broadband;Buy;Order page;Web;3;;;;AR\r\n"
)


def run_import(organization, text: str | bytes, filename: str = "matrix.csv", **kwargs):
    data = text.encode() if isinstance(text, str) else text
    return matrix_import_file(organization=organization, data=data, filename=filename, max_bytes=LIMIT, **kwargs)


def letters(organization) -> set[tuple[str, str, str]]:
    return set(
        Assignment.objects.filter(organization=organization).values_list("touchpoint__name", "function__name", "letter")
    )


def database_state() -> list:
    return [list(model.objects.order_by("pk").values()) for model in (Journey, Stage, Touchpoint, Function, Assignment)]


def test_import_creates_journeys_stages_touchpoints_functions_and_letters(organization):
    summary = run_import(organization, BROADBAND)
    assert summary.journeys_created == ["Fix my broadband", "Get broadband"]
    assert summary.functions_created == ["Customer Service", "Field Operations", "Marketing"]
    assert letters(organization) == {
        ("Support chat", "Customer Service", "A"),
        ("Support chat", "Customer Service", "R"),
        ("Support chat", "Marketing", "I"),
        ("Technician visit", "Field Operations", "A"),
        ("Technician visit", "Field Operations", "R"),
        ("Order page", "Marketing", "A"),
        ("Order page", "Marketing", "R"),
    }
    cabinet = Touchpoint.objects.get(organization=organization, name="Street cabinet")
    assert cabinet.out_of_scope and cabinet.importance == 2 and cabinet.stage.name == "Repair"


def test_import_keeps_the_order_of_the_file(organization):
    run_import(organization, BROADBAND)
    journey = Journey.objects.get(organization=organization, name="Fix my broadband")
    assert list(journey.stages.values_list("name", flat=True)) == ["Report", "Repair"]
    repair = journey.stages.get(name="Repair")
    assert list(repair.touchpoints.values_list("name", flat=True)) == ["Technician visit", "Street cabinet"]


def test_reimport_asked_to_replace_replaces_only_the_journeys_named_in_the_file(organization):
    run_import(organization, BROADBAND)
    run_import(
        organization,
        "journey,stage,touchpoint,Marketing\nFix my broadband,Report,Support chat,C\n",
        options=import_options(replace=True),
    )
    assert set(Touchpoint.objects.filter(organization=organization).values_list("name", flat=True)) == {
        "Support chat",
        "Order page",
    }
    assert letters(organization) == {
        ("Support chat", "Marketing", "C"),
        ("Order page", "Marketing", "A"),
        ("Order page", "Marketing", "R"),
    }


def test_reimport_keeps_what_the_file_does_not_list_unless_asked_to_replace(organization):
    run_import(organization, BROADBAND)
    summary = run_import(organization, "journey,stage,touchpoint,Marketing\nFix my broadband,Report,Support chat,C\n")
    assert summary.touchpoints_deleted == 0 and summary.stages_deleted == 0
    assert set(Touchpoint.objects.filter(organization=organization).values_list("name", flat=True)) == {
        "Support chat",
        "Technician visit",
        "Street cabinet",
        "Order page",
    }
    # The file's column changes; the letters of functions it has no column for stay.
    assert ("Support chat", "Marketing", "C") in letters(organization)
    assert ("Support chat", "Customer Service", "A") in letters(organization)
    assert ("Support chat", "Marketing", "I") not in letters(organization)
    assert ("Technician visit", "Field Operations", "A") in letters(organization)
    assert any("are kept" in note for note in summary.notes)


def test_reimport_of_the_same_file_changes_nothing(organization):
    run_import(organization, BROADBAND)
    before = database_state()
    summary = run_import(organization, BROADBAND)
    assert database_state() == before
    assert (summary.touchpoints_created, summary.touchpoints_updated, summary.letters_added) == (0, 0, 0)


def test_reimport_keeps_confirmations_of_unchanged_letters(organization):
    run_import(organization, BROADBAND)
    accountable = Assignment.objects.get(organization=organization, touchpoint__name="Support chat", letter="A")
    assignment_confirm(assignment=accountable)
    run_import(organization, BROADBAND)
    accountable.refresh_from_db()
    assert accountable.confirmed_at is not None


def test_bad_file_changes_nothing_and_reports_every_error(organization):
    run_import(organization, BROADBAND)
    before = database_state()
    # An empty stage in a later row takes the stage above it (grouped cells); in the first, nothing can.
    bad = "journey,stage,touchpoint,importance,Sales\nJ,,B,3,\nJ,S,A,9,X\nJ,S,A,3,R\n"
    with pytest.raises(MatrixFileInvalid) as invalid:
        run_import(organization, bad)
    reported = {(error.row, error.column) for error in invalid.value.errors}
    assert {(2, "stage"), (3, "importance"), (3, "Sales"), (4, "touchpoint")} <= reported
    assert database_state() == before


def test_dry_run_reports_the_changes_and_changes_nothing(organization):
    before = database_state()
    summary = run_import(organization, BROADBAND, dry_run=True)
    assert summary.touchpoints_created == 4
    assert database_state() == before


def test_import_matches_existing_functions_case_insensitively(organization):
    run_import(organization, BROADBAND)
    run_import(organization, "journey,stage,touchpoint,MARKETING\nGet broadband,Buy,Order page,A\n")
    assert Function.objects.filter(organization=organization).count() == 3


def test_import_does_not_touch_another_organization():
    ours, theirs = OrganizationFactory(), OrganizationFactory()
    run_import(theirs, BROADBAND)
    before = database_state()
    run_import(ours, BROADBAND)
    assert [row for rows in database_state() for row in rows if row.get("organization_id") == theirs.id] == [
        row for rows in before for row in rows if row.get("organization_id") == theirs.id
    ]


def test_export_import_export_is_byte_identical(organization):
    run_import(organization, BROADBAND)
    exported = write_matrix_csv(matrix_sheet(organization=organization))
    other = OrganizationFactory()
    run_import(other, exported)
    assert write_matrix_csv(matrix_sheet(organization=other)) == exported


def test_xlsx_export_imports_to_the_same_matrix(organization):
    run_import(organization, BROADBAND)
    other = OrganizationFactory()
    run_import(other, write_matrix_xlsx(matrix_sheet(organization=organization)), filename="matrix.xlsx")
    assert write_matrix_csv(matrix_sheet(organization=other)) == write_matrix_csv(
        matrix_sheet(organization=organization)
    )


def test_export_writes_letters_in_raci_order_and_guards_formulas(organization):
    touchpoint = TouchpointFactory(stage__journey__organization=organization, name="=HYPERLINK(1)")
    sales = FunctionFactory(organization=organization, name="Sales")
    for letter in "ICAR":
        AssignmentFactory(touchpoint=touchpoint, function=sales, letter=letter)
    text = write_matrix_csv(matrix_sheet(organization=organization)).decode()
    assert text.splitlines()[0] == "journey,stage,touchpoint,channel,description,importance,out_of_scope,Sales"
    assert ",'=HYPERLINK(1)," in text
    assert text.rstrip().endswith(",R/A/C/I")


def test_export_of_one_journey_leaves_out_the_others(organization):
    run_import(organization, BROADBAND)
    journey = Journey.objects.get(organization=organization, name="Get broadband")
    sheet = matrix_sheet(organization=organization, journey=journey)
    assert [row.touchpoint for row in sheet.rows] == ["Order page"]


names = (
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12)
    .map(str.strip)
    .filter(name_key)  # a name of only spaces and hyphens is refused
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(
            names, names, st.integers(1, 5), st.booleans(), st.sampled_from(["", "A", "R", "A/R", "C", "I", "R/C"])
        ),
        min_size=1,
        max_size=12,
        unique_by=lambda row: name_key(row[0]),
    )
)
def test_database_round_trip_is_byte_identical_for_generated_matrices(rows):
    organization = OrganizationFactory()
    written = io.StringIO()
    writer = csv.writer(written)
    writer.writerow(["journey", "stage", "touchpoint", "importance", "out_of_scope", "Sales"])
    for touchpoint, stage, importance, out_of_scope, cell in rows:
        writer.writerow(["Journey", stage, touchpoint, importance, "x" if out_of_scope else "", cell])
    run_import(organization, written.getvalue())
    exported = write_matrix_csv(matrix_sheet(organization=organization))
    again = OrganizationFactory()
    run_import(again, exported)
    assert write_matrix_csv(matrix_sheet(organization=again)) == exported
