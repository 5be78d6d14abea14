"""One touchpoint per name in each journey, as cxowner keeps them, from the rows a chart repeats.

- A row written twice exactly is read once.
- Two rows of one stage whose names differ only in how they are written (`Review` / `review`)
  are two rows a person sees: with the same letters and details they are one activity written
  twice (read once); otherwise both are kept, the second named with a number ("review (2)"),
  since cxowner compares names ignoring case and could not hold both under their own names.
- Two rows of one stage with the very same name and different letters contradict each other:
  refused, as a person could not tell which is meant.
- An activity found in several stages ("Reconcile failures" under Plan, Build and Run) is one
  touchpoint per stage, named after its stage, "Reconcile failures (Build)", in every stage.
"""

from __future__ import annotations

from collections import defaultdict

from ownership.imports.tables.canonical import CanonicalRow
from ownership.imports.tables.cells import name_key
from ownership.imports.tables.problems import Place, ProblemLog, shorten

_SHOWN = 3


class Distinct:
    def __init__(self, problems: ProblemLog, *, lenient: bool = True) -> None:
        self.problems = problems
        # The matrix file (the standard layout) is cxowner's own: two spellings of one name in it
        # are refused as they always were; published charts are read as a person reads them.
        self.lenient = lenient
        # An activity found in several stages: its key -> [its first spelling, its names per stage].
        self.repeated_names: dict[str, list[str]] = {}
        self.repeats: list[tuple[int, int, str]] = []  # (row, the row it repeats exactly, activity)
        self.respelled: list[tuple[int, int, str, str]] = []  # (row, first row, first name, name kept)

    def rows(self, rows: list[CanonicalRow], label: str) -> list[CanonicalRow]:
        """Refuse contradicting rows; name an activity found in several stages after its stage."""
        first_row: dict[tuple[str, str, str], CanonicalRow] = {}
        stages_of: dict[tuple[str, str], set[str]] = defaultdict(set)
        kept = []
        for row in rows:
            journey, stage, touchpoint = name_key(row.journey), name_key(row.stage), name_key(row.touchpoint)
            first = first_row.get((journey, stage, touchpoint))
            if first is not None and _same_content(first, row, spelling=not self.lenient):
                # Published tables repeat a row by mistake; an exact repeat loses nothing when read once.
                self.repeats.append((row.source_row, first.source_row, row.touchpoint))
                continue
            if first is not None and first.touchpoint != row.touchpoint and self.lenient:
                row = self._numbered(row, first, first_row)
                touchpoint = name_key(row.touchpoint)
            elif first is not None:
                self.problems.add(
                    "duplicate_activity",
                    reason="an activity appears twice in one stage, a duplicate touchpoint whose rows contradict "
                    "each other (its first row in brackets; names are compared ignoring case, spaces and hyphens)",
                    fix="Rename one of the two rows, or merge their letters into one row",
                    place=Place(row.source_row, label, f"{row.touchpoint} (row {first.source_row})"),
                )
                continue
            first_row[(journey, stage, touchpoint)] = row
            stages_of[(journey, touchpoint)].add(stage)
            kept.append(row)
        repeated = {key for key, stages in stages_of.items() if len(stages) > 1}
        return self._named_after_stages(kept, repeated, label) if repeated else kept

    def _numbered(
        self, row: CanonicalRow, first: CanonicalRow, taken: dict[tuple[str, str, str], CanonicalRow]
    ) -> CanonicalRow:
        number = 2
        while (name_key(row.journey), name_key(row.stage), name_key(f"{row.touchpoint} ({number})")) in taken:
            number += 1
        name = f"{row.touchpoint} ({number})"
        self.respelled.append((row.source_row, first.source_row, first.touchpoint, name))
        return CanonicalRow(**{**row.__dict__, "touchpoint": name})

    def _named_after_stages(self, kept: list[CanonicalRow], repeated: set, label: str) -> list[CanonicalRow]:
        renamed = []
        taken = {(name_key(row.journey), name_key(row.touchpoint)) for row in kept}
        for row in kept:
            if (name_key(row.journey), name_key(row.touchpoint)) in repeated:
                new_name = f"{row.touchpoint} ({row.stage})"
                if (name_key(row.journey), name_key(new_name)) in taken:
                    self.problems.add(
                        "duplicate_activity",
                        reason="an activity found in several stages is named after its stage, and that name is taken",
                        fix="Rename the activity in one of its stages",
                        place=Place(row.source_row, label, new_name),
                    )
                spelling = self.repeated_names.setdefault(name_key(row.touchpoint), [row.touchpoint])
                spelling.append(new_name)
                row = CanonicalRow(**{**row.__dict__, "touchpoint": new_name})
            renamed.append(row)
        return renamed

    def notes(self) -> list[str]:
        notes = []
        for number, first, name in self.repeats[:_SHOWN]:
            notes.append(f"Row {number} repeats row {first} ('{shorten(name)}') exactly: read once")
        if len(self.repeats) > _SHOWN:
            notes.append(f"{len(self.repeats) - _SHOWN} more rows repeat an earlier row exactly: each read once")
        for number, first, name, kept in self.respelled:
            notes.append(
                f"Row {number} names the activity of row {first} ('{shorten(name)}') written differently, "
                f"with other letters: both kept, the second as '{shorten(kept)}'"
            )
        for original, *names in self.repeated_names.values():
            shown = ", ".join(f"'{shorten(name)}'" for name in names[:_SHOWN])
            notes.append(f"'{original}' appears in {len(names)} stages: one touchpoint per stage, named {shown}")
        return notes


def _same_content(first: CanonicalRow, again: CanonicalRow, *, spelling: bool = True) -> bool:
    """A row written twice: the same letters and details (and, with `spelling`, the same name as written)."""
    ignored = {"source_row": 0} if spelling else {"source_row": 0, "touchpoint": ""}
    return {**first.__dict__, **ignored} == {**again.__dict__, **ignored}


def count_cells(count: int) -> str:
    return "1 cell" if count == 1 else f"{count:,} cells"


def count_rows(count: int) -> str:
    return "1 row" if count == 1 else f"{count:,} rows"
