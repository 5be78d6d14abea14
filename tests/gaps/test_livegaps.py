"""The live gap state: every write leaves the open gaps equal to a from-scratch evaluation."""

import logging
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxowner.orgs.models import Organization
from cxowner.orgs.services import organization_settings_update
from journeys.models import Stage, Touchpoint
from journeys.services import (
    journey_create,
    journey_delete,
    stage_create,
    stage_delete,
    stage_move,
    touchpoint_create,
    touchpoint_delete,
    touchpoint_move,
    touchpoint_update,
)
from ownership.editor.services import CellChange, assignment_role_set, cells_set
from ownership.engine.rules import evaluate
from ownership.gaps.audits import audit_organization
from ownership.gaps.live import gaps_refresh
from ownership.gaps.selectors import open_gaps_by_touchpoint
from ownership.gaps.snapshots import snapshot_load
from ownership.models import Assignment, Function, Gap, GapEvent, Role
from ownership.structure.services import (
    function_create,
    function_delete,
    function_update,
    journey_owner_set,
    role_create,
    role_update,
)
from tests.factories import OrganizationFactory, StageFactory, matrix_build

pytestmark = pytest.mark.django_db


@contextmanager
def freeze(moment):
    """The audit's clock at `moment` (time passing is what stale ownership is about)."""
    with mock.patch("ownership.gaps.audits.timezone.now", return_value=moment):
        yield


def live_state(organization) -> dict:
    gaps = Gap.objects.filter(organization=organization, resolved_at__isnull=True)
    return {
        gap.fingerprint: (gap.finding, gap.score, gap.journey_id, gap.touchpoint_id, gap.function_id) for gap in gaps
    }


def scratch_state(organization) -> dict:
    organization = Organization.objects.get(pk=organization.pk)
    return {
        f.fingerprint: (
            f.as_dict(),
            f.score,
            f.journey_id,
            f.touchpoint_ids[0] if f.touchpoint_ids else None,
            f.function_id,
        )
        for f in evaluate(snapshot_load(organization=organization))
    }


def small_organization():
    organization = OrganizationFactory()
    functions = [function_create(organization=organization, name=name) for name in ("Sales", "Service", "IT", "CX")]
    role_create(function=functions[0], title="Head of Sales", holder_name="Ana")
    role_create(function=functions[1], title="Journey manager")  # vacant
    journey = journey_create(organization=organization, name="Store visit")
    for stage_name in ("Arrive", "Buy"):
        stage = stage_create(journey=journey, name=stage_name)
        for index in range(3):
            touchpoint_create(stage=stage, name=f"{stage_name} {index}")
    return organization


# Each step is (operation, a, b, c): small integers the operation reads modulo what exists.
STEPS = st.tuples(
    st.sampled_from(
        [
            "cell",
            "cell",
            "cell",
            "move",
            "delete",
            "create",
            "scope",
            "importance",
            "holder",
            "thresholds",
            "owner",
            "carrier",
            "rename",
            "stage_move",
            "new_function",
        ]
    ),
    st.integers(0, 50),
    st.integers(0, 50),
    st.frozensets(st.sampled_from("RACI")),
)


def apply(organization, step) -> None:
    operation, a, b, letters = step
    touchpoints = list(Touchpoint.objects.filter(organization=organization).order_by("id"))
    functions = list(Function.objects.filter(organization=organization).order_by("id"))
    roles = list(Role.objects.filter(organization=organization).order_by("id"))
    stages = list(Stage.objects.filter(organization=organization).order_by("id"))
    touchpoint = touchpoints[a % len(touchpoints)] if touchpoints else None
    if operation == "cell" and touchpoint:
        change = CellChange(touchpoint.pk, functions[b % len(functions)].pk, letters)
        cells_set(organization=organization, changes=[change])
    elif operation == "move" and touchpoint:
        touchpoint_move(touchpoint=touchpoint, stage=stages[b % len(stages)], position=b % 4 + 1)
    elif operation == "delete" and len(touchpoints) > 2:
        touchpoint_delete(touchpoint=touchpoint)
    elif operation == "create":
        # After the highest id, not the count: a delete then a create repeated a name (refused).
        last = touchpoints[-1].pk if touchpoints else 0
        touchpoint_create(stage=stages[b % len(stages)], name=f"New {a}-{b}-{last + 1}")
    elif operation == "scope" and touchpoint:
        touchpoint_update(touchpoint=touchpoint, version=None, out_of_scope=not touchpoint.out_of_scope)
    elif operation == "importance" and touchpoint:
        touchpoint_update(touchpoint=touchpoint, version=None, importance=b % 5 + 1, name=f"{touchpoint.name}'")
    elif operation == "holder":
        role = roles[a % len(roles)]
        role_update(role=role, version=None, holder_name="" if role.holder_name else f"Holder {b}")
    elif operation == "thresholds":
        organization_settings_update(
            organization=organization,
            version=None,
            responsible_limit=a % 3 + 1,
            bottleneck_min_touchpoints=b % 8 + 1,
            bottleneck_share=Decimal("0.30") if letters else Decimal("0.50"),
        )
    elif operation == "owner":
        journey = stages[0].journey
        journey_owner_set(journey=journey, owner=roles[b % len(roles)] if a % 3 else None)
    elif operation == "carrier" and touchpoint:
        accountable = Assignment.objects.filter(touchpoint=touchpoint, letter="A", function__roles__isnull=False)
        assignment = accountable.order_by("id").first()
        if assignment is not None:
            role = assignment.function.roles.order_by("id").first()
            assignment_role_set(assignment=assignment, role=None if assignment.role_id else role)
    elif operation == "rename":
        function = functions[a % len(functions)]
        function_update(function=function, version=None, name=f"{function.name.split('#')[0]}#{b}")
    elif operation == "stage_move":
        stage_move(stage=stages[a % len(stages)], position=b % 3 + 1)
    elif operation == "new_function":
        function_create(organization=organization, name=f"Function {a}-{b}-{len(functions)}")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(STEPS, min_size=1, max_size=12))
def test_live_gaps_equal_a_from_scratch_evaluation_after_every_edit(steps):
    with transaction.atomic():
        organization = small_organization()
        assert live_state(organization) == scratch_state(organization)
        for step in steps:
            apply(organization, step)
            assert live_state(organization) == scratch_state(organization), step
        transaction.set_rollback(True)


def test_deleting_a_journey_or_a_stage_resolves_its_gaps():
    organization = small_organization()
    journey = organization.journeys.get()
    stage_delete(stage=journey.stages.order_by("position").first())
    assert live_state(organization) == scratch_state(organization)
    journey_delete(journey=journey)
    assert live_state(organization) == scratch_state(organization)
    assert not Gap.objects.filter(organization=organization, resolved_at__isnull=True, journey__isnull=False)


def test_deleting_a_function_updates_every_gap_it_was_in():
    organization = small_organization()
    touchpoint = Touchpoint.objects.filter(organization=organization).first()
    sales, service = Function.objects.filter(organization=organization).order_by("id")[:2]
    cells_set(
        organization=organization,
        changes=[CellChange(touchpoint.pk, sales.pk, frozenset("A")), CellChange(touchpoint.pk, service.pk, {"A"})],
    )
    function_delete(function=sales)
    assert live_state(organization) == scratch_state(organization)


def test_an_edit_records_the_events_it_caused_without_a_run():
    organization = small_organization()
    touchpoint = Touchpoint.objects.filter(organization=organization).first()
    function = Function.objects.filter(organization=organization).first()
    gap = Gap.objects.get(organization=organization, rule="unassigned", touchpoint=touchpoint)

    cells_set(organization=organization, changes=[CellChange(touchpoint.pk, function.pk, frozenset("AR"))])

    gap.refresh_from_db()
    assert gap.resolved_at is not None
    event = gap.events.last()
    assert (event.kind, event.cause, event.run) == (GapEvent.Kind.RESOLVED, "cells", None)


def test_every_write_bumps_the_change_counter():
    organization = small_organization()
    before = Organization.objects.get(pk=organization.pk)
    touchpoint = Touchpoint.objects.filter(organization=organization).first()
    touchpoint_update(touchpoint=touchpoint, version=None, description="Now with a ramp")
    after = Organization.objects.get(pk=organization.pk)
    assert after.matrix_version == before.matrix_version + 1
    assert after.matrix_changed_at > before.matrix_changed_at


def test_an_unchanged_refresh_writes_no_gap_and_no_event():
    organization = small_organization()
    touchpoint = Touchpoint.objects.filter(organization=organization).first()
    events = GapEvent.objects.count()
    rows = list(Gap.objects.values())
    touchpoint_update(touchpoint=touchpoint, version=None, description="Only the description")
    assert GapEvent.objects.count() == events
    assert list(Gap.objects.values()) == rows


def test_audit_repairs_a_forced_drift_and_says_so(caplog):
    organization = small_organization()
    Gap.objects.filter(organization=organization, rule="unassigned").first().delete()  # a gap lost
    idle = Gap.objects.filter(organization=organization, rule="idle_function").first()
    Gap.objects.filter(pk=idle.pk).update(finding={"message": "stale text"})  # a gap left behind
    with caplog.at_level(logging.ERROR, logger="ownership.gaps.audits"):
        run = audit_organization(organization=organization, trigger="manual").run
    assert run.repaired == 2
    assert "repaired 2 gap(s)" in caplog.text
    assert live_state(organization) == scratch_state(organization)
    assert audit_organization(organization=organization, trigger="manual").run.repaired == 0


def test_audit_resolves_a_gap_the_live_state_should_not_have(caplog):
    organization = small_organization()
    touchpoint = Touchpoint.objects.filter(organization=organization).first()
    function = Function.objects.filter(organization=organization).first()
    cells_set(organization=organization, changes=[CellChange(touchpoint.pk, function.pk, frozenset("AR"))])
    Gap.objects.filter(organization=organization, touchpoint=touchpoint).update(resolved_at=None)  # came back
    run = audit_organization(organization=organization, trigger="manual").run
    assert run.repaired == 1
    assert live_state(organization) == scratch_state(organization)


def test_open_gaps_by_touchpoint_lists_handoffs_under_both_touchpoints():
    organization = small_organization()
    first, second = Touchpoint.objects.filter(organization=organization).order_by("stage__position", "position")[:2]
    sales, service = Function.objects.filter(organization=organization).order_by("id")[:2]
    cells_set(
        organization=organization,
        changes=[CellChange(first.pk, sales.pk, frozenset("A")), CellChange(second.pk, service.pk, frozenset("A"))],
    )
    by_touchpoint = open_gaps_by_touchpoint(journey=first.journey)
    handoff = Gap.objects.get(organization=organization, rule="handoff_gap", resolved_at__isnull=True)
    assert handoff in by_touchpoint[first.pk]
    assert handoff in by_touchpoint[second.pk]
    assert {gap.rule for gap in by_touchpoint[first.pk]} >= {"no_responsible", "handoff_gap"}


def _cell_edit_queries(organization, touchpoints: int, elsewhere: int) -> int:
    journey = matrix_build(organization=organization, touchpoints=touchpoints, functions=6)
    stage = StageFactory(journey__organization=organization)
    Touchpoint.objects.bulk_create(
        Touchpoint(organization=organization, journey=stage.journey, stage=stage, name=f"Other {i}", position=i)
        for i in range(elsewhere)
    )
    gaps_refresh(organization_id=organization.pk, scope=_everything())
    # A row in the middle of the journey that has letters; an I for a function not on it yet
    # changes no finding, so both sizes do exactly the same work.
    # Not first or last in its stage: its neighbours are found in the stage itself.
    stage = journey.stages.order_by("position").first()
    rows = list(stage.touchpoints.filter(out_of_scope=False).order_by("position", "id"))[1:-1]
    touchpoint = next(t for t in rows[len(rows) // 2 :] if t.assignments.filter(letter="A").exists())
    function = Function.objects.filter(organization=organization).exclude(assignments__touchpoint=touchpoint).first()
    with CaptureQueriesContext(connection) as queries:
        cells_set(organization=organization, changes=[CellChange(touchpoint.pk, function.pk, frozenset("I"))])
    return len(queries)


def _everything():
    from cxowner.orgs.signals import MatrixScope

    return MatrixScope.of("test", organization_wide=True)


def test_a_cell_edit_costs_the_same_queries_whatever_the_journey_and_organization_size():
    # cells_set: savepoint, lock, functions, read, write, version. The live gaps: savepoint,
    # the change counter, the organization, the touched touchpoint, its neighbours (2 to 4),
    # the window's touchpoints, letters, roles, journeys and functions, the in-scope count,
    # the functions' aggregate, the gaps in scope, (the gaps to reopen, the writes, the events).
    small = _cell_edit_queries(OrganizationFactory(), touchpoints=20, elsewhere=0)
    large = _cell_edit_queries(OrganizationFactory(), touchpoints=400, elsewhere=1000)
    assert small == large
    assert large <= 30


def test_audit_of_an_unchanged_organization_only_rechecks_what_time_changes():
    organization = small_organization()
    first = audit_organization(organization=organization, trigger="manual").run
    second = audit_organization(organization=organization, trigger="manual").run
    assert (first.full, second.full) == (True, False)
    assert second.counts_by_rule == first.counts_by_rule
    assert second.coverage == first.coverage


def test_an_edit_since_the_last_audit_makes_the_next_one_full():
    organization = small_organization()
    audit_organization(organization=organization, trigger="manual")
    touchpoint_create(stage=Stage.objects.filter(organization=organization).first(), name="Parking lot")
    assert audit_organization(organization=organization, trigger="manual").run.full


def test_a_write_around_the_services_makes_the_next_audit_full_and_repair_it():
    organization = small_organization()
    audit_organization(organization=organization, trigger="manual")
    touchpoint = Touchpoint.objects.filter(organization=organization).first()
    function = Function.objects.filter(organization=organization).first()
    Assignment.objects.create(organization=organization, touchpoint=touchpoint, function=function, letter="R")
    run = audit_organization(organization=organization, trigger="manual").run
    assert run.full
    assert run.repaired >= 1
    assert live_state(organization) == scratch_state(organization)


def test_stale_ownership_appears_with_time_in_a_quick_check():
    organization = small_organization()
    touchpoint = Touchpoint.objects.filter(organization=organization).first()
    function = Function.objects.filter(organization=organization).first()
    cells_set(organization=organization, changes=[CellChange(touchpoint.pk, function.pk, frozenset("AR"))])
    # An A one hour short of the review period (the clock, not a write, makes it stale).
    almost = timezone.now() - timedelta(days=organization.review_period_days) + timedelta(hours=1)
    Assignment.objects.filter(touchpoint=touchpoint, letter="A").update(created_at=almost)
    audit_organization(organization=organization, trigger="manual")
    with freeze(timezone.now() + timedelta(hours=2)):
        run = audit_organization(organization=organization, trigger="manual").run
    assert not run.full
    assert run.repaired == 0
    assert Gap.objects.filter(organization=organization, rule="stale_ownership", resolved_at__isnull=True).exists()
