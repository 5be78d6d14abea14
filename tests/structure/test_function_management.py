"""Managing functions and roles: reorder, merge and delete with a preview; a role's holder."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cxowner.orgs.errors import StaleVersion
from cxowner.orgs.models import ChangeItem, ChangeSet
from journeys.models import Journey
from ownership.editor.matrix import journey_functions
from ownership.engine.rules import evaluate
from ownership.gaps.snapshots import snapshot_load
from ownership.imports.services import matrix_sheet
from ownership.models import Assignment, Function, Gap, Role
from ownership.structure.changes import function_delete_plan, function_merge, function_merge_plan, function_move
from ownership.structure.services import function_delete, journey_owner_set, role_update
from tests.factories import FunctionFactory, MembershipFactory, OrganizationFactory, RoleFactory, letters_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(organization):
    """Sales and Service share the Till (both A); Sales alone runs Returns; Service alone the Door."""
    return letters_build(
        organization,
        [
            ("Till", "Sales", "AR"),
            ("Till", "Service", "AC"),
            ("Returns", "Sales", "AR"),
            ("Door", "Service", "AR"),
            ("Door", "IT", "I"),
        ],
    )


def cell(touchpoint, function) -> set[str]:
    return set(Assignment.objects.filter(touchpoint=touchpoint, function=function).values_list("letter", flat=True))


def open_fingerprints(organization) -> set[str]:
    return set(
        Gap.objects.filter(organization=organization, resolved_at__isnull=True).values_list("fingerprint", flat=True)
    )


def audit_fingerprints(organization) -> set[str]:
    return {finding.fingerprint for finding in evaluate(snapshot_load(organization=organization))}


# Reorder -------------------------------------------------------------------------------------


def test_moving_a_function_renumbers_the_columns(world, organization):
    function_move(function=world["it"], position=1, version=1)
    names = list(Function.objects.filter(organization=organization).values_list("name", "position"))
    assert names == [("IT", 1), ("Sales", 2), ("Service", 3)]
    assert ChangeSet.objects.filter(organization=organization, kind="function.move").count() == 1


def test_every_list_of_functions_follows_the_new_order(world, organization):
    function_move(function=world["it"], position=1, version=1)
    order = ["IT", "Sales", "Service"]
    assert list(matrix_sheet(organization=organization).functions) == order
    assert [f.name for f in journey_functions(organization=organization)] == order
    assert [f.name for f in snapshot_load(organization=organization).functions] == order


def test_moving_a_function_changed_by_someone_else_is_refused(world, organization):
    with pytest.raises(StaleVersion):
        function_move(function=world["it"], position=1, version=7)
    assert Function.objects.get(pk=world["it"].pk).position == 3


# Merge ---------------------------------------------------------------------------------------


def test_a_merge_unions_the_letters_and_keeps_the_accountable_once(world):
    merged = function_merge(function=world["sales"], target=world["service"], version=1)
    assert cell(world["till"], merged) == {"A", "R", "C"}
    assert Assignment.objects.filter(touchpoint=world["till"], letter="A").count() == 1
    assert cell(world["returns"], merged) == {"A", "R"}
    assert cell(world["door"], merged) == {"A", "R"}
    assert not Function.objects.filter(pk=world["sales"].pk).exists()


def test_a_merge_moves_the_roles_and_renames_a_title_the_target_already_has(world):
    head = RoleFactory(function=world["sales"], title="Head")
    clerk = RoleFactory(function=world["sales"], title="Clerk")
    RoleFactory(function=world["service"], title="Head")
    function_merge(function=world["sales"], target=world["service"], version=1)
    head.refresh_from_db(), clerk.refresh_from_db()
    assert (head.function_id, head.title) == (world["service"].pk, "Head (Sales)")
    assert (clerk.function_id, clerk.title) == (world["service"].pk, "Clerk")


def test_moved_letters_start_fresh_without_a_role_and_unconfirmed(world):
    carrier = RoleFactory(function=world["sales"], title="Returns desk")
    Assignment.objects.filter(touchpoint=world["returns"], function=world["sales"], letter="A").update(
        role=carrier, confirmed_at=timezone.now()
    )
    function_merge(function=world["sales"], target=world["service"], version=1)
    moved = Assignment.objects.get(touchpoint=world["returns"], letter="A")
    assert (moved.function_id, moved.role_id, moved.confirmed_at) == (world["service"].pk, None, None)


def test_a_letter_the_target_already_holds_keeps_its_role(world):
    carrier = RoleFactory(function=world["service"], title="Till supervisor")
    Assignment.objects.filter(touchpoint=world["till"], function=world["service"], letter="A").update(role=carrier)
    function_merge(function=world["sales"], target=world["service"], version=1)
    assert Assignment.objects.get(touchpoint=world["till"], letter="A").role_id == carrier.pk


def test_a_merge_is_one_change_set_with_every_cell_before_and_after(world, organization):
    function_merge(function=world["sales"], target=world["service"], version=1)
    change_set = ChangeSet.objects.get(organization=organization, kind="function.merge")
    cells = {
        (item.touchpoint_id, item.function_id): (item.before, item.after)
        for item in ChangeItem.objects.filter(change_set=change_set, object_type="cell")
    }
    sales, service = world["sales"].pk, world["service"].pk
    assert cells == {
        (world["till"].pk, sales): ("RA", ""),
        (world["till"].pk, service): ("AC", "RAC"),
        (world["returns"].pk, sales): ("RA", ""),
        (world["returns"].pk, service): ("", "RA"),
    }


def test_a_merge_leaves_the_live_gaps_equal_to_the_audit(world, organization):
    function_merge(function=world["sales"], target=world["service"], version=1)
    assert open_fingerprints(organization) == audit_fingerprints(organization)


def test_a_merge_of_a_function_changed_since_the_preview_is_refused(world):
    with pytest.raises(StaleVersion):
        function_merge(function=world["sales"], target=world["service"], version=3)
    assert cell(world["till"], world["sales"]) == {"A", "R"}


@pytest.mark.parametrize("target", ["itself", "elsewhere"])
def test_a_merge_into_itself_or_another_organization_is_refused(world, target):
    other = world["sales"] if target == "itself" else FunctionFactory(organization=OrganizationFactory())
    with pytest.raises(ValidationError):
        function_merge(function=world["sales"], target=other, version=1)


# Previews ------------------------------------------------------------------------------------


def test_the_merge_preview_shows_each_cell_before_and_after(world):
    plan = function_merge_plan(function=world["sales"], target=world["service"])
    cells = [(c.touchpoint, c.letters, c.target_before, c.target_after) for c in plan.cells]
    assert cells == [("Till", "RA", "AC", "RAC"), ("Returns", "RA", "", "RA")]


def test_the_merge_preview_names_exactly_the_gaps_the_audit_finds_after_the_merge(world, organization):
    # A vacant role carrying an A, and a title both functions use: the two cases a merge rewrites.
    carrier = RoleFactory(function=world["sales"], title="Head", holder_name="")
    RoleFactory(function=world["service"], title="Head")
    Assignment.objects.filter(touchpoint=world["returns"], function=world["sales"], letter="A").update(role=carrier)
    before = audit_fingerprints(organization)
    plan = function_merge_plan(function=world["sales"], target=world["service"])
    assert "multiple_accountable" in {f.rule for f in plan.gaps.closed}
    function_merge(function=world["sales"], target=world["service"], version=1)
    opened, closed = {f.fingerprint for f in plan.gaps.opened}, {f.fingerprint for f in plan.gaps.closed}
    assert audit_fingerprints(organization) == (before - closed) | opened


def test_the_delete_preview_lists_the_letters_that_go_and_the_gaps_it_opens(world, organization):
    before = audit_fingerprints(organization)
    plan = function_delete_plan(function=world["sales"])
    assert [(c.touchpoint, c.letters) for c in plan.cells] == [("Till", "RA"), ("Returns", "RA")]
    assert {(f.rule, f.touchpoints) for f in plan.gaps.opened} >= {("unassigned", ("Returns",))}
    function_delete(function=world["sales"])
    opened, closed = {f.fingerprint for f in plan.gaps.opened}, {f.fingerprint for f in plan.gaps.closed}
    assert audit_fingerprints(organization) == (before - closed) | opened


def test_the_delete_preview_says_which_journeys_lose_their_owner(world, organization):
    manager = RoleFactory(function=world["sales"], title="Journey manager")
    journey_owner_set(journey=Journey.objects.get(name="Store visit"), owner=manager)
    plan = function_delete_plan(function=world["sales"])
    assert [(r.role.title, r.owned_journeys) for r in plan.roles] == [("Journey manager", ("Store visit",))]
    assert "journey_without_owner" in {f.rule for f in plan.gaps.opened}


# Role holders --------------------------------------------------------------------------------


def test_setting_a_holder_closes_the_vacant_owner_gap_at_once(world, organization):
    manager = RoleFactory(function=world["service"], title="Journey manager", holder_name="")
    journey_owner_set(journey=Journey.objects.get(name="Store visit"), owner=manager)
    vacant = Gap.objects.filter(organization=organization, rule="vacant_owner", resolved_at__isnull=True)
    assert vacant.count() == 1
    role_update(role=manager, version=1, holder_name="Ines Duarte", holder_email="ines@example.com")
    assert vacant.count() == 0


def test_a_member_as_holder_gives_the_role_their_name_and_email(world, organization):
    member = MembershipFactory(organization=organization)
    member.user.first_name, member.user.last_name, member.user.email = "Ines", "Duarte", "ines@example.com"
    member.user.save()
    role = RoleFactory(function=world["service"], holder_name="")
    role = role_update(role=role, version=1, holder_member=member)
    assert (role.holder_name, role.holder_email, role.holder_member_id) == (
        "Ines Duarte",
        "ines@example.com",
        member.pk,
    )


def test_a_holder_from_another_organization_is_refused(world):
    role = RoleFactory(function=world["service"], holder_name="")
    with pytest.raises(ValidationError, match="member of this organization"):
        role_update(role=role, version=1, holder_member=MembershipFactory(organization=OrganizationFactory()))
    assert Role.objects.get(pk=role.pk).is_vacant


def test_clearing_the_holder_makes_the_role_vacant(world, organization):
    member = MembershipFactory(organization=organization)
    role = RoleFactory(function=world["service"], holder_name="Ana", holder_email="ana@example.com")
    role = role_update(role=role, version=1, holder_member=member)
    role = role_update(role=role, version=role.version, holder_name="")
    assert (role.is_vacant, role.holder_email, role.holder_member_id) == (True, "", None)
