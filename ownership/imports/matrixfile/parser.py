"""Raw records (lists of cell texts) to a MatrixSheet, collecting every error instead of stopping."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from cxowner.orgs.names import name_key
from ownership.engine.constants import parse_letters
from ownership.imports.matrixfile.sheet import (
    CHANNEL_MAX_CHARS,
    DEFAULT_IMPORTANCE,
    NAME_COLUMNS_MAX_CHARS,
    REQUIRED_COLUMNS,
    STANDARD_COLUMNS,
    Deadline,
    MatrixFileError,
    MatrixFileInvalid,
    MatrixLimits,
    MatrixRow,
    MatrixSheet,
    clean,
    display,
    file_refused,
    normalise_header,
    too_long,
)

_TRUE_WORDS = frozenset({"1", "true", "yes", "y", "x"})


_FALSE_WORDS = frozenset({"", "0", "false", "no", "n"})


_Cell = tuple[str, frozenset[str]]


# A column's value may not exceed what the database stores for it.
_STORED_MAX_CHARS = {**NAME_COLUMNS_MAX_CHARS, "channel": CHANNEL_MAX_CHARS}
# Bounds of the cells remembered: short texts, and not without end (a hostile file's are all new).
_REMEMBERED_CELL_CHARS, _REMEMBERED_CELLS = 40, 1000
_REMEMBERED_KEYS = 10_000


@dataclass(frozen=True)
class _Column:
    index: int
    header: str  # as written, for messages and as the function name


class SheetParser:
    def __init__(self, limits: MatrixLimits, deadline: Deadline) -> None:
        self.limits = limits
        self.deadline = deadline
        self.errors: list[MatrixFileError] = []
        self.known: dict[str, _Column] = {}
        self.functions: list[_Column] = []
        # Letters of cells read without a problem, by their text as written: a matrix's cells are
        # a few short texts repeated (120k parse_letters calls for 10k rows of twelve functions).
        self._cells_read: dict[str, frozenset[str]] = {}
        # Name keys of the names read: journeys and stages repeat on every row, and each name's key
        # is wanted twice (name_key was a quarter of reading 100k rows, issue 23); bounded.
        self._keys_read: dict[str, str] = {}
        self.read_columns: list[_Column] = []

    def error(self, row: int | None, column: str | None, value: str, reason: str) -> None:
        self.errors.append(MatrixFileError(row, column, display(value), reason))

    def parse(self, records: Iterator[list[str]]) -> MatrixSheet:
        header = next(records, None) or []
        self.read_header(header)
        rows: list[MatrixRow] = []
        has_content = False
        first_row_of: dict[tuple[str, str], int] = {}
        try:
            for row_number, record in enumerate(records, start=2):
                if row_number > self.limits.max_rows + 1:
                    raise file_refused(f"the file has more than {self.limits.max_rows:,} rows, the limit")
                if row_number % 1000 == 0:
                    self.deadline.check()
                has_content = has_content or any(cell.strip() for cell in record)
                row = self.read_row(row_number, record)
                if row is None:
                    continue
                if row.journey and row.touchpoint:
                    # As people read them: "Cashier" and "cashier" are one touchpoint.
                    key = (self.name_key(row.journey), self.name_key(row.touchpoint))
                    if key in first_row_of:
                        self.error(
                            row_number,
                            self.known["touchpoint"].header,
                            row.touchpoint,
                            f"duplicate touchpoint in journey '{row.journey}' (names are compared ignoring "
                            f"case and spaces); it is already on row {first_row_of[key]}",
                        )
                    else:
                        first_row_of[key] = row_number
                rows.append(row)
        except MatrixFileInvalid as exc:
            # The file became unreadable part way: report it with what was found before it.
            raise MatrixFileInvalid([*self.errors, *exc.errors]) from exc
        if not rows:
            if not has_content and not any(cell.strip() for cell in header):
                self.errors = []  # a blank file: listing every missing column would be noise
            if not has_content or not self.errors:
                self.error(None, None, "", "the file has no rows")
        if self.errors:
            raise MatrixFileInvalid(self.errors)
        functions = tuple(column.header for column in self.functions)
        return MatrixSheet(functions=functions, rows=tuple(rows))

    def read_header(self, header: list[str]) -> None:
        if len(header) > self.limits.max_columns:
            raise file_refused(f"the file has {len(header):,} columns; the limit is {self.limits.max_columns:,}")
        seen: dict[str, _Column] = {}
        for index, raw in enumerate(header):
            text = clean(raw)
            if not text:
                continue  # an unnamed column is ignored, cells and all
            column = _Column(index, text)
            key = normalise_header(text)
            if key not in STANDARD_COLUMNS and len(text) > NAME_COLUMNS_MAX_CHARS["journey"]:
                self.error(1, None, text, f"a function name has at most {NAME_COLUMNS_MAX_CHARS['journey']} characters")
                continue
            if not key:
                self.error(1, text, "", "a function name needs a letter or digit besides spaces and hyphens")
                continue
            if key in seen:
                first = seen[key]
                number, name = first.index + 1, first.header
                self.error(1, text, "", f"duplicate column: the same as column {number} ('{name}')")
                continue
            seen[key] = column
            if key in STANDARD_COLUMNS:
                self.known[key] = column
            else:
                self.functions.append(column)
        for name in REQUIRED_COLUMNS:
            if name not in self.known:
                self.error(1, name, "", "the required column is missing")
        self.read_columns = [*self.known.values(), *self.functions]

    def name_key(self, name: str) -> str:
        """name_key(name), remembered."""
        key = self._keys_read.get(name)
        if key is None:
            key = name_key(name)
            if len(self._keys_read) < _REMEMBERED_KEYS:
                self._keys_read[name] = key
        return key

    def read_row(self, row_number: int, record: list[str]) -> MatrixRow | None:
        width = len(record)

        def raw(column: _Column) -> str:
            return record[column.index] if column.index < width else ""

        if not any(raw(column).strip() for column in self.read_columns):
            return None  # spreadsheets leave blank rows behind; they mean nothing

        def text(name: str) -> str:
            column = self.known.get(name)
            if column is None:
                return ""
            value = clean(raw(column))
            limit = _STORED_MAX_CHARS.get(name, self.limits.max_cell_chars)
            if len(value) > limit:
                self.error(row_number, column.header, value, too_long(value, limit))
                return ""
            if name in REQUIRED_COLUMNS and not self.name_key(value):
                reason = f"the {name} name is empty" if not value else f"the {name} name has no letter or digit"
                self.error(row_number, column.header, value, reason)
            return value

        return MatrixRow(
            row_number=row_number,
            journey=text("journey"),
            stage=text("stage"),
            touchpoint=text("touchpoint"),
            channel=text("channel"),
            description=text("description"),
            importance=self.importance(row_number, text("importance")),
            out_of_scope=self.out_of_scope(row_number, text("out_of_scope")),
            cells=tuple(self.read_cells(row_number, record)),
        )

    def read_cells(self, row_number: int, record: list[str]) -> list[_Cell]:
        known = self._cells_read
        width = len(record)
        cells = []
        for column in self.functions:
            text = record[column.index] if column.index < width else ""
            held = known.get(text)
            if held is None:
                held = self.read_new_cell(row_number, column, text)
            # Most cells of a matrix are one of a few texts; a cell of separators only ("/") is none.
            if held:
                cells.append((column.header, held))
        return cells

    def read_new_cell(self, row_number: int, column: _Column, text: str) -> frozenset[str] | None:
        """A cell's letters, remembered by its text; None (and an error) for a cell that holds other text."""
        value = clean(text)
        if len(value) > self.limits.max_cell_chars:
            self.error(row_number, column.header, value, too_long(value, self.limits.max_cell_chars))
            return None
        try:
            held = parse_letters(value)
        except ValueError as exc:
            self.error(row_number, column.header, value, str(exc))
            return None
        if len(text) <= _REMEMBERED_CELL_CHARS and len(self._cells_read) < _REMEMBERED_CELLS:
            self._cells_read[text] = held
        return held

    def importance(self, row_number: int, value: str) -> int:
        if not value:
            return DEFAULT_IMPORTANCE
        if re.fullmatch(r"[+-]?\d{1,9}", value) and 1 <= int(value) <= 5:
            return int(value)
        column = self.known["importance"].header
        self.error(row_number, column, value, "importance must be a whole number from 1 to 5")
        return DEFAULT_IMPORTANCE

    def out_of_scope(self, row_number: int, value: str) -> bool:
        word = value.casefold()
        if word in _TRUE_WORDS:
            return True
        if word not in _FALSE_WORDS:
            self.error(
                row_number,
                self.known["out_of_scope"].header,
                value,
                "out_of_scope must be 1, true, yes, y or x (or empty, 0, false, no, n)",
            )
        return False
