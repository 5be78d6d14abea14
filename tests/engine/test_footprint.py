"""Tests for ownership.engine.footprint: what a scenario's steps touch, its base, and what changed since.

No database: a matrix is described with tests/snapshots.py, and a later state of it is another
description with the same shape (so the same ids).
"""

import json

from ownership.engine.footprint import Base, base_record, changed_since, footprint
from ownership.engine.whatif import MergeFunctions, MoveLetters, RemoveFunction, SetCells, SetRoleHolder, set_cells
from ownership.engine.whatif import role_holder_set as holder_set
from tests.snapshots import matrix, tp

ROLES = {"CMO": ("Marketing", "Mia"), "Head of Sales": ("Sales", "Sam")}


def acme(ad_marketing="AR", call_sales="AR", pay_it="C", roles=ROLES, names=()):
    return matrix(
        {
            "Buy": [
                [
                    tp("Ad", {"Marketing": ad_marketing, "Sales": "A"}),
                    tp("Call", {"Sales": call_sales}),
                    tp("Pay", {"IT": pay_it, "Sales": "I"}),
                ]
            ]
        },
        roles=roles,
        functions=names,
    )


def ids(snapshot):
    return {f.name: f.id for f in snapshot.functions}


def tids(snapshot):
    return {t.name: t.id for t in snapshot.touchpoints}


def merge(snapshot):
    return MergeFunctions(ids(snapshot)["Marketing"], ids(snapshot)["Sales"])


def recorded(snapshot, operations):
    """The base as it is stored: through JSON and back."""
    return Base.of(json.loads(json.dumps(base_record(snapshot, footprint(snapshot, operations)).data())))


def changes(base, today, operations):
    """What changed, for a recorded base (a row it does not know is reached only through one that changed)."""
    return [
        (c.subject, c.verb, c.detail)
        for c in changed_since(base, today, footprint(today, operations), unknown_is_today=True)
    ]


def test_a_merge_touches_both_functions_the_source_column_and_the_target_cells_under_it():
    snapshot = acme()
    touched = footprint(snapshot, [merge(snapshot)])
    f, t = ids(snapshot), tids(snapshot)
    assert touched.functions == {f["Marketing"], f["Sales"]}
    assert touched.columns == {f["Marketing"]}
    assert touched.cells == {(t["Ad"], f["Sales"])}
    assert touched.roles == {100}  # the CMO, who moves
    assert touched.role_sets == {f["Marketing"], f["Sales"]}


def test_a_later_step_is_read_on_the_matrix_the_earlier_ones_left():
    snapshot = acme()
    f, t = ids(snapshot), tids(snapshot)
    # Marketing merged into Sales, then Sales's letters move to IT: every Sales cell is touched.
    touched = footprint(snapshot, [merge(snapshot), MoveLetters(f["Sales"], f["IT"])])
    assert {(t[name], f["IT"]) for name in ("Ad", "Call", "Pay")} <= touched.cells


def test_nothing_changed_nothing_named():
    snapshot = acme()
    operations = [merge(snapshot), SetRoleHolder(101, "Noor")]
    assert changes(recorded(snapshot, operations), snapshot, operations) == []


def test_a_change_outside_the_footprint_is_not_a_change_of_the_scenario():
    snapshot = acme()
    operations = [merge(snapshot)]
    # Call × Sales and Pay × IT are Sales's and IT's cells where Marketing holds nothing.
    today = acme(call_sales="R", pay_it="CI", roles={**ROLES, "CIO": ("IT", "Ines")})
    assert changes(recorded(snapshot, operations), today, operations) == []


def test_a_touched_cell_that_changed_is_named_with_its_letters():
    snapshot = acme()
    operations = [merge(snapshot)]
    assert changes(recorded(snapshot, operations), acme(ad_marketing="R"), operations) == [
        ("the cell Buy › Ad × Marketing", "was changed", "RA → R")
    ]


def test_a_new_letter_in_a_merged_column_is_a_change():
    snapshot = acme()
    operations = [merge(snapshot)]
    today = set_cells(snapshot, cells={(tids(snapshot)["Call"], ids(snapshot)["Marketing"]): "C"})
    assert changes(recorded(snapshot, operations), today, operations) == [
        ("the cell Buy › Call × Marketing", "was changed", "— → C")
    ]


def test_a_renamed_function_and_a_role_that_joined_it_are_named():
    snapshot = acme()
    operations = [RemoveFunction(ids(snapshot)["Marketing"])]
    today = matrix(
        {
            "Buy": [
                [
                    tp("Ad", {"Mktg": "AR", "Sales": "A"}),
                    tp("Call", {"Sales": "AR"}),
                    tp("Pay", {"IT": "C", "Sales": "I"}),
                ]
            ]
        },
        roles={"CMO": ("Mktg", "Mia"), "Head of Sales": ("Sales", "Sam"), "Growth lead": ("Mktg", "Gus")},
    )
    assert changes(recorded(snapshot, operations), today, operations) == [
        ("the function Marketing", "was renamed to Mktg", ""),
        ("a role Growth lead", "was added to Mktg", ""),
    ]


def test_a_role_whose_holder_changed_is_named_with_both_holders():
    snapshot = acme()
    operations = [SetRoleHolder(100, "")]
    today = holder_set(snapshot, role_id=100, holder_name="Noor")
    assert changes(recorded(snapshot, operations), today, operations) == [
        ("the role CMO (Marketing)", "was changed", "holder Mia → Noor")
    ]


def test_a_step_added_later_keeps_the_base_of_the_earlier_rows():
    drawn = acme()
    first = [SetCells(((tids(drawn)["Pay"], ids(drawn)["IT"], "R"),))]
    base = recorded(drawn, first)
    later = acme(pay_it="I", call_sales="R")  # both changed before the second step is added
    both = [*first, SetCells(((tids(drawn)["Call"], ids(drawn)["Sales"], "A"),))]
    extended = base_record(later, footprint(later, both), base)
    # Pay × IT keeps the state the first step was drawn on; Call × Sales is drawn on today's.
    assert changes(extended, later, both) == [("the cell Buy › Pay × IT", "was changed", "C → I")]


def test_an_unrecorded_row_counts_as_unchanged_only_when_nothing_changed_since():
    snapshot = acme()
    operations = [SetRoleHolder(100, "")]
    touched = footprint(snapshot, operations)
    assert changed_since(Base.of({}), snapshot, touched, unknown_is_today=True) == []
    [change] = changed_since(Base.of({}), snapshot, touched, unknown_is_today=False)
    assert change.subject == "the role CMO (Marketing)"
