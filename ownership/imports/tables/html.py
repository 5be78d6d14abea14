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

import dataclasses
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ownership.imports.tables.source import (
    Budget,
    SourceRow,
    SourceTable,
    TableLimits,
    check_row,
    check_table_count,
    too_big,
)

# Browsers clamp spans to these; a page asking for more is hostile or broken.
_MAX_COLSPAN = 1000


_MAX_ROWSPAN = 65534


_FEED_CHARS = 64 * 1024


_LINE_BREAK_TAGS = frozenset({"br", "p", "div", "li", "tr", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"})


_IGNORED_TAGS = frozenset({"script", "style", "template", "head", "title"})


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+|\n")


@dataclass
class _Cell:
    parts: list[str] = field(default_factory=list)
    colspan: int = 1
    rowspan: int = 1
    chars: int = 0

    def text(self) -> str:
        lines = "".join(self.parts).split("\n")
        return "\n".join(line.strip() for line in lines if line.strip())


class _TableBuilder:
    """One table's grid, laid out row by row as the page is read, so that a bound crossed by
    spans is found at the row that crosses it, not after the whole page is held in memory."""

    def __init__(self, index: int, name: str, budget: Budget) -> None:
        self.index = index
        self.name = name
        self.budget = budget
        self.cell: _Cell | None = None
        self.caption: list[str] | None = None
        self.pending: list[_Cell] | None = None  # the cells of the row being read
        self.grid: list[list[str]] = []
        self.spanning: list[bool] = []
        self.spread = _Spread(index, budget.limits)

    @property
    def row_number(self) -> int:
        return len(self.grid) + (self.pending is not None)

    def start_row(self) -> None:
        self._lay_out_pending()
        if len(self.grid) >= self.budget.limits.max_rows:
            raise too_big(f"table {self.index} has more than {self.budget.limits.max_rows:,} rows")
        self.pending = []

    def add_cell(self, cell: _Cell) -> None:
        if self.pending is None:
            self.start_row()
        self.pending.append(cell)
        self.cell = cell

    def finish(self) -> SourceTable:
        """Lay the cells out on a grid: spans taken into account, every row as wide as the widest."""
        self._lay_out_pending()
        width = max((len(row) for row in self.grid), default=0)
        rows = []
        for number, (row, wide) in enumerate(zip(self.grid, self.spanning, strict=True), start=1):
            # A row with one cell where the others have several is a heading written without colspan.
            short = 0 < len(row) < width and sum(1 for cell in row if cell) == 1
            padded = tuple(row + [""] * (width - len(row)))
            rows.append(SourceRow(number, padded, spanning=wide or short))
        return SourceTable(index=self.index, markup="html", rows=tuple(rows), name=self.name)

    def _lay_out_pending(self) -> None:
        if self.pending is None:
            return
        cells, self.pending, self.cell = self.pending, None, None
        number = len(self.grid) + 1
        self.spread.written += len(cells)
        row: list[str] = []
        wide = False
        for cell in cells:
            self.spread.fill_at(row)
            text = self.spread.place(cell, row)
            wide = wide or (cell.colspan > 1 and bool(text))
            if len(row) > self.budget.limits.max_columns:
                check_row(self.index, number, row, self.budget.limits)
        self.spread.fill_end(row)
        self.budget.row(self.index, number, row)
        self.grid.append(row)
        self.spanning.append(wide)


class _Spread:
    """The cells that row and column spans repeat, and a bound on how many they may make: spans
    may multiply the cells written so far by `max_span_ratio`, no more."""

    def __init__(self, index: int, limits: TableLimits) -> None:
        self.index = index
        self.ratio = limits.max_span_ratio
        self.written = 0
        self.made = 0
        self.covered: dict[int, tuple[int, str]] = {}  # column -> (rows still covered from above, text)

    def place(self, cell: _Cell, row: list[str]) -> str:
        text = cell.text()
        for offset in range(cell.colspan):
            if cell.rowspan > 1:
                self.covered[len(row)] = (cell.rowspan - 1, text if offset == 0 else "")
            row.append(text if offset == 0 else "")
        self._made(cell.colspan - 1)
        return text

    def fill_at(self, row: list[str]) -> None:
        """The cells covered from above where the row stands now, before its next cell."""
        while len(row) in self.covered:
            row.append(self._from_above(len(row)))

    def fill_end(self, row: list[str]) -> None:
        """The cells covered from above beyond the row's last cell."""
        last = max(self.covered, default=-1)
        while len(row) <= last:
            row.append(self._from_above(len(row)) if len(row) in self.covered else "")

    def _from_above(self, column: int) -> str:
        left, text = self.covered.pop(column)
        if left > 1:
            self.covered[column] = (left - 1, text)
        self._made(1)
        return text

    def _made(self, cells: int) -> None:
        self.made += cells
        allowed = self.ratio * max(self.written, 100)
        if self.made > allowed:
            raise too_big(
                f"the merged cells of table {self.index} spread over more than {allowed:,} cells, "
                f"over {self.ratio} times the cells written"
            )


class _TableParser(HTMLParser):
    def __init__(self, limits: TableLimits, budget: Budget | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.limits = limits
        self.budget = budget or Budget(limits)
        self.open: list[_TableBuilder] = []
        self.done: list[SourceTable] = []
        self.count = 0
        self.ignored = 0  # depth inside script/style
        self.heading: list[str] | None = None
        self.last_heading = ""
        self.first_heading = ""

    # -- tags

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _IGNORED_TAGS:
            self.ignored += 1
            return
        if tag == "table":
            self.count += 1
            check_table_count(self.count, self.limits)
            self.open.append(_TableBuilder(self.count, self.last_heading, self.budget))
            return
        if tag in _HEADINGS and not self.open:
            self.heading = []
        table = self.open[-1] if self.open else None
        if table is None:
            return
        if tag == "caption":
            table.caption = []
        elif tag == "tr":
            table.start_row()
        elif tag in ("td", "th"):
            values = dict(attrs)
            table.add_cell(
                _Cell(
                    colspan=_span(values.get("colspan"), _MAX_COLSPAN),
                    rowspan=_span(values.get("rowspan"), _MAX_ROWSPAN),
                )
            )
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
            self.first_heading = self.first_heading or self.last_heading
            self.heading = None
        if not self.open:
            return
        table = self.open[-1]
        if tag == "table":
            self.open.pop()
            self.done.append(table.finish())
        elif tag == "caption" and table.caption is not None:
            table.name = " ".join("".join(table.caption).split()) or table.name
            table.caption = None
        elif tag in ("td", "th", "tr"):
            table.cell = None
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
            table.cell.chars += len(text)
            if table.cell.chars > self.limits.max_cell_chars:
                limit = self.limits.max_cell_chars
                raise too_big(f"a cell in row {table.row_number} of table {table.index} is over {limit:,} characters")

    def close_all(self) -> list[SourceTable]:
        self.close()
        while self.open:  # tables left open by a truncated page still count
            self.done.append(self.open.pop().finish())
        return sorted(self.done, key=lambda table: table.index)


def _span(value: str | None, limit: int) -> int:
    try:
        return max(1, min(int(value or "1"), limit))
    except ValueError:
        return 1


def tables_from_html(text: str, *, limits: TableLimits, budget: Budget | None = None) -> list[SourceTable]:
    parser = _TableParser(limits, budget)
    # Fed in pieces so that a page of millions of tags still meets the deadline between them.
    for start in range(0, len(text), _FEED_CHARS):
        parser.feed(text[start : start + _FEED_CHARS])
        parser.budget.check_time()
    return [dataclasses.replace(table, title=parser.first_heading) for table in parser.close_all()]
