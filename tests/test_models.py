"""The database refuses what can never be right, on PostgreSQL and SQLite alike."""

import pytest
from django.db import IntegrityError, transaction

from journeys.models import Journey, Touchpoint
from ownership.models import Assignment, JourneyOwner

from .factories import (
    AssignmentFactory,
    FunctionFactory,
    JourneyFactory,
    OrganizationFactory,
    RoleFactory,
    StageFactory,
    TouchpointFactory,
)

pytestmark = pytest.mark.django_db


def refused(make) -> bool:
    try:
        with transaction.atomic():
            make()
            # Cross-organization checks are deferred foreign keys on PostgreSQL; SQLite's keys are
            # deferred too (its same-organization triggers are not).
            connection = transaction.get_connection()
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            else:
                connection.check_constraints()
    except IntegrityError:
        return True
    return False


def test_assignment_refuses_a_function_of_another_organization():
    touchpoint = TouchpointFactory()
    outsider = FunctionFactory(organization=OrganizationFactory())
    assert refused(lambda: AssignmentFactory(touchpoint=touchpoint, function=outsider))


def test_assignment_refuses_a_touchpoint_of_another_organization():
    function = FunctionFactory()
    touchpoint = TouchpointFactory()
    assert refused(
        lambda: Assignment.objects.create(
            organization=function.organization, touchpoint=touchpoint, function=function, letter="A"
        )
    )


def test_assignment_refuses_a_touchpoint_that_does_not_exist():
    function = FunctionFactory()
    assert refused(
        lambda: Assignment.objects.create(
            organization=function.organization, touchpoint_id=2_000_000_000, function=function, letter="A"
        )
    )


def test_assignment_refuses_a_function_that_does_not_exist():
    touchpoint = TouchpointFactory()
    assert refused(
        lambda: Assignment.objects.create(
            organization=touchpoint.organization, touchpoint=touchpoint, function_id=2_000_000_000, letter="A"
        )
    )


def test_assignment_refuses_an_organization_other_than_its_touchpoints_and_functions():
    assignment = AssignmentFactory()
    assert refused(lambda: Assignment.objects.filter(pk=assignment.pk).update(organization=OrganizationFactory()))


def test_touchpoint_refuses_a_journey_or_stage_that_does_not_exist():
    touchpoint = TouchpointFactory()
    assert refused(lambda: Touchpoint.objects.filter(pk=touchpoint.pk).update(journey_id=2_000_000_000))
    assert refused(lambda: Touchpoint.objects.filter(pk=touchpoint.pk).update(stage_id=2_000_000_000))


def test_touchpoint_refuses_an_organization_other_than_its_journeys():
    touchpoint = TouchpointFactory()
    assert refused(lambda: Touchpoint.objects.filter(pk=touchpoint.pk).update(organization=OrganizationFactory()))


@pytest.mark.parametrize(
    ("parent", "column"),
    [
        ("journeys_touchpoint", "touchpoint_id"),
        ("ownership_function", "function_id"),
        ("journeys_stage", "touchpoint__stage_id"),
        ("journeys_journey", "touchpoint__journey_id"),
    ],
)
def test_a_parent_cannot_be_deleted_from_under_its_touchpoints_or_letters(parent, column):
    # Bare SQL, as no ORM delete would: the ORM deletes the letters and touchpoints first.
    assignment = AssignmentFactory()
    parent_id = Assignment.objects.filter(pk=assignment.pk).values_list(column, flat=True).get()

    def delete_parent():
        with transaction.get_connection().cursor() as cursor:
            cursor.execute(f"DELETE FROM {parent} WHERE id = %s", [parent_id])

    assert refused(delete_parent)
    assert Assignment.objects.filter(pk=assignment.pk).exists()


def test_assignment_refuses_a_role_of_another_function():
    assignment = AssignmentFactory()
    other_role = RoleFactory(function=FunctionFactory(organization=assignment.organization))
    assert refused(lambda: Assignment.objects.filter(pk=assignment.pk).update(role=other_role))


def test_assignment_accepts_a_role_of_its_function():
    assignment = AssignmentFactory()
    role = RoleFactory(function=assignment.function)
    assert not refused(lambda: Assignment.objects.filter(pk=assignment.pk).update(role=role))


def test_journey_owner_must_be_a_role_of_the_same_organization():
    journey = JourneyFactory()
    outsider = RoleFactory()
    assert refused(
        lambda: JourneyOwner.objects.create(organization=journey.organization, journey=journey, role=outsider)
    )
    assert refused(
        lambda: JourneyOwner.objects.create(organization=outsider.organization, journey=journey, role=outsider)
    )


def manager_of(journey: Journey):
    return RoleFactory(function=FunctionFactory(organization=journey.organization))


def test_a_journey_owner_stays_with_its_journey_and_role_in_their_organization():
    journey = JourneyFactory()
    owner = JourneyOwner.objects.create(organization=journey.organization, journey=journey, role=manager_of(journey))
    assert refused(lambda: JourneyOwner.objects.filter(pk=owner.pk).update(role=RoleFactory()))
    assert refused(lambda: JourneyOwner.objects.filter(pk=owner.pk).update(journey=JourneyFactory()))
    assert not refused(lambda: JourneyOwner.objects.filter(pk=owner.pk).update(role=manager_of(journey)))


def test_a_journey_has_one_manager_at_most():
    journey = JourneyFactory()
    JourneyOwner.objects.create(organization=journey.organization, journey=journey, role=manager_of(journey))
    assert refused(
        lambda: JourneyOwner.objects.create(
            organization=journey.organization, journey=journey, role=manager_of(journey)
        )
    )


def test_role_refuses_a_function_of_another_organization():
    function = FunctionFactory()
    assert refused(lambda: RoleFactory(function=function, organization=OrganizationFactory()))


def test_stage_refuses_a_journey_of_another_organization():
    journey = JourneyFactory()
    assert refused(lambda: StageFactory(journey=journey, organization=OrganizationFactory()))


def test_touchpoint_refuses_a_stage_of_another_journey():
    stage = StageFactory()
    other = JourneyFactory(organization=stage.organization)
    assert refused(lambda: TouchpointFactory(stage=stage, journey=other))


def test_same_letter_twice_for_one_function_is_refused():
    assignment = AssignmentFactory(letter="R")
    assert refused(
        lambda: AssignmentFactory(touchpoint=assignment.touchpoint, function=assignment.function, letter="R")
    )


def test_two_accountable_functions_are_stored_for_the_rules_to_report():
    assignment = AssignmentFactory(letter="A")
    other = FunctionFactory(organization=assignment.organization)
    assert not refused(lambda: AssignmentFactory(touchpoint=assignment.touchpoint, function=other, letter="A"))


def test_letters_outside_raci_are_refused():
    assert refused(lambda: AssignmentFactory(letter="X"))


@pytest.mark.parametrize("importance", [0, 6])
def test_importance_outside_one_to_five_is_refused(importance):
    assert refused(lambda: TouchpointFactory(importance=importance))


def test_touchpoint_names_are_unique_within_a_journey():
    touchpoint = TouchpointFactory(name="Cashier")
    assert refused(lambda: TouchpointFactory(stage=touchpoint.stage, name="Cashier"))


def test_every_model_has_a_readable_str():
    assignment = AssignmentFactory(letter="A")
    assert str(assignment) == f"{assignment.function} A on {assignment.touchpoint}"
    assert str(RoleFactory(title="CMO", holder_name="")) == "CMO (vacant)"
    manager = JourneyOwner(journey=JourneyFactory(name="Onboarding"), role=RoleFactory(title="CMO", holder_name=""))
    assert str(manager) == "CMO (vacant) manages Onboarding"
