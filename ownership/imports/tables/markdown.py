"""Pipe tables in Markdown text (GitHub's dialect), as wiki pages and READMEs publish RACI charts.

A table is a header line, a delimiter line (`|---|:---:|`) and the body lines that follow up to
a blank line or a line without a pipe. Cells keep their inline Markdown (`**A/R**`, links): the
cells module removes it, because whether `*` is emphasis depends on what the cell is for.
Tables inside fenced code blocks are examples, not tables, and are skipped.
"""

from __future__ import annotations

import dataclasses
import re

from ownership.imports.tables.html import tables_from_html
from ownership.imports.tables.source import Budget, SourceRow, SourceTable, TableLimits, check_table_count

_DELIMITER_CELL = re.compile(r"^\s*:?-+:?\s*$")


_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")


_QUOTE = re.compile(r"^\s{0,3}>\s?")


_ROW_TOKEN = re.compile(r"[^\\|]+|\\(.?)|\|", re.S)


# A line of a letter key written as text: "S = Support", "- **W**: Witness", "1. N - Not involved".
_KEY_LINE = re.compile(
    r"^\s*(?:[-*+]\s+|\d+[.)]\s+)?(?=(?:\*\*|__)?(?:(?:raci\s+)?(?:key|legend)\b|[A-Za-z](?:\*\*|__)?\s*(?:=|:|–|—|-\s)))",
    re.IGNORECASE,
)


_HTML_TABLE = re.compile(r"^\s*<table[\s>]", re.IGNORECASE)


_HTML_TABLE_END = re.compile(r"</table\s*>", re.IGNORECASE)


def tables_from_markdown(text: str, *, limits: TableLimits) -> list[SourceTable]:
    lines = [_QUOTE.sub("", line) for line in text.splitlines()]
    tables: list[SourceTable] = []
    budget = Budget(limits)
    heading = title = ""
    key_lines: list[str] = []
    in_fence = False
    index = 0
    while index < len(lines):
        line = lines[index]
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            if found := _HEADING.match(line):
                heading = found.group(1)
                title = title or heading
            elif _HTML_TABLE.match(line):
                # GitHub renders an HTML table written in Markdown: it is one of the page's tables.
                end = next((at for at in range(index, len(lines)) if _HTML_TABLE_END.search(lines[at])), len(lines) - 1)
                for found in tables_from_html("\n".join(lines[index : end + 1]), limits=limits, budget=budget):
                    name = found.name if found.name != "" else heading
                    tables.append(dataclasses.replace(found, index=len(tables) + 1, name=name, title=title))
                    check_table_count(len(tables), limits)
                index = end + 1
                continue
            elif "|" in line and index + 1 < len(lines) and _is_delimiter_row(lines[index + 1]):
                table, index = _read_table(lines, index, len(tables) + 1, heading, budget)
                tables.append(dataclasses.replace(table, title=title))
                check_table_count(len(tables), limits)
                continue
            elif _KEY_LINE.match(line) and len(key_lines) < _MAX_KEY_LINES:
                key_lines.append(_KEY_LINE.sub("", line).strip())
        index += 1
    if key_lines:
        rows = tuple(SourceRow(number, (text,)) for number, text in enumerate(key_lines, start=1))
        tables.append(SourceTable(index=0, markup="markdown", rows=rows, key_only=True))
    return tables


_MAX_KEY_LINES = 50


def _read_table(lines: list[str], start: int, table_index: int, name: str, budget: Budget) -> tuple[SourceTable, int]:
    header = split_row(lines[start])
    budget.row(table_index, 1, header)
    rows = [SourceRow(1, tuple(header), line=start + 1)]
    index = start + 2  # past the delimiter row
    dropped: list[str] = []
    while index < len(lines) and lines[index].strip() and "|" in lines[index]:
        cells = split_row(lines[index])
        number = len(rows) + 1
        budget.row(table_index, number, cells)
        # GitHub shows no cell beyond the header's width; neither does the import, but it says so.
        extra = [cell for cell in cells[len(header) :] if cell]
        if extra:
            dropped.append(f"row {number} ({', '.join(repr(cell) for cell in extra)})")
        cells = cells[: len(header)]
        # GitHub pads a short row with empty cells; the shortness is what marks a heading row.
        spanning = len(cells) < len(header)
        cells += [""] * (len(header) - len(cells))
        rows.append(SourceRow(number, tuple(cells), spanning=spanning, line=index + 1))
        index += 1
    notes = ()
    if dropped:
        notes = (f"Cells beyond the header's last column were ignored, as Markdown shows them: {'; '.join(dropped)}",)
    return SourceTable(index=table_index, markup="markdown", rows=tuple(rows), name=name, notes=notes), index


def _is_delimiter_row(line: str) -> bool:
    if "-" not in line:
        return False
    cells = split_row(line)
    return bool(cells) and all(_DELIMITER_CELL.match(cell) for cell in cells)


def split_row(line: str) -> list[str]:
    """Cells of one table line: split on pipes not escaped with a backslash, outer pipes optional."""
    text = line.strip()
    cells: list[str] = []
    current: list[str] = []
    # Runs of plain text are taken whole: a character-by-character loop took seconds on a pasted
    # page of long cells.
    for token in _ROW_TOKEN.finditer(text):
        piece, escaped = token.group(0), token.group(1)
        if piece == "|":
            cells.append("".join(current))
            current = []
        elif escaped is None:
            current.append(piece)
        elif escaped == "|":
            current.append("|")
        else:  # a backslash before anything else, or at the end, stays
            current.append("\\" + escaped)
    cells.append("".join(current))
    if text.startswith("|"):
        cells = cells[1:]
    if text.endswith("|") and not text.endswith("\\|") and cells:
        cells = cells[:-1]
    return [cell.strip() for cell in cells]
