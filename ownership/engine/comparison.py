"""What a change of the matrix does to its gaps, coverage and accountability: the comparison of
two snapshots by the audit's own rules, and its definition over the whole matrix.

`compare_whole` runs every rule on both snapshots and reports the difference by fingerprint:
it is what the comparison means. ownership/engine/region.py computes the same result over only
what differs between the two (the scenario pages and the function previews use that one); the
tests hold the two equal. No Django here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Set
from dataclasses import dataclass
from functools import partial
from itertools import compress, repeat
from operator import itemgetter
from typing import NamedTuple, TypeAlias

from ownership.engine.constants import Rule, Severity
from ownership.engine.rules import Finding, coverage_counts, evaluate
from ownership.engine.snapshot import AssignmentRow, FunctionRow, OrgSnapshot

Cell: TypeAlias = tuple[int, int]  # (touchpoint id, function id)


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


class CellDifference(NamedTuple):
    """A cell whose letters differ. A NamedTuple: a merge at 100k changes 47k cells, built in C."""

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
    covered_before: tuple[int, int]  # (in-scope touchpoints, covered ones): rules.coverage_counts
    covered_after: tuple[int, int]
    loads: tuple[AccountableLoad, ...]  # every function of either side, in the matrix's order
    cells: tuple[CellDifference, ...]  # cells whose letters differ, touchpoints in journey order
    severities_before: dict[Severity, int]  # findings by severity, every severity present
    severities_after: dict[Severity, int]

    @property
    def coverage_before(self) -> float | None:
        """Share of in-scope touchpoints covered; None when none is in scope (rules.coverage)."""
        in_scope, covered = self.covered_before
        return covered / in_scope if in_scope else None

    @property
    def coverage_after(self) -> float | None:
        in_scope, covered = self.covered_after
        return covered / in_scope if in_scope else None

    @property
    def opened_bottlenecks(self) -> tuple[AccountableLoad, ...]:
        return tuple(load for load in self.loads if load.opens_bottleneck)


def compare_whole(before: OrgSnapshot, after: OrgSnapshot) -> Comparison:
    """The gaps `after` opens and closes compared with `before`: every rule over both whole matrices."""
    found_before = {finding.fingerprint: finding for finding in evaluate(before)}
    found_after = {finding.fingerprint: finding for finding in evaluate(after)}
    return Comparison(
        opened=tuple(f for key, f in found_after.items() if key not in found_before),
        closed=tuple(f for key, f in found_before.items() if key not in found_after),
        unchanged=len(found_before.keys() & found_after.keys()),
        covered_before=coverage_counts(before),
        covered_after=coverage_counts(after),
        loads=loads_of(
            before,
            after,
            accountable_counts(before),
            accountable_counts(after),
            found_before.values(),
            found_after.values(),
        ),
        cells=cell_differences(before, after),
        severities_before=by_severity(found_before.values()),
        severities_after=by_severity(found_after.values()),
    )


def by_severity(findings: Iterable[Finding]) -> dict[Severity, int]:
    counts = dict.fromkeys(Severity, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


def cells_of(snapshot: OrgSnapshot, *, only: Set[Cell] | None = None) -> dict[Cell, frozenset[str]]:
    """Every non-empty cell of the matrix (or of the cells `only`)."""
    rows = snapshot.assignments
    if only is not None:  # the rows of those cells picked out in C: a scenario's are a fraction
        rows = list(compress(rows, map(only.__contains__, _cells(rows))))
    collected: dict[Cell, set[str]] = {}
    for cell, letter in zip(_cells(rows), map(itemgetter(2), rows), strict=True):
        if cell in collected:
            collected[cell].add(letter)
        else:
            collected[cell] = {letter}
    return {cell: frozenset(letters) for cell, letters in collected.items()}


def _cells(rows: Sequence[AssignmentRow]) -> Iterator[Cell]:
    return zip(map(itemgetter(0), rows), map(itemgetter(1), rows), strict=True)


def cell_differences(
    before: OrgSnapshot, after: OrgSnapshot, *, only: Set[Cell] | None = None
) -> tuple[CellDifference, ...]:
    """The cells whose letters differ (among `only`, when given), in journey order then column order."""
    if only is None:
        # Only a cell with a letter row on one side alone can differ. Rows are immutable values
        # hashed in C, so their symmetric difference finds those few cells; gathering every
        # cell's letters in Python instead cost a scenario's apply 150 ms at 17k rows (bench_load).
        only = set(_cells(list(set(before.assignments).symmetric_difference(after.assignments))))
    old, new = cells_of(before, only=only), cells_of(after, only=only)
    nothing: frozenset[str] = frozenset()
    differing = [cell for cell in old.keys() | new.keys() if old.get(cell, nothing) != new.get(cell, nothing)]
    order = {t.id: index for index, t in enumerate(after.touchpoints)}
    if before.touchpoints != after.touchpoints:
        order.update({t.id: index for index, t in enumerate(before.touchpoints)})
    columns = {f.id: index for index, f in enumerate((*before.functions, *after.functions))}
    ordered = _in_matrix_order(differing, order, columns)
    rows = zip(
        map(itemgetter(0), ordered),
        map(itemgetter(1), ordered),
        map(old.get, ordered, repeat(nothing)),
        map(new.get, ordered, repeat(nothing)),
        strict=True,
    )
    return tuple(map(partial(tuple.__new__, CellDifference), rows))


def _in_matrix_order(cells: list[Cell], order: dict[int, int], columns: dict[int, int]) -> list[Cell]:
    """`cells` by their touchpoint's place in `order`, then their function's in `columns`, then
    by cell (a touchpoint or function in neither goes last).

    Sorted by one whole number per cell, built column by column in C: sorting 47k tuples of
    tuples costs five times as much. Cells sharing a number (only ones missing from `order` or
    `columns` can) fall back to the tuples."""
    last = len(columns)  # a function in no snapshot's columns
    width = max([last, *columns.values()]) + 1  # the places are whole numbers below it
    places = map(order.get, map(itemgetter(0), cells), repeat(len(order)))
    keys = list(map(int.__add__, map(width.__mul__, places), map(columns.get, map(itemgetter(1), cells), repeat(last))))
    if len(set(keys)) == len(keys):
        return list(map(cells.__getitem__, sorted(range(len(cells)), key=keys.__getitem__)))
    return [cell for _, cell in sorted(zip(keys, cells, strict=True))]


def accountable_counts(snapshot: OrgSnapshot) -> dict[int, int]:
    """function id -> how many in-scope touchpoints it holds A on (the bottleneck rule's count)."""
    counts = dict.fromkeys(snapshot.function_by_id, 0)
    for t in snapshot.in_scope:
        for function_id in snapshot.holders_of(t.id, "A"):
            counts[function_id] += 1
    return counts


def loads_of(
    before: OrgSnapshot,
    after: OrgSnapshot,
    counts_before: dict[int, int],
    counts_after: dict[int, int],
    found_before: Iterable[Finding],
    found_after: Iterable[Finding],
) -> tuple[AccountableLoad, ...]:
    """Each function's A count before and after, and whether the bottleneck rule finds it on each side."""
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
