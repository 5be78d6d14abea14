"""Read the RACI tables people already publish into the matrix file's own rows.

Pure: no Django, no database. What comes in is text (Markdown, HTML, CSV or tab-separated, as
pasted or uploaded) or a workbook's sheets as rows of cell values; what goes out is a
:class:`CanonicalTable` whose ``records()`` are the standard layout's records (journey, stage,
touchpoint, channel, description, importance, out_of_scope, one column per function with
letters such as ``R/A``), which the matrix importer validates and applies like any matrix file.

- source.py: tables as numbered rows of text (CSV text, sheets), bounds on their size
- markdown.py, html.py: the tables in Markdown and HTML text
- cells.py: a cell's plain text, "nobody" markers, letters and the letter map, names in a cell
- layout.py, header.py: the layout (standard, activity-first, transposed) and each column's role
- canonical.py: the matrix file's rows, each with the published row it came from
- rows.py: the rows below the header read into canonical rows (headings, grouped stages, repeats)
- problems.py: problems said once per kind, with places and the fix
- reading.py: the entry points
"""

from ownership.imports.tables.canonical import CANONICAL_COLUMNS, CanonicalRow, CanonicalTable
from ownership.imports.tables.cells import NONE_MARKERS, name_key
from ownership.imports.tables.layout import DEFAULT_STAGE, Layout, TableOptions
from ownership.imports.tables.problems import UNKNOWN_LETTER, Place, TableInvalid, TableProblem
from ownership.imports.tables.reading import parse_letter_map, read_table, tables_from_text
from ownership.imports.tables.source import SourceRow, SourceTable, TableLimits, table_from_records, tables_from_sheets

__all__ = [
    "CANONICAL_COLUMNS",
    "DEFAULT_STAGE",
    "NONE_MARKERS",
    "UNKNOWN_LETTER",
    "CanonicalRow",
    "CanonicalTable",
    "Layout",
    "Place",
    "SourceRow",
    "SourceTable",
    "TableInvalid",
    "TableLimits",
    "TableOptions",
    "TableProblem",
    "name_key",
    "parse_letter_map",
    "read_table",
    "table_from_records",
    "tables_from_sheets",
    "tables_from_text",
]
