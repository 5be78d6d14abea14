"""What a scenario's steps touch, the state of it they were drawn against, and what changed since.

A scenario may be applied while the rest of the organization keeps changing: what it must not do
is write over a change it never saw. So each scenario keeps the state of exactly what its steps
touch (its *footprint*) as it was when the step was drawn — its *base* — and applying compares,
object by object, that base with today's state: the three-way check. Where they are equal the
scenario's result is written; where one differs, nothing is written and the change is named.

The footprint of a step:

- edit cells: those cells;
- a role's holder: that role;
- remove a function: the function (its name), every cell of its column, its roles;
- merge a function into another: both functions, every cell of the source's column, the
  target's cells on the touchpoints the source holds letters on, the source's roles, and which
  roles each function has with their titles (a moved role's title depends on the target's);
- move letters: both functions, the source's column, the target's cells on the source's
  touchpoints.

Steps are read on the matrix the earlier steps left, but the state recorded is always the live
one's: a step only ever touches rows that exist live (steps create no rows).

The base is plain JSON (Scenario.base): {"functions": {id: name}, "roles": {id: [function id,
title, holder]}, "role_sets": {function id: {role id: title}}, "cells": {function id:
{touchpoint id: "RA"}}, "columns": [function id]}. A function in "columns" has every non-empty
cell recorded: a cell of it that is not listed was empty. A deleted object's state is null.
No Django here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from itertools import combinations, compress, repeat
from operator import itemgetter
from typing import Any

from ownership.engine.constants import LETTERS
from ownership.engine.footprint_words import UNKNOWN, Changed, ChangeWords
from ownership.engine.snapshot import OrgSnapshot
from ownership.engine.whatif import (
    MergeFunctions,
    MoveLetters,
    Operation,
    OperationError,
    RemoveFunction,
    SetCells,
    SetRoleHolder,
    operation_apply,
)

Cell = tuple[int, int]  # (touchpoint id, function id)


@dataclass
class Footprint:
    """The rows a scenario's steps read or write, by kind."""

    functions: set[int] = field(default_factory=set)
    roles: set[int] = field(default_factory=set)
    cells: set[Cell] = field(default_factory=set)
    columns: set[int] = field(default_factory=set)  # every cell of these functions
    role_sets: set[int] = field(default_factory=set)  # which roles these functions have, and their titles

    def update(self, other: Footprint) -> None:
        for name in ("functions", "roles", "cells", "columns", "role_sets"):
            getattr(self, name).update(getattr(other, name))


def footprint(snapshot: OrgSnapshot, operations: Iterable[Operation]) -> Footprint:
    """What the steps touch, each read on the matrix the earlier steps left.

    A step that no longer applies still touches the rows it names (their deletion is the change
    to report)."""
    touched = Footprint()
    operations = list(operations)
    for index, operation in enumerate(operations):
        _touch(touched, snapshot, operation)
        if index < len(operations) - 1:  # the last step's result is read by no step
            with suppress(OperationError):
                snapshot = operation_apply(snapshot, operation)
    return touched


def _touch(touched: Footprint, snapshot: OrgSnapshot, operation: Operation) -> None:
    match operation:
        case SetCells(cells):
            touched.cells.update((t, f) for t, f, _ in cells)
        case SetRoleHolder(role_id, _):
            touched.roles.add(role_id)
        case RemoveFunction(function_id):
            touched.functions.add(function_id)
            touched.columns.add(function_id)
            touched.role_sets.add(function_id)
            touched.roles.update(r.id for r in snapshot.roles if r.function_id == function_id)
        case MergeFunctions(source_id, target_id) | MoveLetters(source_id, target_id):
            touched.functions.update((source_id, target_id))
            touched.columns.add(source_id)
            rows = snapshot.assignments  # the source's column picked out in C (map, compress)
            held = set(map(itemgetter(0), compress(rows, map(source_id.__eq__, map(itemgetter(1), rows)))))
            touched.cells.update((t, target_id) for t in held)
            if isinstance(operation, MergeFunctions):
                touched.role_sets.update((source_id, target_id))
                touched.roles.update(r.id for r in snapshot.roles if r.function_id == source_id)


# --- the base: the state of a footprint --------------------------------------------------------


# Every set of letters as the matrix writes it ("RA", never "AR"), looked up rather than spelled
# out per cell: a merge's columns hold tens of thousands of cells.
_WRITTEN = {frozenset(held): "".join(held) for size in range(len(LETTERS) + 1) for held in combinations(LETTERS, size)}


def _letters(letters: Iterable[str]) -> str:
    held = frozenset(letters)
    written = _WRITTEN.get(held)
    return written if written is not None else "".join(letter for letter in LETTERS if letter in held)


@dataclass(frozen=True)
class Base:
    """A recorded base, read from its JSON form; what it does not know answers UNKNOWN."""

    functions: dict[int, str | None]
    roles: dict[int, tuple | None]
    role_sets: dict[int, dict[int, str]]
    cells: dict[int, dict[int, str]]
    columns: frozenset[int]

    @classmethod
    def of(cls, data: Mapping[str, Any] | None) -> Base:
        data = data or {}
        return cls(
            functions={int(k): v for k, v in data.get("functions", {}).items()},
            roles={int(k): (tuple(v) if v is not None else None) for k, v in data.get("roles", {}).items()},
            role_sets={int(k): {int(r): t for r, t in v.items()} for k, v in data.get("role_sets", {}).items()},
            cells={int(k): {int(t): v for t, v in col.items()} for k, col in data.get("cells", {}).items()},
            columns=frozenset(int(f) for f in data.get("columns", ())),
        )

    def data(self) -> dict:
        return {
            "functions": {str(k): v for k, v in self.functions.items()},
            "roles": {str(k): (list(v) if v is not None else None) for k, v in self.roles.items()},
            "role_sets": {str(k): {str(r): t for r, t in v.items()} for k, v in self.role_sets.items()},
            "cells": {str(k): {str(t): v for t, v in col.items()} for k, col in self.cells.items()},
            "columns": sorted(self.columns),
        }

    def function(self, function_id: int):
        return self.functions.get(function_id, UNKNOWN)

    def role(self, role_id: int):
        return self.roles.get(role_id, UNKNOWN)

    def role_set(self, function_id: int):
        return self.role_sets.get(function_id, UNKNOWN)

    def cell(self, touchpoint_id: int, function_id: int):
        column = self.cells.get(function_id, {})
        if touchpoint_id in column:
            return column[touchpoint_id]
        return "" if function_id in self.columns else UNKNOWN

    def footprint(self) -> Footprint:
        """What this base records, as a footprint."""
        return Footprint(
            functions=set(self.functions),
            roles=set(self.roles),
            cells={(t, f) for f, column in self.cells.items() for t in column},
            columns=set(self.columns),
            role_sets=set(self.role_sets),
        )


class _Live:
    """Today's state of footprint rows, read from a snapshot.

    Only the cells of the footprint's functions are indexed, in one pass over the letters: a
    footprint names a few functions, and indexing every cell of a 100k-touchpoint matrix costs
    a second."""

    def __init__(self, snapshot: OrgSnapshot, touched: Footprint):
        self.snapshot = snapshot
        self._wanted = touched.columns | {f for _, f in touched.cells}
        self._columns: dict[int, dict[int, str]] | None = None

    def function(self, function_id: int) -> str | None:
        row = self.snapshot.function_by_id.get(function_id)
        return row.name if row else None

    def role(self, role_id: int) -> tuple | None:
        row = self.snapshot.role_by_id.get(role_id)
        return (row.function_id, row.title, row.holder_name) if row else None

    def role_set(self, function_id: int) -> dict[int, str]:
        return {r.id: r.title for r in self.snapshot.roles if r.function_id == function_id}

    def cell(self, touchpoint_id: int, function_id: int) -> str:
        return self._column(function_id).get(touchpoint_id, "")

    def column(self, function_id: int) -> dict[int, str]:
        """touchpoint id -> the function's letters there, for its non-empty cells."""
        return dict(self._column(function_id))

    def _column(self, function_id: int) -> dict[int, str]:
        if self._columns is None or function_id not in self._columns:
            self._wanted.add(function_id)
            held: dict[int, dict[int, set[str]]] = {f: {} for f in self._wanted}
            rows = self.snapshot.assignments
            # Only the wanted columns' letters are looked at, picked out in C (map, compress):
            # a few columns of a matrix of 350k letters.
            wanted = compress(rows, map(self._wanted.__contains__, map(itemgetter(1), rows)))
            for touchpoint_id, holder_id, letter, _role_id, _reviewed_at in wanted:
                column = held[holder_id]
                if touchpoint_id in column:
                    column[touchpoint_id].add(letter)
                else:
                    column[touchpoint_id] = {letter}
            self._columns = {f: {t: _letters(x) for t, x in column.items()} for f, column in held.items()}
        return self._columns[function_id]


def base_record(snapshot: OrgSnapshot, touched: Footprint, previous: Base | None = None) -> Base:
    """The base of `touched`: what `previous` recorded of it, and today's state of the rest.

    A step added later is drawn on the matrix of its day, so the rows only it touches get
    today's state; rows an earlier step touched keep the state that step was drawn against."""
    previous = previous or Base.of(None)
    live = _Live(snapshot, touched)

    def known(value, today):
        return today if value is UNKNOWN else value

    cells: dict[int, dict[int, str]] = {}
    for function_id in touched.columns:
        if function_id in previous.columns:
            cells[function_id] = dict(previous.cells.get(function_id, {}))
        else:
            today = live.column(function_id)
            recorded = previous.cells.get(function_id, {})
            cells[function_id] = {t: recorded.get(t, today.get(t, "")) for t in today.keys() | recorded.keys()}
    for t, f in touched.cells:
        column = cells.setdefault(f, {})
        if t not in column and f not in touched.columns:
            column[t] = known(previous.cell(t, f), live.cell(t, f))
    return Base(
        functions={f: known(previous.function(f), live.function(f)) for f in touched.functions},
        roles={r: known(previous.role(r), live.role(r)) for r in touched.roles},
        role_sets={f: known(previous.role_set(f), live.role_set(f)) for f in touched.role_sets},
        cells=cells,
        columns=frozenset(touched.columns),
    )


# --- what changed since ----------------------------------------------------------------------
def changed_since(base: Base, snapshot: OrgSnapshot, touched: Footprint, *, unknown_is_today: bool) -> list[Changed]:
    """Every row of `touched` (and of what `base` records) whose state today differs from its base.

    A row the base does not know counts as unchanged when `unknown_is_today`, otherwise as
    changed. Give True for a recorded base: what the steps touch depends only on rows they
    touch (a source's column, its roles), so a row it does not know is reached only through a
    recorded row that changed, and that one is named. For a scenario drawn before bases were
    recorded, True only if nothing in the organization changed since the drawing."""
    everything = base.footprint()
    everything.update(touched)
    live = _Live(snapshot, everything)
    words = ChangeWords(base, snapshot)
    found: list[Changed] = []

    def differs(value, today) -> bool:
        return (not unknown_is_today) if value is UNKNOWN else value != today

    for f in sorted(everything.functions):
        was, now = base.function(f), live.function(f)
        if differs(was, now):
            found.append(words.function(f, was, now))
    in_recorded_sets = {r for f in base.role_sets for r in live.role_set(f)}
    for r in sorted(everything.roles):
        was, now = base.role(r), live.role(r)
        if was is UNKNOWN and r in in_recorded_sets:
            continue  # a role that joined a recorded function since: its role set names it
        if differs(was, now):
            found.append(words.role(r, was, now))
    for f in sorted(everything.role_sets):
        was, now = base.role_set(f), live.role_set(f)
        if differs(was, now):
            found.extend(words.role_set(f, was, now, skip=set(base.roles)))
    cells = _cells_changed(base, live, everything, unknown_is_today=unknown_is_today)
    for t, f in _in_journey_order(live.snapshot, cells):
        found.append(words.cell(t, f, base.cell(t, f), live.cell(t, f)))
    return found


def _cells_changed(base: Base, live: _Live, everything: Footprint, *, unknown_is_today: bool) -> list[Cell]:
    """The cells of `everything` (and every non-empty cell of its columns) whose letters today
    differ from the base's: Base.cell and _Live.cell, read column by column (a merge touches
    a whole column, tens of thousands of cells)."""
    wanted: dict[int, set[int]] = {}
    for t, f in everything.cells:
        wanted.setdefault(f, set()).add(t)
    for f in everything.columns:
        wanted.setdefault(f, set()).update(live._column(f))
    changed: list[Cell] = []
    for f, touchpoints in wanted.items():
        today, recorded, whole = live._column(f), base.cells.get(f, {}), f in base.columns
        if _column_unchanged(today, recorded, whole=whole) and (
            whole or unknown_is_today or touchpoints <= recorded.keys()
        ):
            continue  # what follows finds nothing: no cell to look at one by one
        for t in touchpoints:
            if t in recorded:
                differs = recorded[t] != today.get(t, "")
            elif whole:  # the base knows the whole column: a cell it does not list was empty
                differs = t in today
            else:
                differs = not unknown_is_today
            if differs:
                changed.append((t, f))
    return changed


def _column_unchanged(today: dict[int, str], recorded: dict[int, str], *, whole: bool) -> bool:
    """Whether every cell the base records of a column is as it is today, compared as dicts in
    C (a scenario not stale, the common case: a merged column holds tens of thousands). A
    column recorded whole is unchanged only if it holds the same cells; False may still mean
    unchanged (a recorded empty cell), which the cell-by-cell check then finds."""
    if whole:
        return today == recorded
    return dict(zip(recorded, map(today.get, recorded, repeat("")), strict=True)) == recorded


def _in_journey_order(snapshot: OrgSnapshot, cells: list[Cell]) -> list[Cell]:
    """Touchpoints in journey order (deleted ones last), then by function; only the cells that
    changed are sorted: a column holds tens of thousands."""
    if not cells:
        return cells
    order = {t.id: index for index, t in enumerate(snapshot.touchpoints)}
    return sorted(cells, key=lambda cell: (order.get(cell[0], len(order)), cell))
