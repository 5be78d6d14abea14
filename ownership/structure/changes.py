"""Reordering, merging and deleting functions, and the preview shown before a merge or delete.

A merge moves every letter and role of one function to another, in one change set: where both
hold letters on a touchpoint the cell becomes the union, each letter once (two A become one).
Before a merge or a delete the member sees exactly which letters move or go, touchpoint by
touchpoint, and which gaps that opens and closes. The gaps come from the audit's own rules run
on the matrix with the change applied in memory (ownership.engine.whatif), not from a second
reckoning that could disagree with the audit.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Prefetch

from cxowner.orgs.history import (
    Change,
    cell_emptied,
    change_set_record,
    history_ids,
    letters_text,
    object_changes,
    object_deleted,
    object_record,
)
from cxowner.orgs.locks import organization_locked, rows_locked
from cxowner.orgs.signals import MatrixScope, matrix_change_announce
from cxowner.orgs.versions import gone, version_check, versioned_update
from journeys.models import Touchpoint
from ownership.engine.snapshot import OrgSnapshot
from ownership.engine.whatif import Comparison, compare, merge_functions, remove_function
from ownership.gaps.snapshots import snapshot_load
from ownership.models import Assignment, Function, JourneyOwner, Role


@dataclass(frozen=True)
class CellPlan:
    """One touchpoint's cell of the function that goes, and (merging) the target's cell."""

    journey: str
    touchpoint: str
    touchpoint_id: int
    letters: str  # what the function that goes holds there
    target_before: str = ""
    target_after: str = ""


@dataclass(frozen=True)
class RolePlan:
    """A role of the function that goes: deleted with it, or moved to the target (maybe renamed)."""

    role: Role
    title_after: str  # empty when the role is deleted
    owned_journeys: tuple[str, ...]


@dataclass(frozen=True)
class FunctionPlan:
    """What deleting `function`, or merging it into `target`, will do."""

    function: Function
    target: Function | None
    cells: tuple[CellPlan, ...]
    roles: tuple[RolePlan, ...]
    gaps: Comparison  # what the audit's rules find before and after (ownership.engine.whatif)

    @property
    def is_merge(self) -> bool:
        return self.target is not None

    @property
    def letter_count(self) -> int:
        """Letters of the function that goes: what its delete button says it destroys."""
        return sum(len(cell.letters) for cell in self.cells)

    @property
    def digest(self) -> str:
        """What the member was shown of letters and roles: a confirmation names it, and a matrix
        changed since the preview refuses the confirmation (PlanChanged) instead of doing more."""
        shown = [
            self.target.pk if self.target else None,
            [(c.touchpoint_id, c.letters, c.target_before) for c in self.cells],
            [(r.role.pk, r.role.title, r.title_after) for r in self.roles],
        ]
        return hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:16]


class PlanChanged(Exception):
    """The letters or roles changed since the member saw the preview; nothing was done."""

    def __init__(self, plan: FunctionPlan):
        self.plan = plan
        super().__init__("The matrix changed since the preview: look at what it will do now and confirm again.")


# Reorder -------------------------------------------------------------------------------------
@transaction.atomic
def function_move(*, function: Function, position: int, version: int | None) -> Function:
    """Put the function's column at `position` (1-based), renumbering the others, if still at `version`."""
    functions = list(rows_locked(Function.objects.filter(organization_id=function.organization_id), no_key=True))
    current = next((row for row in functions if row.pk == function.pk), None)
    if current is None:
        raise gone(Function)
    version_check(current, version=version)
    functions.remove(current)
    functions.sort(key=lambda row: (row.position, row.id))
    before = current.position
    functions.insert(min(max(position, 1), len(functions) + 1) - 1, current)
    for index, row in enumerate(functions, start=1):
        row.position = index
    Function.objects.bulk_update(functions, ["position"])
    versioned_update(current, version=None)  # checked above, under the lock
    # The order of columns is in no finding; announcing it moves the matrix's ETag.
    matrix_change_announce(organization_id=current.organization_id, scope=MatrixScope.of("function"))
    changes = object_changes(
        object_type="function",
        object_id=current.pk,
        before={"position": before},
        after={"position": current.position},
        **history_ids(current),
    )
    object_record(obj=current, action="move", changes=changes)
    return current


# Previews ------------------------------------------------------------------------------------
def function_delete_plan(*, function: Function) -> FunctionPlan:
    """What deleting the function does: its letters and roles go, and the gaps that opens and closes."""
    snapshot = snapshot_load(organization=function.organization)
    cells = tuple(
        CellPlan(journey, touchpoint, touchpoint_id, letters)
        for journey, touchpoint, touchpoint_id, letters, _ in _cells(snapshot, function.pk, None)
    )
    roles = tuple(RolePlan(role, "", owned) for role, owned in _roles(function))
    after = remove_function(snapshot, function_id=function.pk)
    return FunctionPlan(function, None, cells, roles, compare(snapshot, after))


def function_merge_plan(*, function: Function, target: Function) -> FunctionPlan:
    """What merging `function` into `target` does: every cell after, each role's new title, the gaps."""
    _check_merge(function, target)
    snapshot = snapshot_load(organization=function.organization)
    cells = tuple(
        CellPlan(journey, touchpoint, touchpoint_id, letters, target_letters, letters_text({*letters, *target_letters}))
        for journey, touchpoint, touchpoint_id, letters, target_letters in _cells(snapshot, function.pk, target.pk)
    )
    titles = _titles_after_merge(function, target)
    roles = tuple(RolePlan(role, titles[role.pk], owned) for role, owned in _roles(function))
    after = merge_functions(snapshot, source_id=function.pk, target_id=target.pk)
    return FunctionPlan(function, target, cells, roles, compare(snapshot, after))


def _cells(snapshot: OrgSnapshot, function_id: int, target_id: int | None):
    """(journey, touchpoint, touchpoint id, letters, target's letters) of each touchpoint where
    the function holds letters, in journey order."""
    held: dict[tuple[int, int], set[str]] = defaultdict(set)
    for assignment in snapshot.assignments:
        if assignment.function_id in (function_id, target_id):
            held[(assignment.touchpoint_id, assignment.function_id)].add(assignment.letter)
    for touchpoint in snapshot.touchpoints:
        letters = held.get((touchpoint.id, function_id))
        if letters:
            target_letters = held.get((touchpoint.id, target_id), set())
            journey = snapshot.journey_by_id[touchpoint.journey_id].name
            yield journey, touchpoint.name, touchpoint.id, letters_text(letters), letters_text(target_letters)


def _roles(function: Function) -> list[tuple[Role, tuple[str, ...]]]:
    """Each role of the function, with the names of the journeys it manages in their order."""
    managed = JourneyOwner.objects.select_related("journey").order_by("journey__position", "journey_id")
    roles = (
        Role.objects.filter(function=function)
        .prefetch_related(Prefetch("journey_owners", queryset=managed))
        .order_by("title", "id")
    )
    return [(role, tuple(link.journey.name for link in role.journey_owners.all())) for role in roles]


def _titles_after_merge(function: Function, target: Function) -> dict[int, str]:
    """Each role's title under the target: the same, unless the target has a role of that title."""
    taken = set(Role.objects.filter(function=target).values_list("title", flat=True))
    titles = {}
    for role_id, title in Role.objects.filter(function=function).values_list("pk", "title"):
        renamed = title
        if renamed in taken:
            suffix = f" ({function.name})"
            renamed = title[: Role._meta.get_field("title").max_length - len(suffix)] + suffix
        taken.add(renamed)
        titles[role_id] = renamed
    return titles


def plan_check(plan: FunctionPlan, digest: str) -> None:
    if plan.digest != digest:
        raise PlanChanged(plan)


def _check_merge(function: Function, target: Function) -> None:
    if target.organization_id != function.organization_id:
        raise ValidationError({"into": "Merge into a function of the same organization."})
    if target.pk == function.pk:
        raise ValidationError({"into": "A function cannot be merged into itself; choose another one."})


# Merge ---------------------------------------------------------------------------------------
@transaction.atomic
def function_merge(*, function: Function, target: Function, version: int | None, digest: str = "") -> Function:
    """Move every letter and role of `function` to `target`, then delete `function`: one change set.

    `version` is the version of `function` the member saw in the preview; a function changed
    since (renamed, moved) refuses the merge. With the preview's `digest`, so do letters or roles
    that changed since (PlanChanged).
    """
    _check_merge(function, target)
    organization_id = function.organization_id
    organization_locked(organization_id)
    locked = {row.pk: row for row in rows_locked(Function.objects.filter(pk__in=[function.pk, target.pk]))}
    if function.pk not in locked or target.pk not in locked:
        raise ValidationError("One of the two functions no longer exists.")
    version_check(locked[function.pk], version=version)
    function, target = locked[function.pk], locked[target.pk]
    if digest:
        plan_check(function_merge_plan(function=function, target=target), digest)

    cells, journey_of = _letters_of_both(function, target)
    changes = _merge_roles(function, target)
    changes += _letters_moved(function, target, cells, journey_of)
    changes.append(object_deleted(function))
    Function.objects.filter(pk=target.pk).update(version=F("version") + 1)
    function.delete()
    change_set_record(
        organization_id=organization_id,
        kind="function.merge",
        summary=f"Function “{function.name}” merged into “{target.name}”",
        changes=changes,
    )
    # Names and parties change everywhere the two functions appear: every gap is recomputed.
    matrix_change_announce(organization_id=organization_id, scope=MatrixScope.of("function", organization_wide=True))
    target.refresh_from_db()
    return target


def _letters_of_both(function: Function, target: Function) -> tuple[dict[int, dict[int, set[str]]], dict[int, int]]:
    """touchpoint -> function -> letters, for the two functions; and each touchpoint's journey."""
    cells: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    journey_of: dict[int, int] = {}
    rows = Assignment.objects.filter(function_id__in=[function.pk, target.pk]).values_list(
        "touchpoint_id", "touchpoint__journey_id", "function_id", "letter"
    )
    for touchpoint_id, journey_id, function_id, letter in rows:
        cells[touchpoint_id][function_id].add(letter)
        journey_of[touchpoint_id] = journey_id
    return cells, journey_of


def _letters_moved(
    function: Function, target: Function, cells: dict[int, dict[int, set[str]]], journey_of: dict[int, int]
) -> list[Change]:
    """Move the source's letters to the target; the history of each cell that changed."""
    # The source's letters arrive as new letters of the target, as a cell edit writes them: no
    # role, and an A its new owner has yet to confirm (what ownership.engine.whatif previews). A letter
    # the target already holds stays as it is, with its role and confirmation: A is kept once.
    Assignment.objects.filter(function=function).delete()
    Assignment.objects.bulk_create(
        Assignment(
            organization_id=function.organization_id, touchpoint_id=touchpoint_id, function=target, letter=letter
        )
        for touchpoint_id, held in sorted(cells.items())
        for letter in sorted(held[function.pk] - held[target.pk])
    )
    touched = [t for t in cells if cells[t][function.pk]]
    Touchpoint.objects.filter(pk__in=touched).update(version=F("version") + 1)
    changes = []
    for touchpoint_id in sorted(touched):
        held = cells[touchpoint_id]
        ids = {"journey_id": journey_of[touchpoint_id], "touchpoint_id": touchpoint_id}
        before, after = letters_text(held[target.pk]), letters_text(held[target.pk] | held[function.pk])
        changes.append(cell_emptied(held[function.pk], function_id=function.pk, **ids))
        if before != after:
            changes.append(Change("cell", None, "letters", before, after, function_id=target.pk, **ids))
    return changes


def _merge_roles(function: Function, target: Function) -> list[Change]:
    """Move the roles to the target (renaming those whose title it already has); their history."""
    titles = _titles_after_merge(function, target)
    changes = []
    roles = list(Role.objects.filter(function=function))
    for role in roles:
        after = {"function_id": target.pk, "title": titles[role.pk]}
        before = {"function_id": role.function_id, "title": role.title}
        changes += object_changes(
            object_type="role", object_id=role.pk, before=before, after=after, function_id=target.pk
        )
        role.function_id, role.title = target.pk, titles[role.pk]
    Role.objects.bulk_update(roles, ["function", "title"])
    Role.objects.filter(pk__in=[role.pk for role in roles]).update(version=F("version") + 1)
    return changes
