"""Reading the rows below a table's header into canonical rows (canonical.py).

Section headings name the stage of the rows below them, grouped journey and stage cells fill
down, letters go through the letter map, and problems are collected by kind.

Identity of a touchpoint: (journey, stage, touchpoint), names compared as people read them
(case, spaces and hyphens ignored). Real matrices repeat an activity in every phase ("Reconcile
failures" under Plan, Build and Run); those are different touchpoints. A touchpoint's name is
unique within its journey in cxowner, so an activity found in several stages of one journey is
named after its stage, "Reconcile failures (Build)", in every stage it appears in. Re-importing
the same table gives the same names, so the import updates rather than duplicates. The same
activity twice in one stage is a mistake and is refused.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from ownership.imports.tables.canonical import CANONICAL_COLUMNS, CanonicalRow, CanonicalTable
from ownership.imports.tables.cells import (
    LetterReader,
    is_emphasised,
    is_none_marker,
    name_key,
    plain_text,
    split_names,
)
from ownership.imports.tables.distinct import Distinct, count_cells, count_rows
from ownership.imports.tables.layout import DEFAULT_STAGE, Column, HeaderReading, Layout, Role, TableOptions
from ownership.imports.tables.problems import UNKNOWN_LETTER, Place, ProblemLog, refuse, sentence
from ownership.imports.tables.source import Deadline, SourceRow, SourceTable
from ownership.imports.tables.titles import journey_name

_RESERVED_NAMES = frozenset(name_key(column.replace("_", " ")) for column in CANONICAL_COLUMNS)


_SHOWN_NAMES = 3


class RowReader:
    """Reads the rows below the header into canonical rows, collecting problems by kind."""

    def __init__(
        self,
        table: SourceTable,
        reading: HeaderReading,
        options: TableOptions,
        reader: LetterReader,
        deadline: Deadline | None = None,
        more: Sequence[tuple[SourceTable, HeaderReading]] = (),
        *,
        one_of_several: bool = False,
    ) -> None:
        # Several tables (one per phase) are one chart: each table's heading is the stage of its
        # rows above any heading of their own.
        self.parts = [(table, reading), *more]
        # One table chosen from a page of several charts: a stage of the page's journey too.
        self.several = len(self.parts) > 1 or one_of_several
        self.deadline = deadline
        self.options = options
        self.reader = reader
        self.problems = ProblemLog()
        self.functions: dict[str, str] = {}  # name key -> the name as first written, in order
        self.last = {Role.JOURNEY: "", Role.STAGE: ""}  # filled down from the rows above
        self.headings: list[tuple[int, str]] = []
        self.filled_down = 0
        self.nobody_cells = 0
        self.mapped: Counter[str] = Counter()
        self.distinct = Distinct(self.problems, lenient=reading.layout != Layout.STANDARD)
        self.journey = ""
        self.journey_note = ""
        self.row_remarks: list[str] = []  # the row being read: remarks beside its letters
        self.remarks: list[Place] = []  # every cell whose letters came with a remark
        self.lone_letters: list[Place] = []  # rows holding nothing but one letter
        self._start(table, reading)

    def _start(self, table: SourceTable, reading: HeaderReading) -> None:
        """Read `table` next (the first, or the next of several)."""
        self.table, self.reading = table, reading
        self.function_keys = {column.index: name_key(column.header) for column in reading.of_role(Role.FUNCTION)}
        for column in reading.of_role(Role.FUNCTION):
            self.functions.setdefault(self.function_keys[column.index], column.header)
        self.last = {Role.JOURNEY: "", Role.STAGE: ""}
        self.heading_stage = self.options.stage or (table_stage(table) if self.several else "") or DEFAULT_STAGE

    def read(self) -> CanonicalTable:
        first_table, reading = self.parts[0]
        journey_column = reading.first(Role.JOURNEY)
        self._name_journey(any(part.first(Role.JOURNEY) is None for _, part in self.parts))
        rows: list[CanonicalRow] = []
        notes: list[str] = []
        for table, part in self.parts:
            self._start(table, part)
            self.problems.table = table.describe() if len(self.parts) > 1 else ""
            prefix = f"{sentence(table.describe())}: " if len(self.parts) > 1 else ""
            notes.extend(prefix + note for note in (*table.notes, *part.notes))
            for row in table.rows:
                if self.deadline is not None and row.number % 256 == 0:
                    self.deadline.check()
                if row.number > part.header_row.last:
                    canonical = self._row(row)
                    if canonical is not None:
                        rows.append(canonical)
        self._start(first_table, reading)
        self.problems.table = ""
        column = reading.first(Role.TOUCHPOINT)
        rows = self.distinct.rows(rows, column.label() if column else "touchpoint")
        table = CanonicalTable(
            layout=reading.layout,
            table=self._described(),
            header_row=reading.header_row.number,
            functions=tuple(self.functions.values()),
            rows=tuple(rows),
            notes=(*self._several_note(), *notes, *self._notes(journey_column)),
            sources=self._sources(),
        )
        self.problems.raise_if_any(partial=table)
        if not rows:
            raise refuse(
                "no_rows",
                reason=f"the table has a header but no {self._noun()} below it",
                fix="Add one row per activity under the header",
                place=Place(reading.header_row.number, "", ""),
            )
        return table

    def _described(self) -> str:
        if len(self.parts) == 1:
            return self.table.describe()
        return "tables " + ", ".join(str(table.index) for table, _ in self.parts)

    def _several_note(self) -> list[str]:
        if len(self.parts) == 1:
            return []
        stages = [table_stage(table) for table, _ in self.parts]
        shown = ", ".join(f"'{stage}'" for stage in stages if stage)
        return [f"{len(self.parts)} tables read as one journey, each table's heading a stage: {shown}"]

    def _name_journey(self, without_journey_column: bool) -> None:
        """A table without a journey column is named after its title, sheet or file (titles.py)."""
        self.journey = self.options.journey.strip()
        if without_journey_column and not self.journey:
            tables = [table for table, _ in self.parts]
            named = journey_name(tables, self.options.source_name, self._title_above(), several=self.several)
            self.journey = named.name
            self.journey_note = named.note()

    def _title_above(self) -> str:
        """The first row above the header when it holds one text alone: the chart's title."""
        if self.several:
            return ""
        first = self.table.rows[0] if self.table.rows else None
        if first is None or first.number >= self.reading.header_row.number:
            return ""
        texts = [text for cell in first.cells if (text := plain_text(cell, self.table.markup))]
        return texts[0] if len(texts) == 1 else ""

    def _noun(self) -> str:
        return "touchpoints" if self.reading.layout == Layout.STANDARD else "activities"

    # -- one row

    def _row(self, row: SourceRow) -> CanonicalRow | None:
        markup = self.table.markup
        texts = [plain_text(cell, markup) for cell in row.cells]
        texts += [""] * (len(self.reading.columns) - len(texts))
        columns = self.reading.columns
        # Ids ("| **1** | **Catalog** |") say nothing about whether a row is a heading.
        texts_read = [text if columns[index].role != Role.IGNORED else "" for index, text in enumerate(texts)]
        filled = [index for index, text in enumerate(texts_read) if text and not is_none_marker(text)]
        if not filled:
            return None
        lone = [texts_read[index] for index in filled]
        if (
            len(lone) == 1
            and len(lone[0]) == 1
            and sum(1 for text in texts_read if text) == 1
            and (columns[filled[0]].role == Role.TOUCHPOINT or not self.reader.read(lone[0]).letters)
        ):
            # A row holding one letter alone ("N" under a workbook's chart) names no activity.
            self.lone_letters.append(Place(row.number, "", lone[0]))
            return None
        # A heading has its other cells empty; "Two | - | —" is an activity that nobody holds.
        if len(filled) == 1 and sum(1 for text in texts_read if text) == 1:
            only = columns[filled[0]]
            text = texts[filled[0]]
            if only.role in (Role.JOURNEY, Role.STAGE):
                self.last[only.role] = text  # a grouping row: the journey or stage of the rows below
                return None
            numbered = any(texts_read[index] != text for index, text in enumerate(texts))
            # A numbered row ("3 | Ship |") is an activity nobody holds, unless set apart as a heading.
            if self._is_heading(row, only, row.cells[filled[0]], numbered):
                self._heading(row.number, text)
                return None
        touchpoint_column = self.reading.first(Role.TOUCHPOINT)
        assert touchpoint_column is not None  # read_header always chooses one
        touchpoint = texts[touchpoint_column.index]
        if not touchpoint:
            first = texts[filled[0]]
            self.problems.add(
                "no_activity_name",
                reason=f"a row has cells filled but no name in the {touchpoint_column.label()} column",
                fix="Name the activity in that row, or delete the row",
                place=Place(row.number, touchpoint_column.label(), first),
            )
            return None
        self.row_remarks = []
        cells = self._cells(row.number, texts)
        description = "\n".join(part for part in (self._description(texts), *self.row_remarks) if part)
        return CanonicalRow(
            source_row=row.number,
            journey=self._grouped(Role.JOURNEY, texts, self.journey),
            stage=self._grouped(Role.STAGE, texts, self.heading_stage),
            touchpoint=self._name(touchpoint),
            channel=self._text(Role.CHANNEL, texts),
            description=description,
            importance=self._text(Role.IMPORTANCE, texts),
            out_of_scope=self._text(Role.OUT_OF_SCOPE, texts),
            cells=cells,
        )

    def _is_heading(self, row: SourceRow, only: Column, raw: str, numbered: bool = False) -> bool:
        """A row with one filled cell names the stage of the rows below (a section heading) when it
        is set apart (bold, spanning, shorter) or the table has no stage column to say otherwise."""
        if not self.options.heading_rows or only.role in (Role.FUNCTION, Role.LETTER):
            return False
        if row.spanning or is_emphasised(raw, self.table.markup):
            return True
        has_stage_column = self.reading.first(Role.STAGE) is not None
        return not numbered and not (has_stage_column and only.role == Role.TOUCHPOINT)

    def _heading(self, number: int, text: str) -> None:
        name = " ".join(text.split()).rstrip(":").strip()
        self.headings.append((number, name))
        if self.reading.first(Role.STAGE) is not None:
            self.last[Role.STAGE] = name
        else:
            self.heading_stage = name

    def _grouped(self, role: Role, texts: list[str], default: str) -> str:
        """Journey or stage: this row's cell, else the one above (grouped or merged cells), else
        `default` (the option, or the heading above) when the table has no such column."""
        column = self.reading.first(role)
        if column is None:
            return default
        value = self._name(texts[column.index])
        if value:
            self.last[role] = value
            return value
        if self.last[role]:
            self.filled_down += 1
            return self.last[role]
        fallback = self.options.journey if role == Role.JOURNEY else self.options.stage
        # Still empty: the matrix file's own check says so, with the row's other problems.
        return fallback.strip()

    def _name(self, text: str) -> str:
        """A name on one line: a line break in a Markdown or HTML cell is only layout there."""
        return text if self.table.markup in ("csv", "xlsx") else text.replace("\n", " ")

    def _text(self, role: Role, texts: list[str]) -> str:
        column = self.reading.first(role)
        return texts[column.index] if column is not None else ""

    def _description(self, texts: list[str]) -> str:
        sources = self.reading.of_role(Role.DESCRIPTION) + self.reading.of_role(Role.NOTE)
        # A note saying "N/A" says nothing; a description column keeps what it holds.
        parts = [
            (column, text)
            for column in sources
            if (text := texts[column.index]) and not (column.role == Role.NOTE and is_none_marker(text))
        ]
        if len(sources) == 1:
            return parts[0][1] if parts else ""
        return "\n".join(f"{column.label()}: {text}" for column, text in parts)

    def _cells(self, number: int, texts: list[str]) -> tuple[tuple[str, frozenset[str]], ...]:
        held: dict[str, set[str]] = defaultdict(set)
        for column in self.reading.columns:
            text = texts[column.index]
            if not text:
                continue
            if is_none_marker(text):
                self.nobody_cells += column.role in (Role.FUNCTION, Role.LETTER)
                continue
            if column.role == Role.FUNCTION:
                letters = self._letters(number, column, text)
                if letters:
                    held[self.function_keys[column.index]].update(letters)
            elif column.role == Role.LETTER:
                letters = self.reader.read(column.letter).letters
                if not letters:
                    continue  # a letter the letter map leaves out: its names are nobody's business here
                for name in split_names(text, keep_remarks=self.options.keep_remarks):
                    key = self._function(number, column, name)
                    if key:
                        held[key].update(letters)
        return tuple((name, frozenset(held[key])) for key, name in self.functions.items() if key in held)

    def _letters(self, number: int, column: Column, text: str) -> frozenset[str]:
        reading = self.reader.read(text)
        if reading.mapped:
            self.mapped.update(reading.mapped)
        if reading.remark and not reading.unknown:
            # "R (backend)": the letters are read, the remark goes to the touchpoint's description.
            self.row_remarks.append(f"{column.header}: {reading.remark}")
            self.remarks.append(Place(number, column.header, text))
        if not reading.unknown:
            return reading.letters
        place = Place(number, column.header, text)
        if reading.unknown and not self.reader.looks_like_letters(text):
            self.problems.add(
                "not_letters",
                reason=f"the column '{column.header}' holds letters, but some of its cells hold other text",
                fix="Write R, A, C or I (or leave the cell empty), or move the text to a notes column",
                place=place,
                subject=column.header,
            )
        else:
            for letter in reading.unknown:
                self.problems.add(
                    UNKNOWN_LETTER,
                    reason=f"unknown letter '{letter}': it is not R, A, C or I" + _explained(self.reader, letter),
                    fix=f"Map it in the letter map: {letter}=R to read it as Responsible, {letter}= to leave it out",
                    place=place,
                    subject=letter,
                )
        return reading.letters

    def _function(self, number: int, column: Column, name: str) -> str:
        key = name_key(name)
        if key in _RESERVED_NAMES:
            self.problems.add(
                "reserved_name",
                reason=f"'{name}' names a column of the matrix file, so it cannot be a function's name",
                fix="Rename the function (e.g. 'Journey team' instead of 'Journey')",
                place=Place(number, column.header, name),
                subject=key,
            )
            return ""
        self.functions.setdefault(key, name)
        return key

    # -- the whole table

    def _notes(self, journey_column: Column | None) -> list[str]:
        notes = [self.journey_note] if self.journey_note else []
        if self.headings:
            shown = ", ".join(f"'{name}' (row {number})" for number, name in self.headings[:_SHOWN_NAMES])
            more = f" and {len(self.headings) - _SHOWN_NAMES} more" if len(self.headings) > _SHOWN_NAMES else ""
            headings = sentence(count_rows(len(self.headings)))
            notes.append(f"{headings} with one filled cell read as stage headings: {shown}{more}")
        if self.filled_down:
            notes.append(f"An empty journey or stage cell took the value above it in {count_rows(self.filled_down)}")
        if self.nobody_cells:
            notes.append(
                f"{sentence(count_cells(self.nobody_cells))} saying nobody (N/A, -, —, none, TBD …) read as empty"
            )
        if self.lone_letters:
            shown = ", ".join(f"{place.row} ('{place.value}')" for place in self.lone_letters[:_SHOWN_NAMES])
            notes.append(f"{sentence(count_rows(len(self.lone_letters)))} holding one letter alone skipped: {shown}")
        if self.remarks:
            shown = "; ".join(str(place) for place in self.remarks[:_SHOWN_NAMES])
            more = f"; and {len(self.remarks) - _SHOWN_NAMES} more" if len(self.remarks) > _SHOWN_NAMES else ""
            notes.append(
                f"Letters with a remark read as the letters, the remark kept in the touchpoint's description: "
                f"{count_cells(len(self.remarks))} ({shown}{more})"
            )
        if self.mapped:
            shown = ", ".join(
                f"{letter} read as {self.reader.letter_map[letter] or 'nothing'} in {count_cells(count)}"
                for letter, count in self.mapped.items()
            )
            notes.append(f"Letter map: {shown}")
        if journey_column is not None and self.options.journey.strip():
            notes.append(f"The journey option was not needed: the table has a '{journey_column.label()}' column")
        notes.extend(self.distinct.notes())
        return notes

    def _sources(self) -> dict[str, str]:
        sources = {}
        for column in self.reading.columns:
            if column.role.value in CANONICAL_COLUMNS and column.role.value not in sources:
                sources[column.role.value] = column.label()
        return sources


def _explained(reader: LetterReader, letter: str) -> str:
    explanation = reader.explained.get(letter)
    if not reader.explained:
        return ""
    if explanation is None:
        return ", and the chart's key does not explain it"
    return f", and the chart's key says '{letter} = {explanation}', which is none of them"


def table_stage(table: SourceTable) -> str:
    """The stage a table of several is: its heading or sheet name ("Phase 1: Initiation")."""
    return " ".join(plain_text(table.name, "markdown").split()).rstrip(":").strip() or f"Table {table.index}"
