"""The matrix file's own rows, as a published table is read down to them.

The importer takes rows of `journey, stage, touchpoint, channel, description, importance,
out_of_scope` and one column per function holding letters. A CanonicalTable is exactly those
rows, whatever layout the table was in (rows.py reads them), remembering which published row
each one came from so that the importer's own checks (name lengths, importance) can point at
the row the user wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from ownership.engine.constants import format_letters
from ownership.imports.tables.layout import Layout

# A cell's letters as the file writes them, once per set of letters (there are sixteen) rather
# than once per cell: 120k calls for a 10k-row table of twelve functions.
_letters_text = cache(format_letters)
_NONE: frozenset[str] = frozenset()

CANONICAL_COLUMNS = ("journey", "stage", "touchpoint", "channel", "description", "importance", "out_of_scope")


@dataclass(frozen=True)
class CanonicalRow:
    source_row: int  # the published table's row (header = its own row number)
    journey: str
    stage: str
    touchpoint: str
    channel: str = ""
    description: str = ""
    importance: str = ""  # as written; the importer checks it
    out_of_scope: str = ""  # as written; the importer checks it
    cells: tuple[tuple[str, frozenset[str]], ...] = ()  # (function, letters), letters never empty


@dataclass(frozen=True)
class CanonicalTable:
    layout: Layout
    table: str  # which table of the source was read, for the summary
    header_row: int
    functions: tuple[str, ...]  # in column order (transposed: order of first mention)
    rows: tuple[CanonicalRow, ...]
    notes: tuple[str, ...]  # what a reader should know: columns ignored, headings, letters mapped …
    sources: Mapping[str, str]  # canonical column -> the published header it was read from

    def records(self) -> list[list[str]]:
        """The matrix file's records: the header, then one record per touchpoint."""
        records = [[*CANONICAL_COLUMNS, *self.functions]]
        for row in self.rows:
            held = dict(row.cells)
            records.append(
                [
                    row.journey,
                    row.stage,
                    row.touchpoint,
                    row.channel,
                    row.description,
                    row.importance,
                    row.out_of_scope,
                    *(_letters_text(held.get(function, _NONE)) for function in self.functions),
                ]
            )
        return records

    def source_row(self, record_number: int) -> int:
        """The published row behind record `record_number` of records() (1-based, header = 1)."""
        if record_number <= 1:
            return self.header_row
        return self.rows[record_number - 2].source_row

    def source_column(self, column: str) -> str:
        """The published header behind a column of records(); a function's name is its own."""
        return self.sources.get(column, column)
