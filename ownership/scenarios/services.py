"""Stored what-if scenarios: a named list of operations drawn on the live matrix, then applied or discarded.

A scenario keeps operations, never a copy of the matrix: its matrix is the live snapshot with
its operations replayed (ownership.engine.whatif), so it costs a few rows however large the
organization. It also keeps the state of what its steps touch as they were drawn (`base`,
ownership/scenarios/conflicts.py): applying it is refused once one of those cells, functions or
roles has changed — edits elsewhere never block it — until someone rebases it: re-reads it on
today's matrix, looks at the comparison again, and drops the operations that no longer apply.

Applying writes the difference between the live matrix and the scenario's through the existing
services (cells_set with the letters each cell had, role updates, function_delete), inside one
transaction and recorded as ONE change set: all or nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cxowner.orgs.errors import StaleCells
from cxowner.orgs.history import ChangeSet, change_set_combined, object_created, object_record
from cxowner.orgs.locks import organization_locked
from cxowner.orgs.models import Organization
from cxowner.orgs.names import NAME_MAX_CHARS, ONE_LINE_MESSAGE, one_line
from cxowner.orgs.versions import versioned_update
from journeys.services import matrix_object_update
from ownership.editor.services import CellChange, cells_set
from ownership.engine.snapshot import OrgSnapshot
from ownership.engine.whatif import (
    Operation,
    OperationError,
    Replay,
    cell_differences,
    operation_apply,
    operation_describe,
    replay,
)
from ownership.gaps.snapshots import snapshot_load
from ownership.models import Function, Role, Scenario, ScenarioOperation
from ownership.scenarios.conflicts import scenario_base, stale_refusal, touched_changes
from ownership.scenarios.operations import operation_data
from ownership.scenarios.state import scenario_operations
from ownership.structure.services import function_delete, role_scope, role_update

MAX_OPERATIONS = 200


class ScenarioClosed(Exception):
    """The scenario was already applied or discarded: it can no longer change."""

    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        super().__init__(f"“{scenario.name}” was {scenario.get_status_display().lower()}; it can no longer change.")


def scenario_list(*, organization: Organization, status: str | None = Scenario.Status.DRAFT):
    rows = Scenario.objects.filter(organization=organization).select_related("created_by")
    return rows.filter(status=status) if status else rows


# --- writing a scenario ----------------------------------------------------------------------
def _name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "A scenario needs a name, e.g. “Merge Marketing into Sales”."})
    if len(name) > NAME_MAX_CHARS:
        raise ValidationError({"name": f"A scenario's name has at most {NAME_MAX_CHARS} characters."})
    if name != one_line(name):
        raise ValidationError({"name": ONE_LINE_MESSAGE})
    return name


@transaction.atomic
def scenario_create(
    *, organization: Organization, name: str, created_by=None, operations: Sequence[Operation] = ()
) -> Scenario:
    """A draft drawn on today's matrix; every operation must apply to it."""
    matrix_version = Organization.objects.values_list("matrix_version", flat=True).get(pk=organization.pk)
    scenario = Scenario.objects.create(
        organization=organization, name=_name(name), created_by=created_by, base_matrix_version=matrix_version
    )
    # Recorded before its base is set: a base can hold whole columns of cells, the history needs none.
    object_record(obj=scenario, action="create", changes=[object_created(scenario)])
    if operations:
        live = snapshot_load(organization=organization)
        _operations_store(scenario, operations, _described(live, operations), start=1)
        _set(scenario, base=scenario_base(live, operations))
    return scenario


def _described(snapshot: OrgSnapshot, operations: Sequence[Operation]) -> list[str]:
    """Each operation in words, named in the matrix it applies to; ValidationError if one does not apply.

    The words are kept with the step: once the scenario is applied, its functions may be gone.
    """
    if len(operations) > MAX_OPERATIONS:
        raise ValidationError({"operations": f"A scenario holds at most {MAX_OPERATIONS} operations."})
    descriptions, errors = [], []
    for index, operation in enumerate(operations):
        descriptions.append(operation_describe(snapshot, operation)[:300])
        try:
            snapshot = operation_apply(snapshot, operation)
        except OperationError as error:
            errors.append(f"Operation {index + 1}: {error}")
    if errors:
        raise ValidationError({"operations": errors})
    return descriptions


def _operations_store(
    scenario: Scenario, operations: Sequence[Operation], descriptions: Sequence[str], *, start: int
) -> None:
    rows = []
    for position, (operation, description) in enumerate(zip(operations, descriptions, strict=True), start=start):
        kind, arguments = operation_data(operation)
        rows.append(
            ScenarioOperation(
                scenario=scenario, position=position, kind=kind, arguments=arguments, description=description
            )
        )
    ScenarioOperation.objects.bulk_create(rows)


def _draft_claimed(scenario: Scenario, version: int | None, **changes) -> Scenario:
    """Write `changes` to the scenario if it is still a draft at `version` (None: any version).

    The version is claimed first (cxowner.orgs.versions), so the row is held until commit while
    the steps are read and rewritten: a second writer waits, then finds the version moved on.
    """
    return versioned_update(
        scenario,
        version=version,
        where={"status": Scenario.Status.DRAFT},
        refuse=_refuse_closed,
        updated_at=timezone.now(),
        **changes,
    )


def _refuse_closed(current: Scenario) -> None:
    if current.status != Scenario.Status.DRAFT:
        raise ScenarioClosed(current)


def _set(scenario: Scenario, **changes) -> Scenario:
    """Columns written after the version was claimed: it has moved on once already."""
    Scenario.objects.filter(pk=scenario.pk).update(**changes)
    for name, value in changes.items():
        setattr(scenario, name, value)
    return scenario


@transaction.atomic
def scenario_rename(*, scenario: Scenario, name: str, version: int | None) -> Scenario:
    return _draft_claimed(scenario, version, name=_name(name))


@transaction.atomic
def scenario_operation_add(*, scenario: Scenario, operation: Operation, version: int | None) -> Scenario:
    """One more step at the end; it must apply to the scenario's matrix as it stands."""
    scenario = _draft_claimed(scenario, version)
    operations = [*scenario_operations(scenario), operation]
    live = snapshot_load(organization=scenario.organization)
    descriptions = _described(live, operations)
    _operations_store(scenario, [operation], descriptions[-1:], start=len(operations))
    # The rows only this step touches are drawn on today's matrix; the others keep their base.
    return _set(scenario, base=scenario_base(live, operations, previous=scenario.base))


@transaction.atomic
def scenario_operation_remove(*, scenario: Scenario, position: int, version: int | None) -> Scenario:
    """Take out step `position` (1 = the first); the later steps must still apply without it."""
    scenario = _draft_claimed(scenario, version)
    operations = scenario_operations(scenario)
    if not 1 <= position <= len(operations):
        raise ValidationError({"position": f"The scenario has no step {position}."})
    del operations[position - 1]
    live = snapshot_load(organization=scenario.organization)
    _operations_replace(scenario, operations, _described(live, operations))
    return _set(scenario, base=scenario_base(live, operations, previous=scenario.base))


def _operations_replace(scenario: Scenario, operations: Sequence[Operation], descriptions: Sequence[str]) -> None:
    ScenarioOperation.objects.filter(scenario=scenario).delete()
    _operations_store(scenario, operations, descriptions, start=1)


@transaction.atomic
def scenario_discard(*, scenario: Scenario, version: int | None) -> Scenario:
    """The draft is dropped; it stays listed as discarded, read-only."""
    return _draft_claimed(scenario, version, status=Scenario.Status.DISCARDED, closed_at=timezone.now())


@dataclass(frozen=True)
class Rebased:
    scenario: Scenario
    dropped: tuple[str, ...]  # the operations that no longer applied, in words


@transaction.atomic
def scenario_rebase(*, scenario: Scenario, version: int | None) -> Rebased:
    """Re-draw the scenario on today's matrix; operations that no longer apply are dropped."""
    scenario = _draft_claimed(scenario, version)
    live = snapshot_load(organization=scenario.organization)
    operations = scenario_operations(scenario)
    skipped = replay(live, operations).skipped
    gone = {s.index for s in skipped}
    dropped = tuple(f"{operation_describe(live, s.operation)}: {s.reason}" for s in skipped)
    kept = [op for index, op in enumerate(operations) if index not in gone]
    _operations_replace(scenario, kept, _described(live, kept))
    matrix_version = Organization.objects.values_list("matrix_version", flat=True).get(pk=scenario.organization_id)
    return Rebased(_set(scenario, base_matrix_version=matrix_version, base=scenario_base(live, kept)), dropped)


# --- applying --------------------------------------------------------------------------------
@transaction.atomic
def scenario_apply(*, scenario: Scenario, version: int | None = None) -> ChangeSet | None:
    """Make the scenario's matrix the live one, all or nothing, as one change set.

    Applied only if none of the cells, functions and roles its steps touch changed since they
    were drawn (conflicts.py); changes elsewhere in the organization do not matter. Raises
    ScenarioStale naming what changed otherwise (nothing written), ScenarioClosed for an
    applied or discarded scenario, and StaleVersion if its steps changed since `version` (when given).

    A scenario that only changes letters (the usual one) is read, replayed and checked without
    the organization's row, which every writer of the organization queues on: held for the whole
    apply, it made every edit wait for a snapshot and a replay (bench_load, issue 23). Its cells
    are then written as an edit writes them, each against the letters it was checked with, under
    its touchpoint's lock; the organization's row comes last, for the live gaps. A cell changed
    in between is refused by that compare-and-set, and the apply is checked again holding the
    organization's row, which names what changed.
    """
    scenario = _draft_claimed(scenario, version)
    organization = scenario.organization
    if scenario.base:
        live, replayed = _checked(scenario)
        if _letters_only(live, replayed.snapshot):
            try:
                return _applied(scenario, live, replayed.snapshot)
            except (StaleCells, ValidationError):
                pass  # a touched cell or row changed since the check: rolled back, checked again below
    # Functions and roles are written without a compare-and-set, and a scenario drawn before
    # bases were kept is current only while nothing in the organization changed: both are checked
    # and written holding the organization's row (cxowner/orgs/locks.py), under which every matrix
    # write moves matrix_version, so none commits between the check and the writes.
    organization_locked(organization.pk)
    live, replayed = _checked(scenario)
    return _applied(scenario, live, replayed.snapshot)


def _checked(scenario: Scenario) -> tuple[OrgSnapshot, Replay]:
    """Today's matrix and the scenario's; ScenarioStale if something it touches changed."""
    organization = scenario.organization
    matrix_version = Organization.objects.values_list("matrix_version", flat=True).get(pk=organization.pk)
    live = snapshot_load(organization=organization)
    operations = scenario_operations(scenario)
    replayed = replay(live, operations)
    changes = touched_changes(scenario, live, operations, matrix_version=matrix_version)
    if changes or replayed.skipped:
        steps = [operation_describe(live, operation) for operation in operations]
        raise stale_refusal(scenario, changes, replayed.skipped, steps, matrix_version)
    return live, replayed


def _letters_only(live: OrgSnapshot, target: OrgSnapshot) -> bool:
    """Whether the scenario's matrix differs from today's in letters only: no function or role changes."""
    return live.functions == target.functions and live.roles == target.roles


@transaction.atomic
def _applied(scenario: Scenario, live: OrgSnapshot, target: OrgSnapshot) -> ChangeSet | None:
    # Its own savepoint: a refused compare-and-set leaves nothing of this attempt behind.
    summary = f"Scenario “{scenario.name}” applied"
    with change_set_combined(
        organization_id=scenario.organization_id, kind="scenario.apply", summary=summary
    ) as combined:
        _difference_write(scenario.organization, live, target)
    _set(scenario, status=Scenario.Status.APPLIED, closed_at=timezone.now(), change_set=combined.change_set)
    return combined.change_set


def _difference_write(organization: Organization, live: OrgSnapshot, target: OrgSnapshot) -> None:
    """Write what differs between two snapshots of the organization through the services.

    Order matters: letters first (a merged function's letters reach its target), then roles
    (a merged function's roles move before it goes), then the functions that are gone.
    """
    removed = [f.id for f in live.functions if f.id not in target.function_by_id]
    changes = [
        CellChange(d.touchpoint_id, d.function_id, d.after, expected=d.before)
        for d in cell_differences(live, target)
        if d.function_id not in removed
    ]
    if changes:
        cells_set(organization=organization, changes=changes)
    roles = {role.pk: role for role in Role.objects.filter(organization=organization)}
    for row in target.roles:
        was, role = live.role_by_id[row.id], roles[row.id]
        if (row.function_id, row.title) != (was.function_id, was.title):
            # A merge moves the role: role_update keeps roles in their function, so move it
            # with the update every matrix object shares (history and live gaps alike).
            target_function = Function.objects.get(pk=row.function_id)
            role = matrix_object_update(
                obj=role, version=None, scope=role_scope(role), function=target_function, title=row.title
            )
        if row.holder_name != was.holder_name:
            # The e-mail was the previous holder's: a new holder's is not known yet.
            role_update(role=role, version=None, holder_name=row.holder_name, holder_email="")
    for function in Function.objects.filter(pk__in=removed).order_by("pk"):
        function_delete(function=function)
