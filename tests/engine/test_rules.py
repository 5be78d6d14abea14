"""Tests for ownership.engine.rules: the gap rules of docs/gap-rules.md.

No test here is marked django_db: pytest-django refuses database access, which proves the rules
read only the snapshot.
"""

import dataclasses
from datetime import timedelta

import pytest

from ownership.engine.constants import Rule
from ownership.engine.rules import Finding, coverage, evaluate
from ownership.engine.snapshot import OrgSnapshot, RuleSettings
from tests.snapshots import NOW, journey, matrix, tp

OWNED = {"owners": {"J": "Lead"}, "roles": {"Lead": ("Sales", "Ann")}}


def found(snapshot: OrgSnapshot, rule: Rule) -> list[Finding]:
    return [finding for finding in evaluate(snapshot) if finding.rule == rule]


def about(snapshot: OrgSnapshot, touchpoint: str) -> set[Rule]:
    """The rules reporting the touchpoint named `touchpoint`."""
    return {finding.rule for finding in evaluate(snapshot) if touchpoint in finding.touchpoints}


def fs(count: int, letter: str, prefix: str = "F") -> dict[str, str]:
    """`count` functions F1..Fn each holding `letter`."""
    return {f"{prefix}{i}": letter for i in range(1, count + 1)}


# --- unassigned -------------------------------------------------------------------------------


def test_unassigned_fires_for_in_scope_touchpoint_without_letters():
    [finding] = found(journey(tp("Parking", importance=4)), Rule.UNASSIGNED)
    assert finding.as_dict()["touchpoints"] == ["Parking"]
    assert finding.as_dict()["journey"] == "J"
    assert finding.functions == ()


def test_unassigned_does_not_fire_when_any_letter_is_held():
    assert found(journey(tp("Parking", {"Sales": "I"})), Rule.UNASSIGNED) == []


def test_unassigned_skips_out_of_scope_touchpoint():
    assert found(journey(tp("Parking", out_of_scope=True)), Rule.UNASSIGNED) == []


def test_unassigned_suppresses_the_other_touchpoint_rules():
    snapshot = journey(tp("Ad", {"Sales": "AR"}), tp("Parking"), tp("Call", {"IT": "AR"}))
    assert about(snapshot, "Parking") == {Rule.UNASSIGNED}


# --- no_accountable ---------------------------------------------------------------------------


def test_no_accountable_fires_when_letters_but_no_a():
    [finding] = found(journey(tp("Ad", {"Sales": "R", "IT": "CI"})), Rule.NO_ACCOUNTABLE)
    assert finding.touchpoints == ("Ad",)


def test_no_accountable_does_not_fire_with_one_a():
    assert found(journey(tp("Ad", {"Sales": "R", "IT": "A"})), Rule.NO_ACCOUNTABLE) == []


def test_no_accountable_skips_out_of_scope_touchpoint():
    assert found(journey(tp("Ad", {"Sales": "R"}, out_of_scope=True)), Rule.NO_ACCOUNTABLE) == []


# --- multiple_accountable ---------------------------------------------------------------------


def test_multiple_accountable_lists_contested_functions_sorted_by_name():
    snapshot = journey(tp("Ad", {"Sales": "A", "IT": "AR", "Billing": "A", "Legal": "C"}))
    [finding] = found(snapshot, Rule.MULTIPLE_ACCOUNTABLE)
    assert finding.as_dict()["functions"] == ["Billing", "IT", "Sales"]
    assert finding.touchpoints == ("Ad",)


def test_multiple_accountable_does_not_fire_with_one_a():
    assert found(journey(tp("Ad", {"Sales": "A", "IT": "R"})), Rule.MULTIPLE_ACCOUNTABLE) == []


def test_multiple_accountable_skips_out_of_scope_touchpoint():
    snapshot = journey(tp("Ad", {"Sales": "A", "IT": "A"}, out_of_scope=True))
    assert found(snapshot, Rule.MULTIPLE_ACCOUNTABLE) == []


# --- no_responsible ---------------------------------------------------------------------------


def test_no_responsible_fires_when_letters_but_no_r():
    [finding] = found(journey(tp("Ad", {"Sales": "A", "IT": "C"})), Rule.NO_RESPONSIBLE)
    assert finding.touchpoints == ("Ad",)


def test_no_responsible_does_not_fire_with_an_r():
    assert found(journey(tp("Ad", {"Sales": "A", "IT": "R"})), Rule.NO_RESPONSIBLE) == []


def test_no_responsible_skips_out_of_scope_touchpoint():
    assert found(journey(tp("Ad", {"Sales": "A"}, out_of_scope=True)), Rule.NO_RESPONSIBLE) == []


def test_several_letters_by_one_function_count_as_one_a_and_one_r():
    snapshot = journey(tp("Ad", {"Sales": "AR"}), **OWNED)
    assert about(snapshot, "Ad") == set()
    assert coverage(snapshot) == 1.0


# --- too_many_responsible / consult_overload / inform_overload --------------------------------


def test_too_many_responsible_three_r_is_fine():
    assert found(journey(tp("Ad", {"Sales": "A", **fs(3, "R")})), Rule.TOO_MANY_RESPONSIBLE) == []


def test_too_many_responsible_fires_at_four_r_listing_them_sorted():
    letters = {"Sales": "A", "F4": "R", "F2": "R", "F3": "RA", "F1": "R"}
    [finding] = found(journey(tp("Ad", letters)), Rule.TOO_MANY_RESPONSIBLE)
    assert finding.functions == ("F1", "F2", "F3", "F4")


def test_too_many_responsible_uses_custom_limit():
    settings = RuleSettings(responsible_limit=1)
    assert found(journey(tp("Ad", fs(1, "R")), settings=settings), Rule.TOO_MANY_RESPONSIBLE) == []
    [finding] = found(journey(tp("Ad", fs(2, "R")), settings=settings), Rule.TOO_MANY_RESPONSIBLE)
    assert finding.functions == ("F1", "F2")


def test_too_many_responsible_skips_out_of_scope_touchpoint():
    assert found(journey(tp("Ad", fs(4, "R"), out_of_scope=True)), Rule.TOO_MANY_RESPONSIBLE) == []


def test_consult_overload_three_c_is_fine():
    assert found(journey(tp("Ad", {"Sales": "AR", **fs(3, "C")})), Rule.CONSULT_OVERLOAD) == []


def test_consult_overload_fires_at_four_c_listing_them_sorted():
    [finding] = found(journey(tp("Ad", {"Sales": "AR", **fs(4, "C")})), Rule.CONSULT_OVERLOAD)
    assert finding.functions == ("F1", "F2", "F3", "F4")


def test_consult_overload_uses_custom_limit():
    settings = RuleSettings(consult_limit=5)
    assert found(journey(tp("Ad", fs(5, "C")), settings=settings), Rule.CONSULT_OVERLOAD) == []
    assert len(found(journey(tp("Ad", fs(6, "C")), settings=settings), Rule.CONSULT_OVERLOAD)) == 1


def test_consult_overload_skips_out_of_scope_touchpoint():
    assert found(journey(tp("Ad", fs(4, "C"), out_of_scope=True)), Rule.CONSULT_OVERLOAD) == []


def test_inform_overload_five_i_is_fine():
    assert found(journey(tp("Ad", {"Sales": "AR", **fs(5, "I")})), Rule.INFORM_OVERLOAD) == []


def test_inform_overload_fires_at_six_i_listing_them_sorted():
    [finding] = found(journey(tp("Ad", {"Sales": "AR", **fs(6, "I")})), Rule.INFORM_OVERLOAD)
    assert finding.functions == ("F1", "F2", "F3", "F4", "F5", "F6")


def test_inform_overload_uses_custom_limit():
    settings = RuleSettings(inform_limit=2)
    assert found(journey(tp("Ad", fs(2, "I")), settings=settings), Rule.INFORM_OVERLOAD) == []
    assert len(found(journey(tp("Ad", fs(3, "I")), settings=settings), Rule.INFORM_OVERLOAD)) == 1


def test_inform_overload_skips_out_of_scope_touchpoint():
    assert found(journey(tp("Ad", fs(6, "I"), out_of_scope=True)), Rule.INFORM_OVERLOAD) == []


# --- handoff_gap ------------------------------------------------------------------------------


def test_handoff_gap_fires_between_unbridged_accountables_in_spec_shape():
    snapshot = matrix(
        {
            "Fix my broadband": [
                [
                    tp("Support chat", {"Customer Service": "AR"}),
                    tp("Technician visit", {"Field Operations": "AR"}),
                ]
            ]
        }
    )
    [finding] = found(snapshot, Rule.HANDOFF_GAP)
    assert finding.as_dict() == {
        "rule": "handoff_gap",
        "severity": "warning",
        "journey": "Fix my broadband",
        "touchpoints": ["Support chat", "Technician visit"],
        "functions": ["Customer Service", "Field Operations"],
        "roles": [],
        "message": "Handoff from Support chat (Customer Service) to Technician visit (Field Operations) has no bridge",
    }


def test_handoff_gap_lists_functions_sorted_but_message_in_handoff_order():
    [finding] = found(journey(tp("T", {"Sales": "AR"}), tp("U", {"Billing": "AR"})), Rule.HANDOFF_GAP)
    assert finding.touchpoints == ("T", "U")
    assert finding.functions == ("Billing", "Sales")
    assert finding.message == "Handoff from T (Sales) to U (Billing) has no bridge"


@pytest.mark.parametrize("letter", ["R", "A", "C", "I"])
def test_handoff_gap_does_not_fire_when_first_accountable_is_party_of_next(letter):
    snapshot = journey(tp("T", {"Sales": "AR"}), tp("U", {"IT": "AR", "Sales": letter}))
    assert found(snapshot, Rule.HANDOFF_GAP) == []


@pytest.mark.parametrize("letter", ["R", "A", "C", "I"])
def test_handoff_gap_does_not_fire_when_second_accountable_is_party_of_previous(letter):
    snapshot = journey(tp("T", {"Sales": "AR", "IT": letter}), tp("U", {"IT": "AR"}))
    assert found(snapshot, Rule.HANDOFF_GAP) == []


@pytest.mark.parametrize(
    "t_letters, u_letters",
    [
        ({"Sales": "R"}, {"IT": "AR"}),
        ({"Sales": "AR"}, {"IT": "R"}),
        ({"Sales": "AR", "Legal": "A"}, {"IT": "AR"}),
        ({"Sales": "AR"}, {"IT": "AR", "Legal": "A"}),
    ],
    ids=["no-a-on-t", "no-a-on-u", "two-a-on-t", "two-a-on-u"],
)
def test_handoff_gap_needs_exactly_one_a_on_both_touchpoints(t_letters, u_letters):
    assert found(journey(tp("T", t_letters), tp("U", u_letters)), Rule.HANDOFF_GAP) == []


def test_handoff_gap_does_not_fire_when_same_function_is_accountable_on_both():
    snapshot = journey(tp("T", {"Sales": "A", "IT": "R"}), tp("U", {"Sales": "A", "Billing": "R"}))
    assert found(snapshot, Rule.HANDOFF_GAP) == []


def test_handoff_gap_crosses_stage_boundaries():
    snapshot = matrix(
        {
            "J": [
                [tp("S1a", {"Sales": "AR"}), tp("S1b", {"Sales": "AR"})],
                [tp("S2a", {"IT": "AR"}), tp("S2b", {"IT": "AR"})],
            ]
        }
    )
    [finding] = found(snapshot, Rule.HANDOFF_GAP)
    assert finding.touchpoints == ("S1b", "S2a")


def test_handoff_gap_chain_closes_over_out_of_scope_touchpoints():
    snapshot = journey(
        tp("T", {"Sales": "AR"}),
        tp("Parking", {"Sales": "I", "IT": "I"}, out_of_scope=True),
        tp("Valet", out_of_scope=True),
        tp("U", {"IT": "AR"}),
    )
    [finding] = found(snapshot, Rule.HANDOFF_GAP)
    assert finding.touchpoints == ("T", "U")


def test_handoff_gap_chain_does_not_skip_unassigned_in_scope_touchpoint():
    snapshot = journey(tp("T", {"Sales": "AR"}), tp("Gap"), tp("U", {"IT": "AR"}))
    assert found(snapshot, Rule.HANDOFF_GAP) == []


def test_handoff_gap_does_not_cross_journeys():
    snapshot = matrix({"J1": [[tp("T", {"Sales": "AR"})]], "J2": [[tp("U", {"IT": "AR"})]]})
    assert found(snapshot, Rule.HANDOFF_GAP) == []


def test_handoff_gap_does_not_cross_journeys_over_out_of_scope_tail():
    snapshot = matrix(
        {
            "J1": [[tp("T", {"Sales": "AR"}), tp("Exit", out_of_scope=True)]],
            "J2": [[tp("Entry", out_of_scope=True), tp("U", {"IT": "AR"})]],
        }
    )
    assert found(snapshot, Rule.HANDOFF_GAP) == []


def test_handoff_gap_scores_warning_weight_times_larger_importance():
    snapshot = journey(tp("T", {"Sales": "AR"}, importance=2), tp("U", {"IT": "AR"}, importance=5))
    [finding] = found(snapshot, Rule.HANDOFF_GAP)
    assert finding.score == 2 * 5


# --- journey_without_owner / vacant_owner -----------------------------------------------------


def test_journey_without_owner_fires_for_journey_without_owner_role():
    [finding] = found(journey(tp("Ad", {"Sales": "AR"})), Rule.JOURNEY_WITHOUT_OWNER)
    assert finding.as_dict()["journey"] == "J"
    assert finding.touchpoints == ()
    assert finding.functions == ()


def test_journey_without_owner_does_not_fire_when_owned_even_by_vacant_role():
    snapshot = journey(tp("Ad", {"Sales": "AR"}), owners={"J": "Lead"}, roles={"Lead": ("Sales", "")})
    assert found(snapshot, Rule.JOURNEY_WITHOUT_OWNER) == []


def test_vacant_owner_fires_for_journey_owner_role_without_holder():
    snapshot = journey(tp("Ad", {"Sales": "AR"}), owners={"J": "Lead"}, roles={"Lead": ("Sales", "")})
    [finding] = found(snapshot, Rule.VACANT_OWNER)
    assert finding.journey == "J"
    assert finding.touchpoints == ()
    assert finding.roles == ("Lead",)


def test_vacant_owner_does_not_fire_for_held_journey_owner_role():
    assert found(journey(tp("Ad", {"Sales": "AR"}), **OWNED), Rule.VACANT_OWNER) == []


def test_vacant_owner_fires_for_vacant_role_on_a_assignment():
    snapshot = journey(
        tp("Ad", {"Sales": "A", "IT": "R"}, roles={"Sales": "Ad manager"}),
        roles={"Ad manager": ("Sales", "")},
    )
    [finding] = found(snapshot, Rule.VACANT_OWNER)
    assert finding.touchpoints == ("Ad",)
    assert finding.roles == ("Ad manager",)
    assert finding.journey == "J"


def test_vacant_owner_does_not_fire_for_held_role_on_a_assignment():
    snapshot = journey(tp("Ad", {"Sales": "AR"}, roles={"Sales": "Ad manager"}), roles={"Ad manager": ("Sales", "Bo")})
    assert found(snapshot, Rule.VACANT_OWNER) == []


def test_vacant_owner_does_not_fire_for_vacant_role_on_r_assignment():
    snapshot = journey(
        tp("Ad", {"Sales": "A", "IT": "R"}, roles={"IT": "Ad clerk"}),
        roles={"Ad clerk": ("IT", "")},
    )
    assert found(snapshot, Rule.VACANT_OWNER) == []


def test_vacant_owner_skips_out_of_scope_touchpoint():
    snapshot = journey(
        tp("Ad", {"Sales": "AR"}, roles={"Sales": "Ad manager"}, out_of_scope=True),
        roles={"Ad manager": ("Sales", "")},
    )
    assert found(snapshot, Rule.VACANT_OWNER) == []


# --- idle_function ----------------------------------------------------------------------------


def test_idle_function_fires_for_function_holding_only_c_and_i():
    snapshot = journey(tp("Ad", {"Sales": "AR", "Legal": "C"}), tp("Call", {"Sales": "AR", "Legal": "I"}))
    [finding] = found(snapshot, Rule.IDLE_FUNCTION)
    assert finding.as_dict()["functions"] == ["Legal"]
    assert finding.as_dict()["journey"] is None
    assert finding.as_dict()["touchpoints"] == []


def test_idle_function_fires_for_function_without_any_assignment():
    snapshot = journey(tp("Ad", {"Sales": "AR"}), functions=("Legal",))
    assert [f.functions for f in found(snapshot, Rule.IDLE_FUNCTION)] == [("Legal",)]


@pytest.mark.parametrize("letter", ["R", "A"])
def test_idle_function_fires_when_r_or_a_held_only_out_of_scope(letter):
    snapshot = journey(tp("Ad", {"Sales": "AR"}), tp("Parking", {"Legal": letter}, out_of_scope=True))
    assert [f.functions for f in found(snapshot, Rule.IDLE_FUNCTION)] == [("Legal",)]


@pytest.mark.parametrize("letter", ["R", "A"])
def test_idle_function_does_not_fire_when_r_or_a_held_in_scope(letter):
    snapshot = journey(tp("Ad", {"Sales": "AR", "Legal": "C"}), tp("Call", {"Sales": "AR", "Legal": letter}))
    assert found(snapshot, Rule.IDLE_FUNCTION) == []


# --- accountability_bottleneck ----------------------------------------------------------------


def bottleneck_journey(in_scope: int, sales_a: int, out_of_scope: int = 0, **kwargs) -> OrgSnapshot:
    """`in_scope` touchpoints, Sales accountable on the first `sales_a`, one other function each on the rest."""
    touchpoints = [tp(f"T{i}", {"Sales" if i < sales_a else f"Other{i}": "AR"}) for i in range(in_scope)]
    touchpoints += [tp(f"X{i}", {"Sales": "AR"}, out_of_scope=True) for i in range(out_of_scope)]
    return journey(*touchpoints, **kwargs)


def test_accountability_bottleneck_fires_above_half_of_ten():
    [finding] = found(bottleneck_journey(10, 6), Rule.ACCOUNTABILITY_BOTTLENECK)
    assert finding.functions == ("Sales",)
    assert finding.journey is None
    assert finding.touchpoints == ()


def test_accountability_bottleneck_does_not_fire_at_exactly_half():
    assert found(bottleneck_journey(10, 5), Rule.ACCOUNTABILITY_BOTTLENECK) == []


def test_accountability_bottleneck_needs_ten_in_scope_touchpoints():
    assert found(bottleneck_journey(9, 9), Rule.ACCOUNTABILITY_BOTTLENECK) == []


def test_accountability_bottleneck_does_not_count_out_of_scope_touchpoints():
    assert found(bottleneck_journey(9, 9, out_of_scope=3), Rule.ACCOUNTABILITY_BOTTLENECK) == []


def test_accountability_bottleneck_uses_custom_settings():
    settings = RuleSettings(bottleneck_min_touchpoints=4, bottleneck_share=0.25)
    assert found(bottleneck_journey(4, 1, settings=settings), Rule.ACCOUNTABILITY_BOTTLENECK) == []
    [finding] = found(bottleneck_journey(4, 2, settings=settings), Rule.ACCOUNTABILITY_BOTTLENECK)
    assert finding.functions == ("Sales",)
    assert found(bottleneck_journey(3, 3, settings=settings), Rule.ACCOUNTABILITY_BOTTLENECK) == []


# --- stale_ownership --------------------------------------------------------------------------


def reviewed(age: timedelta, letters: str = "AR", **kwargs) -> OrgSnapshot:
    return journey(tp("Ad", {"Sales": letters, "IT": "R"}, reviewed={"Sales": NOW - age}), **kwargs)


def test_stale_ownership_fires_when_a_is_older_than_review_period():
    [finding] = found(reviewed(timedelta(days=180, seconds=1)), Rule.STALE_OWNERSHIP)
    assert finding.touchpoints == ("Ad",)
    assert finding.functions == ("Sales",)


def test_stale_ownership_does_not_fire_at_exactly_the_review_period():
    assert found(reviewed(timedelta(days=180)), Rule.STALE_OWNERSHIP) == []


def test_stale_ownership_does_not_fire_when_younger_than_review_period():
    assert found(reviewed(timedelta(days=10)), Rule.STALE_OWNERSHIP) == []


def test_stale_ownership_concerns_only_a_letters():
    snapshot = journey(tp("Ad", {"Sales": "A", "IT": "RCI"}, reviewed={"IT": NOW - timedelta(days=999)}))
    assert found(snapshot, Rule.STALE_OWNERSHIP) == []


def test_stale_ownership_uses_custom_review_period():
    settings = RuleSettings(review_period_days=30)
    assert found(reviewed(timedelta(days=30), settings=settings), Rule.STALE_OWNERSHIP) == []
    assert len(found(reviewed(timedelta(days=31), settings=settings), Rule.STALE_OWNERSHIP)) == 1


def test_stale_ownership_skips_out_of_scope_touchpoint():
    snapshot = journey(tp("Ad", {"Sales": "AR"}, reviewed={"Sales": NOW - timedelta(days=999)}, out_of_scope=True))
    assert found(snapshot, Rule.STALE_OWNERSHIP) == []


# --- out of scope, all rules at once ----------------------------------------------------------


def test_out_of_scope_touchpoints_are_skipped_by_every_rule():
    ancient = NOW - timedelta(days=999)
    snapshot = journey(
        tp("Ad", {"Sales": "AR"}),
        tp("Empty", out_of_scope=True),
        tp("Uncontrolled", {"Legal": "C"}, out_of_scope=True),
        tp(
            "Crowded",
            {"IT": "AR", "Legal": "A", **fs(4, "R", "R"), **fs(4, "C", "C"), **fs(6, "I", "I")},
            roles={"IT": "Vacancy"},
            reviewed={"IT": ancient, "Legal": ancient},
            out_of_scope=True,
        ),
        tp("Call", {"Billing": "AR", "Sales": "I"}),
        owners={"J": "Lead"},
        roles={"Lead": ("Sales", "Ann"), "Vacancy": ("IT", "")},
    )
    findings = evaluate(snapshot)
    assert {f.rule for f in findings if f.touchpoint_ids} == set()
    assert {f.rule for f in findings} == {Rule.IDLE_FUNCTION}


# --- score ------------------------------------------------------------------------------------


def test_score_of_error_is_three_times_importance():
    [finding] = found(journey(tp("Ad", importance=4)), Rule.UNASSIGNED)
    assert finding.score == 12


def test_score_of_warning_is_two_times_importance():
    [finding] = found(journey(tp("Ad", {"Sales": "A"}, importance=4)), Rule.NO_RESPONSIBLE)
    assert finding.score == 8


def test_score_of_info_is_one_times_importance():
    [finding] = found(journey(tp("Ad", {"Sales": "AR", **fs(4, "C")}, importance=4)), Rule.CONSULT_OVERLOAD)
    assert finding.score == 4


def test_score_uses_importance_three_for_rules_without_touchpoint():
    snapshot = matrix(
        {"J": [[tp(f"T{i}", {"Sales": "AR"}, importance=5) for i in range(10)]]},
        functions=("Legal",),
    )
    snapshot_vacant = matrix(
        {"J": [[tp("T", {"Sales": "AR"}, importance=5)]]}, owners={"J": "Lead"}, roles={"Lead": ("Sales", "")}
    )
    scores = {f.rule: f.score for f in evaluate(snapshot) + evaluate(snapshot_vacant) if not f.touchpoint_ids}
    assert scores == {
        Rule.JOURNEY_WITHOUT_OWNER: 3 * 3,
        Rule.VACANT_OWNER: 2 * 3,
        Rule.IDLE_FUNCTION: 1 * 3,
        Rule.ACCOUNTABILITY_BOTTLENECK: 2 * 3,
    }


# --- coverage ---------------------------------------------------------------------------------


def test_coverage_is_share_of_in_scope_touchpoints_with_one_a_and_an_r():
    snapshot = journey(
        tp("Covered", {"Sales": "A", "IT": "R"}),
        tp("Contested", {"Sales": "AR", "IT": "A"}),
        tp("No R", {"Sales": "A", "IT": "C"}),
        tp("No A", {"Sales": "R"}),
        tp("Empty"),
        tp("Also covered", {"Sales": "AR"}),
        tp("Out covered", {"Sales": "AR"}, out_of_scope=True),
        tp("Out empty", out_of_scope=True),
    )
    assert coverage(snapshot) == 2 / 6


def test_coverage_of_empty_organization_is_no_figure():
    assert coverage(matrix({})) is None


def test_coverage_with_only_out_of_scope_touchpoints_is_no_figure():
    assert coverage(journey(tp("Parking", {"Sales": "AR"}, out_of_scope=True))) is None


# --- Finding.as_dict / fingerprint ------------------------------------------------------------


def test_as_dict_has_exactly_the_spec_keys_with_lists():
    snapshot = journey(tp("Ad", {"Sales": "AR"}), tp("Call", {"Sales": "C"}), functions=("Legal",))
    for finding in evaluate(snapshot):
        serialised = finding.as_dict()
        assert set(serialised) == {"rule", "severity", "journey", "touchpoints", "functions", "roles", "message"}
        assert all(isinstance(serialised[key], list) for key in ("touchpoints", "functions", "roles"))
        assert serialised["rule"] == finding.rule.value


def test_as_dict_of_function_rule_has_null_journey_and_empty_lists():
    [finding] = found(journey(tp("Ad", {"Sales": "AR"}), functions=("Legal",)), Rule.IDLE_FUNCTION)
    serialised = finding.as_dict()
    assert serialised["journey"] is None
    assert serialised["touchpoints"] == []
    assert serialised["roles"] == []
    assert serialised["severity"] == "info"


def gappy(names: dict[str, str]) -> OrgSnapshot:
    """A matrix firing many rules; `names` renames its journey, touchpoints, functions, role."""
    n = {key: names.get(key, key) for key in ("J", "T", "U", "V", "Sales", "IT", "Legal", "Lead")}
    old = NOW - timedelta(days=999)
    return matrix(
        {
            n["J"]: [
                [
                    tp(n["T"], {n["Sales"]: "AR"}, reviewed={n["Sales"]: old}),
                    tp(n["U"], {n["IT"]: "A", n["Legal"]: "A"}, roles={n["IT"]: n["Lead"]}),
                    tp(n["V"]),
                ]
            ]
        },
        owners={n["J"]: n["Lead"]},
        roles={n["Lead"]: (n["IT"], "")},
        functions=("Idle",),
    )


def test_fingerprint_is_stable_across_renames():
    before = evaluate(gappy({}))
    renamed = {"J": "Journey 2", "T": "Tee", "U": "You", "V": "Vee", "Sales": "Revenue", "IT": "Tech", "Lead": "Boss"}
    after = evaluate(gappy(renamed))
    assert [f.rule for f in before] == [f.rule for f in after]
    assert [f.fingerprint for f in before] == [f.fingerprint for f in after]
    assert [f.message for f in before] != [f.message for f in after]


def test_fingerprint_differs_between_subjects():
    findings = evaluate(gappy({}))
    assert len(findings) >= 7
    assert len({f.fingerprint for f in findings}) == len(findings)


def test_fingerprint_differs_for_same_rule_on_different_touchpoints():
    first, second = found(journey(tp("T"), tp("U")), Rule.UNASSIGNED)
    assert first.fingerprint != second.fingerprint


# --- evaluate order ---------------------------------------------------------------------------


def test_evaluate_orders_by_journey_then_touchpoint():
    snapshot = matrix(
        {
            "Zeta": [[tp("z2"), tp("z1", {"Sales": "C"})], [tp("z0")]],
            "Alpha": [[tp("a9", {"Sales": "C"}), tp("a1")]],
        }
    )
    order = [(f.journey, *f.touchpoints) for f in evaluate(snapshot) if f.touchpoints]
    assert order == [
        ("Zeta", "z2"),
        ("Zeta", "z1"),
        ("Zeta", "z1"),
        ("Zeta", "z0"),
        ("Alpha", "a9"),
        ("Alpha", "a9"),
        ("Alpha", "a1"),
    ]


def test_evaluate_is_deterministic_whatever_the_assignment_order():
    snapshot = gappy({})
    shuffled = dataclasses.replace(snapshot, assignments=tuple(reversed(snapshot.assignments)))
    assert evaluate(snapshot) == evaluate(snapshot)
    assert [f.as_dict() for f in evaluate(shuffled)] == [f.as_dict() for f in evaluate(snapshot)]


def test_the_count_of_stale_accountabilities_is_what_the_rule_finds():
    from datetime import timedelta

    from ownership.engine.rules import stale_ownership, stale_ownership_count
    from tests.snapshots import NOW, matrix, tp

    long_ago = NOW - timedelta(days=400)
    snapshot = matrix(
        {
            "J": [
                [
                    tp("Ad", {"Sales": "RA", "IT": "A"}, reviewed={"Sales": long_ago}),
                    tp("Web", {"IT": "A"}, reviewed={"IT": long_ago}),
                    tp("Lot", {"IT": "A"}, out_of_scope=True, reviewed={"IT": long_ago}),
                ]
            ]
        }
    )
    assert stale_ownership_count(snapshot) == len(list(stale_ownership(snapshot))) == 2
