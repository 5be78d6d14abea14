"""What can be wrong with a published table, said once per problem, with where and how to fix it.

A table pasted from a wiki can repeat one mistake hundreds of times (`N/A` written as a letter,
`S` for Support in every row). Listing each cell buries the one thing to do, so problems are
collected by kind and subject: one message says what is wrong, how many cells, the first few
places (row, column, value) and the fix.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# How many places a message lists before "and N more".
SHOWN_PLACES = 3


_DISPLAY_CHARS = 60


@dataclass(frozen=True)
class Place:
    """One cell of the published table: its row (header = 1), its column's header and the value."""

    row: int
    column: str
    value: str
    table: str = ""  # which table of several ("table 3 'Phase 2: Build'"); "" for one table

    def __str__(self) -> str:
        text = f"row {self.row}" + (f" of {self.table}" if self.table else "")
        if self.column:
            text += f", column '{self.column}'"
        if self.value:
            text += f", value '{shorten(self.value)}'"
        return text


@dataclass(frozen=True)
class TableProblem:
    """One kind of mistake, with the first places it occurs and how many in all."""

    code: str  # stable, for programs: "unknown_letter", "no_activity_column" …
    reason: str  # what is wrong, for a person
    fix: str  # what to do about it
    places: tuple[Place, ...] = ()  # the first SHOWN_PLACES places
    count: int = 0  # places in all (0 for a problem with the table as a whole)
    subject: str = ""  # what the problem is about, e.g. the unknown letter "S"

    def __str__(self) -> str:
        text = self.reason
        if self.places:
            where = "; ".join(str(place) for place in self.places)
            more = self.count - len(self.places)
            if more > 0:
                where += f"; and {more} more"
            # Places in the header are columns; anywhere else they are cells.
            unit = "columns" if all(place.column and not place.value for place in self.places) else "cells"
            text += f" ({self.count:,} {unit}: {where})" if self.count > 1 else f" ({where})"
        return f"{sentence(text)}. {self.fix}"

    def without_first_place(self) -> str:
        """The message for a display that shows the first place in columns of its own (row,
        column, value): the reason, the other places, the fix."""
        text = self.reason
        others = [str(place) for place in self.places[1:]]
        more = self.count - len(self.places)
        if more > 0:
            others.append(f"and {more:,} more")
        if others:
            text += f" ({self.count:,} in all; also {'; '.join(others)})"
        return f"{sentence(text)}. {self.fix}"


class TableInvalid(Exception):
    """The table cannot be read as a RACI matrix; `problems` says every reason, each once."""

    def __init__(self, problems: list[TableProblem], partial: object | None = None) -> None:
        self.problems = list(problems)
        # Problems in rows (not in the header) come with the rows that were read without one, a
        # CanonicalTable: the importer checks those too, so that every problem is told at once.
        self.partial = partial
        super().__init__("\n".join(str(problem) for problem in self.problems))

    @property
    def unknown_letters(self) -> tuple[str, ...]:
        """The letters a letter map would have to say something about, in the order found."""
        return tuple(problem.subject for problem in self.problems if problem.code == UNKNOWN_LETTER)


UNKNOWN_LETTER = "unknown_letter"


@dataclass
class _Collected:
    reason: str
    fix: str
    places: list[Place] = field(default_factory=list)
    count: int = 0


class ProblemLog:
    """Collects problems by (code, subject), keeping the first places and a count."""

    def __init__(self) -> None:
        self._collected: dict[tuple[str, str], _Collected] = {}
        self.table = ""  # the table being read, when a source's several tables are read as one chart

    def add(self, code: str, *, reason: str, fix: str, place: Place | None = None, subject: str = "") -> None:
        collected = self._collected.setdefault((code, subject), _Collected(reason, fix))
        if place is not None and self.table and not place.table:
            place = Place(place.row, place.column, place.value, self.table)
        if place is not None:
            collected.count += 1
            if len(collected.places) < SHOWN_PLACES:
                collected.places.append(place)

    def __bool__(self) -> bool:
        return bool(self._collected)

    def problems(self) -> list[TableProblem]:
        return [
            TableProblem(code, item.reason, item.fix, tuple(item.places), item.count, subject)
            for (code, subject), item in self._collected.items()
        ]

    def raise_if_any(self, partial: object | None = None) -> None:
        if self._collected:
            raise TableInvalid(self.problems(), partial)


def refuse(code: str, *, reason: str, fix: str, place: Place | None = None) -> TableInvalid:
    """A problem that stops reading at once (a header problem, a bound crossed)."""
    places = (place,) if place is not None else ()
    return TableInvalid([TableProblem(code, reason, fix, places, len(places))])


def shorten(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= _DISPLAY_CHARS else value[: _DISPLAY_CHARS - 1] + "…"


def sentence(text: str) -> str:
    """`text` with its first letter in capitals and the rest as written ("table 2 'Phase 1: Sign-up'"
    must not become "Table 2 'phase 1: sign-up'", as str.capitalize() makes it)."""
    return text[:1].upper() + text[1:]
