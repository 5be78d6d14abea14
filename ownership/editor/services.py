"""Write operations on the ownership side: functions, roles and the cells of the matrix.

A cell is the set of letters one function holds on one touchpoint. Writers say what they
believe the cell holds (`expected`); if someone else changed it meanwhile the write is refused
with the current value, never silently overwritten.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import reduce
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from cxowner.orgs.errors import Cell, StaleCells
from cxowner.orgs.history import (
    Change,
    ChangeSet,
    change_set_record,
    letters_text,
    object_record,
)
from cxowner.orgs.locks import rows_locked
from cxowner.orgs.models import Organization
from cxowner.orgs.signals import MatrixScope, matrix_change_announce
from cxowner.orgs.versions import cells_last_changed
from journeys.models import Touchpoint
from journeys.services import matrix_object_update
from ownership.engine.constants import LETTERS
from ownership.models import Assignment, Function, Role

# The letters the function rules count (ownership.engine.rules: function_idle, function_bottleneck).
WORKING_LETTERS = frozenset({"R", "A"})


class CellChange(NamedTuple):
    touchpoint_id: int
    function_id: int
    letters: frozenset[str]
    # What the writer saw; None writes unconditionally (imports, seeding).
    expected: frozenset[str] | None = None


def cells_read(*, organization: Organization, cells: Iterable[Cell]) -> dict[Cell, frozenset[str]]:
    wanted = set(cells)
    touchpoint_ids = {touchpoint_id for touchpoint_id, _ in wanted}
    letters: dict[Cell, set[str]] = {cell: set() for cell in wanted}
    # No ordering: the model's default one joins four tables to sort rows read into a dict. The
    # organization through the touchpoint: on the letters' own column, SQLite (no statistics) read
    # every letter of the organization to find a few touchpoints'.
    rows = Assignment.objects.filter(touchpoint__organization=organization, touchpoint_id__in=touchpoint_ids).order_by()
    for touchpoint_id, function_id, letter in rows.values_list("touchpoint_id", "function_id", "letter"):
        if (touchpoint_id, function_id) in letters:
            letters[(touchpoint_id, function_id)].add(letter)
    return {cell: frozenset(value) for cell, value in letters.items()}


class CellsWritten(NamedTuple):
    values: dict[Cell, frozenset[str]]  # the new value of every cell written
    change_set: ChangeSet | None  # None when no cell's letters changed


def cells_set(*, organization: Organization, changes: Sequence[CellChange]) -> dict[Cell, frozenset[str]]:
    """Write many cells at once, all or nothing. Returns the new value of every cell written.

    Raises ValidationError for unknown letters or objects outside the organization, and
    StaleCells when any cell no longer holds what its writer expected.
    """
    return cells_write(organization=organization, changes=changes).values


@transaction.atomic
def cells_write(
    *,
    organization: Organization,
    changes: Sequence[CellChange],
    summary: str = "",
    reverts_id: int | None = None,
) -> CellsWritten:
    """cells_set, naming the change set (a paste, an undo) and the set it puts back, if any."""
    _letters_check(changes)
    touchpoint_ids = {change.touchpoint_id for change in changes}
    function_ids = {change.function_id for change in changes}
    journey_of = _touchpoints_locked(
        organization=organization, touchpoint_ids=touchpoint_ids, function_ids=function_ids
    )
    current = _cells_unchanged_since_read(organization=organization, changes=changes)
    working_changed = _working_letters_changed(changes, current)
    history = _letters_written(organization=organization, changes=changes, current=current, journey_of=journey_of)
    Touchpoint.objects.filter(pk__in=touchpoint_ids).update(version=F("version") + 1)
    journeys = {journey_of[touchpoint_id] for touchpoint_id in touchpoint_ids}
    # The history first: the live gap update takes the organization's row lock, which every other
    # writer and the audits wait for until this transaction ends; nothing after it but the gaps.
    change_set = change_set_record(
        organization_id=organization.id,
        kind="cells",
        summary=summary or f"{len(history)} cell{'s' if len(history) != 1 else ''} changed",
        changes=history,
        journey_id=journeys.pop() if len(journeys) == 1 else None,
        reverts_id=reverts_id,
    )
    scope = MatrixScope.of("cells", touchpoints=touchpoint_ids, functions=working_changed)
    matrix_change_announce(organization_id=organization.id, scope=scope)
    values = {(c.touchpoint_id, c.function_id): current[(c.touchpoint_id, c.function_id)] for c in changes}
    return CellsWritten(values, change_set)


def _working_letters_changed(changes: Sequence[CellChange], current: dict[Cell, frozenset[str]]) -> set[int]:
    """The functions whose R or A letters the changes move: only those can change the function
    rules (idle, bottleneck), whose refresh runs holding the organization's row. A C or an I
    toggled leaves them as they are."""
    return {
        change.function_id
        for change in changes
        if (change.letters ^ current[(change.touchpoint_id, change.function_id)]) & WORKING_LETTERS
    }


def _letters_check(changes: Sequence[CellChange]) -> None:
    """Refuse letters other than R, A, C and I, one message per cell."""
    errors = [
        f"Unknown letter(s) {', '.join(sorted(change.letters - set(LETTERS)))}; use R, A, C or I."
        for change in changes
        if not change.letters <= set(LETTERS)
    ]
    if errors:
        raise ValidationError(errors)


def _touchpoints_locked(
    *, organization: Organization, touchpoint_ids: set[int], function_ids: set[int]
) -> dict[int, int]:
    """Lock the touchpoints written, and answer each one's journey; refused if a touchpoint or a
    function is not the organization's."""
    # Locking the touchpoints serialises writers of the same rows: the second one reads the
    # first one's letters and is refused if they differ from what it expected. NO KEY: an audit
    # writing gaps that name these touchpoints (KEY SHARE) does not wait for the edit.
    journey_of = dict(
        rows_locked(
            Touchpoint.objects.filter(organization=organization, pk__in=touchpoint_ids), no_key=True
        ).values_list("pk", "journey_id")
    )
    locked = set(journey_of)
    known_functions = set(
        Function.objects.filter(organization=organization, pk__in=function_ids).order_by().values_list("pk", flat=True)
    )
    if locked != touchpoint_ids or known_functions != function_ids:
        raise ValidationError("A touchpoint or function does not exist in this organization.")
    return journey_of


def _cells_unchanged_since_read(
    *, organization: Organization, changes: Sequence[CellChange]
) -> dict[Cell, frozenset[str]]:
    """The cells' letters now; StaleCells if one differs from what its writer expected."""
    current = cells_read(organization=organization, cells=[(c.touchpoint_id, c.function_id) for c in changes])
    stale = {
        (c.touchpoint_id, c.function_id): current[(c.touchpoint_id, c.function_id)]
        for c in changes
        if c.expected is not None and current[(c.touchpoint_id, c.function_id)] != c.expected
    }
    if stale:
        raise StaleCells(current=stale, changed=cells_last_changed(stale))
    return current


def _letters_written(
    *,
    organization: Organization,
    changes: Sequence[CellChange],
    current: dict[Cell, frozenset[str]],
    journey_of: dict[int, int],
) -> list[Change]:
    """Add and remove the letters that differ, leaving `current` as the cells now are; the history
    of each cell that changed."""
    to_create, removed, history = [], [], []
    for change in changes:
        cell = (change.touchpoint_id, change.function_id)
        if change.letters != current[cell]:
            history.append(_cell_change(cell, journey_of[cell[0]], current[cell], change.letters))
        to_create += [
            Assignment(organization=organization, touchpoint_id=cell[0], function_id=cell[1], letter=letter)
            for letter in sorted(change.letters - current[cell])
        ]
        removed += [(cell, letter) for letter in current[cell] - change.letters]
        current[cell] = change.letters
    if removed:
        Assignment.objects.filter(
            reduce(operator.or_, (Q(touchpoint_id=t, function_id=f, letter=letter) for (t, f), letter in removed))
        ).delete()
    Assignment.objects.bulk_create(to_create)
    return history


def _cell_change(cell: Cell, journey_id: int, before: frozenset[str], after: frozenset[str]) -> Change:
    touchpoint_id, function_id = cell
    return Change(
        "cell",
        None,
        "letters",
        letters_text(before),
        letters_text(after),
        journey_id=journey_id,
        touchpoint_id=touchpoint_id,
        function_id=function_id,
    )


@transaction.atomic
def assignment_confirm(*, assignment: Assignment, user=None, at: datetime | None = None) -> Assignment:
    """The owner confirms the assignment still holds: it is no longer stale."""
    confirmed_at = at or timezone.now()
    Assignment.objects.filter(pk=assignment.pk).update(
        confirmed_at=confirmed_at, confirmed_by=user, version=F("version") + 1
    )
    before = assignment.confirmed_at
    assignment.refresh_from_db()
    confirmed = Change(
        "assignment",
        assignment.pk,
        "confirmed_at",
        before.isoformat() if before else None,
        confirmed_at.isoformat(),
        # The journey too: the feeds name the cell's journey (and its summary reads the touchpoint).
        journey_id=assignment.touchpoint.journey_id,
        touchpoint_id=assignment.touchpoint_id,
        function_id=assignment.function_id,
    )
    object_record(obj=assignment, action="confirm", changes=[confirmed])
    scope = MatrixScope.of("confirmation", touchpoints=[assignment.touchpoint_id])
    matrix_change_announce(organization_id=assignment.organization_id, scope=scope)
    return assignment


@transaction.atomic
def assignments_confirm(
    *, organization: Organization, assignment_ids: Sequence[int], summary: str, user=None, at: datetime | None = None
) -> list[Assignment]:
    """Confirm many assignments in one operation: one change set, one live gap refresh.

    The same confirmation as assignment_confirm, for an owner attesting a whole list at once
    (a review campaign's "confirm all"). Assignments gone meanwhile are not confirmed; the
    confirmed ones are returned.
    """
    confirmed_at = at or timezone.now()
    rows = Assignment.objects.filter(organization=organization, pk__in=assignment_ids)
    before = {
        pk: (t, f, j, when)
        for pk, t, f, j, when in rows.values_list(
            "pk", "touchpoint_id", "function_id", "touchpoint__journey_id", "confirmed_at"
        )
    }
    if not before:
        return []
    Assignment.objects.filter(pk__in=before).update(
        confirmed_at=confirmed_at, confirmed_by=user, version=F("version") + 1
    )
    history = [
        Change(
            "assignment",
            pk,
            "confirmed_at",
            when.isoformat() if when else None,
            confirmed_at.isoformat(),
            journey_id=journey_id,
            touchpoint_id=touchpoint_id,
            function_id=function_id,
        )
        for pk, (touchpoint_id, function_id, journey_id, when) in sorted(before.items())
    ]
    journeys = {journey_id for _, _, journey_id, _ in before.values()}
    change_set_record(
        organization_id=organization.id,
        kind="assignment.confirm",
        summary=summary,
        changes=history,
        journey_id=journeys.pop() if len(journeys) == 1 else None,
    )
    touchpoints = {touchpoint_id for touchpoint_id, _, _, _ in before.values()}
    matrix_change_announce(
        organization_id=organization.id, scope=MatrixScope.of("confirmation", touchpoints=touchpoints)
    )
    return list(Assignment.objects.filter(pk__in=before))


def assignment_role_set(*, assignment: Assignment, role: Role | None, version: int | None = None) -> Assignment:
    """Name the role of the assignment's function that carries the letter, if still at `version`."""
    if role is not None and role.function_id != assignment.function_id:
        raise ValidationError({"role": "The role must belong to the function that holds the letter."})
    scope = MatrixScope.of("role", touchpoints=[assignment.touchpoint_id])
    return matrix_object_update(obj=assignment, version=version, scope=scope, role=role)
