"""Undo and redo in the matrix editor: the member's own change sets, read back from the history."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cxowner.orgs.change_context import change_context
from cxowner.orgs.history import ChangeSet
from journeys.models import Touchpoint
from journeys.services import touchpoint_delete
from ownership.editor.reverts import RevertRefused
from ownership.editor.services import CellChange, cells_read, cells_set, cells_write
from ownership.editor.undo import NothingToStep, redo_step, undo_stacks, undo_step
from ownership.models import Gap
from tests.factories import TouchpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sheet(one_stage_journey, member):
    journey = one_stage_journey("Store visit", "Buy", [f"Step {i}" for i in range(3)], ("Sales", "Finance"))
    return {**journey, "user": member("editor")}


def write(sheet, letters: str, *, touchpoint: int = 0, function: int = 0, user=None):
    """One cell edit by `user` (the sheet's editor unless given), as the editor makes it."""
    cell = (sheet["touchpoints"][touchpoint].id, sheet["functions"][function].id)
    with change_context(surface="browser", user=user or sheet["user"]):
        current = cells_read(organization=sheet["journey"].organization, cells=[cell])[cell]
        cells_set(organization=sheet["journey"].organization, changes=[CellChange(*cell, frozenset(letters), current)])


def cell(sheet, touchpoint: int = 0, function: int = 0) -> str:
    key = (sheet["touchpoints"][touchpoint].id, sheet["functions"][function].id)
    return "".join(sorted(cells_read(organization=sheet["journey"].organization, cells=[key])[key]))


def undo(sheet, user=None):
    with change_context(surface="browser", user=user or sheet["user"]):
        return undo_step(journey=sheet["journey"], user=user or sheet["user"])


def redo(sheet, user=None):
    with change_context(surface="browser", user=user or sheet["user"]):
        return redo_step(journey=sheet["journey"], user=user or sheet["user"])


def test_undo_puts_back_the_last_change(sheet):
    write(sheet, "A")
    write(sheet, "AR")
    undo(sheet)
    assert cell(sheet) == "A"


def test_three_undos_and_two_redos_restore_each_state(sheet):
    states = [""]
    for letters in ("R", "RA", "RAC"):
        write(sheet, letters, touchpoint=1)
        states.append(cell(sheet, touchpoint=1))
    for expected in reversed(states[:-1]):
        undo(sheet)
        assert cell(sheet, touchpoint=1) == expected
    for expected in states[1:3]:
        redo(sheet)
        assert cell(sheet, touchpoint=1) == expected


def test_fifty_steps_undo_back_to_the_start(sheet):
    for step in range(50):
        # Six cells in turn, each written a different letter every time it comes round.
        write(sheet, "RACI"[step // 6 % 4], touchpoint=step % 3, function=step % 2)
    assert len(undo_stacks(journey=sheet["journey"], user=sheet["user"]).undo) == 50
    for _ in range(50):
        undo(sheet)
    assert all(cell(sheet, t, f) == "" for t in range(3) for f in range(2))
    with pytest.raises(NothingToStep):
        undo(sheet)


def test_each_step_is_one_change_set_that_names_the_set_it_reverts(sheet):
    write(sheet, "A")
    edit = ChangeSet.objects.latest("id")
    undo(sheet)
    step = ChangeSet.objects.latest("id")
    assert step.reverts_id == edit.pk
    assert step.summary == "Undo of “1 cell changed”"
    assert step.actor_user == sheet["user"]
    assert [(item.before, item.after) for item in step.items.all()] == [("A", "")]


def test_a_new_edit_after_undo_empties_the_redo_stack(sheet):
    write(sheet, "A")
    undo(sheet)
    write(sheet, "C")
    assert undo_stacks(journey=sheet["journey"], user=sheet["user"]).redo == ()
    with pytest.raises(NothingToStep, match="nothing to redo"):
        redo(sheet)


def test_the_stacks_hold_only_the_members_own_changes(sheet, member):
    other = member("editor")
    write(sheet, "A")
    write(sheet, "C", touchpoint=2, user=other)
    undo(sheet)
    assert cell(sheet) == ""
    assert cell(sheet, touchpoint=2) == "C"
    with pytest.raises(NothingToStep, match="nothing to undo"):
        undo(sheet)


def test_undo_of_a_cell_someone_else_changed_is_refused_with_its_current_value(sheet, member):
    write(sheet, "A")
    write(sheet, "AC", user=member("editor"))
    before = ChangeSet.objects.count()
    with pytest.raises(RevertRefused, match="Step 0 × Sales now holds A/C"):
        undo(sheet)
    assert cell(sheet) == "AC"
    assert ChangeSet.objects.count() == before


def test_a_refused_undo_stays_on_the_stack(sheet, member):
    write(sheet, "A")
    write(sheet, "AC", user=member("editor"))
    with pytest.raises(RevertRefused):
        undo(sheet)
    assert len(undo_stacks(journey=sheet["journey"], user=sheet["user"]).undo) == 1


def test_undo_of_a_many_cell_change_is_all_or_nothing(sheet, member):
    organization = sheet["journey"].organization
    cells = [(t.id, sheet["functions"][0].id) for t in sheet["touchpoints"]]
    with change_context(surface="browser", user=sheet["user"]):
        cells_write(organization=organization, changes=[CellChange(*c, frozenset("R"), frozenset()) for c in cells])
    write(sheet, "", touchpoint=2, user=member("editor"))
    with pytest.raises(RevertRefused, match="now holds empty"):
        undo(sheet)
    assert [cell(sheet, t) for t in range(3)] == ["R", "R", ""]


def test_undo_updates_the_live_gaps(sheet):
    write(sheet, "AR")
    assert not Gap.objects.filter(touchpoint=sheet["touchpoints"][0], rule="unassigned", resolved_at=None).exists()
    undo(sheet)
    assert Gap.objects.filter(touchpoint=sheet["touchpoints"][0], rule="unassigned", resolved_at=None).exists()


def test_the_stacks_are_read_in_one_query(sheet, django_assert_max_num_queries):
    for step in range(60):
        write(sheet, "AR"[step % 2])
    with django_assert_max_num_queries(1):
        stacks = undo_stacks(journey=sheet["journey"], user=sheet["user"])
    assert len(stacks.undo) == 60


def test_an_undo_costs_a_constant_number_of_queries_more_than_its_write(sheet):
    organization = sheet["journey"].organization
    stage = sheet["touchpoints"][0].stage
    big = [TouchpointFactory(stage=stage, organization=organization, position=10 + i) for i in range(40)]
    changes = [CellChange(t.id, sheet["functions"][1].id, frozenset("I"), frozenset()) for t in big]
    with change_context(surface="browser", user=sheet["user"]), CaptureQueriesContext(connection) as write:
        cells_write(organization=organization, changes=changes)
    with CaptureQueriesContext(connection) as step:
        undo(sheet)
    # The stacks, the change set, the journey's organization; the plan: its items, which
    # touchpoints and functions still exist, their letters, the names of touchpoints, functions
    # and journeys; a savepoint more. The write itself (with the live gaps, whose handoff window
    # grows with the touchpoints touched) costs what the edit's did. (The bound was 10 while the
    # edit, toggling I only, still counted the in-scope touchpoints for the function rules the
    # undo then found counted: an I moves no function rule now, in neither.)
    assert len(step) <= len(write) + 12
    assert cells_read(organization=organization, cells=[changes[0][:2]]) == {changes[0][:2]: frozenset()}


def test_undo_skips_cells_of_a_touchpoint_deleted_since(sheet):
    organization = sheet["journey"].organization
    first, last = sheet["touchpoints"][0], sheet["touchpoints"][2]
    sales = sheet["functions"][0]
    with change_context(surface="browser", user=sheet["user"]):
        cells_write(
            organization=organization,
            changes=[CellChange(t.id, sales.id, frozenset("R"), frozenset()) for t in (first, last)],
        )
        touchpoint_delete(touchpoint=Touchpoint.objects.get(pk=last.pk))
    done = undo(sheet)
    assert cell(sheet) == ""
    assert done.plan.gone == ("Step 2 (deleted) × Sales",)


def test_a_step_whose_cells_were_all_deleted_is_passed_over(sheet):
    write(sheet, "A")  # kept
    write(sheet, "C", touchpoint=2)  # its touchpoint goes
    with change_context(surface="browser", user=sheet["user"]):
        touchpoint_delete(touchpoint=Touchpoint.objects.get(pk=sheet["touchpoints"][2].pk))
    undo(sheet)
    assert cell(sheet) == ""
    with pytest.raises(NothingToStep, match="nothing to undo"):
        undo(sheet)
    redo(sheet)
    assert cell(sheet) == "A"
