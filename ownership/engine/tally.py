"""Whole-matrix counts the function rules and coverage read, tallied in C and moved by a difference.

A comparison over what differs (region.py) reads each function's A and R letters and the
matrix's coverage on both sides without counting the other side's whole matrix: the counts of
`before`, moved by the part of each side that differs. No Django here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress
from operator import itemgetter

from ownership.engine.snapshot import AssignmentRow, OrgSnapshot, of_touchpoints


@dataclass(frozen=True)
class Tally:
    """Whole-matrix counts the function rules and coverage read, over in-scope touchpoints.

    Letters are unique per (touchpoint, function, letter), so counting A rows counts the
    functions accountable for a touchpoint (as the coverage SQL does, ownership/gaps/figures)."""

    in_scope: int
    covered: int  # touchpoints with exactly one A and at least one R (rules.coverage_counts)
    accountable: Mapping[int, int]  # function id -> in-scope touchpoints it holds A on
    working: Mapping[int, int]  # function id -> its R and A letters on in-scope touchpoints (idle_function)

    @classmethod
    def of(cls, snapshot: OrgSnapshot) -> Tally:
        # Column by column with map, compress and Counter, which loop in C: the whole matrix's
        # letters are counted on every comparison, a third of a second row by row at 100k. Only
        # the A and R rows are cut to the in-scope touchpoints (the C and I are never counted).
        in_scope = snapshot.in_scope_position  # its keys: the in-scope touchpoints
        cut = len(in_scope) < len(snapshot.touchpoints)
        a_rows, r_rows = _accountable_and_responsible(snapshot.assignments, in_scope if cut else None)
        accountable = Counter(map(itemgetter(1), a_rows))
        working = accountable + Counter(map(itemgetter(1), r_rows))
        accountable_on = Counter(map(itemgetter(0), a_rows))
        once = compress(accountable_on.keys(), map((1).__eq__, accountable_on.values()))
        covered = len(set(map(itemgetter(0), r_rows)).intersection(once))
        return cls(len(in_scope), covered, accountable, working)

    @classmethod
    def part(cls, judged: OrgSnapshot, rows: Sequence[AssignmentRow], in_scope: Container[int]) -> Tally:
        """The part of one side's tally that the other side's lacks: the coverage of the judged
        touchpoints (it reads how many functions hold an A and whether one holds an R, which
        differ nowhere else), and the A and R letters among `rows`, that side's rows only (a
        function's letters move wherever one of its rows does). The touchpoints in scope are
        the same on both sides: none counted here."""
        accountable, responsible = _accountable_and_responsible(rows, in_scope)
        functions = Counter(map(itemgetter(1), accountable))
        return cls(0, cls.of(judged).covered, functions, functions + Counter(map(itemgetter(1), responsible)))

    def moved(self, *, gone: Tally, came: Tally) -> Tally:
        """This tally with `gone`'s part replaced by `came` (the difference before and after)."""

        def counts(name: str) -> dict[int, int]:
            mine, out, into = getattr(self, name), getattr(gone, name), getattr(came, name)
            return {f: mine.get(f, 0) - out.get(f, 0) + into.get(f, 0) for f in mine.keys() | into.keys()}

        return Tally(
            in_scope=self.in_scope - gone.in_scope + came.in_scope,
            covered=self.covered - gone.covered + came.covered,
            accountable=counts("accountable"),
            working=counts("working"),
        )

    def accountable_of(self, snapshot: OrgSnapshot) -> dict[int, int]:
        """comparison.accountable_counts: every function of `snapshot`, 0 when it holds no A."""
        return {f.id: self.accountable.get(f.id, 0) for f in snapshot.functions}


def _accountable_and_responsible(
    rows: Sequence[AssignmentRow], in_scope: Container[int] | None
) -> tuple[Sequence[AssignmentRow], Sequence[AssignmentRow]]:
    """The A rows and the R rows, of in-scope touchpoints when `in_scope` is given."""
    letters = list(map(itemgetter(2), rows))
    a_rows = list(compress(rows, map("A".__eq__, letters)))
    r_rows = list(compress(rows, map("R".__eq__, letters)))
    if in_scope is not None:
        return of_touchpoints(a_rows, in_scope), of_touchpoints(r_rows, in_scope)
    return a_rows, r_rows
