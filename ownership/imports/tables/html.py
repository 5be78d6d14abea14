"""Tables in HTML (a saved wiki page, a Confluence export, text copied from a browser).

Python's own html.parser is enough: a RACI chart needs rows, cells, and the two attributes that
shape a grid, `colspan` and `rowspan`. A cell spanning rows (a merged stage cell) is repeated in
every row it covers, which is what a reader sees; a cell spanning columns marks its row as
spanning (a section heading). Line breaks and list items inside a cell become new lines, so a
transposed cell listing functions one per line splits the same as one listing them with commas.
Nested tables are tables of their own. No new dependency: the pages people paste are small and
a lenient tokenizer with a few rules beats a full DOM here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ownership.imports.tables.source import SourceRow, SourceTable, TableLimits, check_row, check_table_count, too_big

# Browsers clamp spans to these; a page asking for more is hostile or broken.
_MAX_COLSPAN = 1000


_MAX_ROWSPAN = 65534


_LINE_BREAK_TAGS = frozenset({"br", "p", "div", "li", "tr", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"})


_IGNORED_TAGS = frozenset({"script", "style", "template", "head", "title"})


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+|\n")


@dataclass
class _Cell:
    parts: list[str] = field(default_factory=list)
    colspan: int = 1
    rowspan: int = 1

    def text(self) -> str:
        lines = "".join(self.parts).split("\n")
        return "\n".join(line.strip() for line in lines if line.strip())


@dataclass
class _TableBuilder:
    index: int
    name: str
    rows: list[list[_Cell]] = field(default_factory=list)
    cell: _Cell | None = None
    caption: list[str] | None = None


class _TableParser(HTMLParser):
    def __init__(self, limits: TableLimits) -> None:
        super().__init__(convert_charrefs=True)
        self.limits = limits
        self.open: list[_TableBuilder] = []
        self.done: list[SourceTable] = []
        self.count = 0
        self.ignored = 0  # depth inside script/style
        self.heading: list[str] | None = None
        self.last_heading = ""

    # -- tags

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _IGNORED_TAGS:
            self.ignored += 1
            return
        if tag == "table":
            self.count += 1
            check_table_count(self.count, self.limits)
            self.open.append(_TableBuilder(index=self.count, name=self.last_heading))
            return
        if tag in _HEADINGS and not self.open:
            self.heading = []
        table = self.open[-1] if self.open else None
        if table is None:
            return
        if tag == "caption":
            table.caption = []
        elif tag == "tr":
            self._close_cell(table)
            table.rows.append([])
        elif tag in ("td", "th"):
            self._close_cell(table)
            if not table.rows:
                table.rows.append([])
            values = dict(attrs)
            table.cell = _Cell(
                colspan=_span(values.get("colspan"), _MAX_COLSPAN), rowspan=_span(values.get("rowspan"), _MAX_ROWSPAN)
            )
            table.rows[-1].append(table.cell)
        elif tag in _LINE_BREAK_TAGS and table.cell is not None:
            table.cell.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br" and self.open and self.open[-1].cell is not None:
            self.open[-1].cell.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _IGNORED_TAGS:
            self.ignored = max(0, self.ignored - 1)
            return
        if tag in _HEADINGS and self.heading is not None:
            self.last_heading = " ".join("".join(self.heading).split())
            self.heading = None
        if not self.open:
            return
        table = self.open[-1]
        if tag == "table":
            self._close_cell(table)
            self.open.pop()
            self.done.append(_grid(table, self.limits))
        elif tag == "caption" and table.caption is not None:
            table.name = " ".join("".join(table.caption).split()) or table.name
            table.caption = None
        elif tag in ("td", "th", "tr"):
            self._close_cell(table)
        elif tag in _LINE_BREAK_TAGS and table.cell is not None:
            table.cell.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.ignored:
            return
        text = _SPACES.sub(" ", data)
        if self.heading is not None:
            self.heading.append(text)
        if not self.open:
            return
        table = self.open[-1]
        if table.caption is not None:
            table.caption.append(text)
        elif table.cell is not None:
            table.cell.parts.append(text)
            if sum(len(part) for part in table.cell.parts) > self.limits.max_cell_chars:
                limit = self.limits.max_cell_chars
                raise too_big(f"a cell in row {len(table.rows)} of table {table.index} is over {limit:,} characters")

    def _close_cell(self, table: _TableBuilder) -> None:
        table.cell = None

    def close_all(self) -> list[SourceTable]:
        self.close()
        while self.open:  # tables left open by a truncated page still count
            table = self.open.pop()
            self.done.append(_grid(table, self.limits))
        return sorted(self.done, key=lambda table: table.index)


def _span(value: str | None, limit: int) -> int:
    try:
        return max(1, min(int(value or "1"), limit))
    except ValueError:
        return 1


def _grid(table: _TableBuilder, limits: TableLimits) -> SourceTable:
    """Lay the cells out on a grid: spans taken into account, every row as wide as the widest."""
    if len(table.rows) > limits.max_rows:
        raise too_big(f"table {table.index} has more than {limits.max_rows:,} rows")
    grid: list[list[str]] = []
    spanning: list[bool] = []
    covered: dict[int, tuple[int, str]] = {}  # column -> (rows still covered from above, text)

    def from_above(column: int) -> str:
        left, text = covered.pop(column)
        if left > 1:
            covered[column] = (left - 1, text)
        return text

    for number, cells in enumerate(table.rows, start=1):
        row: list[str] = []
        wide = False
        for cell in cells:
            while len(row) in covered:
                row.append(from_above(len(row)))
            text = cell.text()
            for offset in range(cell.colspan):
                if cell.rowspan > 1:
                    covered[len(row)] = (cell.rowspan - 1, text if offset == 0 else "")
                row.append(text if offset == 0 else "")
            wide = wide or (cell.colspan > 1 and bool(text))
            if len(row) > limits.max_columns:
                check_row(table.index, number, row, limits)
        while any(column >= len(row) for column in covered):
            row.append(from_above(len(row)) if len(row) in covered else "")
        grid.append(row)
        spanning.append(wide)
    width = max((len(row) for row in grid), default=0)
    rows = []
    for number, (row, wide) in enumerate(zip(grid, spanning, strict=True), start=1):
        # A row with one cell where the others have several is a heading written without colspan.
        short = 0 < len(row) < width and sum(1 for cell in row if cell) == 1
        padded = tuple(row + [""] * (width - len(row)))
        check_row(table.index, number, padded, limits)
        rows.append(SourceRow(number, padded, spanning=wide or short))
    return SourceTable(index=table.index, markup="html", rows=tuple(rows), name=table.name)


def tables_from_html(text: str, *, limits: TableLimits) -> list[SourceTable]:
    parser = _TableParser(limits)
    parser.feed(text)
    return parser.close_all()
