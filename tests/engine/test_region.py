"""ownership.engine.region.compare equals the comparison of two full audits (comparison.compare_whole).

The region's comparison runs the rules only where the matrices differ; these tests draw varied
matrices and scenarios and hold every field of its result equal to running every rule on both
whole matrices. No database: the engine is pure.
"""

import random
from datetime import timedelta

import pytest

from ownership.engine.comparison import by_severity, compare_whole
from ownership.engine.constants import Rule
from ownership.engine.rules import evaluate
from ownership.engine.snapshot import RuleSettings
from ownership.engine.whatif import (
    MergeFunctions,
    MoveLetters,
    RemoveFunction,
    SetCells,
    SetRoleHolder,
    compare,
    replay,
)
from tests.snapshots import NOW, matrix, tp

FUNCTIONS = ("Sales", "Marketing", "Service", "IT", "Finance")
ROLES = {
    "Head of Sales": ("Sales", "Sam"),
    "CMO": ("Marketing", ""),  # vacant
    "Service lead": ("Service", "Sue"),
    "CIO": ("IT", ""),  # vacant
}
SETTINGS = RuleSettings(responsible_limit=2, consult_limit=2, inform_limit=2, bottleneck_min_touchpoints=4)


def random_matrix(rng: random.Random):
    """Journeys of stages of touchpoints with every kind of gap: no letters, two A, overloads,
    out of scope, A's carried by vacant roles, A's last reviewed long ago."""
    journeys = {}
    for j in range(rng.randint(1, 3)):
        stages = []
        for _ in range(rng.randint(1, 3)):
            stage = []
            for _ in range(rng.randint(0, 4)):
                letters = {}
                for function in rng.sample(FUNCTIONS, rng.randint(0, 4)):
                    held = "".join(x for x in "RACI" if rng.random() < 0.4)
                    if held:
                        letters[function] = held
                roles = {f: title for title, (f, _) in ROLES.items() if f in letters and rng.random() < 0.5}
                reviewed = {f: NOW - timedelta(days=400) for f in letters if rng.random() < 0.2}
                stage.append(
                    tp(
                        f"T{j}.{len(stages)}.{len(stage)}",
                        letters,
                        rng.randint(1, 5),
                        rng.random() < 0.15,
                        roles,
                        reviewed,
                    )
                )
            stages.append(stage)
        journeys[f"J{j}"] = stages
    owners = {name: rng.choice([*ROLES, None]) for name in journeys}
    owners = {name: role for name, role in owners.items() if role}
    return matrix(journeys, owners=owners, roles=ROLES, functions=FUNCTIONS, settings=SETTINGS)


def random_operations(rng: random.Random, snapshot):
    functions = [f.id for f in snapshot.functions]
    touchpoints = [t.id for t in snapshot.touchpoints]
    roles = [r.id for r in snapshot.roles]
    operations = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(["merge", "move", "remove", "cells", "holder"])
        if kind in ("merge", "move"):
            source, target = rng.sample(functions, 2)
            operations.append((MergeFunctions if kind == "merge" else MoveLetters)(source, target))
        elif kind == "remove":
            operations.append(RemoveFunction(rng.choice(functions)))
        elif kind == "cells" and touchpoints:
            cells = {(rng.choice(touchpoints), rng.choice(functions)) for _ in range(rng.randint(1, 4))}
            operations.append(SetCells(tuple((t, f, rng.choice(["", "A", "R", "AR", "CI", "RACI"])) for t, f in cells)))
        elif kind == "holder":
            operations.append(SetRoleHolder(rng.choice(roles), rng.choice(["", "Kim"])))
    return operations


@pytest.mark.parametrize("seed", range(60))
def test_the_comparison_over_what_differs_equals_two_full_audits(seed):
    rng = random.Random(seed)
    before = random_matrix(rng)
    after = replay(before, random_operations(rng, before)).snapshot
    assert compare(before, after) == compare_whole(before, after)


@pytest.mark.parametrize("seed", range(60))
def test_the_comparison_of_the_columns_a_replay_changed_equals_two_full_audits(seed):
    rng = random.Random(seed)
    before = random_matrix(rng)
    replayed = replay(before, random_operations(rng, before))
    assert compare(before, replayed.snapshot, columns=replayed.columns) == compare_whole(before, replayed.snapshot)


def test_a_replay_names_the_columns_its_applied_steps_change_and_no_other():
    before = random_matrix(random.Random(3))
    sales, marketing, service, it, _ = (f.id for f in before.functions)
    role = before.roles[0].id
    steps = [MergeFunctions(sales, marketing), SetRoleHolder(role, ""), MoveLetters(sales, it), RemoveFunction(service)]

    replayed = replay(before, steps)

    assert [s.index for s in replayed.skipped] == [2]  # Sales is gone by then
    assert replayed.columns == {sales, marketing, service}


@pytest.mark.parametrize("seed", range(60, 80))
def test_the_comparison_counts_unchanged_gaps_from_the_totals_it_is_given(seed):
    rng = random.Random(seed)
    before = random_matrix(rng)
    after = replay(before, random_operations(rng, before)).snapshot
    found_before = by_severity(evaluate(before))
    assert compare(before, after, found_before=found_before) == compare_whole(before, after)


def known_of(snapshot):
    """What the live gaps say of a matrix: its findings about touchpoints, stale ownership apart."""
    return {
        f.fingerprint: f.touchpoint_ids
        for f in evaluate(snapshot)
        if f.touchpoint_ids and f.rule is not Rule.STALE_OWNERSHIP
    }


@pytest.mark.parametrize("seed", range(80, 160))
def test_the_comparison_words_only_the_closing_gaps_of_what_the_live_gaps_know(seed):
    rng = random.Random(seed)
    before = random_matrix(rng)
    after = replay(before, random_operations(rng, before)).snapshot
    found_before = by_severity(evaluate(before))
    comparison = compare(before, after, found_before=found_before, known_before=known_of(before))
    assert comparison == compare_whole(before, after)


def test_a_closing_gap_the_rules_no_longer_find_today_compares_the_region_in_full():
    # The live gaps were read after a write the snapshot does not hold: they know a gap that
    # the rules do not find today, and that the scenario would close.
    before = matrix({"J": [[tp("Ad", {"Sales": "RA"}), tp("Web", {"IT": "RA"})]]}, functions=("Sales", "IT"))
    after = replay(before, [SetCells(((before.touchpoints[0].id, _function_id(before, "Sales"), "R"),))]).snapshot
    known = {**known_of(before), "f" * 64: (before.touchpoints[0].id,)}
    assert compare(before, after, known_before=known) == compare_whole(before, after)


def test_a_change_of_thresholds_compares_the_whole_matrices():
    before = matrix({"J": [[tp("Ad", {"Sales": "R", "IT": "R", "Service": "R"})]]}, settings=SETTINGS)
    after = before.__class__(**{**before.__dict__, "settings": RuleSettings(responsible_limit=3)})
    comparison = compare(before, after)
    assert comparison == compare_whole(before, after)
    assert [f.rule.value for f in comparison.closed] == ["too_many_responsible"]


def _function_id(snapshot, name):
    return next(f.id for f in snapshot.functions if f.name == name)


def test_a_vacant_role_moved_by_a_merge_keeps_its_gap_unchanged():
    # The merge moves the CMO role (vacant) to Sales; the A it carries elsewhere stays Marketing's.
    before = matrix(
        {"J": [[tp("Ad", {"Marketing": "A", "Sales": "R"}, roles={"Marketing": "CMO"}), tp("Web", {"IT": "RA"})]]},
        roles={"CMO": ("Marketing", "")},
        functions=("Sales", "IT"),
    )
    after = replay(before, [MergeFunctions(_function_id(before, "IT"), _function_id(before, "Sales"))]).snapshot
    comparison = compare(before, after)
    assert comparison == compare_whole(before, after)
    assert "vacant_owner" not in {f.rule.value for f in (*comparison.opened, *comparison.closed)}


def test_a_role_handed_to_someone_else_while_held_opens_and_closes_nothing():
    before = matrix(
        {"J": [[tp("Ad", {"Sales": "RA"}, roles={"Sales": "Head of Sales"})]]},
        roles={"Head of Sales": ("Sales", "Sam")},
    )
    role_id = before.roles[0].id
    after = replay(before, [SetRoleHolder(role_id, "Kim")]).snapshot
    comparison = compare(before, after)
    assert comparison == compare_whole(before, after)
    assert (comparison.opened, comparison.closed) == ((), ())


def test_a_role_left_vacant_opens_the_gap_of_each_accountability_it_carries():
    before = matrix(
        {"J": [[tp("Ad", {"Sales": "RA"}, roles={"Sales": "Head of Sales"}), tp("Web", {"Sales": "R"})]]},
        roles={"Head of Sales": ("Sales", "Sam")},
    )
    after = replay(before, [SetRoleHolder(before.roles[0].id, "")]).snapshot
    comparison = compare(before, after)
    assert comparison == compare_whole(before, after)
    assert ("vacant_owner", ("Ad",)) in {(f.rule.value, f.touchpoints) for f in comparison.opened}


def test_a_letter_moved_to_a_function_that_held_none_there_still_bridges_a_handoff():
    # Marketing's C on Ad goes to IT: Ad keeps its letter counts and its A (none of its own
    # findings can change), but IT now takes part in Ad, which bridges the handoff to Web.
    before = matrix({"J": [[tp("Ad", {"Sales": "RA", "Marketing": "C"}), tp("Web", {"IT": "RA"})]]})
    after = replay(before, [MergeFunctions(_function_id(before, "Marketing"), _function_id(before, "IT"))]).snapshot
    comparison = compare(before, after, found_before=by_severity(evaluate(before)), known_before=known_of(before))
    assert comparison == compare_whole(before, after)
    assert ("handoff_gap", ("Ad", "Web")) in {(f.rule.value, f.touchpoints) for f in comparison.closed}


def test_a_responsibility_moved_to_a_function_that_held_none_there_leaves_its_giver_idle():
    # Ad still has one R after the move (no finding of Ad changes), but Service holds no R or A left.
    before = matrix({"J": [[tp("Ad", {"Sales": "A", "Service": "R"}), tp("Web", {"IT": "RA"})]]})
    service, it = _function_id(before, "Service"), _function_id(before, "IT")
    after = replay(before, [MoveLetters(service, it)]).snapshot
    comparison = compare(before, after, found_before=by_severity(evaluate(before)), known_before=known_of(before))
    assert comparison == compare_whole(before, after)
    assert ("idle_function", ("Service",)) in {(f.rule.value, f.functions) for f in comparison.opened}


def test_a_stale_accountability_merged_into_another_function_is_confirmed_anew():
    # The A changes function and review date (the receiver's letter is new): same A count, new A row.
    before = matrix(
        {"J": [[tp("Ad", {"Marketing": "A", "Sales": "R"}, reviewed={"Marketing": NOW - timedelta(days=400)})]]}
    )
    after = replay(before, [MergeFunctions(_function_id(before, "Marketing"), _function_id(before, "Sales"))]).snapshot
    comparison = compare(before, after, found_before=by_severity(evaluate(before)), known_before=known_of(before))
    assert comparison == compare_whole(before, after)
    assert "stale_ownership" in {f.rule.value for f in comparison.closed}


@pytest.mark.parametrize("seed", range(160, 260))
def test_a_merge_or_a_move_compares_equal_to_two_full_audits_where_letters_only_change_hands(seed):
    # Merges and moves hand letters to functions that held none there: the touchpoints that are
    # neither judged nor handed are the most of any step, so these are drawn most often here.
    rng = random.Random(seed)
    before = random_matrix(rng)
    source, target = rng.sample([f.id for f in before.functions], 2)
    step = rng.choice([MergeFunctions, MoveLetters])(source, target)
    replayed = replay(before, [step])
    found_before, known = by_severity(evaluate(before)), known_of(before)
    comparison = compare(
        before, replayed.snapshot, found_before=found_before, known_before=known, columns=replayed.columns
    )
    assert comparison == compare_whole(before, replayed.snapshot)
