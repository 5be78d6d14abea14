"""Fixing a gap in place (ownership.fixes.services): each rule offers its fixes, each fix goes through
the services and resolves the gap, and a fix offered on a matrix that changed since is refused
with the current value."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from cxowner.orgs.errors import StaleCells, StaleVersion
from ownership.editor.services import CellChange, assignment_role_set, cells_read, cells_set
from ownership.fixes.offers import fixes_for
from ownership.fixes.services import fix_apply
from ownership.gaps.audits import audit_organization
from ownership.models import Assignment, Gap
from ownership.structure.selectors import journey_owner
from ownership.structure.services import journey_owner_set, role_update
from tests.factories import FunctionFactory, JourneyFactory, RoleFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def functions(organization):
    return [FunctionFactory(organization=organization, name=name) for name in ("Sales", "Service", "IT", "Finance")]


@pytest.fixture
def stage(organization, functions):
    manager = RoleFactory(function=functions[0], title="Journey manager", holder_name="Mia Manager")
    return StageFactory(journey=JourneyFactory(organization=organization, owner=manager))


def matrix(organization, stage, rows: list[str]):
    """Touchpoints of `stage`, one per row; a row lists the letters of each function ("A R . C")."""
    functions = list(organization.functions.order_by("position", "id"))
    touchpoints = []
    for index, row in enumerate(rows):
        touchpoint = TouchpointFactory(stage=stage, name=f"Touchpoint {index}", position=index)
        changes = [
            CellChange(touchpoint.id, function.id, frozenset(letters.replace(".", "")))
            for function, letters in zip(functions, row.split(), strict=False)
        ]
        cells_set(organization=organization, changes=changes)
        touchpoints.append(touchpoint)
    audit_organization(organization=organization, trigger="manual")
    return touchpoints


def gap_of(organization, rule: str) -> Gap:
    return Gap.objects.get(organization=organization, rule=rule, resolved_at__isnull=True)


def letters(organization, touchpoint, function) -> str:
    held = cells_read(organization=organization, cells=[(touchpoint.id, function.id)])[(touchpoint.id, function.id)]
    return "".join(x for x in "RACI" if x in held)


def apply(gap: Gap, key: str, **values):
    fix = next(f for f in fixes_for(gap) if f.key == key)
    return fix_apply(gap=gap, key=key, seen=fix.seen, values=values)


def test_an_unassigned_touchpoint_gets_an_accountable_and_responsible_function(organization, functions, stage):
    (till,) = matrix(organization, stage, [". . . ."])
    gap = gap_of(organization, "unassigned")

    result = apply(gap, f"accountable:{functions[1].id}")

    assert result.resolved
    assert letters(organization, till, functions[1]) == "RA"


def test_no_accountable_lists_the_responsible_functions_first(organization, functions, stage):
    matrix(organization, stage, [". . R C"])

    fixes = fixes_for(gap_of(organization, "no_accountable"))

    assert fixes[0].label == "Make IT accountable"
    assert [f.group for f in fixes][:2] == ["Responsible now", "Other functions"]


def test_no_accountable_is_fixed_by_making_a_function_accountable(organization, functions, stage):
    (till,) = matrix(organization, stage, [". . R C"])

    result = apply(gap_of(organization, "no_accountable"), f"accountable:{functions[2].id}")

    assert result.resolved
    assert letters(organization, till, functions[2]) == "RA"


def test_contested_keeps_one_accountable_and_the_others_become_responsible(organization, functions, stage):
    (till,) = matrix(organization, stage, ["A A R ."])

    result = apply(gap_of(organization, "multiple_accountable"), f"keep_a:{functions[0].id}:r")

    assert result.resolved
    assert [letters(organization, till, f) for f in functions] == ["A", "R", "R", ""]


def test_contested_keeps_one_accountable_and_the_others_drop_out(organization, functions, stage):
    (till,) = matrix(organization, stage, ["A AC R ."])

    result = apply(gap_of(organization, "multiple_accountable"), f"keep_a:{functions[0].id}:drop")

    assert result.resolved
    assert [letters(organization, till, f) for f in functions] == ["A", "C", "R", ""]


def test_contested_offers_to_keep_each_accountable_function(organization, functions, stage):
    matrix(organization, stage, ["A R A ."])

    labels = [f.label for f in fixes_for(gap_of(organization, "multiple_accountable"))]

    assert labels == [
        "Keep Sales accountable, the others become R",
        "Keep Sales accountable, the others drop out",
        "Keep IT accountable, the others become R",
        "Keep IT accountable, the others drop out",
    ]


def test_a_fix_offered_on_cells_that_changed_since_is_refused_with_the_current_letters(organization, functions, stage):
    (till,) = matrix(organization, stage, ["A A R ."])
    gap = gap_of(organization, "multiple_accountable")
    fix = next(f for f in fixes_for(gap) if f.key == f"keep_a:{functions[0].id}:r")
    cells_set(organization=organization, changes=[CellChange(till.id, functions[1].id, frozenset("AI"))])

    with pytest.raises(StaleCells) as refused:
        fix_apply(gap=gap, key=fix.key, seen=fix.seen)

    assert refused.value.current == {(till.id, functions[1].id): frozenset("AI")}
    assert [letters(organization, till, f) for f in functions] == ["A", "AI", "R", ""]


def test_no_responsible_is_fixed_by_adding_an_r(organization, functions, stage):
    (till,) = matrix(organization, stage, ["A . C ."])

    result = apply(gap_of(organization, "no_responsible"), f"responsible:{functions[0].id}")

    assert result.resolved
    assert letters(organization, till, functions[0]) == "RA"


def test_too_many_responsible_steps_one_r_down_to_c(organization, functions, stage):
    (till,) = matrix(organization, stage, ["RA R R R"])

    result = apply(gap_of(organization, "too_many_responsible"), f"step_down:{functions[3].id}:RC")

    assert result.resolved
    assert letters(organization, till, functions[3]) == "C"


def test_too_many_consulted_drops_a_c(organization, functions, stage):
    (till,) = matrix(organization, stage, ["RAC C C C"])

    result = apply(gap_of(organization, "consult_overload"), f"drop:{functions[2].id}:C")

    assert result.resolved
    assert letters(organization, till, functions[2]) == ""


def test_too_many_responsible_drops_one_r(organization, functions, stage):
    (till,) = matrix(organization, stage, ["RA R R RC"])

    result = apply(gap_of(organization, "too_many_responsible"), f"drop:{functions[3].id}:R")

    assert result.resolved
    assert letters(organization, till, functions[3]) == "C"


def test_too_many_consulted_steps_one_c_down_to_i(organization, functions, stage):
    (till,) = matrix(organization, stage, ["RAC C C C"])

    result = apply(gap_of(organization, "consult_overload"), f"step_down:{functions[1].id}:CI")

    assert result.resolved
    assert letters(organization, till, functions[1]) == "I"


def test_too_many_informed_drops_an_i(organization, functions, stage):
    for name in ("Legal", "HR"):
        FunctionFactory(organization=organization, name=name)
    (till,) = matrix(organization, stage, ["RAI I I I I I"])

    result = apply(gap_of(organization, "inform_overload"), f"drop:{functions[1].id}:I")

    assert result.resolved
    assert letters(organization, till, functions[1]) == ""


def test_dropping_one_letter_of_many_leaves_the_gap_open_with_what_it_still_allows(organization, functions, stage):
    for name in ("Legal", "HR", "Ops"):
        FunctionFactory(organization=organization, name=name)
    matrix(organization, stage, ["RAI I I I I I I"])
    gap = gap_of(organization, "inform_overload")

    result = apply(gap, f"drop:{functions[1].id}:I")

    assert not result.resolved
    assert "still open" in result.message
    assert len(fixes_for(result.gap)) == 6


def test_a_handoff_gap_is_bridged_by_the_receiving_function_as_c(organization, functions, stage):
    shop, delivery = matrix(organization, stage, ["RA . . .", ". RA . ."])
    gap = gap_of(organization, "handoff_gap")

    result = apply(gap, f"bridge:{shop.id}:{functions[1].id}:C")

    assert result.resolved
    assert letters(organization, shop, functions[1]) == "C"


def test_a_handoff_gap_is_bridged_the_other_way_round(organization, functions, stage):
    shop, delivery = matrix(organization, stage, ["RA . . .", ". RA . ."])

    result = apply(gap_of(organization, "handoff_gap"), f"bridge:{delivery.id}:{functions[0].id}:I")

    assert result.resolved
    assert letters(organization, delivery, functions[0]) == "I"


def test_a_journey_without_owner_gets_a_journey_manager(organization, functions):
    stage = StageFactory(journey=JourneyFactory(organization=organization))
    matrix(organization, stage, ["RA . . ."])
    held = RoleFactory(function=functions[1], title="Head of Service", holder_name="Sam")
    RoleFactory(function=functions[2], title="CIO", holder_name="")
    gap = gap_of(organization, "journey_without_owner")
    assert [f.group for f in fixes_for(gap)] == ["Roles with a holder", "Vacant roles"]

    result = apply(gap, f"manager:{held.id}")

    assert result.resolved
    stage.journey.refresh_from_db()
    assert journey_owner(journey=stage.journey) == held


def test_a_vacant_journey_manager_is_fixed_by_naming_the_holder(organization, functions, stage):
    matrix(organization, stage, ["RA . . ."])
    manager = journey_owner(journey=stage.journey)
    role_update(role=manager, version=manager.version, holder_name="")
    gap = gap_of(organization, "vacant_owner")

    result = apply(gap, f"holder:{manager.id}", holder_name="Nora Noor", holder_email="nora@example.com")

    assert result.resolved
    manager.refresh_from_db()
    assert (manager.holder_name, manager.holder_email) == ("Nora Noor", "nora@example.com")


def test_naming_a_holder_needs_a_name_and_changes_nothing_without_one(organization, functions, stage):
    matrix(organization, stage, ["RA . . ."])
    manager = journey_owner(journey=stage.journey)
    role_update(role=manager, version=manager.version, holder_name="")
    gap = gap_of(organization, "vacant_owner")

    with pytest.raises(ValidationError, match="Name the person"):
        apply(gap, f"holder:{manager.id}", holder_name="  ")

    gap.refresh_from_db()
    assert gap.resolved_at is None


def test_a_vacant_journey_manager_is_fixed_by_moving_the_journey_to_a_held_role(organization, functions, stage):
    matrix(organization, stage, ["RA . . ."])
    manager = journey_owner(journey=stage.journey)
    role_update(role=manager, version=manager.version, holder_name="")
    other = RoleFactory(function=functions[0], title="Head of Sales", holder_name="Hana")

    result = apply(gap_of(organization, "vacant_owner"), f"manager:{other.id}")

    assert result.resolved


def test_a_vacant_role_on_an_a_is_fixed_by_naming_its_holder(organization, functions, stage):
    (till,) = matrix(organization, stage, ["RA . . ."])
    vacant = RoleFactory(function=functions[0], title="Store lead", holder_name="")
    a = Assignment.objects.get(touchpoint=till, letter="A")
    assignment_role_set(assignment=a, role=vacant, version=a.version)

    result = apply(gap_of(organization, "vacant_owner"), f"holder:{vacant.id}", holder_name="Lee", holder_email="")

    assert result.resolved


def test_a_vacant_role_on_an_a_is_fixed_by_moving_the_a_to_a_held_role_of_its_function(organization, functions, stage):
    (till,) = matrix(organization, stage, ["RA . . ."])
    vacant = RoleFactory(function=functions[0], title="Store lead", holder_name="")
    held = RoleFactory(function=functions[0], title="Area manager", holder_name="Ari")
    RoleFactory(function=functions[1], title="Head of Service", holder_name="Sam")  # another function's: not offered
    a = Assignment.objects.get(touchpoint=till, letter="A")
    assignment_role_set(assignment=a, role=vacant, version=a.version)
    gap = gap_of(organization, "vacant_owner")
    manager = journey_owner(journey=stage.journey)  # also a held role of Sales
    assert [f.key for f in fixes_for(gap)] == [
        f"holder:{vacant.id}",
        f"move_a:{a.id}:{held.id}",
        f"move_a:{a.id}:{manager.id}",
    ]

    result = apply(gap, f"move_a:{a.id}:{held.id}")

    assert result.resolved
    a.refresh_from_db()
    assert a.role == held


def test_a_holder_named_meanwhile_by_someone_else_refuses_the_fix_with_the_current_version(
    organization, functions, stage
):
    matrix(organization, stage, ["RA . . ."])
    manager = journey_owner(journey=stage.journey)
    role_update(role=manager, version=manager.version, holder_name="")
    gap = gap_of(organization, "vacant_owner")
    fix = fixes_for(gap)[0]
    role_update(role=manager, version=manager.version, title="Journey lead")

    with pytest.raises(StaleVersion):
        fix_apply(gap=gap, key=fix.key, seen=fix.seen, values={"holder_name": "Nora"})
    manager.refresh_from_db()
    assert manager.holder_name == ""


def test_stale_ownership_is_fixed_by_confirming_the_a(organization, functions, stage):
    (till,) = matrix(organization, stage, [". RA . ."])
    Assignment.objects.filter(touchpoint=till).update(created_at=timezone.now() - timedelta(days=400))
    audit_organization(organization=organization, trigger="manual", full=True)
    a = Assignment.objects.get(touchpoint=till, letter="A")

    result = apply(gap_of(organization, "stale_ownership"), f"confirm:{a.id}")

    assert result.resolved
    a.refresh_from_db()
    assert a.confirmed_at is not None


def test_an_idle_function_and_a_bottleneck_need_judgement_not_a_click(organization, functions, stage):
    matrix(organization, stage, ["RA . . ."] * 10)

    idle = Gap.objects.filter(organization=organization, rule="idle_function")
    assert idle.exists()
    assert all(fixes_for(gap) == [] for gap in idle)
    assert fixes_for(gap_of(organization, "accountability_bottleneck")) == []


def test_a_resolved_gap_offers_nothing_and_refuses_a_fix(organization, functions, stage):
    (till,) = matrix(organization, stage, [". . R ."])
    gap = gap_of(organization, "no_accountable")
    fix = fixes_for(gap)[0]
    cells_set(organization=organization, changes=[CellChange(till.id, functions[2].id, frozenset("RA"))])
    gap.refresh_from_db()

    assert fixes_for(gap) == []
    with pytest.raises(ValidationError, match="no longer has this gap"):
        fix_apply(gap=gap, key=fix.key, seen=fix.seen)


def test_a_key_the_gap_does_not_offer_is_refused(organization, functions, stage):
    matrix(organization, stage, [". . R ."])
    gap = gap_of(organization, "no_accountable")
    fix = fixes_for(gap)[0]

    with pytest.raises(ValidationError, match="no longer offered"):
        fix_apply(gap=gap, key="keep_a:1:r", seen=fix.seen)


def test_a_journey_manager_changed_meanwhile_refuses_the_fix(organization, functions):
    stage = StageFactory(journey=JourneyFactory(organization=organization))
    matrix(organization, stage, ["RA . . ."])
    held = RoleFactory(function=functions[1], title="Head of Service", holder_name="Sam")
    gap = gap_of(organization, "journey_without_owner")
    fix = fixes_for(gap)[0]
    journey_owner_set(journey=stage.journey, owner=None, version=stage.journey.version)  # a save by someone else

    with pytest.raises(StaleVersion):
        fix_apply(gap=gap, key=fix.key, seen=fix.seen)
    stage.journey.refresh_from_db()
    assert journey_owner(journey=stage.journey) is None
    assert held.pk


# The API: GET and POST /api/v1/orgs/{org}/gaps/{id}/fixes/ -----------------------------------


@pytest.fixture
def editor_api(organization, member):
    client = APIClient()
    client.force_login(member("editor"))
    return client


def fixes_url(gap: Gap) -> str:
    return f"/api/v1/orgs/{gap.organization.slug}/gaps/{gap.pk}/fixes/"


def test_the_api_explains_the_gap_and_lists_its_fixes(organization, functions, stage, editor_api):
    matrix(organization, stage, ["A A R ."])
    gap = gap_of(organization, "multiple_accountable")

    body = editor_api.get(fixes_url(gap)).json()

    assert (body["title"], body["how_to_fix"]) == (
        "Contested ownership",
        "Keep the A with one function; the others become R, or drop out.",
    )
    assert body["fixes"][0] == {
        "key": f"keep_a:{functions[0].id}:r",
        "label": "Keep Sales accountable, the others become R",
        "seen": fixes_for(gap)[0].seen,
        "asks": [],
        "group": "Keep Sales accountable",
    }


def test_the_api_applies_a_fix_and_answers_with_the_resolved_gap(organization, functions, stage, editor_api):
    (till,) = matrix(organization, stage, ["A A R ."])
    gap = gap_of(organization, "multiple_accountable")
    fix = fixes_for(gap)[0]

    response = editor_api.post(fixes_url(gap), {"fix": fix.key, "seen": fix.seen}, format="json")

    assert response.status_code == 200
    assert (response.json()["resolved"], response.json()["gap"]["is_open"], response.json()["fixes"]) == (
        True,
        False,
        [],
    )
    assert letters(organization, till, functions[1]) == "R"


def test_the_api_refuses_a_fix_on_changed_cells_with_409_and_the_current_letters(
    organization, functions, stage, editor_api
):
    (till,) = matrix(organization, stage, ["A A R ."])
    gap = gap_of(organization, "multiple_accountable")
    fix = fixes_for(gap)[0]
    cells_set(organization=organization, changes=[CellChange(till.id, functions[1].id, frozenset("AC"))])

    response = editor_api.post(fixes_url(gap), {"fix": fix.key, "seen": fix.seen}, format="json")

    assert response.status_code == 409
    assert response.json()["current"] == [{"touchpoint": till.id, "function": functions[1].id, "letters": "AC"}]


def test_the_api_refuses_a_holder_fix_on_a_changed_role_with_412(organization, functions, stage, editor_api):
    matrix(organization, stage, ["RA . . ."])
    manager = journey_owner(journey=stage.journey)
    role_update(role=manager, version=manager.version, holder_name="")
    gap = gap_of(organization, "vacant_owner")
    fix = fixes_for(gap)[0]
    role_update(role=manager, version=manager.version, title="Journey lead")

    response = editor_api.post(fixes_url(gap), {"fix": fix.key, "seen": fix.seen, "holder_name": "Nora"}, format="json")

    assert response.status_code == 412
    assert response.json()["version"] == manager.version  # the title change made it newer than the offer


def test_the_api_names_a_holder_and_refuses_a_bad_e_mail(organization, functions, stage, editor_api):
    matrix(organization, stage, ["RA . . ."])
    manager = journey_owner(journey=stage.journey)
    role_update(role=manager, version=manager.version, holder_name="")
    gap = gap_of(organization, "vacant_owner")
    fix = fixes_for(gap)[0]
    body = {"fix": fix.key, "seen": fix.seen, "holder_name": "Nora"}

    refused = editor_api.post(fixes_url(gap), {**body, "holder_email": "not an address"}, format="json")
    named = editor_api.post(fixes_url(gap), {**body, "holder_email": "nora@example.com"}, format="json")

    assert (refused.status_code, list(refused.json())) == (400, ["holder_email"])
    assert (named.status_code, named.json()["resolved"]) == (200, True)


def test_the_api_refuses_a_fix_the_gap_does_not_offer_with_400(organization, functions, stage, editor_api):
    matrix(organization, stage, ["A A R ."])
    gap = gap_of(organization, "multiple_accountable")

    response = editor_api.post(fixes_url(gap), {"fix": "confirm:1", "seen": "assignment:1@1"}, format="json")

    assert response.status_code == 400


@pytest.mark.parametrize(
    "seen", ["cells:99999999999.1=A", "cells:1.2.3=A", "role:99999999999@1", "journey:x@1", "nonsense", ""]
)
def test_a_malformed_seen_is_refused_as_bad_input(organization, functions, stage, editor_api, seen):
    matrix(organization, stage, ["A A R ."])
    gap = gap_of(organization, "multiple_accountable")

    response = editor_api.post(fixes_url(gap), {"fix": fixes_for(gap)[0].key, "seen": seen}, format="json")

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("rule", "rows"),
    [
        ("unassigned", [". . . ."]),
        ("no_accountable", [". . R C"]),
        ("multiple_accountable", ["A A R ."]),
        ("no_responsible", ["A . C ."]),
        ("too_many_responsible", ["RA R R R"]),
        ("consult_overload", ["RAC C C C"]),
        ("handoff_gap", ["RA . . .", ". RA . ."]),
    ],
)
def test_the_api_resolves_each_touchpoint_rules_gap_with_its_first_fix(
    organization, functions, stage, editor_api, rule, rows
):
    matrix(organization, stage, rows)
    gap = gap_of(organization, rule)
    fix = fixes_for(gap)[0]

    response = editor_api.post(fixes_url(gap), {"fix": fix.key, "seen": fix.seen}, format="json")

    assert (response.status_code, response.json()["resolved"]) == (200, True)


def test_the_api_confirms_stale_ownership(organization, functions, stage, editor_api):
    (till,) = matrix(organization, stage, [". RA . ."])
    Assignment.objects.filter(touchpoint=till).update(created_at=timezone.now() - timedelta(days=400))
    audit_organization(organization=organization, trigger="manual", full=True)
    gap = gap_of(organization, "stale_ownership")
    fix = fixes_for(gap)[0]

    response = editor_api.post(fixes_url(gap), {"fix": fix.key, "seen": fix.seen}, format="json")

    assert (response.status_code, response.json()["resolved"]) == (200, True)


def test_the_api_picks_a_journey_manager(organization, functions, editor_api):
    stage = StageFactory(journey=JourneyFactory(organization=organization))
    matrix(organization, stage, ["RA . . ."])
    RoleFactory(function=functions[1], title="Head of Service", holder_name="Sam")
    gap = gap_of(organization, "journey_without_owner")
    fix = fixes_for(gap)[0]

    response = editor_api.post(fixes_url(gap), {"fix": fix.key, "seen": fix.seen}, format="json")

    assert (response.status_code, response.json()["resolved"]) == (200, True)
