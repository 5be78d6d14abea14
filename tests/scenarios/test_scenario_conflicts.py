"""A scenario applies while the organization keeps changing, unless what it touches changed.

Issue 18, item 8: during continuous edits elsewhere in the organization, 0 of 40 applies
succeeded — any change of the organization's matrix version asked for a rebase. Now each
cell, function and role a scenario touches is compared with the state it was drawn against.
"""

import pytest

from cxowner.orgs.change_context import change_context
from cxowner.orgs.models import Organization
from journeys.models import Stage, Touchpoint
from journeys.services import touchpoint_create, touchpoint_delete
from ownership.editor.services import CellChange, cells_set
from ownership.engine.rules import evaluate
from ownership.engine.whatif import RemoveFunction, SetCells, SetRoleHolder
from ownership.gaps.snapshots import snapshot_load
from ownership.models import Function, Role, Scenario
from ownership.scenarios.conflicts import ScenarioStale
from ownership.scenarios.services import (
    scenario_apply,
    scenario_create,
    scenario_operation_add,
    scenario_operation_remove,
    scenario_rebase,
)
from ownership.scenarios.state import scenario_state
from ownership.structure.services import function_update, role_create, role_update
from tests.factories import UserFactory

from .test_scenarios import fid, matrix_of, merge, open_fingerprints, rid, tid

pytestmark = pytest.mark.django_db


def cell(acme, touchpoint, function, letters):
    cells_set(organization=acme, changes=[CellChange(tid(acme, touchpoint), fid(acme, function), frozenset(letters))])


def as_user(username):
    return change_context(surface="browser", user=UserFactory(username=username))


def busy(acme):
    """Edits elsewhere in the organization: none of them touches the merge of Marketing into Sales."""
    cell(acme, "Hotline", "IT", "I")
    cell(acme, "Delivery", "Sales", "R")  # a Sales cell where Marketing holds nothing
    function_update(function=Function.objects.get(organization=acme, name="IT"), version=None, name="Tech")
    role_update(role=Role.objects.get(organization=acme, title="Head of Service"), version=None, holder_name="Ana")
    stage = Stage.objects.get(journey__organization=acme, name="Ask")
    touchpoint_create(stage=stage, name="Callback")


def test_edits_elsewhere_in_the_organization_do_not_block_apply(acme):
    scenario = scenario_create(organization=acme, name="Merge", operations=[merge(acme)])
    busy(acme)
    predicted = scenario_state(scenario=scenario).replayed.snapshot
    scenario_apply(scenario=scenario)
    scenario.refresh_from_db()
    assert scenario.status == Scenario.Status.APPLIED
    live = snapshot_load(organization=Organization.objects.get(pk=acme.pk))
    assert matrix_of(live) == matrix_of(predicted)
    # The live gaps are what a fresh audit finds.
    assert open_fingerprints(acme) == {f.fingerprint for f in evaluate(live)}


def test_a_scenario_is_not_stale_after_edits_elsewhere(acme):
    scenario = scenario_create(organization=acme, name="Merge", operations=[merge(acme)])
    busy(acme)
    state = scenario_state(scenario=scenario)
    assert (state.stale, state.conflicts) == (False, ())


def test_a_touched_cell_changed_is_named_with_who_when_and_its_letters(acme):
    scenario = scenario_create(organization=acme, name="Merge", operations=[merge(acme)])
    with as_user("alice"):
        cell(acme, "Ad", "Marketing", "R")
    with pytest.raises(ScenarioStale) as refused:
        scenario_apply(scenario=scenario)
    message = str(refused.value)
    assert "the cell Buy › Ad × Marketing was changed by alice at " in message
    assert message.endswith("(RA → R). Rebase the scenario on today's matrix, check the comparison again, then apply.")
    assert Function.objects.filter(organization=acme, name="Marketing").exists()


def test_the_target_s_cell_under_the_source_s_letters_is_touched(acme):
    scenario = scenario_create(organization=acme, name="Merge", operations=[merge(acme)])
    cell(acme, "Quote", "Sales", "R")
    with pytest.raises(ScenarioStale, match="the cell Buy › Quote × Sales was changed .*\\(RA → R\\)"):
        scenario_apply(scenario=scenario)


def test_a_renamed_function_it_touches_is_named(acme):
    scenario = scenario_create(
        organization=acme, name="No marketing", operations=[RemoveFunction(fid(acme, "Marketing"))]
    )
    with as_user("bob"):
        function_update(function=Function.objects.get(pk=fid(acme, "Marketing")), version=None, name="Growth")
    with pytest.raises(ScenarioStale, match="the function Marketing was renamed to Growth by bob at "):
        scenario_apply(scenario=scenario)


def test_a_role_it_touches_is_named_with_its_holders(acme):
    cmo = rid(acme, "CMO")
    scenario = scenario_create(organization=acme, name="CMO leaves", operations=[SetRoleHolder(cmo, "")])
    role_update(role=Role.objects.get(organization=acme, title="Head of Service"), version=None, holder_name="Ana")
    role_update(role=Role.objects.get(pk=cmo), version=None, holder_name="Noor Haddad")
    with pytest.raises(ScenarioStale) as refused:
        scenario_apply(scenario=scenario)
    assert "the role CMO (Marketing) was changed by " in str(refused.value)
    assert "(holder Mia Park → Noor Haddad)" in str(refused.value)
    assert "Head of Service" not in str(refused.value)


def test_a_role_that_joined_a_merged_function_is_named(acme):
    scenario = scenario_create(organization=acme, name="Merge", operations=[merge(acme)])
    role_create(function=Function.objects.get(pk=fid(acme, "Marketing")), title="Growth lead", holder_name="Gus")
    with pytest.raises(ScenarioStale, match="a role Growth lead was added to Marketing"):
        scenario_apply(scenario=scenario)


def test_a_deleted_touchpoint_is_named_and_its_step_no_longer_applies(acme):
    hotline = tid(acme, "Hotline")
    scenario = scenario_create(
        organization=acme, name="IT informed", operations=[SetCells(((hotline, fid(acme, "IT"), "I"),))]
    )
    with as_user("carol"):
        touchpoint_delete(touchpoint=Touchpoint.objects.get(pk=hotline))
    state = scenario_state(scenario=scenario)
    assert state.stale
    with pytest.raises(ScenarioStale) as refused:
        scenario_apply(scenario=scenario)
    assert f"the cell a deleted touchpoint (#{hotline}) × IT was changed by carol at " in str(refused.value)
    assert "step 1 (“Set IT on a deleted touchpoint" in str(refused.value)


def test_rebase_then_apply_after_a_touched_change(acme):
    scenario = scenario_create(organization=acme, name="Merge", operations=[merge(acme)])
    cell(acme, "Ad", "Marketing", "R")
    rebased = scenario_rebase(scenario=scenario, version=scenario.version).scenario
    assert not scenario_state(scenario=rebased).stale
    scenario_apply(scenario=rebased)
    assert not Function.objects.filter(organization=acme, name="Marketing").exists()
    assert "R" in {
        a.letter
        for a in snapshot_load(organization=acme).assignments
        if (a.touchpoint_id, a.function_id) == (tid(acme, "Ad"), fid(acme, "Sales"))
    }


def test_a_step_added_later_is_drawn_on_the_matrix_of_its_day(acme):
    scenario = scenario_create(
        organization=acme, name="Cells", operations=[SetCells(((tid(acme, "Hotline"), fid(acme, "IT"), "I"),))]
    )
    cell(acme, "Support chat", "Service", "A")
    step = SetCells(((tid(acme, "Support chat"), fid(acme, "Service"), "AR"),))
    scenario = scenario_operation_add(scenario=scenario, operation=step, version=scenario.version)
    scenario_apply(scenario=scenario)
    assert Scenario.objects.get(pk=scenario.pk).status == Scenario.Status.APPLIED


def test_a_step_taken_out_no_longer_blocks(acme):
    operations = [SetRoleHolder(rid(acme, "CMO"), "Noor"), RemoveFunction(fid(acme, "IT"))]
    scenario = scenario_create(organization=acme, name="Two steps", operations=operations)
    cell(acme, "Hotline", "IT", "I")  # IT's column: touched by step 2 only
    with pytest.raises(ScenarioStale, match="Hotline × IT"):
        scenario_apply(scenario=scenario)
    scenario = scenario_operation_remove(scenario=Scenario.objects.get(pk=scenario.pk), position=2, version=None)
    scenario_apply(scenario=scenario)
    assert Role.objects.get(pk=rid(acme, "CMO")).holder_name == "Noor"


def test_a_scenario_drawn_before_bases_were_kept_follows_the_old_rule(acme):
    scenario = scenario_create(organization=acme, name="Merge", operations=[merge(acme)])
    Scenario.objects.filter(pk=scenario.pk).update(base={})
    cell(acme, "Hotline", "IT", "I")
    with pytest.raises(ScenarioStale, match="Rebase"):
        scenario_apply(scenario=Scenario.objects.get(pk=scenario.pk))
    rebased = scenario_rebase(scenario=Scenario.objects.get(pk=scenario.pk), version=None).scenario
    assert rebased.base["columns"] == [fid(acme, "Marketing")]
    scenario_apply(scenario=rebased)


def test_the_live_gaps_equal_a_fresh_audit_after_an_apply_among_edits(acme):
    scenario = scenario_create(
        organization=acme,
        name="Several",
        operations=[SetRoleHolder(rid(acme, "CMO"), ""), merge(acme), RemoveFunction(fid(acme, "IT"))],
    )
    cell(acme, "Support chat", "Service", "A")
    scenario_apply(scenario=scenario)
    live = snapshot_load(organization=acme)
    assert open_fingerprints(acme) == {f.fingerprint for f in evaluate(live)}
