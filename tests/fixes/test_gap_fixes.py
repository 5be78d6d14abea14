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

# Two touchpoints in a row, each owned by another function: a handoff_gap between them.
HANDOFF = ["RA . . .", ". RA . ."]


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


def stale_a(organization, stage) -> Assignment:
    """The A of a touchpoint given 400 days ago and audited in full since: a stale_ownership gap."""
    (till,) = matrix(organization, stage, [". RA . ."])
    Assignment.objects.filter(touchpoint=till).update(created_at=timezone.now() - timedelta(days=400))
    audit_organization(organization=organization, trigger="manual", full=True)
    return Assignment.objects.get(touchpoint=till, letter="A")


@pytest.fixture
def vacant_manager(organization, stage):
    """The journey manager of `stage` without a holder: a vacant_owner gap."""
    matrix(organization, stage, ["RA . . ."])
    manager = journey_owner(journey=stage.journey)
    role_update(role=manager, version=manager.version, holder_name="")
    return manager


@pytest.fixture
def ownerless_journey(organization, functions):
    """A journey without owner (a journey_without_owner gap) and a held role of Service that could own it."""
    stage = StageFactory(journey=JourneyFactory(organization=organization))
    matrix(organization, stage, ["RA . . ."])
    return stage.journey, RoleFactory(function=functions[1], title="Head of Service", holder_name="Sam")


@pytest.mark.parametrize(
    ("rows", "rule", "key", "touchpoint", "function", "expected"),
    [
        pytest.param([". . . ."], "unassigned", "accountable:{function}", 0, 1, "RA", id="unassigned-gets-an-a-and-r"),
        pytest.param([". . R C"], "no_accountable", "accountable:{function}", 0, 2, "RA", id="no-a-made-accountable"),
        pytest.param(["A . C ."], "no_responsible", "responsible:{function}", 0, 0, "RA", id="no-r-adds-an-r"),
        pytest.param(
            ["RA R R R"], "too_many_responsible", "step_down:{function}:RC", 0, 3, "C", id="r-steps-down-to-c"
        ),
        pytest.param(["RA R R RC"], "too_many_responsible", "drop:{function}:R", 0, 3, "C", id="r-dropped"),
        pytest.param(["RAC C C C"], "consult_overload", "drop:{function}:C", 0, 2, "", id="c-dropped"),
        pytest.param(["RAC C C C"], "consult_overload", "step_down:{function}:CI", 0, 1, "I", id="c-steps-down-to-i"),
        pytest.param(HANDOFF, "handoff_gap", "bridge:{touchpoint}:{function}:C", 0, 1, "C", id="handoff-bridged-as-c"),
        pytest.param(HANDOFF, "handoff_gap", "bridge:{touchpoint}:{function}:I", 1, 0, "I", id="handoff-bridged-back"),
    ],
)
def test_a_fix_resolves_its_gap_and_leaves_the_cell_with_its_letters(
    organization, functions, stage, rows, rule, key, touchpoint, function, expected
):
    touchpoints = matrix(organization, stage, rows)
    cell = (touchpoints[touchpoint], functions[function])

    result = apply(gap_of(organization, rule), key.format(touchpoint=cell[0].id, function=cell[1].id))

    assert result.resolved
    assert letters(organization, *cell) == expected


@pytest.mark.parametrize(
    ("row", "key", "expected"),
    [
        pytest.param("A A R .", "keep_a:{sales}:r", ["A", "R", "R", ""], id="the-others-become-r"),
        pytest.param("A AC R .", "keep_a:{sales}:drop", ["A", "C", "R", ""], id="the-others-drop-out"),
    ],
)
def test_contested_keeps_one_accountable(organization, functions, stage, row, key, expected):
    (till,) = matrix(organization, stage, [row])

    result = apply(gap_of(organization, "multiple_accountable"), key.format(sales=functions[0].id))

    assert result.resolved
    assert [letters(organization, till, f) for f in functions] == expected


def test_no_accountable_lists_the_responsible_functions_first(organization, functions, stage):
    matrix(organization, stage, [". . R C"])

    fixes = fixes_for(gap_of(organization, "no_accountable"))

    assert fixes[0].label == "Make IT accountable"
    assert [f.group for f in fixes][:2] == ["Responsible now", "Other functions"]


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


def test_a_journey_without_owner_gets_a_journey_manager(organization, functions, ownerless_journey):
    journey, held = ownerless_journey
    RoleFactory(function=functions[2], title="CIO", holder_name="")
    gap = gap_of(organization, "journey_without_owner")
    assert [f.group for f in fixes_for(gap)] == ["Roles with a holder", "Vacant roles"]

    result = apply(gap, f"manager:{held.id}")

    assert result.resolved
    journey.refresh_from_db()
    assert journey_owner(journey=journey) == held


def test_a_vacant_journey_manager_is_fixed_by_naming_the_holder(organization, functions, vacant_manager):
    gap = gap_of(organization, "vacant_owner")

    result = apply(gap, f"holder:{vacant_manager.id}", holder_name="Nora Noor", holder_email="nora@example.com")

    assert result.resolved
    vacant_manager.refresh_from_db()
    assert (vacant_manager.holder_name, vacant_manager.holder_email) == ("Nora Noor", "nora@example.com")


def test_naming_a_holder_needs_a_name_and_changes_nothing_without_one(organization, functions, vacant_manager):
    gap = gap_of(organization, "vacant_owner")

    with pytest.raises(ValidationError, match="Name the person"):
        apply(gap, f"holder:{vacant_manager.id}", holder_name="  ")

    gap.refresh_from_db()
    assert gap.resolved_at is None


def test_a_vacant_journey_manager_is_fixed_by_moving_the_journey_to_a_held_role(
    organization, functions, vacant_manager
):
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
    organization, functions, vacant_manager
):
    gap = gap_of(organization, "vacant_owner")
    fix = fixes_for(gap)[0]
    role_update(role=vacant_manager, version=vacant_manager.version, title="Journey lead")

    with pytest.raises(StaleVersion):
        fix_apply(gap=gap, key=fix.key, seen=fix.seen, values={"holder_name": "Nora"})
    vacant_manager.refresh_from_db()
    assert vacant_manager.holder_name == ""


def test_stale_ownership_is_fixed_by_confirming_the_a(organization, functions, stage):
    a = stale_a(organization, stage)

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


def test_a_journey_manager_changed_meanwhile_refuses_the_fix(organization, ownerless_journey):
    journey, _ = ownerless_journey
    gap = gap_of(organization, "journey_without_owner")
    fix = fixes_for(gap)[0]
    journey_owner_set(journey=journey, owner=None, version=journey.version)  # a save by someone else

    with pytest.raises(StaleVersion):
        fix_apply(gap=gap, key=fix.key, seen=fix.seen)
    journey.refresh_from_db()
    assert journey_owner(journey=journey) is None


# The API: GET and POST /api/v1/orgs/{org}/gaps/{id}/fixes/ -----------------------------------


@pytest.fixture
def editor_api(organization, member):
    client = APIClient()
    client.force_login(member("editor"))
    return client


def fixes_url(gap: Gap) -> str:
    return f"/api/v1/orgs/{gap.organization.slug}/gaps/{gap.pk}/fixes/"


def post_fix(api: APIClient, gap: Gap, fix, **values):
    """POST `fix` as offered (its key and what it saw) with the values it asks for."""
    return api.post(fixes_url(gap), {"fix": fix.key, "seen": fix.seen, **values}, format="json")


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

    response = post_fix(editor_api, gap, fixes_for(gap)[0])

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

    response = post_fix(editor_api, gap, fix)

    assert response.status_code == 409
    current = [(cell["touchpoint"], cell["function"], cell["letters"]) for cell in response.json()["current"]]
    assert current == [(till.id, functions[1].id, "AC")]


def test_the_api_refuses_a_holder_fix_on_a_changed_role_with_412(organization, functions, vacant_manager, editor_api):
    gap = gap_of(organization, "vacant_owner")
    fix = fixes_for(gap)[0]
    role_update(role=vacant_manager, version=vacant_manager.version, title="Journey lead")

    response = post_fix(editor_api, gap, fix, holder_name="Nora")

    assert response.status_code == 412
    assert response.json()["version"] == vacant_manager.version  # the title change made it newer than the offer


def test_the_api_names_a_holder_and_refuses_a_bad_e_mail(organization, functions, vacant_manager, editor_api):
    gap = gap_of(organization, "vacant_owner")
    fix = fixes_for(gap)[0]

    refused = post_fix(editor_api, gap, fix, holder_name="Nora", holder_email="not an address")
    named = post_fix(editor_api, gap, fix, holder_name="Nora", holder_email="nora@example.com")

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
        ("handoff_gap", HANDOFF),
    ],
)
def test_the_api_resolves_each_touchpoint_rules_gap_with_its_first_fix(
    organization, functions, stage, editor_api, rule, rows
):
    matrix(organization, stage, rows)
    gap = gap_of(organization, rule)

    response = post_fix(editor_api, gap, fixes_for(gap)[0])

    assert (response.status_code, response.json()["resolved"]) == (200, True)


def test_the_api_confirms_stale_ownership(organization, functions, stage, editor_api):
    stale_a(organization, stage)
    gap = gap_of(organization, "stale_ownership")

    response = post_fix(editor_api, gap, fixes_for(gap)[0])

    assert (response.status_code, response.json()["resolved"]) == (200, True)


def test_the_api_picks_a_journey_manager(organization, ownerless_journey, editor_api):
    gap = gap_of(organization, "journey_without_owner")

    response = post_fix(editor_api, gap, fixes_for(gap)[0])

    assert (response.status_code, response.json()["resolved"]) == (200, True)
