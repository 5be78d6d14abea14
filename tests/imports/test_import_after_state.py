"""The state an import's history records as "after" is built from its plan (ownership/imports/after.py),
not read back: it must be exactly what a read of the journeys gives once the plan is written."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from cxowner.orgs.history import ChangeItem, ChangeSet
from journeys.models import Touchpoint
from ownership.imports.after import state_after
from ownership.imports.history import import_before, journeys_state
from ownership.imports.reading import import_options
from ownership.imports.services import ImportSummary, matrix_read
from ownership.imports.writing import import_plan, import_write
from ownership.models import Function
from tests.imports.importing import LIMIT
from tests.imports.test_import import run_import

pytestmark = pytest.mark.django_db

FIRST = (
    "journey,stage,touchpoint,channel,Sales,Support\n"
    "Store visit,Browse,Window,Street,A/R,C\n"
    "Store visit,Browse,Shelf,Store,R,A\n"
    "Store visit,Pay,Till,Store,A,I\n"
    "Store visit,Pay,Receipt,Paper,,R/A\n"
    "Returns,Ask,Desk,Store,A/R,\n"
)
# Replaces "Store visit": Shelf moves stage and changes letters, Receipt goes, Till's channel
# holds a tab (stored as a space), a new function and touchpoint come, a letter of Support goes.
SECOND = (
    "journey,stage,touchpoint,channel,Sales,Billing\n"
    "Store visit,Browse,Window,Street,A/R,\n"
    "Store visit,Pay,Shelf,Store,C,A/R\n"
    'Store visit,Pay,Till,"Store\tcounter",A,I\n'
    "Store visit,Leave,Door,Street,,A\n"
    "Online,Visit,Home page,Web,R/A,\n"
)


def planned_and_written(organization, text: str, *, replace: bool):
    sheet = matrix_read(data=text.encode(), filename="matrix.csv", max_bytes=LIMIT).sheet
    before = import_before(organization=organization, sheet=sheet)
    plan = import_plan(organization, sheet, ImportSummary(), replace)
    import_write(organization, plan, lambda done: None)
    return before, plan


@pytest.mark.parametrize("replace", [False, True])
def test_the_state_after_a_reimport_is_what_the_database_holds(organization, replace):
    run_import(organization, FIRST)
    with transaction.atomic():
        before, plan = planned_and_written(organization, SECOND, replace=replace)
        read_back = journeys_state(organization=organization, journey_ids={journey.pk for journey in plan.journeys})
        assert state_after(before, plan) == read_back


def test_the_state_after_a_first_import_is_what_the_database_holds(organization):
    with transaction.atomic():
        before, plan = planned_and_written(organization, FIRST, replace=False)
        read_back = journeys_state(organization=organization, journey_ids={journey.pk for journey in plan.journeys})
        assert state_after(before, plan) == read_back


def test_a_replacing_reimport_records_what_it_removed_and_rewrote(organization):
    run_import(organization, FIRST)
    run_import(organization, SECOND, options=import_options(replace=True))
    items = ChangeItem.objects.filter(change_set=ChangeSet.objects.latest("id"))
    gone = {item.before["name"] for item in items if item.object_type == "touchpoint" and item.after is None}
    support = Function.objects.get(organization=organization, name="Support").pk
    emptied = {(item.touchpoint_id, item.before) for item in items if item.function_id == support}
    shelf = Touchpoint.objects.get(organization=organization, name="Shelf").pk
    channels = {(item.before, item.after) for item in items if item.field == "channel"}
    assert (gone, (shelf, "A") in emptied, channels) == ({"Receipt"}, True, {("Store", "Store counter")})


def test_the_history_of_an_import_reads_nothing_back_after_its_writes(organization):
    run_import(organization, FIRST)
    with CaptureQueriesContext(connection) as captured:
        run_import(organization, SECOND)
    statements = [query["sql"] for query in captured.captured_queries]
    last_write = max(i for i, sql in enumerate(statements) if sql.startswith('INSERT INTO "ownership_assignment"'))
    recorded = next(i for i, sql in enumerate(statements) if sql.startswith('INSERT INTO "orgs_changeset"'))
    # Before after.py: the journeys, touchpoints, letters and functions, read again here.
    assert statements[last_write + 1 : recorded] == []
