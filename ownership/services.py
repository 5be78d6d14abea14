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
from django.db.models import F, Max, Q
from django.utils import timezone

from cxowner.orgs.errors import Cell, StaleCells, StaleVersion
from cxowner.orgs.history import (
    Change,
    ChangeSet,
    change_set_record,
    history_ids,
    letters_text,
    object_changes,
    object_created,
    object_deleted,
    object_record,
)
from cxowner.orgs.locks import organization_locked, rows_locked
from cxowner.orgs.models import Organization
from cxowner.orgs.names import NAME_MAX_CHARS, name_key
from cxowner.orgs.signals import MatrixScope, matrix_change_announce
from journeys.models import Journey, Touchpoint
from journeys.services import versioned_update

from .constants import LETTERS
from .function_changes import function_delete_plan, function_move, plan_check
from .matrixfile import STANDARD_COLUMNS, normalise_header
from .models import Assignment, Function, JourneyOwner, Role


class CellChange(NamedTuple):
    touchpoint_id: int
    function_id: int
    letters: frozenset[str]
    # What the writer saw; None writes unconditionally (imports, seeding).
    expected: frozenset[str] | None = None


@transaction.atomic
def function_create(*, organization: Organization, name: str) -> Function:
    name = name.strip()
    _validate_function_name(organization=organization, name=name)
    last = Function.objects.filter(organization=organization).aggregate(last=Max("position"))["last"]
    function = Function.objects.create(organization=organization, name=name, position=(last or 0) + 1)
    matrix_change_announce(organization_id=organization.id, scope=MatrixScope.of("function", functions=[function.pk]))
    object_record(obj=function, action="create", changes=[object_created(function)])
    return function


def _validate_function_name(*, organization: Organization, name: str, exclude_id: int | None = None) -> None:
    if not name:
        raise ValidationError({"name": "A function needs a name."})
    if len(name) > NAME_MAX_CHARS:
        raise ValidationError({"name": f"A function's name has at most {NAME_MAX_CHARS} characters."})
    if normalise_header(name) in STANDARD_COLUMNS:
        raise ValidationError({"name": f"“{name}” is a column of the matrix file; choose another name."})
    # The same key as the matrix file's headers: "customer-service" would be the column of
    # "Customer Service", so it is the same function.
    clash = Function.objects.filter(organization=organization, name_key=name_key(name)).exclude(pk=exclude_id).first()
    if clash is not None:
        raise ValidationError(
            {"name": f"A function called “{clash.name}” already exists (names are compared ignoring case and spaces)."}
        )


@transaction.atomic
def role_create(
    *, function: Function, title: str, holder_name: str = "", holder_email: str = "", holder_member=None
) -> Role:
    holder = {"holder_name": holder_name.strip(), "holder_email": holder_email.strip(), "holder_member": holder_member}
    _holder_filled(holder, organization_id=function.organization_id)
    role = Role(organization_id=function.organization_id, function=function, title=title.strip(), **holder)
    role.full_clean()
    role.save()
    # A new role is in no finding yet; announcing it still moves the change counter (ETags).
    matrix_change_announce(organization_id=role.organization_id, scope=MatrixScope.of("role"))
    object_record(obj=role, action="create", changes=[object_created(role)])
    return role


def cells_read(*, organization: Organization, cells: Iterable[Cell]) -> dict[Cell, frozenset[str]]:
    wanted = set(cells)
    touchpoint_ids = {touchpoint_id for touchpoint_id, _ in wanted}
    letters: dict[Cell, set[str]] = {cell: set() for cell in wanted}
    rows = Assignment.objects.filter(organization=organization, touchpoint_id__in=touchpoint_ids)
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
    errors = [
        f"Unknown letter(s) {', '.join(sorted(change.letters - set(LETTERS)))}; use R, A, C or I."
        for change in changes
        if not change.letters <= set(LETTERS)
    ]
    if errors:
        raise ValidationError(errors)
    touchpoint_ids = {change.touchpoint_id for change in changes}
    function_ids = {change.function_id for change in changes}
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
        Function.objects.filter(organization=organization, pk__in=function_ids).values_list("pk", flat=True)
    )
    if locked != touchpoint_ids or known_functions != function_ids:
        raise ValidationError("A touchpoint or function does not exist in this organization.")

    current = cells_read(organization=organization, cells=[(c.touchpoint_id, c.function_id) for c in changes])
    stale = {
        (c.touchpoint_id, c.function_id): current[(c.touchpoint_id, c.function_id)]
        for c in changes
        if c.expected is not None and current[(c.touchpoint_id, c.function_id)] != c.expected
    }
    if stale:
        raise StaleCells(current=stale)

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
    Touchpoint.objects.filter(pk__in=touchpoint_ids).update(version=F("version") + 1)
    scope = MatrixScope.of("cells", touchpoints=touchpoint_ids, functions=function_ids)
    matrix_change_announce(organization_id=organization.id, scope=scope)
    journeys = {journey_of[touchpoint_id] for touchpoint_id in touchpoint_ids}
    change_set = change_set_record(
        organization_id=organization.id,
        kind="cells",
        summary=summary or f"{len(history)} cell{'s' if len(history) != 1 else ''} changed",
        changes=history,
        journey_id=journeys.pop() if len(journeys) == 1 else None,
        reverts_id=reverts_id,
    )
    values = {(c.touchpoint_id, c.function_id): current[(c.touchpoint_id, c.function_id)] for c in changes}
    return CellsWritten(values, change_set)


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


def journey_owner_set(*, journey: Journey, owner: Role | None, version: int | None = None, **changes) -> Journey:
    """Name the journey manager (a role of the same organization), or nobody, if the journey is
    still at `version`; `changes` to the journey's own fields go in the same write (the API's PATCH).

    The manager is a JourneyOwner row, but it is the journey's: its version goes up and its
    history records `owner` (role ids), as for any other field of the journey.
    """
    if owner is not None and owner.organization_id != journey.organization_id:
        raise ValidationError({"owner": "The owner must be a role of the same organization."})

    def owner_written() -> list[Change]:
        current = JourneyOwner.objects.filter(journey=journey).first()
        before = current.role_id if current is not None else None
        if owner is None:
            JourneyOwner.objects.filter(journey=journey).delete()
        elif current is None:
            JourneyOwner.objects.create(organization_id=journey.organization_id, journey=journey, role=owner)
        elif before != owner.pk:
            JourneyOwner.objects.filter(pk=current.pk).update(role=owner)
        return object_changes(
            object_type="journey",
            object_id=journey.pk,
            before={"owner": before},
            after={"owner": owner},
            **history_ids(journey),
        )

    return versioned_update(obj=journey, version=version, write_related=owner_written, **changes)


def assignment_role_set(*, assignment: Assignment, role: Role | None, version: int | None = None) -> Assignment:
    """Name the role of the assignment's function that carries the letter, if still at `version`."""
    if role is not None and role.function_id != assignment.function_id:
        raise ValidationError({"role": "The role must belong to the function that holds the letter."})
    scope = MatrixScope.of("role", touchpoints=[assignment.touchpoint_id])
    return versioned_update(obj=assignment, version=version, scope=scope, role=role)


@transaction.atomic
def function_update(*, function: Function, version: int | None, **changes) -> Function:
    """Rename a function, or move its column to `position`, if it is still at `version`."""
    position = changes.pop("position", None)
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        _validate_function_name(organization=function.organization, name=changes["name"], exclude_id=function.pk)
    if changes:
        # A function's name is in findings all over the organization.
        scope = MatrixScope.of("function", organization_wide="name" in changes, functions=[function.pk])
        function = versioned_update(obj=function, version=version, scope=scope, **changes)
        version = None  # checked by the rename
    if position is not None:
        function = function_move(function=function, position=position, version=version)
    return function


@transaction.atomic
def function_delete(*, function: Function, version: int | None = None, digest: str = "") -> None:
    """Delete a function with its roles and letters: its column leaves the matrix.

    With `version`, only if the function is still at it; with the preview's `digest`
    (function_changes.function_delete_plan), only if its letters and roles are still as shown.
    """
    organization_id = function.organization_id
    organization_locked(organization_id)
    if version is not None or digest:
        function = rows_locked(Function.objects.filter(pk=function.pk)).first()
        if function is None:
            raise ValidationError("This function no longer exists.")
        if version is not None and function.version != version:
            raise StaleVersion(function)
        if digest:
            plan_check(function_delete_plan(function=function), digest)
    # Its letters go with it: each touchpoint's history shows the function's cell emptied.
    cells: dict[tuple[int, int], list[str]] = {}
    rows = Assignment.objects.filter(function=function).values_list("touchpoint_id", "touchpoint__journey_id", "letter")
    for touchpoint_id, journey_id, letter in rows:
        cells.setdefault((touchpoint_id, journey_id), []).append(letter)
    emptied = [
        Change(
            "cell", None, "letters", letters_text(letters), "", journey_id=j, touchpoint_id=t, function_id=function.pk
        )
        for (t, j), letters in sorted(cells.items())
    ]
    object_record(obj=function, action="delete", changes=[object_deleted(function), *emptied])
    function.delete()
    matrix_change_announce(organization_id=organization_id, scope=MatrixScope.of("function", organization_wide=True))


def role_update(*, role: Role, version: int | None, **changes) -> Role:
    """Change a role's title or holder if it is still at `version`; it stays in its function.

    A holder who is a member (`holder_member`) gives the role their name and e-mail where none
    is given; clearing the name makes the role vacant and forgets the member and the e-mail.
    """
    if "function" in changes and changes["function"].pk != role.function_id:
        raise ValidationError({"function": "A role cannot move to another function."})
    for name in ("title", "holder_name", "holder_email"):
        if name in changes:
            changes[name] = changes[name].strip()
    _holder_filled(changes, organization_id=role.organization_id)
    return versioned_update(obj=role, version=version, scope=role_scope(role), **changes)


def _holder_filled(changes: dict, *, organization_id: int) -> None:
    """The holder's fields made whole: a member's name and e-mail, or a vacancy with nothing left."""
    member = changes.get("holder_member")
    if member is not None:
        if member.organization_id != organization_id:
            raise ValidationError({"holder_member": "The holder must be a member of this organization."})
        if not changes.get("holder_name"):
            changes["holder_name"] = member.user.get_full_name() or member.user.get_username()
        if not changes.get("holder_email"):
            changes["holder_email"] = member.user.email
    elif changes.get("holder_name") == "":
        changes.update(holder_email="", holder_member=None)


def role_scope(role: Role) -> MatrixScope:
    """A role's title and holder show in the gaps of the journeys it owns and of the A it carries."""
    journeys = JourneyOwner.objects.filter(role=role).values_list("journey_id", flat=True)
    touchpoints = Assignment.objects.filter(role=role, letter="A").values_list("touchpoint_id", flat=True)
    return MatrixScope.of("role", journeys=journeys, touchpoints=touchpoints)


@transaction.atomic
def role_delete(*, role: Role, version: int | None = None) -> None:
    """Delete a role; journeys it owned lose their owner and letters it carried keep their function."""
    organization_id, scope = role.organization_id, role_scope(role)
    organization_locked(organization_id)
    if version is not None:
        current = rows_locked(Role.objects.filter(pk=role.pk)).first()
        if current is None:
            raise ValidationError("This role no longer exists.")
        if current.version != version:
            raise StaleVersion(current)
    object_record(obj=role, action="delete", changes=[object_deleted(role)])
    role.delete()
    matrix_change_announce(organization_id=organization_id, scope=scope)
