"""The matrix file's vocabulary: columns, rows, errors, and the bounds every read respects."""

from __future__ import annotations

import time
from dataclasses import dataclass

from cxowner.orgs.names import NAME_MAX_CHARS, name_key
from ownership.engine.spreadsheets import FORMULA_STARTS

REQUIRED_COLUMNS = ("journey", "stage", "touchpoint")


OPTIONAL_COLUMNS = ("channel", "description", "importance", "out_of_scope")


STANDARD_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


DEFAULT_IMPORTANCE = 3


MAX_CELL_CHARS = 10_000


DEFAULT_MAX_BYTES = 10 * 1024 * 1024


# The database's limits on what a row becomes (journeys.models): a longer value is a row error.
CHANNEL_MAX_CHARS = 100


NAME_COLUMNS_MAX_CHARS = {"journey": NAME_MAX_CHARS, "stage": NAME_MAX_CHARS, "touchpoint": NAME_MAX_CHARS}


_DISPLAY_CHARS = 80


_NOT_A_MATRIX_FILE = "not a CSV or XLSX file"


@dataclass(frozen=True)
class MatrixLimits:
    """Bounds checked while reading, before anything is built: the first one crossed refuses the file.

    A hostile file is refused for what it declares (a row number, a column letter, a zip entry's
    size) before the reader materialises it; the time bound catches whatever else is slow.
    """

    max_bytes: int = DEFAULT_MAX_BYTES
    max_rows: int = 200_000  # not counting the header
    max_columns: int = 500
    max_cell_chars: int = MAX_CELL_CHARS
    max_part_bytes: int = 128 * 1024 * 1024  # one XML part of a workbook, unpacked
    max_expansion: int = 100  # unpacked / packed size of one part
    # All cells together, a shared string counted in every cell that shows it: a 9,000-character
    # string in a million cells is a few megabytes packed and nine gigabytes read.
    max_chars: int = 40_000_000
    max_seconds: float = 10.0


@dataclass(frozen=True)
class MatrixRow:
    row_number: int  # 1-based record number in the file, header = 1 (blank rows still count)
    journey: str
    stage: str
    touchpoint: str
    channel: str  # "" when absent
    description: str  # "" when absent; inner newlines kept
    importance: int  # 3 when the column is absent or the cell empty
    out_of_scope: bool
    # (function name, letters) for every cell holding at least one letter, in column order.
    cells: tuple[tuple[str, frozenset[str]], ...]


@dataclass(frozen=True)
class MatrixSheet:
    functions: tuple[str, ...]  # function headers as written (stripped), in column order
    rows: tuple[MatrixRow, ...]


@dataclass(frozen=True)
class MatrixFileError:
    row: int | None  # 1-based, header = 1; None for problems with the file as a whole
    column: str | None  # header as written, or the missing required column's name
    value: str  # the offending value, cut to 80 characters for display; "" when none
    reason: str  # a sentence for a person

    def __str__(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        if self.value:
            parts.append(f"value '{self.value}'")
        if not parts:
            return self.reason
        where = ", ".join(parts)
        return f"{where[0].upper()}{where[1:]}: {self.reason}"


class MatrixFileInvalid(Exception):
    def __init__(self, errors: list[MatrixFileError]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


def file_refused(reason: str, *, row: int | None = None) -> MatrixFileInvalid:
    """The whole file is refused for one reason (a bound crossed, not a workbook …)."""
    return MatrixFileInvalid([MatrixFileError(row, None, "", reason)])


def not_a_matrix_file() -> MatrixFileInvalid:
    return file_refused(_NOT_A_MATRIX_FILE)


def upload_size_check(data: bytes, limits: MatrixLimits) -> None:
    """Refuse a file over the upload limit before reading any of it."""
    if len(data) > limits.max_bytes:
        size, limit = format_size(len(data)), format_size(limits.max_bytes)
        raise file_refused(f"the file is {size}; the upload limit is {limit}")


class Deadline:
    """The parse-time bound: readers call check() in their loops."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise file_refused(f"reading the file took over {self.seconds:g} seconds, the limit; nothing was imported")


def normalise_header(text: str) -> str:
    """Header identity: the names' normal form (cxowner.orgs.names), with "_" between words."""
    return name_key(text).replace(" ", "_")


def clean(raw: str) -> str:
    """The value a raw cell stands for: stripped, without the writer's anti-formula quote."""
    value = raw.strip()
    if value.startswith("'") and value.lstrip("'").startswith(FORMULA_STARTS):
        return value[1:]
    return value


def display(value: str) -> str:
    return value if len(value) <= _DISPLAY_CHARS else value[: _DISPLAY_CHARS - 1] + "…"


def format_size(size: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def too_long(value: str, limit: int = MAX_CELL_CHARS) -> str:
    return f"the cell has {len(value):,} characters; the limit is {limit:,}"
