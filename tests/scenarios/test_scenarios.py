"""Stored what-if scenarios: drawn on the live matrix, compared, rebased, applied all or nothing."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from cxowner.orgs.errors import StaleVersion
from cxowner.orgs.history import ChangeSet, change_set_combined
from cxowner.orgs.models import Organization
from journeys.models import Journey, Touchpoint
from ownership.editor.services import CellChange, cells_set
from ownership.engine.constants import Rule
from ownership.engine.rules import evaluate
from ownership.engine.snapshot import OrgSnapshot
from ownership.engine.whatif import (
    OPERATION_TYPES,
    MergeFunctions,
    MoveLetters,
    RemoveFunction,
    SetCells,
    SetRoleHolder,
    cells_of,
)
from ownership.gaps.snapshots import snapshot_load
from ownership.models import Function, Gap, Role, Scenario, ScenarioOperationKind
from ownership.scenarios.conflicts import ScenarioStale
from ownership.scenarios.operations import operation_data, operation_from_data
from ownership.scenarios.services import (
    ScenarioClosed,
    scenario_apply,
    scenario_create,
    scenario_discard,
    scenario_operation_add,
    scenario_operation_remove,
    scenario_rebase,
)
from ownership.scenarios.state import scenario_state
from ownership.structure.selectors import journey_owner
from ownership.structure.services import function_delete
from tests.scenario_fixtures import acme_build

pytestmark = pytest.mark.django_db


def fid(organization, name: str) -> int:
    return Function.objects.get(organization=organization, name=name).pk


def tid(organization, name: str) -> int:
    return Touchpoint.objects.get(organization=organization, name=name).pk


def rid(organization, title: str) -> int:
    return Role.objects.get(organization=organization, title=title).pk


def merge(organization) -> MergeFunctions:
    return MergeFunctions(fid(organization, "Marketing"), fid(organization, "Sales"))


def fresh(organization) -> Organization:
    return Organization.objects.get(pk=organization.pk)


def matrix_of(snapshot: OrgSnapshot) -> dict:
    """What a matrix is, without the clock: functions, roles, journey managers and cells."""
    return {
        "functions": sorted(snapshot.functions),
        "roles": sorted(snapshot.roles),
        "journeys": sorted(snapshot.journeys),
        "cells": cells_of(snapshot),
    }


def open_fingerprints(organization) -> set[str]:
    return set(
        Gap.objects.filter(organization=organization, resolved_at__isnull=True).values_list("fingerprint", flat=True)
    )


# --- operations as data -----------------------------------------------------------------------


def test_every_operation_kind_is_a_stored_kind():
    assert set(OPERATION_TYPES) == set(ScenarioOperationKind.values)


@pytest.mark.parametrize(
    "operation",
    [MergeFunctions(1, 2), RemoveFunction(3), SetRoleHolder(4, "Noor"), MoveLetters(5, 6), SetCells(((7, 8, "RA"),))],
)
def test_operation_data_round_trips(operation):
    assert operation_from_data(*operation_data(operation)) == operation


@pytest.mark.parametrize(
    ("kind", "arguments", "message"),
    [
        ("promote", {}, "Unknown operation"),
        ("merge_functions", {"source_id": "1", "target_id": 2}, "source_id"),
        ("remove_function", {"function_id": True}, "function_id"),
        ("set_cells", {"cells": []}, "list of"),
        ("set_cells", {"cells": [{"touchpoint": 1, "function": 2, "letters": "AX"}]}, "Cell 1: unknown letter 'X'"),
        ("set_role_holder", {"role_id": 1, "holder_name": 5}, "holder"),
    ],
)
def test_operation_from_data_refuses_bad_input_with_a_reason(kind, arguments, message):
    with pytest.raises(ValidationError, match=message):
        operation_from_data(kind, arguments)


# --- drawing a scenario -----------------------------------------------------------------------


def test_create_draws_the_scenario_on_todays_matrix(acme):
    scenario = scenario_create(organization=acme, name="Merge Marketing into Sales", operations=[merge(acme)])
    assert scenario.base_matrix_version == fresh(acme).matrix_version
    assert scenario.status == Scenario.Status.DRAFT
    assert [row.kind for row in scenario.operations.all()] == ["merge_functions"]


def test_create_refuses_an_operation_that_does_not_apply_and_keeps_nothing(acme):
    with pytest.raises(ValidationError, match="Operation 1: There is no function #999999"):
        scenario_create(organization=acme, name="Nonsense", operations=[RemoveFunction(999999)])
    assert not Scenario.objects.exists()


def test_create_refuses_an_empty_name(acme):
    with pytest.raises(ValidationError, match="needs a name"):
        scenario_create(organization=acme, name="  ")


def test_a_function_of_another_organization_does_not_apply(acme):
    other = acme_build(Organization.objects.create(name="Other", slug="other"))
    with pytest.raises(ValidationError, match="no function"):
        scenario_create(organization=acme, name="x", operations=[RemoveFunction(fid(other, "Sales"))])


def test_adding_an_operation_needs_the_version_read(acme):
    scenario = scenario_create(organization=acme, name="Re-org")
    scenario = scenario_operation_add(scenario=scenario, operation=merge(acme), version=scenario.version)
    with pytest.raises(StaleVersion):
        scenario_operation_add(scenario=scenario, operation=RemoveFunction(fid(acme, "IT")), version=1)
    assert scenario.operations.count() == 1


def test_an_operation_must_apply_after_the_earlier_ones(acme):
    scenario = scenario_create(organization=acme, name="Re-org", operations=[merge(acme)])
    with pytest.raises(ValidationError, match="Operation 2"):
        scenario_operation_add(scenario=scenario, operation=RemoveFunction(fid(acme, "Marketing")), version=None)


def test_removing_a_step_renumbers_the_rest(acme):
    operations = [RemoveFunction(fid(acme, "IT")), merge(acme)]
    scenario = scenario_create(organization=acme, name="Re-org", operations=operations)
    scenario = scenario_operation_remove(scenario=scenario, position=1, version=scenario.version)
    assert list(scenario.operations.values_list("position", "kind")) == [(1, "merge_functions")]


def test_a_discarded_scenario_can_no_longer_change(acme):
    scenario = scenario_create(organization=acme, name="Re-org")
    scenario = scenario_discard(scenario=scenario, version=scenario.version)
    with pytest.raises(ScenarioClosed, match="discarded"):
        scenario_operation_add(scenario=scenario, operation=merge(acme), version=None)


# --- comparing --------------------------------------------------------------------------------


def test_merge_scenario_closes_the_contested_gaps_and_opens_a_bottleneck(acme):
    scenario = scenario_create(organization=acme, name="Merge", operations=[merge(acme)])
    comparison = scenario_state(scenario=scenario).comparison
    closed = sorted(f.touchpoints for f in comparison.closed if f.rule is Rule.MULTIPLE_ACCOUNTABLE)
    assert closed == [("Ad",), ("Quote",)]
    assert [(load.name, load.before, load.after) for load in comparison.opened_bottlenecks] == [("Sales", 5, 7)]
    assert (comparison.coverage_before, comparison.coverage_after) == (0.8, 1.0)


def test_each_step_keeps_its_words_from_when_it_was_added(acme):
    scenario = scenario_create(organization=acme, name="Merge", operations=[merge(acme)])
    scenario_operation_add(scenario=scenario, operation=RemoveFunction(fid(acme, "Sales")), version=None)
    scenario_apply(scenario=scenario)
    assert list(scenario.operations.values_list("description", flat=True)) == [
        "Merge Marketing into Sales",
        "Remove Sales",
    ]


def test_scenario_state_steps_name_today_s_functions(acme):
    scenario = scenario_create(organization=acme, name="Merge", operations=[merge(acme)])
    assert scenario_state(scenario=scenario).steps == ("Merge Marketing into Sales",)


def test_the_comparison_is_what_an_audit_of_the_applied_matrix_finds(acme):
    before = {f.fingerprint for f in evaluate(snapshot_load(organization=acme))}
    scenario = scenario_create(organization=acme, name="Merge", operations=[merge(acme)])
    comparison = scenario_state(scenario=scenario).comparison
    scenario_apply(scenario=scenario)
    audited = {f.fingerprint for f in evaluate(snapshot_load(organization=fresh(acme)))}
    assert {f.fingerprint for f in comparison.opened} == audited - before
    assert {f.fingerprint for f in comparison.closed} == before - audited


def test_reading_a_scenario_takes_a_few_queries(acme, django_assert_max_num_queries):
    scenario = scenario_create(organization=acme, name="Merge", operations=[merge(acme)])
    scenario = Scenario.objects.select_related("organization").get(pk=scenario.pk)
    # * 5 for the live snapshot  * the scenario's operations  * the live matrix version
    # * today's open gaps (the figures)
    with django_assert_max_num_queries(9):
        scenario_state(scenario=scenario)


# --- applying ---------------------------------------------------------------------------------


def scenarios_of(acme) -> dict:
    return {
        "merge": [merge(acme)],
        "remove": [RemoveFunction(fid(acme, "Marketing"))],
        "holder leaves": [SetRoleHolder(rid(acme, "Head of Service"), "")],
        "holder changes": [SetRoleHolder(rid(acme, "CMO"), "Noor Haddad")],
        "move letters": [MoveLetters(fid(acme, "IT"), fid(acme, "Service"))],
        "cells": [
            SetCells(((tid(acme, "Ad"), fid(acme, "Sales"), ""), (tid(acme, "Delivery"), fid(acme, "IT"), "CI")))
        ],
        "several": [
            SetRoleHolder(rid(acme, "CMO"), ""),
            merge(acme),
            MoveLetters(fid(acme, "IT"), fid(acme, "Sales")),
            RemoveFunction(fid(acme, "IT")),
        ],
    }


@pytest.mark.parametrize(
    "name", ["merge", "remove", "holder leaves", "holder changes", "move letters", "cells", "several"]
)
def test_after_apply_the_live_matrix_equals_the_scenario(acme, name):
    scenario = scenario_create(organization=acme, name=name, operations=scenarios_of(acme)[name])
    predicted = scenario_state(scenario=scenario).replayed.snapshot
    scenario_apply(scenario=scenario)
    live = snapshot_load(organization=fresh(acme))
    assert matrix_of(live) == matrix_of(predicted)
    assert open_fingerprints(acme) == {f.fingerprint for f in evaluate(predicted)}


def test_apply_records_one_change_set_and_closes_the_scenario(acme):
    scenario = scenario_create(organization=acme, name="Merge Marketing into Sales", operations=[merge(acme)])
    latest = ChangeSet.objects.filter(organization=acme).count()
    change_set = scenario_apply(scenario=scenario)
    assert ChangeSet.objects.filter(organization=acme).count() == latest + 1
    assert (change_set.kind, change_set.summary) == ("scenario.apply", "Scenario “Merge Marketing into Sales” applied")
    assert {item.object_type for item in change_set.items.all()} >= {"cell", "role", "function"}
    scenario.refresh_from_db()
    assert (scenario.status, scenario.change_set) == (Scenario.Status.APPLIED, change_set)


def test_apply_is_refused_when_a_touched_cell_changed_and_nothing_is_written(acme):
    scenario = scenario_create(organization=acme, name="Merge", operations=[merge(acme)])
    cells_set(organization=acme, changes=[CellChange(tid(acme, "Ad"), fid(acme, "Marketing"), frozenset("R"))])
    before = matrix_of(snapshot_load(organization=acme))
    with pytest.raises(ScenarioStale, match="Rebase"):
        scenario_apply(scenario=scenario)
    assert matrix_of(snapshot_load(organization=acme)) == before
    scenario.refresh_from_db()
    assert scenario.status == Scenario.Status.DRAFT


def test_apply_is_all_or_nothing(acme):
    scenario = scenario_create(organization=acme, name="Merge", operations=[merge(acme)])
    before = matrix_of(snapshot_load(organization=acme))
    failing = mock.patch("ownership.scenarios.services.function_delete", side_effect=RuntimeError("disk full"))
    with failing, pytest.raises(RuntimeError):
        scenario_apply(scenario=scenario)
    assert matrix_of(snapshot_load(organization=acme)) == before


def test_an_applied_scenario_cannot_be_applied_again(acme):
    scenario = scenario_create(organization=acme, name="Merge", operations=[merge(acme)])
    scenario_apply(scenario=scenario)
    with pytest.raises(ScenarioClosed, match="applied"):
        scenario_apply(scenario=scenario)


# --- rebasing ---------------------------------------------------------------------------------


def test_rebase_draws_the_scenario_on_today_s_matrix(acme):
    scenario = scenario_create(organization=acme, name="Merge", operations=[merge(acme)])
    cells_set(organization=acme, changes=[CellChange(tid(acme, "Ad"), fid(acme, "Marketing"), frozenset("R"))])
    rebased = scenario_rebase(scenario=scenario, version=scenario.version)
    assert rebased.dropped == ()
    assert rebased.scenario.base_matrix_version == fresh(acme).matrix_version
    scenario_apply(scenario=rebased.scenario)
    assert "Marketing" not in Function.objects.filter(organization=acme).values_list("name", flat=True)


def test_rebase_drops_and_reports_operations_that_no_longer_apply(acme):
    it = fid(acme, "IT")
    scenario = scenario_create(
        organization=acme, name="Re-org", operations=[MoveLetters(it, fid(acme, "Service")), merge(acme)]
    )
    function_delete(function=Function.objects.get(pk=it))
    rebased = scenario_rebase(scenario=scenario, version=scenario.version)
    [dropped] = rebased.dropped
    assert "no function" in dropped
    assert list(rebased.scenario.operations.values_list("position", "kind")) == [(1, "merge_functions")]


def test_a_stale_scenario_shows_as_stale_with_its_skipped_operations(acme):
    it = fid(acme, "IT")
    scenario = scenario_create(organization=acme, name="Re-org", operations=[RemoveFunction(it)])
    function_delete(function=Function.objects.get(pk=it))
    state = scenario_state(scenario=scenario)
    assert state.stale
    assert [s.index for s in state.skipped] == [0]


def test_removing_a_function_leaves_its_journeys_without_manager_after_apply(acme):
    scenario = scenario_create(organization=acme, name="No service", operations=[RemoveFunction(fid(acme, "Service"))])
    scenario_apply(scenario=scenario)
    assert journey_owner(journey=Journey.objects.get(organization=acme, name="Get help")) is None


# --- one change set for many services --------------------------------------------------------


def test_services_called_inside_change_set_combined_record_one_change_set(acme):
    ad, it = tid(acme, "Ad"), fid(acme, "IT")
    before = ChangeSet.objects.filter(organization=acme).count()
    with (
        transaction.atomic(),
        change_set_combined(organization_id=acme.pk, kind="test", summary="Two edits") as combined,
    ):
        cells_set(organization=acme, changes=[CellChange(ad, it, frozenset("C"))])
        cells_set(organization=acme, changes=[CellChange(ad, it, frozenset("CI"))])
    assert ChangeSet.objects.filter(organization=acme).count() == before + 1
    assert [(i.before, i.after) for i in combined.change_set.items.all()] == [("", "C"), ("C", "CI")]


def test_change_set_combined_writes_nothing_when_its_block_fails(acme):
    before = ChangeSet.objects.filter(organization=acme).count()
    combined = change_set_combined(organization_id=acme.pk, kind="test", summary="Fails")
    with pytest.raises(RuntimeError), transaction.atomic(), combined:
        cells_set(organization=acme, changes=[CellChange(tid(acme, "Ad"), fid(acme, "IT"), frozenset("C"))])
        raise RuntimeError("disk full")
    assert ChangeSet.objects.filter(organization=acme).count() == before
