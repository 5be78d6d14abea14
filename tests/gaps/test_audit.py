"""The audit service: records runs and keeps gaps by fingerprint across runs."""

import pytest

from journeys.services import touchpoint_update
from ownership.gaps.audits import audit_organization, audit_run_create, audit_run_execute
from ownership.gaps.snapshots import snapshot_load
from ownership.models import AuditRun, Gap, GapEvent
from tests.factories import AssignmentFactory, FunctionFactory, RoleFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


def build_matrix(organization, touchpoints: int):
    stage = StageFactory(journey__organization=organization)
    sales, it = FunctionFactory(organization=organization), FunctionFactory(organization=organization)
    RoleFactory(function=sales)
    for index in range(touchpoints):
        touchpoint = TouchpointFactory(stage=stage)
        AssignmentFactory(touchpoint=touchpoint, function=sales if index % 2 else it, letter="A")
        AssignmentFactory(touchpoint=touchpoint, function=sales, letter="R")
    return stage


@pytest.mark.parametrize("touchpoints", [3, 30])
def test_snapshot_loads_with_constant_queries(organization, touchpoints, django_assert_num_queries):
    build_matrix(organization, touchpoints)
    # functions, roles, journeys, touchpoints (with stage positions), assignments
    with django_assert_num_queries(5):
        snapshot = snapshot_load(organization=organization)
    assert len(snapshot.touchpoints) == touchpoints
    assert len(snapshot.assignments) == touchpoints * 2


@pytest.mark.parametrize("touchpoints", [3, 30])
def test_steady_audit_runs_with_constant_queries(organization, touchpoints, django_assert_max_num_queries):
    build_matrix(organization, touchpoints)
    audit_organization(organization=organization, trigger="manual")
    # The quick check of an unchanged organization: lock, run (create, lock), the checksum (one
    # aggregate per table: 7), the previous and last full runs, the aged A and stale gaps, their
    # snapshot (4), the stale gaps compared, the events, the open gaps' counts (2), the change
    # counter, the run saved, savepoints.
    with django_assert_max_num_queries(26):
        audit_organization(organization=organization, trigger="manual")


def test_audit_records_a_done_run_with_counts_and_coverage(organization):
    stage = StageFactory(journey__organization=organization)
    TouchpointFactory(stage=stage)
    covered = TouchpointFactory(stage=stage)
    AssignmentFactory(touchpoint=covered, letter="A")
    AssignmentFactory(touchpoint=covered, function=FunctionFactory(organization=organization), letter="R")

    result = audit_organization(organization=organization, trigger="manual")
    run = result.run

    assert run.status == AuditRun.Status.DONE
    assert run.coverage == 0.5
    assert run.counts_by_rule["unassigned"] == 1
    assert run.counts_by_severity["error"] >= 2  # unassigned + journey_without_owner
    assert {finding.rule for finding in result.findings} >= {"unassigned", "journey_without_owner"}
    assert run.started_at <= run.finished_at


def test_first_audit_opens_a_gap_per_finding(organization):
    TouchpointFactory(stage=StageFactory(journey__organization=organization))
    result = audit_organization(organization=organization, trigger="manual")
    assert Gap.objects.filter(organization=organization, resolved_at=None).count() == len(result.findings)
    assert result.run.opened_count == len(result.findings)


def test_audit_of_an_unchanged_organization_writes_no_gap(organization):
    TouchpointFactory(stage=StageFactory(journey__organization=organization))
    first = audit_organization(organization=organization, trigger="manual").run
    before = list(Gap.objects.filter(organization=organization).values())
    second = audit_organization(organization=organization, trigger="manual").run
    assert list(Gap.objects.filter(organization=organization).values()) == before
    assert Gap.objects.get(organization=organization, rule="unassigned").first_seen_run == first
    assert (second.opened_count, second.resolved_count, second.repaired) == (0, 0, 0)


def test_gap_resolved_by_an_edit_is_reported_by_the_next_run(organization):
    touchpoint = TouchpointFactory(stage=StageFactory(journey__organization=organization))
    audit_organization(organization=organization, trigger="manual")
    touchpoint_update(touchpoint=touchpoint, version=None, out_of_scope=True)
    gap = Gap.objects.get(organization=organization, rule="unassigned")
    assert gap.resolved_at is not None  # at once, by the edit
    run = audit_organization(organization=organization, trigger="manual").run
    assert (run.resolved_count, run.repaired) == (1, 0)
    event = GapEvent.objects.get(gap=gap, kind=GapEvent.Kind.RESOLVED)
    assert (event.run, event.cause) == (None, "touchpoint")


def test_gap_found_again_is_reopened_by_the_edit(organization):
    touchpoint = TouchpointFactory(stage=StageFactory(journey__organization=organization))
    audit_organization(organization=organization, trigger="manual")
    touchpoint_update(touchpoint=touchpoint, version=None, out_of_scope=True)
    audit_organization(organization=organization, trigger="manual")
    touchpoint.refresh_from_db()
    touchpoint_update(touchpoint=touchpoint, version=None, out_of_scope=False)
    gap = Gap.objects.get(organization=organization, rule="unassigned")
    assert gap.resolved_at is None
    assert gap.times_reopened == 1
    assert gap.events.last().kind == GapEvent.Kind.REOPENED
    run = audit_organization(organization=organization, trigger="manual").run
    assert (run.opened_count, run.repaired) == (1, 0)


def test_renamed_touchpoint_keeps_its_gap_with_the_new_name(organization):
    touchpoint = TouchpointFactory(stage=StageFactory(journey__organization=organization), name="Till")
    audit_organization(organization=organization, trigger="manual")
    touchpoint_update(touchpoint=touchpoint, version=None, name="Cashier")
    audit_organization(organization=organization, trigger="manual")
    gap = Gap.objects.get(organization=organization, rule="unassigned")
    assert gap.finding["touchpoints"] == ["Cashier"]
    assert gap.times_reopened == 0


def test_executing_a_done_run_again_changes_nothing(organization):
    TouchpointFactory(stage=StageFactory(journey__organization=organization))
    run = audit_run_create(organization=organization, trigger="api")
    audit_run_execute(run=run)
    events = GapEvent.objects.count()
    again = audit_run_execute(run=run)
    assert again.run.status == AuditRun.Status.DONE
    assert GapEvent.objects.count() == events
    assert AuditRun.objects.filter(organization=organization).count() == 1


def test_audit_only_sees_its_own_organization(organization):
    TouchpointFactory()  # another organization's unassigned touchpoint
    result = audit_organization(organization=organization, trigger="manual")
    assert result.findings == []
    assert result.run.coverage is None  # nothing in scope: no figure


def test_an_audit_with_nothing_in_scope_shows_no_figure_on_the_audits_page(organization, client_as):
    TouchpointFactory(stage__journey__organization=organization, out_of_scope=True)
    audit_organization(organization=organization, trigger="manual")
    page = client_as("viewer").get(f"/o/{organization.slug}/audits/").content.decode()
    row = page.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    assert "—" in row and "0%" not in row
