"""What if we re-organized? Operations on an OrgSnapshot, and what they change in the gaps.

Every operation is a pure function from one snapshot to a new one: the live matrix is never
touched. `compare` then runs the very rule functions of the live audit (ownership/engine/rules.py) on
both snapshots and reports the difference by fingerprint — there is no second rule engine, so a
scenario's prediction is exactly what an audit of the re-organized matrix would find.

Used by the stored scenarios (ownership/scenarios/services.py) and by the functions manager's previews of
a merge or a delete. No Django here: the operations and the comparison run without a database.

Letters a function receives from another (a merge, a move) are new letters of the receiver:
they carry no role (the receiver decides which of its roles carries them) and count as reviewed
when the snapshot was taken — exactly what writing them through `cells_set` produces.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TypeAlias

from ownership.engine.constants import LETTERS, Rule, Severity
from ownership.engine.rules import Finding, coverage, evaluate
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


def replay(snapshot: OrgSnapshot, operations: Iterable[Operation]) -> Replay:
    """Every operation in order; the ones that no longer apply are skipped and reported."""
    skipped = []
    for index, operation in enumerate(operations):
        try:
            snapshot = operation_apply(snapshot, operation)
        except OperationError as error:
            skipped.append(Skipped(index, operation, str(error)))
    return Replay(snapshot, tuple(skipped))


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


# --- the comparison ---------------------------------------------------------------------------
@dataclass(frozen=True)
class AccountableLoad:
    """How many in-scope touchpoints one function is accountable for, before and after."""

    function_id: int
    name: str
    before: int | None  # None: the function does not exist before (or after)
    after: int | None
    bottleneck_before: bool
    bottleneck_after: bool

    @property
    def change(self) -> int:
        return (self.after or 0) - (self.before or 0)

    @property
    def opens_bottleneck(self) -> bool:
        return self.bottleneck_after and not self.bottleneck_before


@dataclass(frozen=True)
class CellDifference:
    touchpoint_id: int
    function_id: int
    before: frozenset[str]
    after: frozenset[str]


@dataclass(frozen=True)
class Comparison:
    """What a change of the matrix does to its gaps, coverage and accountability."""

    opened: tuple[Finding, ...]  # found after, not before (by fingerprint)
    closed: tuple[Finding, ...]  # found before, not after
    unchanged: int  # findings present on both sides
    coverage_before: float | None  # None: no touchpoint in scope, no figure
    coverage_after: float | None
    loads: tuple[AccountableLoad, ...]  # every function of either side, in the matrix's order
    cells: tuple[CellDifference, ...]  # cells whose letters differ, touchpoints in journey order
    severities_before: dict[Severity, int]  # findings by severity, every severity present
    severities_after: dict[Severity, int]

    @property
    def opened_bottlenecks(self) -> tuple[AccountableLoad, ...]:
        return tuple(load for load in self.loads if load.opens_bottleneck)


def compare(before: OrgSnapshot, after: OrgSnapshot) -> Comparison:
    """The gaps `after` opens and closes compared with `before`, by the audit's own rules."""
    found_before = {finding.fingerprint: finding for finding in evaluate(before)}
    found_after = {finding.fingerprint: finding for finding in evaluate(after)}
    return Comparison(
        opened=tuple(f for key, f in found_after.items() if key not in found_before),
        closed=tuple(f for key, f in found_before.items() if key not in found_after),
        unchanged=len(found_before.keys() & found_after.keys()),
        coverage_before=coverage(before),
        coverage_after=coverage(after),
        loads=_loads(before, after, found_before.values(), found_after.values()),
        cells=cell_differences(before, after),
        severities_before=_by_severity(found_before.values()),
        severities_after=_by_severity(found_after.values()),
    )


def _by_severity(findings: Iterable[Finding]) -> dict[Severity, int]:
    counts = dict.fromkeys(Severity, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def cells_of(snapshot: OrgSnapshot) -> dict[Cell, frozenset[str]]:
    """Every non-empty cell of the matrix."""
    collected: dict[Cell, set[str]] = {}
    for a in snapshot.assignments:
        collected.setdefault((a.touchpoint_id, a.function_id), set()).add(a.letter)
    return {cell: frozenset(letters) for cell, letters in collected.items()}


def cell_differences(before: OrgSnapshot, after: OrgSnapshot) -> tuple[CellDifference, ...]:
    old, new = cells_of(before), cells_of(after)
    order = {t.id: index for index, t in enumerate(after.touchpoints)}
    order.update({t.id: index for index, t in enumerate(before.touchpoints)})
    columns = {f.id: index for index, f in enumerate((*before.functions, *after.functions))}
    differing = [cell for cell in old.keys() | new.keys() if old.get(cell, frozenset()) != new.get(cell, frozenset())]
    differing.sort(key=lambda cell: (order.get(cell[0], len(order)), columns.get(cell[1], len(columns)), cell))
    return tuple(CellDifference(t, f, old.get((t, f), frozenset()), new.get((t, f), frozenset())) for t, f in differing)


def accountable_counts(snapshot: OrgSnapshot) -> dict[int, int]:
    """function id -> how many in-scope touchpoints it holds A on (the bottleneck rule's count)."""
    counts = dict.fromkeys(snapshot.function_by_id, 0)
    for t in snapshot.in_scope:
        for function_id in snapshot.holders_of(t.id, "A"):
            counts[function_id] += 1
    return counts


def _loads(
    before: OrgSnapshot, after: OrgSnapshot, found_before: Iterable[Finding], found_after: Iterable[Finding]
) -> tuple[AccountableLoad, ...]:
    counts_before, counts_after = accountable_counts(before), accountable_counts(after)
    bottlenecks_before = _bottlenecks(found_before)
    bottlenecks_after = _bottlenecks(found_after)
    functions: dict[int, FunctionRow] = {f.id: f for f in before.functions}
    functions.update({f.id: f for f in after.functions})
    return tuple(
        AccountableLoad(
            function_id=function.id,
            name=function.name,
            before=counts_before.get(function.id),
            after=counts_after.get(function.id),
            bottleneck_before=function.id in bottlenecks_before,
            bottleneck_after=function.id in bottlenecks_after,
        )
        for function in functions.values()
    )


def _bottlenecks(findings: Iterable[Finding]) -> set[int]:
    return {f.function_id for f in findings if f.rule is Rule.ACCOUNTABILITY_BOTTLENECK}


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
    held_by_target = {(a.touchpoint_id, a.letter) for a in snapshot.assignments if a.function_id == target_id}
    kept = [a for a in snapshot.assignments if a.function_id != source_id]
    for a in snapshot.assignments:
        if a.function_id == source_id and (a.touchpoint_id, a.letter) not in held_by_target:
            kept.append(_new_letter(snapshot, (a.touchpoint_id, target_id), a.letter))
    return tuple(kept)


def _ordered(letters: Iterable[str]) -> list[str]:
    return [letter for letter in LETTERS if letter in set(letters)]


def _rebuilt(snapshot: OrgSnapshot, **changes) -> OrgSnapshot:
    # dataclasses.replace builds a fresh instance: the cached properties are computed anew.
    return replace(snapshot, **changes)
