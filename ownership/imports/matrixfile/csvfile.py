"""Reading the CSV form of the matrix file, bounded in rows, columns and cell length."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator

from ownership.imports.matrixfile.sheet import (
    STANDARD_COLUMNS,
    Deadline,
    MatrixFileError,
    MatrixFileInvalid,
    MatrixLimits,
    clean,
    file_refused,
    normalise_header,
    not_a_matrix_file,
)

_CSV_DELIMITERS = (",", ";", "\t")


def csv_records(data: bytes, limits: MatrixLimits, deadline: Deadline) -> Iterator[list[str]]:
    """The file's records, after one quick pass that refuses too many rows or columns.

    The pass runs in the csv module's C code, so a file of 434,000 short rows is refused in a
    fraction of a second instead of being turned into rows first.
    """
    if b"\x00" in data:
        raise not_a_matrix_file()
    text = _decode(data)
    delimiter = _detect_delimiter(text)
    _check_shape(text, delimiter, limits, deadline)
    return _records(text, delimiter, limits)


def _reader(text: str, delimiter: str):
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _check_shape(text: str, delimiter: str, limits: MatrixLimits, deadline: Deadline) -> None:
    reader = _reader(text, delimiter)
    try:
        for number, record in enumerate(reader, start=1):
            if len(record) > limits.max_columns:
                reason = f"row {number:,} has {len(record):,} columns; the limit is {limits.max_columns:,}"
                raise file_refused(reason, row=number)
            if number > limits.max_rows + 1:
                raise file_refused(f"the file has more than {limits.max_rows:,} rows, the limit")
            if number % 10_000 == 0:
                deadline.check()
    except csv.Error:
        return  # reported with its row by _records, after the rows before it


def _records(text: str, delimiter: str, limits: MatrixLimits) -> Iterator[list[str]]:
    row_number = 1
    try:
        for record in _reader(text, delimiter):
            yield record
            row_number += 1
    except csv.Error as exc:
        # The csv module refuses huge fields itself; say so in the words of the file format.
        reason = (
            f"a cell is over {limits.max_cell_chars:,} characters"
            if "field limit" in str(exc)
            else f"cannot read the CSV: {exc}"
        )
        raise MatrixFileInvalid([MatrixFileError(row_number, None, "", reason)]) from exc


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise not_a_matrix_file()


def _detect_delimiter(text: str) -> str:
    """The delimiter that makes the header row name the most known columns, then the most columns.

    Parsing the first record (rather than counting characters) ignores delimiters inside quoted
    headers and copes with a function name such as "Sales; EMEA".
    """

    def score(delimiter: str) -> tuple[int, int]:
        try:
            header = next(_reader(text, delimiter), [])
        except csv.Error:
            return (0, 0)
        known = sum(normalise_header(clean(cell)) in STANDARD_COLUMNS for cell in header[:1000])
        return (known, len(header))

    # max() keeps the first of equal scores, so "," wins ties.
    return max(_CSV_DELIMITERS, key=score)
