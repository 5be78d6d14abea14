"""What if we re-organized? Operations on an OrgSnapshot, and what they change in the gaps.

Every operation is a pure function from one snapshot to a new one: the live matrix is never
touched. `compare` then runs the very rule functions of the live audit (ownership/engine/rules.py) on
both snapshots — over what differs between them (region.py) — and reports the difference by
fingerprint: there is no second rule engine, so a scenario's prediction is exactly what an
audit of the re-organized matrix would find (comparison.py).

Used by the stored scenarios (ownership/scenarios/services.py) and by the functions manager's previews of
a merge or a delete. No Django here: the operations and the comparison run without a database.

Letters a function receives from another (a merge, a move) are new letters of the receiver:
they carry no role (the receiver decides which of its roles carries them) and count as reviewed
when the snapshot was taken — exactly what writing them through `cells_set` produces.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from itertools import compress
from operator import itemgetter
from typing import TypeAlias

# The comparison lives in its own modules; these names stay importable from here.
from ownership.engine.comparison import AccountableLoad as AccountableLoad
from ownership.engine.comparison import CellDifference as CellDifference
from ownership.engine.comparison import Comparison as Comparison
from ownership.engine.comparison import accountable_counts as accountable_counts
from ownership.engine.comparison import cell_differences as cell_differences
from ownership.engine.comparison import cells_of as cells_of
from ownership.engine.constants import LETTERS
from ownership.engine.region import compare as compare
from ownership.engine.snapshot import AssignmentRow, FunctionRow, OrgSnapshot

Cell: TypeAlias = tuple[int, int]  # (touchpoint id, function id)


class OperationError(ValueError):
    """An operation that cannot apply to this matrix (a function or role that is not there)."""


# --- operations ------------------------------------------------------------------------------
def merge_functions(snapshot: OrgSnapshot, *, source_id: int, target_id: int) -> OrgSnapshot:
    """`source` joins `target`: its letters are added to the target's, its roles move, it goes.

    Where both hold letters on a touchpoint the letters are unioned, so an A held by both
    becomes one A. A moved role whose title the target already uses is called "Title (Source)".
    """
    source, target = _two_functions(snapshot, source_id, target_id)
    moved = _letters_moved(snapshot, source_id=source_id, target_id=target_id)
    target_titles = {role.title for role in snapshot.roles if role.function_id == target_id}
    roles = tuple(
        role._replace(
            function_id=target_id,
            title=role.title if role.title not in target_titles else f"{role.title} ({source.name})",
        )
        if role.function_id == source_id
        else role
        for role in snapshot.roles
    )
    return _rebuilt(
        snapshot,
        functions=tuple(f for f in snapshot.functions if f.id != source_id),
        roles=roles,
        assignments=moved,
    )


def remove_function(snapshot: OrgSnapshot, *, function_id: int) -> OrgSnapshot:
    """The function goes with its roles and letters; journeys it managed lose their manager."""
    _function(snapshot, function_id)
    gone_roles = {role.id for role in snapshot.roles if role.function_id == function_id}
    return _rebuilt(
        snapshot,
        functions=tuple(f for f in snapshot.functions if f.id != function_id),
        roles=tuple(role for role in snapshot.roles if role.id not in gone_roles),
        journeys=tuple(j._replace(owner_id=None) if j.owner_id in gone_roles else j for j in snapshot.journeys),
        assignments=tuple(a for a in snapshot.assignments if a.function_id != function_id),
    )


def role_holder_set(snapshot: OrgSnapshot, *, role_id: int, holder_name: str) -> OrgSnapshot:
    """Someone else holds the role; an empty name leaves it vacant (the holder left)."""
    if role_id not in snapshot.role_by_id:
        raise OperationError(f"There is no role #{role_id} in this organization (deleted meanwhile?).")
    holder = holder_name.strip()
    return _rebuilt(
        snapshot,
        roles=tuple(role._replace(holder_name=holder) if role.id == role_id else role for role in snapshot.roles),
    )


def remove_role_holder(snapshot: OrgSnapshot, *, role_id: int) -> OrgSnapshot:
    return role_holder_set(snapshot, role_id=role_id, holder_name="")


def move_letters(snapshot: OrgSnapshot, *, source_id: int, target_id: int) -> OrgSnapshot:
    """All of `source`'s letters go to `target` (unioned, A kept once); `source` stays, empty."""
    _two_functions(snapshot, source_id, target_id)
    return _rebuilt(snapshot, assignments=_letters_moved(snapshot, source_id=source_id, target_id=target_id))


def set_cells(snapshot: OrgSnapshot, *, cells: Mapping[Cell, Iterable[str]]) -> OrgSnapshot:
    """Cells get exactly the given letters; letters kept keep their role and review date."""
    touchpoints = {t.id for t in snapshot.touchpoints}
    wanted: dict[Cell, frozenset[str]] = {}
    for (touchpoint_id, function_id), letters in cells.items():
        letters = frozenset(letters)
        if touchpoint_id not in touchpoints:
            raise OperationError(f"There is no touchpoint #{touchpoint_id} in this organization (deleted meanwhile?).")
        _function(snapshot, function_id)
        if not letters <= set(LETTERS):
            raise OperationError(f"Unknown letter(s) {', '.join(sorted(letters - set(LETTERS)))}; use R, A, C or I.")
        wanted[(touchpoint_id, function_id)] = letters
    kept, current = [], {}
    for a in snapshot.assignments:
        cell = (a.touchpoint_id, a.function_id)
        if cell in wanted:
            current[(cell, a.letter)] = a
        else:
            kept.append(a)
    for cell, letters in wanted.items():
        for letter in _ordered(letters):
            kept.append(current.get((cell, letter)) or _new_letter(snapshot, cell, letter))
    return _rebuilt(snapshot, assignments=tuple(kept))


# --- operations as data: what a stored scenario keeps, in order ------------------------------
@dataclass(frozen=True)
class MergeFunctions:
    source_id: int
    target_id: int
    kind = "merge_functions"


@dataclass(frozen=True)
class RemoveFunction:
    function_id: int
    kind = "remove_function"


@dataclass(frozen=True)
class SetRoleHolder:
    """Re-assign a role to someone else, or (holder_name "") leave it vacant."""

    role_id: int
    holder_name: str = ""
    kind = "set_role_holder"


@dataclass(frozen=True)
class MoveLetters:
    source_id: int
    target_id: int
    kind = "move_letters"


@dataclass(frozen=True)
class SetCells:
    """Cells given exactly these letters: ((touchpoint id, function id, "RA"), …)."""

    cells: tuple[tuple[int, int, str], ...]
    kind = "set_cells"


Operation: TypeAlias = MergeFunctions | RemoveFunction | SetRoleHolder | MoveLetters | SetCells


OPERATION_TYPES: dict[str, type] = {
    cls.kind: cls for cls in (MergeFunctions, RemoveFunction, SetRoleHolder, MoveLetters, SetCells)
}


def operation_apply(snapshot: OrgSnapshot, operation: Operation) -> OrgSnapshot:
    """The snapshot after one operation; OperationError if it does not apply to this matrix."""
    match operation:
        case MergeFunctions(source_id, target_id):
            return merge_functions(snapshot, source_id=source_id, target_id=target_id)
        case RemoveFunction(function_id):
            return remove_function(snapshot, function_id=function_id)
        case SetRoleHolder(role_id, holder_name):
            return role_holder_set(snapshot, role_id=role_id, holder_name=holder_name)
        case MoveLetters(source_id, target_id):
            return move_letters(snapshot, source_id=source_id, target_id=target_id)
        case SetCells(cells):
            return set_cells(snapshot, cells={(t, f): letters for t, f, letters in cells})
    raise OperationError(f"Unknown operation {operation!r}.")


@dataclass(frozen=True)
class Skipped:
    """An operation replay left out: its position in the list, and why."""

    index: int
    operation: Operation
    reason: str


@dataclass(frozen=True)
class Replay:
    snapshot: OrgSnapshot
    skipped: tuple[Skipped, ...] = ()
    # The functions whose letters the applied operations may have changed: every other
    # function's letter rows are the very rows of the snapshot replayed (compare's `columns`);
    # None: not known.
    columns: frozenset[int] | None = None


def replay(snapshot: OrgSnapshot, operations: Iterable[Operation]) -> Replay:
    """Every operation in order; the ones that no longer apply are skipped and reported."""
    skipped, columns = [], set()
    for index, operation in enumerate(operations):
        try:
            snapshot = operation_apply(snapshot, operation)
        except OperationError as error:
            skipped.append(Skipped(index, operation, str(error)))
        else:
            columns.update(operation_columns(operation))
    return Replay(snapshot, tuple(skipped), frozenset(columns))


def operation_columns(operation: Operation) -> set[int]:
    """The functions whose letter rows the operation may change (add, remove or rebuild); it
    leaves every other function's rows as they are."""
    match operation:
        case MergeFunctions(source_id, target_id) | MoveLetters(source_id, target_id):
            return {source_id, target_id}
        case RemoveFunction(function_id):
            return {function_id}
        case SetCells(cells):
            return {function_id for _, function_id, _ in cells}
    return set()  # a role's holder: roles change, letter rows do not


def operation_describe(snapshot: OrgSnapshot, operation: Operation) -> str:
    """The operation in words, with the names it has in `snapshot` (the matrix it applies to)."""

    def function(function_id: int) -> str:
        row = snapshot.function_by_id.get(function_id)
        return row.name if row else f"a deleted function (#{function_id})"

    match operation:
        case MergeFunctions(source_id, target_id):
            return f"Merge {function(source_id)} into {function(target_id)}"
        case RemoveFunction(function_id):
            return f"Remove {function(function_id)}"
        case SetRoleHolder(role_id, holder_name):
            role = snapshot.role_by_id.get(role_id)
            title = f"{role.title} ({function(role.function_id)})" if role else f"a deleted role (#{role_id})"
            return f"{holder_name} takes over {title}" if holder_name else f"The holder of {title} leaves"
        case MoveLetters(source_id, target_id):
            return f"Move all of {function(source_id)}'s letters to {function(target_id)}"
        case SetCells(cells) if len(cells) <= 3:
            touchpoints = {t.id: t.name for t in snapshot.touchpoints}
            named = [
                f"{function(f)} on {touchpoints.get(t, f'a deleted touchpoint (#{t})')}: {letters or 'nothing'}"
                for t, f, letters in cells
            ]
            return f"Set {'; '.join(named)}"
        case SetCells(cells):
            return f"Set {len(cells)} cells"
    return repr(operation)


# --- helpers ----------------------------------------------------------------------------------
def _function(snapshot: OrgSnapshot, function_id: int) -> FunctionRow:
    function = snapshot.function_by_id.get(function_id)
    if function is None:
        raise OperationError(f"There is no function #{function_id} in this organization (deleted meanwhile?).")
    return function


def _two_functions(snapshot: OrgSnapshot, source_id: int, target_id: int) -> tuple[FunctionRow, FunctionRow]:
    if source_id == target_id:
        raise OperationError("A function cannot be merged into, or hand its letters to, itself.")
    return _function(snapshot, source_id), _function(snapshot, target_id)


def _new_letter(snapshot: OrgSnapshot, cell: Cell, letter: str) -> AssignmentRow:
    touchpoint_id, function_id = cell
    return AssignmentRow(touchpoint_id, function_id, letter, None, snapshot.taken_at if letter == "A" else None)


def _letters_moved(snapshot: OrgSnapshot, *, source_id: int, target_id: int) -> tuple[AssignmentRow, ...]:
    rows = snapshot.assignments
    # The two functions' columns picked out in C (map, compress): the matrix has 350k letters at 100k.
    functions = list(map(itemgetter(1), rows))
    held_by_target = {(a.touchpoint_id, a.letter) for a in compress(rows, map(target_id.__eq__, functions))}
    kept = list(compress(rows, map(source_id.__ne__, functions)))
    for a in compress(rows, map(source_id.__eq__, functions)):
        if (a.touchpoint_id, a.letter) not in held_by_target:
            kept.append(_new_letter(snapshot, (a.touchpoint_id, target_id), a.letter))
    return tuple(kept)


def _ordered(letters: Iterable[str]) -> list[str]:
    return [letter for letter in LETTERS if letter in set(letters)]


def _rebuilt(snapshot: OrgSnapshot, **changes) -> OrgSnapshot:
    # dataclasses.replace builds a fresh instance: the cached properties are computed anew.
    return replace(snapshot, **changes)
