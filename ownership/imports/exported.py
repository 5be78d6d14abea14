"""The matrix file as cxowner exports it, read without looking for a published chart in it.

The general reader (reading.py) takes any table people publish: it detects the layout, a key
of letters, section headings, journeys and stages written once per group, letters in words,
"n/a" cells. A CSV file in exactly the shape the export writes has none of those: the header
`journey, stage, touchpoint, channel, description, importance, out_of_scope` and then function
names, every row as wide as the header with its journey, stage and touchpoint written, every
letter cell empty or letters joined by "/" as the export writes them ("R/A"). Read by the general reader,
such a file comes out as its own records, after seconds of looking (100,000 rows: most of an
import's reading, issue 23). So it goes to the matrix file's parser as it is, which checks it as
it checks every file. Anything else, or a file that parser refuses, is read by the general reader,
which then tells the problems as it does for any file.
"""

from __future__ import annotations

from itertools import permutations
from pathlib import PurePath

from cxowner.orgs.names import name_key
from ownership.engine.constants import LETTERS
from ownership.imports.matrixfile.csvfile import csv_records
from ownership.imports.matrixfile.sheet import Deadline, MatrixFileInvalid, MatrixLimits
from ownership.imports.tables.canonical import CANONICAL_COLUMNS
from ownership.imports.tables.cells import is_none_marker
from ownership.imports.tables.layout import TableOptions, letter_of_header, named_role
from ownership.imports.tables.source import TableLimits

# Every cell the export writes under a function: no letter, or letters joined by "/" ("R/A"; the
# demo's file, written by hand, has "A/R" too).
EXPORTED_LETTERS = frozenset(
    "/".join(letters) for count in range(len(LETTERS) + 1) for letters in permutations(LETTERS, count)
)
# How the general reader names the one table of a CSV file, for the import's summary.
EXPORTED_TABLE = "table 1"
_NAMES = len(("journey", "stage", "touchpoint"))


def exported_records(
    *, data: bytes, filename: str, options: TableOptions, limits: MatrixLimits, deadline: Deadline
) -> list[list[str]] | None:
    """The file's records if it is a CSV file in the export's shape read with no reading option
    but `replace`; otherwise None (the general reader reads it)."""
    if PurePath(filename).suffix.lower() != ".csv":
        return None
    if options != TableOptions(source_name=options.source_name, replace=options.replace):
        return None
    if len(data) > limits.max_chars:
        return None  # over the general reader's bound on characters: let it say so
    # A file over the bounds (rows, columns, not text) is refused here as the general reader
    # would refuse it, with the same call: read once, not twice.
    reader = csv_records(data, limits, deadline)
    try:
        header = next(reader, None)
        if header is None or not _exported_header(header):
            return None
        records = [header, *reader]
    except MatrixFileInvalid:
        return None  # unreadable part way: the general reader places the problem
    width = len(records[0])
    if len(records) * width > TableLimits().max_cells:
        return None
    deadline.check()
    letter_columns = slice(len(CANONICAL_COLUMNS), None)
    for record in records[1:]:
        if len(record) != width or not EXPORTED_LETTERS.issuperset(record[letter_columns]):
            return None
        for name in record[:_NAMES]:
            text = name.strip()
            if not text or is_none_marker(text):
                return None  # a name written once per group, or "n/a": the general reader's to read
    return records


def _exported_header(header: list[str]) -> bool:
    """The export's own header: its columns in its order, then functions that no reader could
    take for another column (a letter, "Owner", "Notes", an activity word)."""
    if tuple(header[: len(CANONICAL_COLUMNS)]) != CANONICAL_COLUMNS:
        return False
    functions = header[len(CANONICAL_COLUMNS) :]
    keys = {name_key(function) for function in functions}
    return len(keys) == len(functions) and all(
        function
        and function == function.strip()
        and named_role(function) is None
        and not letter_of_header(function)
        and name_key(function) not in CANONICAL_COLUMNS
        for function in functions
    )
