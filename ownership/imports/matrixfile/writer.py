"""Writing the matrix file: CSV (streamed record by record) and XLSX (deterministic bytes)."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterator

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

from ownership.engine.constants import format_letters
from ownership.engine.spreadsheets import escape
from ownership.imports.matrixfile.sheet import STANDARD_COLUMNS, MatrixSheet, clean, normalise_header

# Fixed so that exporting the same data twice gives the same bytes. Naive on purpose: openpyxl
# writes it as UTC by appending "Z" to isoformat().
_FIXED_TIMESTAMP = datetime.datetime(2000, 1, 1)  # noqa: DTZ001


def iter_matrix_csv(sheet: MatrixSheet) -> Iterator[bytes]:
    """The CSV file record by record, so a large matrix can be streamed as it is written."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)  # "," and "\r\n", quoting only where needed
    for record in _table(sheet):
        writer.writerow(escape(value) if isinstance(value, str) else value for value in record)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()


def write_matrix_csv(sheet: MatrixSheet) -> bytes:
    return b"".join(iter_matrix_csv(sheet))


def write_matrix_xlsx(sheet: MatrixSheet) -> bytes:
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = "Matrix"
    bold = Font(bold=True)
    for row_index, record in enumerate(_table(sheet), start=1):
        for column_index, value in enumerate(record, start=1):
            if value == "":
                continue  # an absent cell reads back as empty
            if isinstance(value, str):
                # XML cannot carry control characters or a lone CR; write what will be read back.
                text = value.replace("\r\n", "\n").replace("\r", "\n")
                value = escape(ILLEGAL_CHARACTERS_RE.sub("", text))
            cell = worksheet.cell(row=row_index, column=column_index, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would otherwise turn "#N/A" into an error value
            if row_index == 1:
                cell.font = bold
    worksheet.freeze_panes = "D2"
    workbook.properties.creator = "cxowner"
    workbook.properties.created = _FIXED_TIMESTAMP
    workbook.properties.modified = _FIXED_TIMESTAMP
    # Workbook.save() stamps "modified" with the current time, so drive the writer directly.
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()
    return _with_fixed_zip_dates(raw.getvalue())


def _with_fixed_zip_dates(data: bytes) -> bytes:
    """Zip entries carry the time they were written; pin it so output is deterministic."""
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info))
    return output.getvalue()


def _table(sheet: MatrixSheet) -> Iterator[list[str | int]]:
    _check_writable(sheet)
    yield [*STANDARD_COLUMNS, *sheet.functions]
    for row in sheet.rows:
        held = dict(row.cells)
        unknown = set(held) - set(sheet.functions)
        if unknown:
            raise ValueError(f"row {row.row_number} has cells for unknown functions {unknown}")
        yield [
            row.journey,
            row.stage,
            row.touchpoint,
            row.channel,
            row.description,
            int(row.importance),
            "true" if row.out_of_scope else "",
            *(format_letters(held.get(function, ())) for function in sheet.functions),
        ]


def _check_writable(sheet: MatrixSheet) -> None:
    """Refuse function names that would not read back as the same function columns.

    Stored functions never fail this: their names are unique by the same normal form and
    never a standard column (ownership.editor.services); a hand-built sheet might.
    """
    seen: set[str] = set(STANDARD_COLUMNS)
    for function in sheet.functions:
        key = function_header_key(function)
        if not key or key in seen:
            raise ValueError(f"function name {function!r} is empty, reserved or a duplicate")
        seen.add(key)


def function_header_key(name: str) -> str:
    """How the reader will identify `name` written as a column header."""
    return normalise_header(clean(escape(name)))
