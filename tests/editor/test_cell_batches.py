"""Many cells at once (a paste, a fill down, a cleared selection): one change set, all or nothing."""

import pytest
from django.core.exceptions import ValidationError

from cxowner.orgs.errors import StaleCells
from cxowner.orgs.history import ChangeSet
from ownership.editor.batches import BatchAction, CellEdit, cell_edits_read, cells_batch_set
from ownership.editor.services import CellChange, cells_read, cells_set
from tests.factories import JourneyFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def block(one_stage_journey):
    return one_stage_journey("Returns", "Return", [f"Step {i}" for i in range(3)], ("Sales", "Finance", "Legal", "IT"))


def edits(block, rows: list[list[str]], expected: str = "") -> list[CellEdit]:
    return [
        CellEdit(block["touchpoints"][r].id, block["functions"][c].id, letters, expected)
        for r, line in enumerate(rows)
        for c, letters in enumerate(line)
    ]


def letters(block) -> list[list[str]]:
    cells = [(t.id, f.id) for t in block["touchpoints"] for f in block["functions"]]
    now = cells_read(organization=block["journey"].organization, cells=cells)
    width = len(block["functions"])
    return [
        ["".join(letter for letter in "RACI" if letter in now[cell]) for cell in cells[i : i + width]]
        for i in range(0, len(cells), width)
    ]


def test_a_pasted_block_reads_letters_the_way_the_importer_does(block):
    rows = [["A/R", "c", "Informed", "-"], ["R, A", "", "i", "C+I"], ["a", "R", "", "N/A"]]
    cells_batch_set(journey=block["journey"], action=BatchAction.PASTE, edits=edits(block, rows))
    assert letters(block) == [["RA", "C", "I", ""], ["RA", "", "I", "CI"], ["A", "R", "", ""]]


def test_a_paste_is_one_change_set_named_for_it(block):
    rows = [["A/R", "C", "I", ""], ["R", "", "", ""]]
    before = ChangeSet.objects.count()
    written = cells_batch_set(journey=block["journey"], action=BatchAction.PASTE, edits=edits(block, rows))
    assert ChangeSet.objects.count() == before + 1
    assert written.change_set.summary == "Paste of 4 cells"
    assert written.change_set.items.count() == 4


def test_one_unreadable_cell_refuses_the_whole_paste_naming_it(block):
    rows = [["A", "R"], ["C", "Yes"]]
    with pytest.raises(ValidationError, match="Step 1 × Finance: “Y”, “E”, “S” are not RACI letters"):
        cells_batch_set(journey=block["journey"], action=BatchAction.PASTE, edits=edits(block, rows))
    assert letters(block)[0] == ["", "", "", ""]


def test_one_stale_cell_refuses_the_whole_paste(block):
    organization = block["journey"].organization
    first, finance = block["touchpoints"][0], block["functions"][1]
    cells_set(organization=organization, changes=[CellChange(first.id, finance.id, frozenset("C"))])
    with pytest.raises(StaleCells) as refused:
        cells_batch_set(journey=block["journey"], action=BatchAction.PASTE, edits=edits(block, [["A", "R"]]))
    assert refused.value.current == {(first.id, finance.id): frozenset("C")}
    assert letters(block)[0] == ["", "C", "", ""]


def test_a_cell_of_another_journey_is_refused(block, organization):
    journey = JourneyFactory(organization=organization)
    stage = StageFactory(journey=journey, organization=organization)
    elsewhere = TouchpointFactory(stage=stage, journey=journey, organization=organization)
    foreign = [CellEdit(elsewhere.id, block["functions"][0].id, "A", "")]
    with pytest.raises(ValidationError, match="not in the journey “Returns”"):
        cells_batch_set(journey=block["journey"], action=BatchAction.PASTE, edits=foreign)


def test_a_cell_given_twice_is_refused(block):
    twice = edits(block, [["A"]]) * 2
    with pytest.raises(ValidationError, match="given twice"):
        cells_batch_set(journey=block["journey"], action=BatchAction.PASTE, edits=twice)


def test_clear_empties_the_cells_whatever_letters_are_sent(block):
    cells_batch_set(journey=block["journey"], action=BatchAction.PASTE, edits=edits(block, [["A", "R"]]))
    cleared = [CellEdit(e.touchpoint_id, e.function_id, "A", e.letters) for e in edits(block, [["A", "R"]])]
    written = cells_batch_set(journey=block["journey"], action=BatchAction.CLEAR, edits=cleared)
    assert letters(block)[0] == ["", "", "", ""]
    assert written.change_set.summary == "Clear of 2 cells"


def test_the_request_body_is_checked_before_anything_is_read():
    with pytest.raises(ValidationError, match="Send the cells"):
        cell_edits_read({"cells": []})
    with pytest.raises(ValidationError, match="Cell 2 needs whole-number"):
        cell_edits_read({"cells": [{"touchpoint": 1, "function": 2}, {"touchpoint": "x", "function": 2}]})
    with pytest.raises(ValidationError, match="letters and expected are text"):
        cell_edits_read({"cells": [{"touchpoint": 1, "function": 2, "letters": ["A"]}]})


def test_a_batch_query_count_grows_only_with_the_live_gaps_window(block, django_assert_max_num_queries):
    rows = [["A/R", "C", "I", "I"], ["R", "A", "C", "I"], ["I", "I", "A", "R"]]
    # touchpoints and functions named; cells_write (savepoints, lock, functions, read, delete,
    # insert, versions, history) with its live gap refresh, which reads two neighbours per
    # touchpoint touched (3 here)
    with django_assert_max_num_queries(40):
        cells_batch_set(journey=block["journey"], action=BatchAction.PASTE, edits=edits(block, rows))
