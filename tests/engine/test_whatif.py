"""Tests for ownership.engine.whatif: operations on a snapshot and their comparison.

No test here touches the database: the engine is pure, like the rules it runs.
"""

import dataclasses
from datetime import timedelta

import pytest

from ownership.engine.constants import Rule, Severity
from ownership.engine.rules import coverage, evaluate
from ownership.engine.snapshot import RuleSettings
from ownership.engine.whatif import (
    MergeFunctions,
    MoveLetters,
    OperationError,
    RemoveFunction,
    SetCells,
    SetRoleHolder,
    accountable_counts,
    cells_of,
    compare,
    merge_functions,
    move_letters,
    operation_describe,
    remove_function,
    remove_role_holder,
    replay,
    role_holder_set,
    set_cells,
)
from tests.snapshots import NOW, journey, matrix, tp

ROLES = {"CMO": ("Marketing", "Mia"), "Head of Sales": ("Sales", "Sam")}


def ids(snapshot):
    return {f.name: f.id for f in snapshot.functions}


def tids(snapshot):
    return {t.name: t.id for t in snapshot.touchpoints}


def cell(snapshot, touchpoint, function):
    return cells_of(snapshot).get((tids(snapshot)[touchpoint], ids(snapshot)[function]), frozenset())


def contested():
    return journey(
        tp("Ad", {"Marketing": "AR", "Sales": "AC"}),
        tp("Call", {"Sales": "AR"}),
        roles=ROLES,
        owners={"J": "CMO"},
    )


# --- merge_functions --------------------------------------------------------------------------


def test_merge_unions_letters_and_keeps_one_accountable():
    before = contested()
    after = merge_functions(before, source_id=ids(before)["Marketing"], target_id=ids(before)["Sales"])
    assert cell(after, "Ad", "Sales") == {"A", "R", "C"}
    assert [a.letter for a in after.assignments if a.touchpoint_id == tids(after)["Ad"]].count("A") == 1


def test_merge_removes_the_source_function():
    before = contested()
    after = merge_functions(before, source_id=ids(before)["Marketing"], target_id=ids(before)["Sales"])
    assert set(ids(after)) == {"Sales"}
    assert all(a.function_id == ids(before)["Sales"] for a in after.assignments)


def test_merge_moves_the_source_roles_to_the_target():
    before = contested()
    after = merge_functions(before, source_id=ids(before)["Marketing"], target_id=ids(before)["Sales"])
    cmo = next(role for role in after.roles if role.title == "CMO")
    assert cmo.function_id == ids(before)["Sales"]


def test_merge_renames_a_moved_role_whose_title_the_target_uses():
    before = journey(
        tp("Ad", {"Marketing": "A", "Sales": "R"}), roles={"Head": ("Marketing", "M"), "Boss": ("Sales", "S")}
    )
    # Both functions call their role "Head" (titles are unique only within a function).
    before = dataclasses.replace(before, roles=tuple(role._replace(title="Head") for role in before.roles))
    after = merge_functions(before, source_id=ids(before)["Marketing"], target_id=ids(before)["Sales"])
    assert sorted(role.title for role in after.roles) == ["Head", "Head (Marketing)"]


def test_merge_closes_the_contested_gap():
    before = contested()
    comparison = compare(
        before, merge_functions(before, source_id=ids(before)["Marketing"], target_id=ids(before)["Sales"])
    )
    assert [f.rule for f in comparison.closed if f.rule is Rule.MULTIPLE_ACCOUNTABLE] == [Rule.MULTIPLE_ACCOUNTABLE]


def test_merge_into_itself_is_refused():
    before = contested()
    with pytest.raises(OperationError, match="itself"):
        merge_functions(before, source_id=ids(before)["Sales"], target_id=ids(before)["Sales"])


def test_merge_of_an_unknown_function_is_refused():
    before = contested()
    with pytest.raises(OperationError, match="no function #999"):
        merge_functions(before, source_id=999, target_id=ids(before)["Sales"])


def test_moved_letters_carry_no_role_and_count_as_reviewed_now():
    old = NOW - timedelta(days=400)
    before = journey(tp("Ad", {"Marketing": "A"}, roles={"Marketing": "CMO"}, reviewed={"Marketing": old}), roles=ROLES)
    after = merge_functions(before, source_id=ids(before)["Marketing"], target_id=ids(before)["Sales"])
    [moved] = after.assignments
    assert (moved.role_id, moved.reviewed_at) == (None, NOW)


# --- remove_function --------------------------------------------------------------------------


def test_remove_function_drops_its_letters_and_roles():
    before = contested()
    after = remove_function(before, function_id=ids(before)["Marketing"])
    assert "Marketing" not in ids(after)
    assert {role.title for role in after.roles} == {"Head of Sales"}
    assert cell(after, "Ad", "Sales") == {"A", "C"}


def test_remove_function_leaves_its_journeys_without_a_manager():
    before = contested()
    comparison = compare(before, remove_function(before, function_id=ids(before)["Marketing"]))
    assert Rule.JOURNEY_WITHOUT_OWNER in {f.rule for f in comparison.opened}


# --- role holders -----------------------------------------------------------------------------


def test_remove_role_holder_leaves_the_role_vacant_and_opens_vacant_owner():
    before = contested()
    cmo = next(role for role in before.roles if role.title == "CMO")
    comparison = compare(before, remove_role_holder(before, role_id=cmo.id))
    assert [f.rule for f in comparison.opened] == [Rule.VACANT_OWNER]


def test_reassigning_a_vacant_role_closes_vacant_owner():
    before = journey(tp("Ad", {"Sales": "AR"}), roles={"CMO": ("Sales", "")}, owners={"J": "CMO"})
    comparison = compare(before, role_holder_set(before, role_id=before.roles[0].id, holder_name="Noor"))
    assert [f.rule for f in comparison.closed] == [Rule.VACANT_OWNER]


def test_unknown_role_is_refused():
    with pytest.raises(OperationError, match="no role #5"):
        role_holder_set(contested(), role_id=5, holder_name="X")


# --- move_letters -----------------------------------------------------------------------------


def test_move_letters_empties_the_source_which_stays_as_a_function():
    before = contested()
    after = move_letters(before, source_id=ids(before)["Marketing"], target_id=ids(before)["Sales"])
    assert "Marketing" in ids(after)
    assert cell(after, "Ad", "Marketing") == frozenset()
    assert cell(after, "Ad", "Sales") == {"A", "R", "C"}


def test_move_letters_makes_the_source_idle():
    before = contested()
    comparison = compare(
        before, move_letters(before, source_id=ids(before)["Marketing"], target_id=ids(before)["Sales"])
    )
    assert Rule.IDLE_FUNCTION in {f.rule for f in comparison.opened}


# --- set_cells --------------------------------------------------------------------------------


def test_set_cells_gives_exactly_the_letters():
    before = contested()
    after = set_cells(before, cells={(tids(before)["Call"], ids(before)["Marketing"]): "CI"})
    assert cell(after, "Call", "Marketing") == {"C", "I"}
    assert cell(after, "Call", "Sales") == {"A", "R"}


def test_set_cells_keeps_the_review_date_of_a_kept_letter():
    old = NOW - timedelta(days=400)
    before = journey(tp("Ad", {"Sales": "A"}, reviewed={"Sales": old}))
    after = set_cells(before, cells={(tids(before)["Ad"], ids(before)["Sales"]): "AR"})
    assert {a.letter: a.reviewed_at for a in after.assignments} == {"A": old, "R": None}


def test_set_cells_empty_clears_the_cell():
    before = contested()
    after = set_cells(before, cells={(tids(before)["Ad"], ids(before)["Marketing"]): ""})
    assert cell(after, "Ad", "Marketing") == frozenset()


def test_set_cells_refuses_unknown_letters():
    before = contested()
    with pytest.raises(OperationError, match="Unknown letter"):
        set_cells(before, cells={(tids(before)["Ad"], ids(before)["Sales"]): "AX"})


def test_set_cells_refuses_an_unknown_touchpoint():
    before = contested()
    with pytest.raises(OperationError, match="no touchpoint #1"):
        set_cells(before, cells={(1, ids(before)["Sales"]): "A"})


def test_operations_leave_the_original_snapshot_unchanged():
    before = contested()
    findings = [f.fingerprint for f in evaluate(before)]
    merge_functions(before, source_id=ids(before)["Marketing"], target_id=ids(before)["Sales"])
    assert [f.fingerprint for f in evaluate(before)] == findings
    assert len(before.functions) == 2


# --- compare ----------------------------------------------------------------------------------


def test_compare_of_identical_snapshots_changes_nothing():
    before = contested()
    comparison = compare(before, before)
    assert (comparison.opened, comparison.closed, comparison.cells) == ((), (), ())
    assert comparison.unchanged == len(evaluate(before))


def test_compare_opened_and_closed_are_the_audit_difference_by_fingerprint():
    before = contested()
    after = merge_functions(before, source_id=ids(before)["Marketing"], target_id=ids(before)["Sales"])
    comparison = compare(before, after)
    old, new = {f.fingerprint for f in evaluate(before)}, {f.fingerprint for f in evaluate(after)}
    assert {f.fingerprint for f in comparison.opened} == new - old
    assert {f.fingerprint for f in comparison.closed} == old - new


def test_compare_reports_coverage_before_and_after():
    before = journey(tp("Ad", {"Marketing": "A", "Sales": "AR"}), tp("Call", {"Sales": "AR"}))
    after = merge_functions(before, source_id=ids(before)["Marketing"], target_id=ids(before)["Sales"])
    comparison = compare(before, after)
    assert (comparison.coverage_before, comparison.coverage_after) == (coverage(before), 1.0)
    assert comparison.coverage_before == 0.5


def test_compare_shows_the_accountability_bottleneck_a_merge_opens():
    touchpoints = [tp(f"T{i}", {"Marketing" if i % 2 else "Sales": "AR"}) for i in range(10)]
    before = journey(*touchpoints, settings=RuleSettings(bottleneck_min_touchpoints=10, bottleneck_share=0.5))
    comparison = compare(
        before, merge_functions(before, source_id=ids(before)["Marketing"], target_id=ids(before)["Sales"])
    )
    [sales] = comparison.opened_bottlenecks
    assert (sales.name, sales.before, sales.after) == ("Sales", 5, 10)
    assert Rule.ACCOUNTABILITY_BOTTLENECK in {f.rule for f in comparison.opened}


def test_compare_lists_a_removed_function_with_no_load_after():
    before = contested()
    comparison = compare(before, remove_function(before, function_id=ids(before)["Marketing"]))
    marketing = next(load for load in comparison.loads if load.name == "Marketing")
    assert (marketing.before, marketing.after, marketing.change) == (1, None, -1)


def test_compare_lists_the_differing_cells_in_journey_order():
    before = contested()
    after = merge_functions(before, source_id=ids(before)["Marketing"], target_id=ids(before)["Sales"])
    ad = tids(before)["Ad"]
    assert [(d.touchpoint_id, d.function_id, d.before, d.after) for d in compare(before, after).cells] == [
        (ad, ids(before)["Marketing"], {"A", "R"}, frozenset()),
        (ad, ids(before)["Sales"], {"A", "C"}, {"A", "R", "C"}),
    ]


def test_a_cell_whose_rows_changed_but_not_its_letters_is_no_difference():
    """A confirmed A (a new review date) is a different row with the same letters."""
    from ownership.engine.comparison import cell_differences

    before = contested()
    reviewed = [
        row._replace(reviewed_at=NOW + timedelta(days=1)) if row.letter == "A" else row for row in before.assignments
    ]
    after = set_cells(
        dataclasses.replace(before, assignments=tuple(reviewed)),
        cells={(tids(before)["Call"], ids(before)["Sales"]): "I"},
    )
    assert [(d.touchpoint_id, d.function_id, d.after) for d in cell_differences(before, after)] == [
        (tids(before)["Call"], ids(before)["Sales"], {"I"})
    ]


def test_accountable_counts_skip_out_of_scope_touchpoints():
    snapshot = journey(tp("Ad", {"Sales": "A"}), tp("Park", {"Sales": "A"}, out_of_scope=True))
    assert accountable_counts(snapshot) == {ids(snapshot)["Sales"]: 1}


# --- replay -----------------------------------------------------------------------------------


def test_replay_applies_operations_in_order():
    before = contested()
    f = ids(before)
    result = replay(
        before, [MergeFunctions(f["Marketing"], f["Sales"]), SetCells(((tids(before)["Call"], f["Sales"], "A"),))]
    )
    assert result.skipped == ()
    assert cell(result.snapshot, "Call", "Sales") == {"A"}
    assert "Marketing" not in ids(result.snapshot)


def test_replay_reports_operations_that_no_longer_apply():
    before = contested()
    f = ids(before)
    result = replay(before, [RemoveFunction(f["Marketing"]), MoveLetters(f["Marketing"], f["Sales"])])
    [skipped] = result.skipped
    assert (skipped.index, skipped.operation) == (1, MoveLetters(f["Marketing"], f["Sales"]))
    assert "no function" in skipped.reason


def test_operations_are_described_with_the_matrix_names():
    before = contested()
    f = ids(before)
    cmo = next(role for role in before.roles if role.title == "CMO")
    assert operation_describe(before, MergeFunctions(f["Marketing"], f["Sales"])) == "Merge Marketing into Sales"
    assert operation_describe(before, SetRoleHolder(cmo.id, "")) == "The holder of CMO (Marketing) leaves"
    assert operation_describe(before, SetRoleHolder(cmo.id, "Noor")) == "Noor takes over CMO (Marketing)"
    assert (
        operation_describe(before, MoveLetters(f["Sales"], f["Marketing"]))
        == "Move all of Sales's letters to Marketing"
    )


def test_merge_reaches_every_journey():
    before = matrix(
        {"Buy": [[tp("Ad", {"Marketing": "A"})]], "Use": [[tp("Help", {"Marketing": "R"})]]}, functions=("Sales",)
    )
    after = merge_functions(before, source_id=ids(before)["Marketing"], target_id=ids(before)["Sales"])
    assert {a.function_id for a in after.assignments} == {ids(before)["Sales"]}


def test_compare_counts_findings_by_severity_on_both_sides():
    before = contested()
    after = merge_functions(before, source_id=ids(before)["Marketing"], target_id=ids(before)["Sales"])
    comparison = compare(before, after)
    assert sum(comparison.severities_before.values()) == len(evaluate(before))
    assert comparison.severities_after == {s: sum(f.severity is s for f in evaluate(after)) for s in Severity}


def test_a_few_set_cells_are_described_cell_by_cell():
    before = contested()
    f, t = ids(before), tids(before)
    one = SetCells(((t["Ad"], f["Sales"], "R"), (t["Call"], f["Marketing"], "")))
    assert operation_describe(before, one) == "Set Sales on Ad: R; Marketing on Call: nothing"
    many = SetCells(tuple((t["Ad"], f["Sales"], letter) for letter in "RACI"))
    assert operation_describe(before, many) == "Set 4 cells"
