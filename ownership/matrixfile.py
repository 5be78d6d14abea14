"""Read and write the ownership matrix file (CSV and XLSX) described in SPEC section 3.

This module only turns bytes into plain data and back: it knows nothing about Django, the
database or organisations. The importer validates a whole file with :func:`read_matrix` (which
either returns a fully valid :class:`MatrixSheet` or raises :class:`MatrixFileInvalid` listing
every problem at once) and the exporter renders a sheet with :func:`write_matrix_csv` or
:func:`write_matrix_xlsx`. Reading what the writers produce gives back an equal sheet, so export
→ import → export is byte-identical.
"""

import codecs
import csv
import datetime
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

LETTERS = ("R", "A", "C", "I")
MAX_CELL_CHARS = 10_000
DEFAULT_MAX_BYTES = 10 * 1024 * 1024

REQUIRED_COLUMNS = ("journey", "stage", "touchpoint")
OPTIONAL_COLUMNS = ("channel", "description", "importance", "out_of_scope")
STANDARD_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
DEFAULT_IMPORTANCE = 3

_TRUE_WORDS = frozenset({"1", "true", "yes", "y", "x"})
_FALSE_WORDS = frozenset({"", "0", "false", "no", "n"})
_LETTER_SEPARATORS = frozenset("/,+;")
# Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CSV_DELIMITERS = (",", ";", "\t")
_XLSX_SUFFIXES = (".xlsx", ".xls", ".xlsm")
_ZIP_MAGIC = b"PK\x03\x04"
# A zip bomb disguised as a workbook must not be unpacked; real matrices compress far less.
_MAX_XLSX_EXPANSION = 20
_DISPLAY_CHARS = 80
# Fixed so that exporting the same data twice gives the same bytes. Naive on purpose: openpyxl
# writes it as UTC by appending "Z" to isoformat().
_FIXED_TIMESTAMP = datetime.datetime(2000, 1, 1)  # noqa: DTZ001
_NOT_A_MATRIX_FILE = "not a CSV or XLSX file"


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


def parse_letters(cell: str) -> frozenset[str]:
    """Letters held in one matrix cell; raises ValueError(reason) naming any unknown letter."""
    letters: set[str] = set()
    unknown: list[str] = []
    for char in cell:
        if char.isspace() or char in _LETTER_SEPARATORS:
            continue
        # Only ASCII counts: "ı".upper() is "I", which must not sneak in as Informed.
        if char.isascii() and char.upper() in LETTERS:
            letters.add(char.upper())
        elif char not in unknown:
            unknown.append(char)
    if unknown:
        shown = ", ".join(f"'{char}'" for char in unknown[:5]) + (", …" if len(unknown) > 5 else "")
        noun = "letter" if len(unknown) == 1 else "letters"
        raise ValueError(f"unknown {noun} {shown}; use R, A, C or I")
    return frozenset(letters)


def format_letters(letters: Iterable[str]) -> str:
    wanted = {letter.upper() for letter in letters}
    if wanted - set(LETTERS):
        raise ValueError(f"not RACI letters: {sorted(wanted - set(LETTERS))}")
    return "/".join(letter for letter in LETTERS if letter in wanted)


# ---------------------------------------------------------------------------------------------
# Reading


def read_matrix(data: bytes, *, filename: str, max_bytes: int = DEFAULT_MAX_BYTES) -> MatrixSheet:
    """Raises MatrixFileInvalid with EVERY error found, never returns a partially valid sheet."""
    if len(data) > max_bytes:
        size, limit = _format_size(len(data)), _format_size(max_bytes)
        reason = f"the file is {size}; the upload limit is {limit}"
        raise MatrixFileInvalid([MatrixFileError(None, None, "", reason)])
    if data.startswith(_ZIP_MAGIC):
        records = _xlsx_records(data, max_bytes)
    elif filename.lower().endswith(_XLSX_SUFFIXES):
        raise _not_a_matrix_file()
    else:
        records = _csv_records(data)
    return _SheetParser().parse(records)


def _format_size(size: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def _not_a_matrix_file() -> MatrixFileInvalid:
    return MatrixFileInvalid([MatrixFileError(None, None, "", _NOT_A_MATRIX_FILE)])


def _csv_records(data: bytes) -> Iterator[list[str]]:
    if b"\x00" in data:
        raise _not_a_matrix_file()
    text = _decode(data)
    delimiter = _detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    row_number = 1
    try:
        for record in reader:
            yield record
            row_number += 1
    except csv.Error as exc:
        # The csv module refuses huge fields itself; say so in the words of the spec.
        reason = (
            f"a cell is over {MAX_CELL_CHARS:,} characters"
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
    raise _not_a_matrix_file()


def _detect_delimiter(text: str) -> str:
    """The delimiter that makes the header row name the most known columns, then the most columns.

    Parsing the first record (rather than counting characters) ignores delimiters inside quoted
    headers and copes with a function name such as "Sales; EMEA".
    """

    def score(delimiter: str) -> tuple[int, int]:
        try:
            header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
        except csv.Error:
            return (0, 0)
        known = sum(normalise_header(_clean(cell)) in STANDARD_COLUMNS for cell in header)
        return (known, len(header))

    # max() keeps the first of equal scores, so "," wins ties.
    return max(_CSV_DELIMITERS, key=score)


def _xlsx_records(data: bytes, max_bytes: int) -> Iterator[list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise _not_a_matrix_file() from None
    limit = max_bytes * _MAX_XLSX_EXPANSION
    if unpacked > limit:
        reason = f"the workbook unpacks to more than {_format_size(limit)}"
        raise MatrixFileInvalid([MatrixFileError(None, None, "", reason)])
    try:
        source = io.BytesIO(data)
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True, keep_links=False)
        try:
            if not workbook.worksheets:
                return iter(())
            sheet = workbook.worksheets[0]
            # Some producers write a wrong <dimension>; without this, read-only mode trusts it
            # and silently drops cells outside it.
            sheet.reset_dimensions()
            # Materialised so that a corrupt sheet fails here, as "not a file", not mid-parse.
            rows = sheet.iter_rows(values_only=True)
            records = [[_cell_text(value) for value in row] for row in rows]
        finally:
            workbook.close()
    except Exception:
        # openpyxl raises many unrelated types (KeyError, ValueError, XML errors...) for a zip
        # that is not a workbook; for the user they all mean the same thing.
        raise _not_a_matrix_file() from None
    return iter(records)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def normalise_header(text: str) -> str:
    """Header identity: case-insensitive, runs of spaces, hyphens and underscores read as "_"."""
    return re.sub(r"[\s_-]+", "_", text.casefold())


def _clean(raw: str) -> str:
    """The value a raw cell stands for: stripped, without the writer's anti-formula quote."""
    value = raw.strip()
    if value.startswith("'") and value.lstrip("'").startswith(_FORMULA_STARTS):
        return value[1:]
    return value


def _display(value: str) -> str:
    return value if len(value) <= _DISPLAY_CHARS else value[: _DISPLAY_CHARS - 1] + "…"


_Cell = tuple[str, frozenset[str]]


@dataclass(frozen=True)
class _Column:
    index: int
    header: str  # as written, for messages and as the function name


class _SheetParser:
    """Turns raw records into a MatrixSheet, collecting every error instead of stopping."""

    def __init__(self) -> None:
        self.errors: list[MatrixFileError] = []
        self.known: dict[str, _Column] = {}
        self.functions: list[_Column] = []

    def error(self, row: int | None, column: str | None, value: str, reason: str) -> None:
        self.errors.append(MatrixFileError(row, column, _display(value), reason))

    def parse(self, records: Iterator[list[str]]) -> MatrixSheet:
        header = next(records, None) or []
        self.read_header(header)
        rows: list[MatrixRow] = []
        has_content = False
        first_row_of: dict[tuple[str, str], int] = {}
        try:
            for row_number, record in enumerate(records, start=2):
                has_content = has_content or any(cell.strip() for cell in record)
                row = self.read_row(row_number, record)
                if row is None:
                    continue
                if row.journey and row.touchpoint:
                    # Case-insensitive: people read "Cashier" and "cashier" as one touchpoint.
                    key = (row.journey.casefold(), row.touchpoint.casefold())
                    if key in first_row_of:
                        self.error(
                            row_number,
                            self.known["touchpoint"].header,
                            row.touchpoint,
                            f"duplicate touchpoint in journey '{row.journey}'; "
                            f"it is already on row {first_row_of[key]}",
                        )
                    else:
                        first_row_of[key] = row_number
                rows.append(row)
        except MatrixFileInvalid as exc:
            # The CSV became unreadable part way: report it with what was found before it.
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
        seen: dict[str, _Column] = {}
        for index, raw in enumerate(header):
            text = _clean(raw)
            if not text:
                continue  # an unnamed column is ignored, cells and all
            if len(text) > MAX_CELL_CHARS:
                self.error(1, None, text, _too_long(text))
                continue
            column = _Column(index, text)
            key = normalise_header(text)
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

    def read_row(self, row_number: int, record: list[str]) -> MatrixRow | None:
        def raw(column: _Column) -> str:
            return record[column.index] if column.index < len(record) else ""

        if not any(raw(column).strip() for column in [*self.known.values(), *self.functions]):
            return None  # spreadsheets leave blank rows behind; they mean nothing

        def text(name: str) -> str:
            column = self.known.get(name)
            if column is None:
                return ""
            value = _clean(raw(column))
            if len(value) > MAX_CELL_CHARS:
                self.error(row_number, column.header, value, _too_long(value))
                return ""
            if not value and name in REQUIRED_COLUMNS:
                self.error(row_number, column.header, "", f"the {name} name is empty")
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
            cells=tuple(self.read_cells(row_number, raw)),
        )

    def read_cells(self, row_number: int, raw: Callable[[_Column], str]) -> Iterator[_Cell]:
        for column in self.functions:
            value = _clean(raw(column))
            if len(value) > MAX_CELL_CHARS:
                self.error(row_number, column.header, value, _too_long(value))
                continue
            try:
                held = parse_letters(value)
            except ValueError as exc:
                self.error(row_number, column.header, value, str(exc))
                continue
            if held:  # also skips a cell of separators only, such as "/"
                yield column.header, held

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


def _too_long(value: str) -> str:
    return f"the cell has {len(value):,} characters; the limit is {MAX_CELL_CHARS:,}"


# ---------------------------------------------------------------------------------------------
# Writing


def iter_matrix_csv(sheet: MatrixSheet) -> Iterator[bytes]:
    """The CSV file record by record, so a large matrix can be streamed as it is written."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)  # "," and "\r\n", quoting only where needed
    for record in _table(sheet):
        writer.writerow(_escape(value) if isinstance(value, str) else value for value in record)
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
                value = _escape(ILLEGAL_CHARACTERS_RE.sub("", text))
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
    """Refuse function names that would not read back as the same function columns."""
    seen: set[str] = set(STANDARD_COLUMNS)
    for function in sheet.functions:
        key = normalise_header(_clean(_escape(function)))
        if not key or key in seen:
            raise ValueError(f"function name {function!r} is empty, reserved or a duplicate")
        seen.add(key)


def _escape(value: str) -> str:
    """Prefix a quote so a spreadsheet shows the text instead of running it as a formula.

    Text that already starts with quotes before such a character gets one more, which keeps
    reading (which removes exactly one) the inverse of writing.
    """
    if value.lstrip("'").startswith(_FORMULA_STARTS):
        return "'" + value
    return value
