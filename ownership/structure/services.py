"""Write operations on the organization's structure: functions, roles and the journey manager."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from cxowner.orgs.history import (
    Change,
    history_ids,
    letters_text,
    object_changes,
    object_created,
    object_deleted,
    object_record,
)
from cxowner.orgs.locks import organization_locked
from cxowner.orgs.models import Organization
from cxowner.orgs.names import NAME_MAX_CHARS, name_key
from cxowner.orgs.signals import MatrixScope, matrix_change_announce
from cxowner.orgs.versions import versioned_lock
from journeys.models import Journey
from journeys.services import matrix_object_update
from ownership.imports.matrixfile.sheet import STANDARD_COLUMNS, normalise_header
from ownership.models import Assignment, Function, JourneyOwner, Role
from ownership.structure.changes import function_delete_plan, function_move, plan_check


@transaction.atomic
def function_create(*, organization: Organization, name: str, position: int | None = None) -> Function:
    """A new function: its column comes last, or at `position` (1 for the first; the others move right)."""
    name = name.strip()
    _validate_function_name(organization=organization, name=name)
    last = Function.objects.filter(organization=organization).aggregate(last=Max("position"))["last"]
    function = Function.objects.create(organization=organization, name=name, position=(last or 0) + 1)
    matrix_change_announce(organization_id=organization.id, scope=MatrixScope.of("function", functions=[function.pk]))
    object_record(obj=function, action="create", changes=[object_created(function)])
    if position is not None and position != function.position:
        function = function_move(function=function, position=position, version=None)
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

    return matrix_object_update(obj=journey, version=version, write_related=owner_written, **changes)


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
        function = matrix_object_update(obj=function, version=version, scope=scope, **changes)
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
        function = versioned_lock(function, version=version)
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
    return matrix_object_update(obj=role, version=version, scope=role_scope(role), **changes)


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
        versioned_lock(role, version=version)
    object_record(obj=role, action="delete", changes=[object_deleted(role)])
    role.delete()
    matrix_change_announce(organization_id=organization_id, scope=scope)
