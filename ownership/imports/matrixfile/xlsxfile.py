"""Reading the XLSX form of the matrix file: a streaming reader that refuses on the first bound.

A workbook is a zip of XML parts. Hostile ones were tiny files that took a worker hostage
through a general-purpose reader: a 20 MB XML comment (quadratic to parse), `<row r="10000000">`
or cells at column ZZZ (materialised as millions of empty cells), a zip bomb. This reader reads
only the parts it needs, through expat, in chunks, and refuses

- a part whose declared size, packing ratio or actual size crosses the limits,
- a DOCTYPE or entity declaration (no entity expansion at all), nesting deeper than sheets use,
- any single XML token (comment, text, tag) longer than a cell could be,
- a declared dimension, row number or column letter beyond the row and column limits,
- a cell longer than the cell limit, and any read that outlasts the time limit,

before building what the file describes.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from xml.parsers import expat

from ownership.imports.matrixfile.sheet import (
    Deadline,
    MatrixFileInvalid,
    MatrixLimits,
    file_refused,
    format_size,
    not_a_matrix_file,
)

# A workbook is a zip archive; these names promise one.
_ZIP_MAGIC = b"PK\x03\x04"
_XLSX_SUFFIXES = (".xlsx", ".xls", ".xlsm")


_CHUNK = 64 * 1024


_MAX_DEPTH = 32


# Parts smaller than this may compress as well as they like (a few repeated tags).
_RATIO_EXEMPT_BYTES = 1024 * 1024


_CELL_REF = re.compile(r"([A-Z]{1,3})?([0-9]{1,9})?")


_MAX_METADATA_BYTES = 4 * 1024 * 1024


class _Refused(Exception):
    """Raised inside expat's callbacks; carries the MatrixFileInvalid out of the parser."""

    def __init__(self, invalid: MatrixFileInvalid):
        self.invalid = invalid


def is_workbook(data: bytes, filename: str) -> bool:
    """Whether the bytes are a workbook, to be read by xlsx_records; a file named like one that is
    not one is refused rather than read as text."""
    if data.startswith(_ZIP_MAGIC):
        return True
    if filename.lower().endswith(_XLSX_SUFFIXES):
        raise not_a_matrix_file()
    return False


def xlsx_records(data: bytes, limits: MatrixLimits, deadline: Deadline) -> Iterator[list[str]]:
    """The first worksheet's records."""
    _name, records = next(xlsx_sheets(data, limits, deadline, max_sheets=1))
    return iter(records)


def xlsx_sheets(
    data: bytes, limits: MatrixLimits, deadline: Deadline, *, max_sheets: int = 50
) -> Iterator[tuple[str, list[list[str]]]]:
    """(name, records) of each worksheet in the workbook's order, one sheet read at a time, each
    within the limits; the caller bounds what they add up to (sheets past `max_sheets` are not read)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise not_a_matrix_file() from None
    with archive:
        sheets = _sheet_paths(archive, limits, deadline)[:max_sheets]
        strings = _shared_strings(archive, limits, deadline)
        for name, path in sheets:
            yield name, list(_SheetReader(limits, strings).read(_part_chunks(archive, path, limits, deadline)))


def _part_info(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo | None:
    try:
        return archive.getinfo(name)
    except KeyError:
        return None


def _part_chunks(archive: zipfile.ZipFile, name: str, limits: MatrixLimits, deadline: Deadline) -> Iterator[bytes]:
    """The part's bytes in chunks, refused on its declared size, its packing ratio, or a lie."""
    info = _part_info(archive, name)
    if info is None:
        raise not_a_matrix_file()
    if info.file_size > limits.max_part_bytes:
        raise file_refused(
            f"the workbook's part {name} unpacks to {format_size(info.file_size)}; "
            f"the limit is {format_size(limits.max_part_bytes)}"
        )
    if info.file_size > _RATIO_EXEMPT_BYTES and info.file_size > info.compress_size * limits.max_expansion:
        raise file_refused(
            f"the workbook's part {name} packs {format_size(info.file_size)} into "
            f"{format_size(info.compress_size)}; more than {limits.max_expansion} to 1 is refused"
        )
    read = 0
    try:
        with archive.open(info) as part:
            while chunk := part.read(_CHUNK):
                read += len(chunk)
                if read > info.file_size or read > limits.max_part_bytes:
                    raise file_refused(f"the workbook's part {name} is larger than it declares")
                deadline.check()
                yield chunk
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError):
        raise not_a_matrix_file() from None


def _parse(
    chunks: Iterator[bytes],
    *,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] = lambda name: None,
    text: Callable[[str], None] = lambda data: None,
    token_limit: int,
) -> None:
    """Feed `chunks` to expat with the safety checks; element names arrive without namespace."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    guard = _Guard(parser, start=start, end=end, text=text)
    fed = 0
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
            fed += len(chunk)
            # expat 2.5 re-reads an unfinished token from its start on every chunk: a token of
            # many chunks (a 20 MB comment) would cost quadratic time. No real token is that long.
            if fed - guard.progress > token_limit:
                raise file_refused(
                    f"the workbook holds an XML token (text, comment or tag) over {format_size(token_limit)}"
                )
        parser.Parse(b"", True)
    except _Refused as refused:
        raise refused.invalid from None
    except expat.ExpatError:
        raise not_a_matrix_file() from None


class _Guard:
    """The handlers _parse gives expat: they refuse a DOCTYPE, entities and deep nesting, strip
    namespaces, and note where the token being read starts (`progress`)."""

    def __init__(self, parser, *, start, end, text) -> None:
        self.parser = parser
        self.start, self.end, self.text = start, end, text
        self.depth = 0
        self.progress = 0
        parser.StartElementHandler = self.on_start
        parser.EndElementHandler = self.on_end
        parser.CharacterDataHandler = self.on_text
        parser.CommentHandler = lambda data: self.seen()
        parser.ProcessingInstructionHandler = lambda target, data: self.seen()
        parser.StartDoctypeDeclHandler = self.refuse_doctype
        parser.EntityDeclHandler = self.refuse_doctype

    def seen(self) -> None:
        self.progress = self.parser.CurrentByteIndex

    def refuse_doctype(self, *args) -> None:
        raise _Refused(file_refused("the workbook declares a DOCTYPE or entities; that is not a spreadsheet"))

    def on_start(self, name: str, attributes: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise _Refused(file_refused(f"the workbook's XML nests deeper than {_MAX_DEPTH} levels"))
        self.seen()
        self.start(name.rpartition(" ")[2], {key.rpartition(" ")[2]: value for key, value in attributes.items()})

    def on_end(self, name: str) -> None:
        self.depth -= 1
        self.seen()
        self.end(name.rpartition(" ")[2])

    def on_text(self, data: str) -> None:
        self.seen()
        self.text(data)


def _token_limit(limits: MatrixLimits) -> int:
    # A cell's text, escaped as XML (up to 6 bytes per character), with room for its tags.
    return max(limits.max_cell_chars * 6 + 4096, 2 * _CHUNK)


def _sheet_paths(archive: zipfile.ZipFile, limits: MatrixLimits, deadline: Deadline) -> list[tuple[str, str]]:
    """(name, part) of the worksheets in the workbook's own order, as openpyxl and Excel show them."""
    small = MatrixLimits(**{**limits.__dict__, "max_part_bytes": min(limits.max_part_bytes, _MAX_METADATA_BYTES)})
    listed: list[tuple[str, str]] = []  # (relationship id, sheet name)
    targets: dict[str, str] = {}

    def on_workbook(name: str, attributes: dict[str, str]) -> None:
        if name == "sheet":
            listed.append((attributes.get("id", ""), attributes.get("name", "")))

    def on_rels(name: str, attributes: dict[str, str]) -> None:
        if name == "Relationship":
            targets[attributes.get("Id", "")] = attributes.get("Target", "")

    if _part_info(archive, "xl/workbook.xml") is None:
        raise not_a_matrix_file()
    token_limit = _token_limit(limits)
    _parse(_part_chunks(archive, "xl/workbook.xml", small, deadline), start=on_workbook, token_limit=token_limit)
    if _part_info(archive, "xl/_rels/workbook.xml.rels") is not None:
        rels = _part_chunks(archive, "xl/_rels/workbook.xml.rels", small, deadline)
        _parse(rels, start=on_rels, token_limit=token_limit)
    found = []
    for sheet_id, name in listed:
        target = targets.get(sheet_id, "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        if target and _part_info(archive, path) is not None and path not in (p for _, p in found):
            found.append((name, path))
    if found:
        return found
    sheets = sorted(name for name in archive.namelist() if re.fullmatch(r"xl/worksheets/[^/]+\.xml", name))
    if not sheets:
        raise not_a_matrix_file()
    return [("", sheets[0])]


def _shared_strings(archive: zipfile.ZipFile, limits: MatrixLimits, deadline: Deadline) -> list[str]:
    if _part_info(archive, "xl/sharedStrings.xml") is None:
        return []
    strings: list[str] = []
    parts: list[str] = []
    state = {"in_si": False, "in_t": False, "phonetic": 0, "length": 0}

    def start(name: str, attributes: dict[str, str]) -> None:
        if name == "si":
            state["in_si"], state["length"] = True, 0
            parts.clear()
        elif name == "rPh":  # phonetic hints are not part of the text
            state["phonetic"] += 1
        elif name == "t" and state["in_si"] and not state["phonetic"]:
            state["in_t"] = True

    def end(name: str) -> None:
        if name == "si":
            state["in_si"] = False
            strings.append("".join(parts))
            if len(strings) > limits.max_rows * limits.max_columns + limits.max_columns:
                raise _Refused(file_refused("the workbook holds more strings than its cells could"))
        elif name == "rPh":
            state["phonetic"] -= 1
        elif name == "t":
            state["in_t"] = False

    def text(data: str) -> None:
        if state["in_t"]:
            state["length"] += len(data)
            if state["length"] > limits.max_cell_chars:
                raise _Refused(file_refused(f"a cell is over {limits.max_cell_chars:,} characters"))
            parts.append(data)

    chunks = _part_chunks(archive, "xl/sharedStrings.xml", limits, deadline)
    _parse(chunks, start=start, end=end, text=text, token_limit=_token_limit(limits))
    return strings


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index  # 1-based


class _SheetReader:
    """Records of the worksheet, refusing rows and columns beyond the limits as they are declared."""

    def __init__(self, limits: MatrixLimits, strings: list[str]) -> None:
        self.limits = limits
        self.strings = strings
        self.records: list[list[str]] = []
        self.row: dict[int, str] | None = None
        self.row_number = 0
        self.cell: dict[str, str] | None = None
        self.column = 0
        self.value: list[str] = []
        self.value_length = 0
        self.in_value = False
        self.chars = 0

    def refuse(self, reason: str) -> None:
        raise _Refused(file_refused(reason))

    def check_row(self, number: int) -> None:
        if number > self.limits.max_rows + 1:
            self.refuse(f"the sheet has a row {number:,}; the limit is {self.limits.max_rows:,} rows")

    def check_column(self, index: int, where: str) -> None:
        if index > self.limits.max_columns:
            self.refuse(f"the sheet has a cell at {where}, column {index:,}; the limit is {self.limits.max_columns:,}")

    def reference(self, ref: str) -> tuple[int | None, int | None]:
        match = _CELL_REF.fullmatch(ref.upper().replace("$", ""))
        if match is None:
            self.refuse(f"the sheet has a cell reference '{ref[:20]}' that is not a cell")
        letters, digits = match.groups()
        return (_column_index(letters) if letters else None, int(digits) if digits else None)

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == "dimension":
            for corner in attributes.get("ref", "").split(":")[:2]:
                column, row = self.reference(corner)
                if row is not None:
                    self.check_row(row)
                if column is not None:
                    self.check_column(column, corner)
        elif name == "row":
            number = self.row_number + 1
            if "r" in attributes:
                if not attributes["r"].isdigit() or len(attributes["r"]) > 9:
                    self.refuse(f"the sheet has a row numbered '{attributes['r'][:20]}'")
                number = int(attributes["r"])
            self.check_row(number)
            if number <= self.row_number:
                self.refuse(f"the sheet's rows are out of order at row {number:,}")
            # Rows the sheet skips are blank records: the parser counts them, as a spreadsheet shows them.
            self.records.extend([] for _ in range(number - self.row_number - 1))
            self.row_number, self.row, self.column = number, {}, 0
        elif name == "c" and self.row is not None:
            column = self.column + 1
            if "r" in attributes:
                column_ref, _ = self.reference(attributes["r"])
                column = column_ref or column
            self.check_column(column, attributes.get("r", f"#{column}"))
            self.column = column
            self.cell = attributes
            self.value, self.value_length = [], 0
        elif name in ("v", "t") and self.cell is not None:
            self.in_value = True

    def text(self, data: str) -> None:
        if self.in_value:
            self.value_length += len(data)
            if self.value_length > self.limits.max_cell_chars:
                self.refuse(f"a cell is over {self.limits.max_cell_chars:,} characters")
            self.value.append(data)

    def end(self, name: str) -> None:
        if name in ("v", "t"):
            self.in_value = False
        elif name == "c" and self.cell is not None and self.row is not None:
            self.row[self.column] = self.cell_text(self.cell.get("t", "n"), "".join(self.value))
            self.cell = None
        elif name == "row" and self.row is not None:
            width = max(self.row, default=0)
            self.records.append([self.row.get(index, "") for index in range(1, width + 1)])
            self.chars += sum(map(len, self.row.values()))
            if self.chars > self.limits.max_chars:
                self.refuse(
                    f"the sheet's cells hold more than {self.limits.max_chars:,} characters in all "
                    f"(by row {self.row_number:,}; a shared string counts in every cell that shows it)"
                )
            self.row = None

    def cell_text(self, kind: str, raw: str) -> str:
        if kind == "s":
            if not raw.strip().isdigit() or int(raw) >= len(self.strings):
                self.refuse(f"the sheet refers to a shared string '{raw[:20]}' that does not exist")
            return self.strings[int(raw)]
        if kind == "b":
            return "true" if raw.strip() == "1" else "false"
        if kind in ("str", "inlineStr", "e"):
            return raw
        try:
            number = float(raw)
        except ValueError:
            return raw
        # Spreadsheets store whole numbers as floats: 3.0 is the importance 3.
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else raw

    def read(self, chunks: Iterator[bytes]) -> Iterator[list[str]]:
        _parse(chunks, start=self.start, end=self.end, text=self.text, token_limit=_token_limit(self.limits))
        return iter(self.records)
