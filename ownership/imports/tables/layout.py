"""Which layout a published table is in, and what each of its columns is for.

Three layouts cover the RACI charts people publish:

- standard: `journey`, `stage` and `touchpoint` columns, one column per function holding letters
  (the matrix file cxowner itself writes);
- activity: one row per activity (touchpoint, activity, task, deliverable, decision, step,
  process or action, any case), one column per function holding letters, no journey column (the
  journey is given as an option) and a stage column or section-heading rows or neither;
- transposed: one row per activity and columns R, A, C, I (or Responsible, Accountable,
  Consulted, Informed) whose cells name the functions.

The header decides the layout. A column's role comes from its name when the name is a known
one, otherwise from its values: letters make a function, anything else (ids, notes) is not a
function and is reported once (notes are kept as the description, ids ignored).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from ownership.imports.tables.cells import (
    LETTER_WORDS,
    VARIANT_WORDS,
    LetterReader,
    header_key,
    is_none_marker,
    plain_text,
)
from ownership.imports.tables.source import SourceRow, SourceTable


class Layout(StrEnum):
    STANDARD = "standard"
    ACTIVITY = "activity"
    TRANSPOSED = "transposed"

    @property
    def description(self) -> str:
        return {
            Layout.STANDARD: "standard (journey, stage and touchpoint columns, one column per function)",
            Layout.ACTIVITY: "activity-first (one row per activity, one column per function)",
            Layout.TRANSPOSED: "transposed (columns R, A, C, I naming the functions)",
        }[self]


DEFAULT_STAGE = "Activities"


@dataclass(frozen=True)
class TableOptions:
    """How to read a table; every field can be left to detection or its default."""

    layout: Layout | None = None  # None: detected from the header
    journey: str = ""  # the journey of a table without a journey column
    stage: str = ""  # the stage of rows above any heading, in a table without a stage column
    touchpoint_column: str = ""  # the header of the activity column, when its name is unusual
    table: int | None = None  # 1-based; None: the first table holding a RACI matrix
    letter_map: Mapping[str, str] = field(default_factory=dict)  # {"S": "R", "O": ""}
    keep_remarks: bool = False  # keep "(…)" after function names in transposed cells
    heading_rows: bool = True  # a row with one filled cell names the stage of the rows below
    source_name: str = ""  # the file's name ("" for pasted text): a journey's name of last resort
    replace: bool = False  # delete the touchpoints of the file's journeys that it does not list


class Role(StrEnum):
    JOURNEY = "journey"
    STAGE = "stage"
    TOUCHPOINT = "touchpoint"
    CHANNEL = "channel"
    DESCRIPTION = "description"
    IMPORTANCE = "importance"
    OUT_OF_SCOPE = "out_of_scope"
    FUNCTION = "function"  # holds letters; the header is the function's name
    LETTER = "letter"  # transposed: holds function names; the header is the letter
    NOTE = "note"  # text that is not letters: kept in the description
    IGNORED = "ignored"  # ids and empty unnamed columns


# Header names, compared by header_key (case, spaces, hyphens, punctuation and "(…)" ignored).
_NAMED_ROLES: dict[Role, frozenset[str]] = {
    Role.JOURNEY: frozenset({"journey", "journeys", "customer journey"}),
    Role.STAGE: frozenset({"stage", "stages", "phase", "phases", "journey stage", "stage / phase", "phase / stage"}),
    Role.CHANNEL: frozenset({"channel", "channels"}),
    Role.DESCRIPTION: frozenset({"description", "descriptions"}),
    Role.IMPORTANCE: frozenset({"importance"}),
    Role.OUT_OF_SCOPE: frozenset({"out of scope"}),
    Role.NOTE: frozenset({"notes", "note", "comments", "comment", "remarks", "remark", "details", "explanation"}),
}


ACTIVITY_WORDS = frozenset(
    {
        "touchpoint",
        "touch point",
        "activity",
        "task",
        "deliverable",
        "decision",
        "step",
        "process",
        "action",
        "use case",
    }
)


_PLURALS = {"activities": "activity", "processes": "process", "touch points": "touch point"}


_ID_WORDS = frozenset({"id", "ids", "no", "nr", "number", "num", "ref", "reference", "code", "key", "#", "seq"})


_ID_VALUE = re.compile(r"^[A-Za-z]{0,4}[-._]?\d+(?:[._-]\d+)*[.)]?$")


_ROLE_LETTER_WORDS = {**LETTER_WORDS, **VARIANT_WORDS}


@dataclass(frozen=True)
class Column:
    index: int  # 0-based position in the row
    header: str  # the header as a reader sees it ("" when unnamed)
    role: Role
    letter: str = ""  # for Role.LETTER: the letter the column stands for (before the letter map)

    def label(self) -> str:
        return self.header or f"column {self.index + 1}"


@dataclass(frozen=True)
class HeaderReading:
    """What the header row says: the layout, each column's role, and what a reader should know."""

    layout: Layout
    header_row: HeaderRow
    columns: tuple[Column, ...]
    notes: tuple[str, ...]

    @cached_property
    def _by_role(self) -> dict[Role, list[Column]]:
        by_role: dict[Role, list[Column]] = {}
        for column in self.columns:
            by_role.setdefault(column.role, []).append(column)
        return by_role

    def first(self, role: Role) -> Column | None:
        return next(iter(self._by_role.get(role, ())), None)

    def of_role(self, role: Role) -> list[Column]:
        return list(self._by_role.get(role, ()))


@dataclass(frozen=True)
class HeaderRow:
    """The header: usually one row; its cells can be completed by the row below (see find_header)."""

    number: int  # the header's first row
    last: int  # the header's last row: the table's rows start below it
    cells: tuple[str, ...]  # as written (markup included)
    completed: tuple[str, ...] = ()  # texts the row below added to unnamed columns
    # Per column, the group label over it ("Client", "Vendor"): from a sparse row of labels just
    # above the header or beside the names that complete it, each label reaching right to the next.
    groups: tuple[str, ...] = ()


_STRICT_LETTERS = re.compile(r"^[RACIraci](?:[\s/,+;&]*[RACIraci])*$")


_LOOK_AHEAD_ROWS = 6


def find_header(table: SourceTable, markup: str) -> HeaderRow | None:
    """The header row: the first row naming two or more columns, with two refinements seen in
    spreadsheets: a sparse first row (group labels such as "Client | Vendor" over the function
    names) gives way to a fuller row below it before any letters, and a row just below the
    header that names unnamed columns (a second header line: "PRIORITY | ACTIVITY") completes it.
    """
    rows = [row for row in table.rows if _header_cells(row, markup)]
    first = next((index for index, row in enumerate(rows) if len(_header_cells(row, markup)) >= 2), None)
    if first is None:
        return None
    best = first
    width = table.width
    if len(_header_cells(rows[first], markup)) * 2 < width:
        for index in range(first + 1, min(len(rows), first + _LOOK_AHEAD_ROWS)):
            if _holds_letters(rows[index], markup):
                break
            if len(_header_cells(rows[index], markup)) > len(_header_cells(rows[best], markup)):
                best = index
    header = rows[best]
    cells = list(header.cells)
    labels = _labels(rows[best - 1], markup, width) if best > first else ()
    below = rows[best + 1] if best + 1 < len(rows) else None
    if below is None or _holds_letters(below, markup):
        return HeaderRow(header.number, header.number, tuple(cells), groups=labels)
    blanks = {index for index, cell in enumerate(cells) if not header_text(cell, markup)}
    blanks |= set(range(len(cells), len(below.cells)))
    naming = [
        index
        for index, cell in enumerate(below.cells)
        if index in blanks and (named_role(header_text(cell, markup)) or mentions_activity(header_text(cell, markup)))
    ]
    if not naming:
        return HeaderRow(header.number, header.number, tuple(cells), groups=labels)
    cells += [""] * (len(below.cells) - len(cells))
    completed = []
    beside = list(below.cells)
    for index in sorted(blanks):
        if index < len(below.cells) and header_text(below.cells[index], markup):
            cells[index] = below.cells[index]
            completed.append(header_text(below.cells[index], markup))
            beside[index] = ""
    labels = labels or _labels(SourceRow(below.number, tuple(beside)), markup, width)
    return HeaderRow(header.number, below.number, tuple(cells), tuple(completed), labels)


def _labels(row: SourceRow, markup: str, width: int) -> tuple[str, ...]:
    """Group labels reaching right from where each is written ("Client" over columns 4-12)."""
    labels, current = [], ""
    for index in range(width):
        text = header_text(row.cells[index], markup) if index < len(row.cells) else ""
        current = text or current
        labels.append(current)
    return tuple(labels) if any(labels) else ()


def _header_cells(row: SourceRow, markup: str) -> list[str]:
    return [text for cell in row.cells if (text := header_text(cell, markup))]


def _holds_letters(row: SourceRow, markup: str) -> bool:
    """Whether a row holds RACI letters: the matrix's rows have begun."""
    return any(_STRICT_LETTERS.match(plain_text(cell, markup)) for cell in row.cells)


_PANDAS_UNNAMED = re.compile(r"^Unnamed: \d+$")


def header_text(raw: str, markup: str) -> str:
    """A header as a reader sees it; in Markdown, "Unnamed: 3" (pandas' name for an empty header) is empty."""
    text = plain_text(raw, markup)
    if markup == "markdown" and _PANDAS_UNNAMED.match(text):
        return ""
    return text if markup in ("csv", "xlsx") else " ".join(text.split())


def _singular(word: str) -> str:
    return _PLURALS.get(word, word.removesuffix("s") if word.removesuffix("s") in ACTIVITY_WORDS else word)


def named_role(header: str) -> Role | None:
    """The role a column has by its name alone, or None."""
    key = header_key(header)
    for role, names in _NAMED_ROLES.items():
        if key in names:
            return role
    if _singular(key) in ACTIVITY_WORDS:
        return Role.TOUCHPOINT
    return None


def names_ids(header: str) -> bool:
    """'ID', 'No.', 'Ref #', 'Step Id': a column numbering the rows."""
    words = header_key(header).replace("/", " ").split()
    return bool(words) and (words[-1] in _ID_WORDS or header.strip() == "#")


def mentions_activity(header: str) -> bool:
    """'Key activities', 'Decision / action', 'Process step' name the activity column; 'Step Id' does not."""
    words = header_key(header).replace("/", " ").split()
    if "#" in header or any(word in _ID_WORDS for word in words):
        return False
    return any(_singular(word) in ACTIVITY_WORDS for word in words) or "touch point" in " ".join(words)


def letter_of_header(header: str) -> str:
    """The letter a transposed table's column stands for ('R', 'Responsible', 'Accountable (A)',
    'S' for RASCI's Support), or '' when the header is not a letter column."""
    text = re.sub(r"[()\[\]:=\-–—.*_]", " ", header).split()
    if not text:
        return ""
    first = text[0]
    if len(first) == 1 and first.isascii() and first.isalpha():
        rest = text[1:]
        letter = first.upper()
        if not rest or (len(rest) == 1 and _ROLE_LETTER_WORDS.get(rest[0].casefold()) == letter):
            return letter
        return ""
    letter = _ROLE_LETTER_WORDS.get(first.casefold(), "")
    if letter and len(text) > 1 and len(text[1]) == 1 and text[1].upper() != letter:
        return ""
    return letter


@dataclass
class ColumnValues:
    """A column's cells below the header, as a reader sees them, for telling letters from notes."""

    filled: list[str] = field(default_factory=list)
    rows: int = 0  # the rows looked at (the table's rows, not its headings or blank rows)
    repeats: int = 0  # cells holding the same text as the filled cell above them

    def groups(self) -> bool:
        """Whether the column groups rows: a value repeated down its rows, or written once per group
        with the cells below it left blank."""
        if len(self.filled) < 1 or self.is_ids() or self.rows < 2:
            return False
        return self.repeats > 0 or len(self.filled) < self.rows

    def letter_share(self, reader: LetterReader) -> float:
        values = [value for value in self.filled if not is_none_marker(value)]
        if not values:
            return 1.0
        return sum(reader.looks_like_letters(value) for value in values) / len(values)

    def is_ids(self) -> bool:
        values = [value for value in self.filled if not is_none_marker(value)]
        return bool(values) and all(_ID_VALUE.match(value) for value in values)

    def is_text(self, reader: LetterReader) -> bool:
        values = [value for value in self.filled if not is_none_marker(value)]
        return bool(values) and not self.is_ids() and self.letter_share(reader) < 0.5

    def examples(self) -> str:
        shown = list(dict.fromkeys(self.filled))[:2]
        return ", ".join(f"'{value}'" for value in shown)
