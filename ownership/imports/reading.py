"""Reading what people publish into the matrix file's sheet: the one way every import reads.

A file (CSV, XLSX, Markdown, HTML) or pasted text becomes tables (ownership.imports.tables, within the
MATRIX_* bounds), the chosen table is read in its layout down to the matrix file's own records,
and those records go through the matrix file's parser, which checks them as it checks any matrix
file. Problems of both stages point at the published table's rows and columns.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import PurePath

from ownership.imports.exported import EXPORTED_TABLE, exported_records
from ownership.imports.matrixfile.csvfile import csv_records
from ownership.imports.matrixfile.parser import SheetParser
from ownership.imports.matrixfile.sheet import (
    Deadline,
    MatrixFileError,
    MatrixFileInvalid,
    MatrixLimits,
    MatrixSheet,
    not_a_matrix_file,
    upload_size_check,
)
from ownership.imports.matrixfile.xlsxfile import is_workbook, xlsx_sheets
from ownership.imports.tables.canonical import CanonicalTable
from ownership.imports.tables.layout import Layout, TableOptions
from ownership.imports.tables.problems import UNKNOWN_LETTER, TableInvalid, TableProblem
from ownership.imports.tables.reading import parse_letter_map, read_table, tables_from_text
from ownership.imports.tables.source import Budget, TableLimits, table_from_records, text_format

_MARKUP_BY_SUFFIX = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".csv": "csv"}


PASTED_TEXT = "pasted text"


class TableRefused(MatrixFileInvalid):
    """The table could not be read as a RACI matrix; `unknown_letters` need a letter map."""

    def __init__(self, errors: list[MatrixFileError], unknown_letters: tuple[str, ...] = ()) -> None:
        super().__init__(errors)
        self.unknown_letters = unknown_letters


@dataclass(frozen=True)
class MatrixReading:
    """A published table read as a matrix file: the sheet, and how it was read."""

    sheet: MatrixSheet
    layout: Layout
    table: str  # which table of the source ("table 2 'RACI' of 3")
    notes: tuple[str, ...]  # what the reader should know (columns ignored, letters mapped …)
    replace: bool = False  # the user asked to replace the journeys: what the file does not list goes


def matrix_read_source(
    *, data: bytes, filename: str, limits: MatrixLimits, options: TableOptions | None = None
) -> MatrixReading:
    """Read a file (or pasted text, as UTF-8 bytes named PASTED_TEXT); raises MatrixFileInvalid."""
    options = options or TableOptions()
    if not options.source_name and filename != PASTED_TEXT:
        options = dataclasses.replace(options, source_name=filename)
    upload_size_check(data, limits)
    deadline = Deadline(limits.max_seconds)
    exported = _exported_reading(data, filename, options, limits, deadline)
    if exported is not None:
        return exported
    table_limits = TableLimits(
        max_rows=limits.max_rows + 1,
        max_columns=limits.max_columns,
        max_cell_chars=limits.max_cell_chars,
        max_chars=limits.max_chars,
        deadline=deadline,
    )
    problems = []
    try:
        table = read_table(_tables(data, filename, limits, table_limits, deadline), options, deadline=deadline)
    except TableInvalid as invalid:
        if invalid.partial is None:  # the header is wrong: the rows would only repeat it
            raise TableRefused([_as_error(p) for p in invalid.problems], invalid.unknown_letters) from None
        table, problems = invalid.partial, invalid.problems
    deadline.check()
    # The matrix file's own checks (names' lengths, importance …) on the rows read, so that every
    # problem is told at once, where the user wrote it.
    errors = [_as_error(problem) for problem in problems]
    sheet = None
    try:
        if table.rows or not problems:
            sheet = SheetParser(limits, deadline).parse(iter(table.records()))
    except MatrixFileInvalid as invalid:
        errors += [_at_source(error, table) for error in invalid.errors]
    if errors or sheet is None:
        unknown = tuple(problem.subject for problem in problems if problem.code == UNKNOWN_LETTER)
        raise TableRefused(sorted(errors, key=lambda error: error.row or 0), unknown)
    # Rebuilt only where the published row differs (a row per record in a plain CSV: none do).
    rows = tuple(
        row
        if (number := table.source_row(row.row_number)) == row.row_number
        else dataclasses.replace(row, row_number=number)
        for row in sheet.rows
    )
    sheet = MatrixSheet(functions=sheet.functions, rows=rows)
    return MatrixReading(
        sheet=sheet,
        layout=table.layout,
        table=table.table,
        notes=(*table.notes, _replace_note(options.replace)),
        replace=options.replace,
    )


def _exported_reading(
    data: bytes, filename: str, options: TableOptions, limits: MatrixLimits, deadline: Deadline
) -> MatrixReading | None:
    """A file in the export's own shape, read as the general reader would read it (exported.py)."""
    records = exported_records(data=data, filename=filename, options=options, limits=limits, deadline=deadline)
    if records is None:
        return None
    try:
        sheet = SheetParser(limits, deadline).parse(iter(records))
    except MatrixFileInvalid:
        return None  # read again below, for the problems in the words of every file
    notes = (_replace_note(options.replace),)
    return MatrixReading(sheet, Layout.STANDARD, EXPORTED_TABLE, notes, replace=options.replace)


def _replace_note(replace: bool) -> str:
    if replace:
        return "Replaces its journeys: their touchpoints and stages that the file does not list are deleted"
    return (
        "Adds to its journeys: their touchpoints and stages that the file does not list are kept"
        " (replace the journeys to delete them)"
    )


def _tables(data: bytes, filename: str, limits: MatrixLimits, table_limits: TableLimits, deadline: Deadline):
    if is_workbook(data, filename):
        # Every sheet, charged to one budget: the sheets together stay within the bounds of one.
        budget = Budget(table_limits)
        sheets = xlsx_sheets(data, limits, deadline, max_sheets=table_limits.max_tables)
        tables = [
            table_from_records(records, markup="xlsx", index=index, name=name, limits=table_limits, budget=budget)
            for index, (name, records) in enumerate(sheets, start=1)
        ]
        return [table for table in tables if any(not row.is_blank() for row in table.rows)]
    suffix = PurePath(filename).suffix.lower()
    text = _decode(data)
    markup = _MARKUP_BY_SUFFIX.get(suffix) or text_format(text)
    if markup == "csv":
        # The matrix file's own CSV reader: its delimiter detection and its bounds, as before.
        return [table_from_records(csv_records(data, limits, deadline), markup="csv", limits=table_limits)]
    return tables_from_text(text, limits=table_limits, markup=markup)


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise not_a_matrix_file()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise not_a_matrix_file()


def _at_source(error: MatrixFileError, table: CanonicalTable) -> MatrixFileError:
    """An error of the canonical records, placed where the user wrote the value."""
    row = table.source_row(error.row) if error.row is not None else None
    column = table.source_column(error.column) if error.column is not None else None
    return dataclasses.replace(error, row=row, column=column)


def _as_error(problem: TableProblem) -> MatrixFileError:
    first = problem.places[0] if problem.places else None
    return MatrixFileError(
        row=first.row if first else None,
        column=(first.column or None) if first else None,
        value=first.value if first else "",
        reason=(f"In {first.table}: " if first and first.table else "") + problem.without_first_place(),
    )


_MAP_HINT = re.compile(r"^[A-Za-z]$")


LAYOUT_CHOICES = {layout.value: layout.description for layout in Layout}


# What an import is asked besides its file, on the page and in the API: where the rows go, how
# the table is read, and whether the journeys it names are replaced.
IMPORT_OPTION_FIELDS = (
    "journey",
    "stage",
    "layout",
    "letter_map",
    "table",
    "touchpoint_column",
    "keep_remarks",
    "heading_rows",
    "replace",
)


def import_options(
    *,
    layout: str = "",
    journey: str = "",
    stage: str = "",
    letter_map: str = "",
    table: int | None = None,
    touchpoint_column: str = "",
    keep_remarks: bool = False,
    heading_rows: bool = True,
    replace: bool = False,
) -> TableOptions:
    """The reading options as every surface takes them (text from a command line or a form);
    raises ValueError with a message for a person."""
    if layout and layout not in LAYOUT_CHOICES:
        raise ValueError(f"layout must be one of {', '.join(LAYOUT_CHOICES)} (or empty to detect it)")
    if table is not None and table < 1:
        raise ValueError("table counts from 1 (the first table)")
    try:
        letters = parse_letter_map(letter_map)
    except TableInvalid as invalid:
        raise ValueError(str(invalid.problems[0])) from None
    return TableOptions(
        layout=Layout(layout) if layout else None,
        journey=journey.strip(),
        stage=stage.strip(),
        touchpoint_column=touchpoint_column.strip(),
        table=table,
        letter_map=letters,
        keep_remarks=keep_remarks,
        heading_rows=heading_rows,
        replace=replace,
    )
