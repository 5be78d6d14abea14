"""The import preview: what an import would create, delete and change, and its coverage and gaps
before → after, computed by the audit's own rules without writing anything."""

import pytest

from journeys.models import Journey, Stage, Touchpoint
from ownership.engine.rules import coverage, evaluate
from ownership.gaps.snapshots import snapshot_load
from ownership.imports.matrixfile import read_matrix
from ownership.imports.preview import CellChange, Gaps, TouchpointLetters, matrix_import_preview
from ownership.imports.services import matrix_import_file
from ownership.models import Assignment, Function
from tests.factories import AssignmentFactory, FunctionFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

FILE = (
    "journey,stage,touchpoint,importance,Sales,Service\n"
    "Store visit,Arrive,Parking lot,3,A/R,\n"
    "Store visit,Pay,Cashier,5,R,A\n"
    "Store visit,Pay,Receipt,2,,I\n"
)


def sheet_of(text: str):
    return read_matrix(text.encode(), filename="m.csv")


@pytest.fixture
def store(organization):
    """Store visit: Arrive (Parking lot: Sales A), Browse (Signage: Service R), Pay (Cashier: Sales A)."""
    sales = FunctionFactory(organization=organization, name="Sales", position=1)
    service = FunctionFactory(organization=organization, name="Service", position=2)
    arrive = StageFactory(journey__organization=organization, journey__name="Store visit", name="Arrive", position=1)
    journey = arrive.journey
    browse = StageFactory(journey=journey, name="Browse", position=2)
    pay = StageFactory(journey=journey, name="Pay", position=3)
    parking = TouchpointFactory(stage=arrive, name="Parking lot", position=1)
    signage = TouchpointFactory(stage=browse, name="Signage", position=1)
    cashier = TouchpointFactory(stage=pay, name="Cashier", position=1)
    AssignmentFactory(touchpoint=parking, function=sales, letter="A")
    AssignmentFactory(touchpoint=signage, function=service, letter="R")
    AssignmentFactory(touchpoint=cashier, function=sales, letter="A")
    return journey


def test_preview_names_what_is_created_deleted_and_changed(organization, store):
    preview = matrix_import_preview(organization=organization, sheet=sheet_of(FILE), replace=True)
    [journey] = preview.journeys
    assert (journey.name, journey.created) == ("Store visit", False)
    assert journey.stages_created == [] and journey.stages_deleted == ["Browse"]
    assert journey.touchpoints_created == [TouchpointLetters("Receipt", "Pay", (("Service", "I"),))]
    assert journey.touchpoints_deleted == [TouchpointLetters("Signage", "Browse", (("Service", "R"),))]
    assert journey.cells_changed == [
        CellChange("Parking lot", "Sales", "A", "R/A"),
        CellChange("Cashier", "Sales", "A", "R"),
        CellChange("Cashier", "Service", "", "A"),
    ]
    assert preview.functions_created == ()


def test_preview_of_a_new_journey_has_no_before(organization, store):
    preview = matrix_import_preview(organization=organization, sheet=sheet_of(FILE.replace("Store visit", "Online")))
    [journey] = preview.journeys
    assert journey.created and journey.coverage_before is None and journey.gaps_before == Gaps()
    assert [t.name for t in journey.touchpoints_created] == ["Parking lot", "Cashier", "Receipt"]
    assert journey.stages_created == ["Arrive", "Pay"]


def test_preview_names_functions_to_be_created(organization, store):
    text = "journey,stage,touchpoint,Sales,Legal\nStore visit,Pay,Cashier,A,R\n"
    assert matrix_import_preview(organization=organization, sheet=sheet_of(text)).functions_created == ("Legal",)


def test_preview_matches_names_as_people_read_them(organization, store):
    text = "journey,stage,touchpoint,SALES\nstore  visit,arrive,parking-lot,A\n"
    [journey] = matrix_import_preview(organization=organization, sheet=sheet_of(text), replace=True).journeys
    assert journey.touchpoints_created == [] and journey.cells_changed == []
    assert journey.stages_deleted == ["Browse", "Pay"]


@pytest.mark.parametrize(
    "text",
    [
        FILE,
        FILE.replace("Store visit", "Online"),
        "journey,stage,touchpoint,Sales,Service\nStore visit,Arrive,Parking lot,A/R,C\nStore visit,Arrive,Door,,\n",
        "journey,stage,touchpoint,out_of_scope,Sales,Service,Legal\nStore visit,Pay,Cashier,yes,A,A,R\n",
    ],
)
def test_preview_figures_are_the_audits_figures_after_the_import(organization, store, text):
    preview = matrix_import_preview(organization=organization, sheet=sheet_of(text))
    before = snapshot_load(organization=organization)
    assert preview.coverage_before == coverage(before)
    matrix_import_file(organization=organization, data=text.encode(), filename="m.csv", max_bytes=10**6)
    after = snapshot_load(organization=organization)
    findings = evaluate(after)
    assert preview.coverage_after == coverage(after)
    assert preview.gaps_after.total == len(findings)
    assert preview.gaps_after.error == sum(1 for f in findings if f.severity == "error")
    for journey in preview.journeys:
        stored = Journey.objects.get(organization=organization, name__iexact=journey.name)
        assert journey.gaps_after.total == sum(1 for f in findings if f.journey_id == stored.id)


def test_preview_writes_nothing(organization, store):
    counts = [model.objects.count() for model in (Journey, Stage, Touchpoint, Function, Assignment)]
    matrix_import_preview(organization=organization, sheet=sheet_of(FILE.replace("Sales", "Legal")))
    assert [model.objects.count() for model in (Journey, Stage, Touchpoint, Function, Assignment)] == counts


def test_preview_reads_in_a_constant_number_of_queries(organization, store, django_assert_max_num_queries):
    sheet = sheet_of(FILE)
    # * functions  * roles  * journeys  * touchpoints  * assignments  * stages
    with django_assert_max_num_queries(6):
        matrix_import_preview(organization=organization, sheet=sheet)
