"""From what people publish to the matrix file's rows: find the tables, choose one, read it."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from ownership.imports.tables.canonical import CanonicalTable
from ownership.imports.tables.cells import (
    LETTER_WORDS,
    LETTERS,
    LetterReader,
    is_none_marker,
    plain_text,
    split_remark,
)
from ownership.imports.tables.header import read_header
from ownership.imports.tables.html import tables_from_html
from ownership.imports.tables.key import LetterKey, combined, meaning, take_key
from ownership.imports.tables.layout import HeaderReading, Layout, Role, TableOptions, letter_of_header, named_role
from ownership.imports.tables.markdown import tables_from_markdown
from ownership.imports.tables.problems import TableInvalid, refuse, sentence
from ownership.imports.tables.rows import RowReader
from ownership.imports.tables.source import Deadline, SourceTable, TableLimits, table_from_csv_text, text_format


def tables_from_text(text: str, *, limits: TableLimits | None = None, markup: str | None = None) -> list[SourceTable]:
    """The tables in pasted or uploaded text: HTML, Markdown, or CSV/tab-separated (detected)."""
    limits = limits or TableLimits()
    markup = markup or text_format(text)
    if markup == "html":
        return tables_from_html(text, limits=limits)
    if markup == "markdown":
        return tables_from_markdown(text, limits=limits)
    table = table_from_csv_text(text, limits=limits, known_header=_known_header)
    return [table] if table.rows else []


def _known_header(cell: str) -> bool:
    text = cell.strip()
    return (
        named_role(text) is not None
        or bool(letter_of_header(text))
        or text.casefold() in ("touchpoint", "out_of_scope")
    )


def read_table(
    tables: Sequence[SourceTable], options: TableOptions | None = None, *, deadline: Deadline | None = None
) -> CanonicalTable:
    """The chosen table (or the first holding a RACI matrix) as the matrix file's rows.

    Raises TableInvalid: header problems alone when the header is wrong, otherwise every row
    problem, each kind once with its count and first places.
    """
    options = options or TableOptions()
    # Key lines written as text beside the tables only teach letters: they are no table to choose.
    key_lines, tables = [t for t in tables if t.key_only], [t for t in tables if not t.key_only]
    if not tables:
        raise refuse(
            "no_table",
            reason="no table was found",
            fix="Paste a Markdown table (a header row, then a |---| row), an HTML table, or CSV or tab-separated rows",
        )
    tables, key, legends = _keys_taken(tables, key_lines)
    # The key says what the file's own letters mean; the letter map given overrides it.
    options = dataclasses.replace(options, letter_map={**key.letter_map(), **options.letter_map})
    reader = LetterReader(options.letter_map, explained=key.entries)
    if options.table is not None:
        if not 1 <= options.table <= len(tables):
            raise refuse(
                "no_such_table",
                reason=f"there is no table {options.table}: the source holds {_count(len(tables))}",
                fix=f"Choose a table from 1 to {len(tables)}",
            )
        table = tables[options.table - 1]
        reading = read_header(table, options, reader)
        if not _holds_matrix(reading):
            raise _no_matrix(table)
        several = sum(1 for other in tables if other.index not in legends) > 1
        canonical = RowReader(table, reading, options, reader, deadline, one_of_several=several).read()
        return _with_key(_described(canonical, len(tables)), key)
    canonical = _read_charts(tables, legends, options, reader, deadline)
    return _with_key(_described(canonical, len(tables)), key)


def _read_charts(
    tables: Sequence[SourceTable],
    legends: set[int],
    options: TableOptions,
    reader: LetterReader,
    deadline: Deadline | None,
) -> CanonicalTable:
    """Every table holding RACI letters, read as one chart; those that are not are named in the notes."""
    first_problem: TableInvalid | None = None
    charts: list[tuple[SourceTable, HeaderReading]] = []
    skipped: list[str] = []
    for table in tables:
        if table.index in legends:
            continue
        try:
            reading = read_header(table, options, reader)
        except TableInvalid as exc:
            first_problem = first_problem or exc
            skipped.append(f"{sentence(table.describe())} was not read: {exc.problems[0]}")
            continue
        if _holds_matrix(reading):
            charts.append((table, reading))
        else:
            first_problem = first_problem or _no_matrix(table)
            skipped.append(f"{sentence(table.describe())} holds no RACI letters: not imported")
    if not charts:
        assert first_problem is not None
        raise first_problem
    # Every chart of the page is one journey, each table a stage (the table option reads one).
    (table, reading), *more = charts
    canonical = RowReader(table, reading, options, reader, deadline, more).read()
    return dataclasses.replace(canonical, notes=(*canonical.notes, *skipped))


def _keys_taken(
    tables: Sequence[SourceTable], key_lines: Sequence[SourceTable] = ()
) -> tuple[list[SourceTable], LetterKey, set[int]]:
    """The tables without the letter keys written in them, every key's entries, and the indexes of
    the tables that are keys (legend tables stay in the list, so that table numbers keep their
    meaning, to be skipped). A key beside a chart is taken first: the chart is then no key."""
    kept, keys, legends = [], [take_key(lines)[1] for lines in key_lines], set()
    for table in tables:
        without, key = take_key(table)
        chart = _names_rows(without)  # a header naming activities: a chart, however small
        if not chart and (is_legend(without) or (is_legend(table) and not _letters_left(without))):
            keys.append(take_key(table, whole=True)[1])
            kept.append(table)
            legends.add(table.index)
        else:
            keys.append(key)
            kept.append(without)
    return kept, combined(keys), legends


_RACI_CELL = re.compile(r"^[RACI](?:[\s/,+;&]*[RACI])*$")


def _letters_left(table: SourceTable) -> bool:
    """Whether a table still assigns letters once a key is taken out of it: then it is a chart."""
    return any(
        _RACI_CELL.match(split_remark(plain_text(cell, table.markup))[0])
        for row in table.rows[1:]
        for cell in row.cells
    )


def _names_rows(table: SourceTable) -> bool:
    """Whether the header names a chart's rows (journey, stage, activity): a chart that assigns nothing yet."""
    header = table.rows[0].cells if table.rows else ()
    roles = {named_role(plain_text(cell, table.markup)) for cell in header}
    return bool(roles & {Role.JOURNEY, Role.STAGE, Role.TOUCHPOINT})


def _with_key(table: CanonicalTable, key: LetterKey) -> CanonicalTable:
    if not key.entries:
        return table
    return dataclasses.replace(table, notes=(key.note(), *table.notes))


def _described(canonical: CanonicalTable, count: int) -> CanonicalTable:
    if count == 1:
        return canonical
    return dataclasses.replace(canonical, table=f"{canonical.table} of {count}")


_LEGEND_MAX_ROWS = 12  # a key: a header, the four letters, a few variants


def is_legend(table: SourceTable) -> bool:
    """Whether a table explains the letters (R | Responsible | does the work) rather than assigning them.

    Documents often put such a key before the matrix; its letter column reads like a function.
    A key lists each letter once, beside the letter's word.
    """
    if len(table.rows) > _LEGEND_MAX_ROWS:
        return False
    columns = list(zip(*(row.cells for row in table.rows[1:]), strict=False))
    letters_once = words = False
    for cells in columns:
        texts = [plain_text(cell, table.markup).strip() for cell in cells if cell.strip()]
        singles = [text.upper() for text in texts if len(text) == 1 or is_none_marker(text)]
        if len(singles) == len(texts) >= 2 and len(set(singles)) == len(singles):
            letters_once = letters_once or len(set(singles) & set(LETTERS)) >= 3 or _names_a_key(table)
        elif sum(any(text.casefold().startswith(word) for word in LETTER_WORDS) for text in texts) >= 3:
            words = True
    return letters_once and (words or _names_a_key(table) or _explains_letters(table))


_KEY_HEADERS = frozenset({"code", "letter", "key", "legend", "symbol", "abbreviation", "acronym", "meaning", "role"})


def _explains_letters(table: SourceTable) -> bool:
    """Two rows or more pairing a letter with what it means ("S | Support", "W | Witness")."""
    explained = 0
    for row in table.rows[1:]:
        texts = [plain_text(cell, table.markup).strip() for cell in row.cells]
        letters = [text.upper() for text in texts if len(text) == 1 and text.isascii() and text.isalpha()]
        meanings = [meaning(text) for text in texts if len(text) > 1]
        explained += any(
            found is not None and (found == letter or letter not in LETTERS) for letter in letters for found in meanings
        )
    return explained >= 2


def _names_a_key(table: SourceTable) -> bool:
    """A header such as `Code | Role` or `Letter | Meaning`."""
    header = table.rows[0].cells if table.rows else ()
    named = {plain_text(cell, table.markup).strip().casefold() for cell in header}
    return len(named & _KEY_HEADERS) >= 1 and len(header) <= 4


def _holds_matrix(reading: HeaderReading) -> bool:
    """A standard file may list touchpoints without functions yet; other tables need letters."""
    return reading.layout == Layout.STANDARD or bool(reading.of_role(Role.FUNCTION) or reading.of_role(Role.LETTER))


def _no_matrix(table: SourceTable) -> TableInvalid:
    return refuse(
        "no_matrix",
        reason=f"{table.describe()} has no column of RACI letters and no R, A, C, I columns",
        fix="Choose the table holding the RACI matrix (the table option)",
    )


def _count(number: int) -> str:
    return "1 table" if number == 1 else f"{number} tables"


_MAP_ENTRY = re.compile(r"^\s*(\S)\s*(?:=|->|→|:)\s*([A-Za-z/+]*)\s*$")


def parse_letter_map(text: str) -> dict[str, str]:
    """'S=R, W=I, V=C, O=' -> {'S': 'R', 'W': 'I', 'V': 'C', 'O': ''}; an empty target leaves the letter out.

    Raises TableInvalid naming the entry that cannot be read.
    """
    letter_map: dict[str, str] = {}
    for entry in re.split(r"[,;\s]+(?=\S\s*(?:=|->|→|:))", text.strip()):
        if not entry.strip():
            continue
        found = _MAP_ENTRY.match(entry.strip().rstrip(",;"))
        targets = found.group(2).upper().replace("/", "").replace("+", "") if found else ""
        if found is None or any(letter not in LETTERS for letter in targets):
            raise refuse(
                "bad_letter_map",
                reason=f"the letter map entry '{entry.strip()}' cannot be read",
                fix="Write entries like S=R, W=I, V=C, O= (a letter, '=', then R, A, C, I or nothing to leave it out)",
            )
        source = found.group(1).upper() if found.group(1).isascii() else found.group(1)
        letter_map[source] = "".join(letter for letter in LETTERS if letter in targets)
    return letter_map
