"""Published tables as plain rows of text, whatever they were written in.

Every format (CSV text, the sheets of a workbook, Markdown pipe tables, HTML tables) becomes a
:class:`SourceTable`: numbered rows of cell texts, plus the one fact about layout that text loses,
whether a row was written shorter than the table or with a cell spanning columns (a section
heading, usually). Reading refuses on the first bound crossed, so a hostile paste cannot make
the rest of the work large.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Protocol

from ownership.imports.tables.problems import TableInvalid, refuse


class Deadline(Protocol):
    """The caller's bound on time: check() raises once it has passed."""

    def check(self) -> None: ...


@dataclass(frozen=True)
class TableLimits:
    """Bounds on what one source may hold; the first crossed refuses the whole source.

    A few kilobytes can ask for millions of cells (a row span of 65,534 under 500 columns, one long
    shared string in a million workbook cells), so the cells and characters a source grows into
    are bounded as well as what was written, and merged cells may spread over at most
    `max_span_ratio` times the cells written.
    """

    max_rows: int = 200_000
    max_columns: int = 500
    max_cell_chars: int = 10_000
    max_tables: int = 200
    max_cells: int = 4_000_000
    max_chars: int = 40_000_000
    max_span_ratio: int = 100
    deadline: Deadline | None = field(default=None, compare=False)


class Budget:
    """What one source has used of its limits so far; readers charge every row they make."""

    def __init__(self, limits: TableLimits) -> None:
        self.limits = limits
        self.cells = 0
        self.chars = 0

    def row(self, table_index: int, row_number: int, cells: Sequence[str]) -> None:
        self.chars += check_row(table_index, row_number, cells, self.limits)
        self.cells += len(cells)
        if self.cells > self.limits.max_cells:
            raise too_big(
                f"the source holds more than {self.limits.max_cells:,} cells"
                " (a merged cell counts once per cell it covers)"
            )
        if self.chars > self.limits.max_chars:
            raise too_big(f"the source's cells hold more than {self.limits.max_chars:,} characters in all")
        if row_number % 256 == 0:
            self.check_time()

    def check_time(self) -> None:
        if self.limits.deadline is not None:
            self.limits.deadline.check()


@dataclass(frozen=True)
class SourceRow:
    number: int  # 1-based within the table; the header is usually row 1
    cells: tuple[str, ...]
    # Written with fewer cells than the table, or with one cell spanning several columns: how
    # Markdown, HTML and merged spreadsheet cells set a section heading apart.
    spanning: bool = False
    line: int | None = None  # the line of the source text, where there is one

    def is_blank(self) -> bool:
        return not any(cell.strip() for cell in self.cells)


@dataclass(frozen=True)
class SourceTable:
    index: int  # 1-based among the tables of one source
    markup: str  # "csv", "xlsx", "markdown" or "html": how cell texts may be decorated
    rows: tuple[SourceRow, ...]
    name: str = ""  # the sheet's name or the table's caption, when it has one
    notes: tuple[str, ...] = ()  # what reading the source dropped, for the summary
    title: str = ""  # the page's first heading (Markdown, HTML): the chart's title
    key_only: bool = False  # lines of a page that explain letters ("- S = Support"), not a table

    @property
    def width(self) -> int:
        return max((len(row.cells) for row in self.rows), default=0)

    def describe(self) -> str:
        named = f" '{self.name}'" if self.name else ""
        return f"table {self.index}{named}"


def check_row(table_index: int, row_number: int, cells: Sequence[str], limits: TableLimits) -> int:
    """Refuse a row (and so the source) that crosses a bound; the characters its cells hold."""
    if row_number > limits.max_rows:
        raise too_big(f"table {table_index} has more than {limits.max_rows:,} rows")
    if len(cells) > limits.max_columns:
        raise too_big(f"row {row_number} of table {table_index} has more than {limits.max_columns:,} columns")
    chars = 0
    for cell in cells:
        if len(cell) > limits.max_cell_chars:
            raise too_big(f"a cell in row {row_number} of table {table_index} has {len(cell):,} characters")
        chars += len(cell)
    return chars


def check_table_count(count: int, limits: TableLimits) -> None:
    if count > limits.max_tables:
        raise too_big(f"the text holds more than {limits.max_tables:,} tables")


def too_big(reason: str) -> TableInvalid:
    return refuse("too_big", reason=reason, fix="Import a smaller table, or split it into several imports")


# ---------------------------------------------------------------------------------------------
# Rows of values: CSV records and workbook sheets
def table_from_records(
    records: Iterable[Sequence[str]],
    *,
    markup: str = "csv",
    index: int = 1,
    name: str = "",
    limits: TableLimits,
    budget: Budget | None = None,
) -> SourceTable:
    """A table from records already split into cells (a CSV reader's, a workbook reader's)."""
    budget = budget or Budget(limits)
    rows = []
    for number, record in enumerate(records, start=1):
        cells = tuple(record)
        budget.row(index, number, cells)
        rows.append(SourceRow(number, cells))
    return SourceTable(index=index, markup=markup, rows=tuple(rows), name=name)


def tables_from_sheets(
    sheets: Iterable[tuple[str, Iterable[Sequence[object]]]], *, limits: TableLimits
) -> list[SourceTable]:
    """One table per worksheet, from (sheet name, rows of cell values) as a workbook reader gives them."""
    tables = []
    budget = Budget(limits)
    for index, (name, rows) in enumerate(sheets, start=1):
        check_table_count(index, limits)
        records = ([cell_text(value) for value in row] for row in rows)
        tables.append(table_from_records(records, markup="xlsx", index=index, name=name, limits=limits, budget=budget))
    return tables


def cell_text(value: object) -> str:
    """A workbook cell's value as the text a person sees in it."""
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------------------------------------
# CSV or tab-separated text, as pasted from a spreadsheet
_DELIMITERS = (",", ";", "\t")


def table_from_csv_text(
    text: str, *, limits: TableLimits, known_header: Callable[[str], bool] = lambda _: False
) -> SourceTable:
    text = text.removeprefix("\ufeff")
    delimiter = detect_delimiter(text, known_header)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return table_from_records(reader, limits=limits)
    except csv.Error as exc:
        raise refuse(
            "unreadable_csv",
            reason=f"the CSV text cannot be read: {exc}",
            fix="Check the quotes around cells, or paste the table as Markdown or tab-separated text",
        ) from exc


def detect_delimiter(text: str, known_header: Callable[[str], bool] = lambda _: False) -> str:
    """The delimiter whose header names the most known columns, then splits the first records
    into the most columns, equally often.

    Pasted spreadsheets are tab-separated; exported CSV uses "," or ";". Parsing records (not
    lines) keeps delimiters inside quoted cells, even across line breaks, out of the count.
    """

    def score(delimiter: str) -> tuple[int, int, int]:
        try:
            records = list(islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), 20))
        except csv.Error:
            return (0, 0, 0)
        records = [record for record in records if any(cell.strip() for cell in record)]
        if not records:
            return (0, 0, 0)
        counts = [len(record) for record in records]
        steady = counts.count(counts[0]) if counts[0] > 1 else 0
        return (sum(known_header(cell) for cell in records[0]), steady, counts[0])

    # max() keeps the first of equal scores, so "," wins ties.
    return max(_DELIMITERS, key=score)


_MARKDOWN_DELIMITER_ROW = re.compile(r"^[ \t]*(?:>[ \t]?)*\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")


_HTML_TABLE = re.compile(r"<table[\s>]", re.IGNORECASE)


_HTML_CELL = re.compile(r"<t[dh][\s>]", re.IGNORECASE)


def text_format(text: str) -> str:
    """ "html", "markdown" or "csv": what pasted text most likely is.

    Markdown needs a header line with a pipe directly above a delimiter line (`|---|---|`), and
    wins over HTML (GitHub renders HTML tables inside Markdown); HTML needs a table with a cell.
    Anything else is read as CSV or tab-separated rows.
    """
    # Markdown first: a Markdown page may hold an HTML table too (its reader reads both).
    lines = text.splitlines()
    for above, line in zip(lines, lines[1:], strict=False):
        if "|" in above and "-" in line and _MARKDOWN_DELIMITER_ROW.match(line):
            return "markdown"
    # Two searches, not one pattern with .*? between: that pattern scans to the end of the text
    # again from every "<table" without a cell after it.
    table = _HTML_TABLE.search(text)
    if table and _HTML_CELL.search(text, table.end()):
        return "html"
    return "csv"
