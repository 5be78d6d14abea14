"""Applying a fix to a gap in place: `fix_apply(gap, key, seen)`, through the existing services.

`fixes_for(gap)` (ownership.fixes.offers) lists the one-click fixes the gap's rule allows, read
from the matrix as it is now; `fix_apply(gap, key, seen)` applies one through the existing services (cells_set,
role_update, journey_owner_set, assignment_role_set, assignment_confirm). The browser's fix
panel and the API both call these two functions and nothing else.

Every fix carries `seen`: what the matrix held when the fix was offered (the letters of the cells
it writes, or the version of the row it changes). The writer sends it back, and a fix whose
cells or row changed meanwhile is refused with the current value (StaleCells / StaleVersion),
exactly like a cell edit: nothing is written, nothing is lost.

Rules are never evaluated here: the live gap rows say what is wrong, the services' writes bring
them up to date, and the gap is resolved (or not) by ownership.gaps.live like after any edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from cxowner.orgs.errors import Cell, StaleCells
from cxowner.orgs.versions import version_check
from journeys.models import Journey
from ownership.editor.services import assignment_confirm, assignment_role_set, cells_read, cells_set
from ownership.fixes.offers import fixes_for
from ownership.models import Assignment, Gap, Role
from ownership.structure.services import journey_owner_set, role_update

HOLDER_NAME_MAX_CHARS = 200


_MAX_ID = 2**31 - 1  # ids in a `seen` sent back are checked against the database's range first


NO_LONGER_OFFERED = "This fix is no longer offered for the gap; the panel shows what it allows now."


@dataclass
class FixResult:
    """What a fix did: the gap as it is now, and what to tell the person."""

    gap: Gap
    message: str
    touchpoint_ids: tuple[int, ...] = ()
    resolved: bool = field(init=False)

    def __post_init__(self) -> None:
        self.resolved = self.gap.resolved_at is not None


# Applying one ----------------------------------------------------------------------------------
def _refuse_if_stale(gap: Gap, seen: str) -> None:
    """Refuse a fix offered on a matrix that has changed since: the current value, nothing written."""
    kind, _, rest = seen.partition(":")
    if kind == "cells":
        expected: dict[Cell, frozenset[str]] = {}
        try:
            for part in filter(None, rest.split(";")):
                ids, _, letters = part.partition("=")
                touchpoint_id, function_id = (int(x) for x in ids.split("."))
                if not (0 < touchpoint_id <= _MAX_ID and 0 < function_id <= _MAX_ID):
                    raise ValueError(ids)
                expected[(touchpoint_id, function_id)] = frozenset(letters)
        except ValueError:
            raise ValidationError({"seen": "Send back the `seen` value the fix was offered with."}) from None
        current = cells_read(organization=gap.organization, cells=expected)
        stale = {cell: letters for cell, letters in current.items() if letters != expected[cell]}
        if stale:
            raise StaleCells(current=stale)
        return
    model = {"role": Role, "journey": Journey, "assignment": Assignment}.get(kind)
    pk, _, version = rest.partition("@")
    if model is None or not pk.isdigit() or not version.isdigit() or not 0 < int(pk) <= _MAX_ID:
        raise ValidationError({"seen": "Send back the `seen` value the fix was offered with."})
    row = model.objects.filter(pk=int(pk), organization_id=gap.organization_id).first()
    if row is None:
        raise ValidationError(NO_LONGER_OFFERED)
    version_check(row, version=int(version))


def _seen_version(seen: str) -> int:
    """The version in a row's `seen` ("role:7@3" → 3): the service refuses the write if it moved on."""
    return int(seen.rpartition("@")[2])


def _holder(values: dict) -> tuple[str, str]:
    name = (values.get("holder_name") or "").strip()
    email = (values.get("holder_email") or "").strip()
    if not name:
        raise ValidationError({"holder_name": "Name the person who holds the role."})
    if len(name) > HOLDER_NAME_MAX_CHARS:
        raise ValidationError({"holder_name": f"Keep the name under {HOLDER_NAME_MAX_CHARS} characters."})
    return name, email


@transaction.atomic
def fix_apply(*, gap: Gap, key: str, seen: str, values: dict | None = None, user=None) -> FixResult:
    """Apply the fix `key` offered with `seen`, through the services; the gap as it is afterwards.

    Raises ValidationError when the gap is resolved or the fix is no longer offered (or a holder's
    name is missing), StaleCells / StaleVersion when the matrix changed since the fix was offered.
    """
    if gap.resolved_at is not None:
        raise ValidationError("The matrix no longer has this gap: someone fixed it meanwhile.")
    _refuse_if_stale(gap, seen)
    fix = next((f for f in fixes_for(gap) if f.key == key), None)
    if fix is None or fix.seen != seen:
        raise ValidationError(NO_LONGER_OFFERED)
    action, _, target = key.partition(":")
    values = values or {}
    touchpoint_ids: tuple[int, ...] = tuple({c.touchpoint_id for c in fix.cells})
    if fix.cells:
        cells_set(organization=gap.organization, changes=list(fix.cells))
    elif action == "holder":
        role = Role.objects.get(pk=int(target))
        name, email = _holder(values)
        role_update(role=role, version=_seen_version(seen), holder_name=name, holder_email=email)
    elif action == "manager":
        journey = Journey.objects.get(pk=gap.journey_id)
        owner = Role.objects.get(pk=int(target), organization_id=gap.organization_id)
        journey_owner_set(journey=journey, owner=owner, version=_seen_version(seen))
    elif action == "move_a":
        assignment_id, _, role_id = target.partition(":")
        assignment = Assignment.objects.get(pk=int(assignment_id))
        role = Role.objects.get(pk=int(role_id), organization_id=gap.organization_id)
        assignment_role_set(assignment=assignment, role=role, version=_seen_version(seen))
        touchpoint_ids = (assignment.touchpoint_id,)
    elif action == "confirm":
        assignment = Assignment.objects.get(pk=int(target))
        assignment_confirm(assignment=assignment, user=user)
        touchpoint_ids = (assignment.touchpoint_id,)
    gap.refresh_from_db()
    if gap.resolved_at is not None:
        message = f"Fixed: {fix.label}. The gap is resolved."
    else:
        message = f"Saved: {fix.label}. The gap is still open; see what else it allows."
    return FixResult(gap=gap, message=message, touchpoint_ids=touchpoint_ids)
