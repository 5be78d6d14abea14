"""The matrix file template: the standard layout with one example row and the letters explained.

Both templates import as they are (the example row becomes one touchpoint), so a user can fill
them in from the example. The CSV explains the letters in the example's description, where an
import keeps it; the workbook also has a second sheet, "Letters", which the import never reads
(it reads the first worksheet only).
"""

from __future__ import annotations

import io

import openpyxl
from openpyxl.styles import Font

from ownership.engine.constants import LETTER_NAMES, LETTERS, format_letters
from ownership.imports.matrixfile.sheet import STANDARD_COLUMNS, MatrixRow, MatrixSheet
from ownership.imports.matrixfile.writer import write_matrix_csv

LETTER_MEANINGS = {
    "R": "does the work; one or more per touchpoint",
    "A": "owns the outcome and answers for it; exactly one per touchpoint",
    "C": "is asked before (two-way)",
    "I": "is told after (one-way)",
}


LEGEND = "; ".join(f"{letter} = {LETTER_NAMES[letter]} ({LETTER_MEANINGS[letter]})" for letter in LETTERS)


EXAMPLE_FUNCTIONS = ("Customer Service", "Sales", "IT")


EXAMPLE = MatrixRow(
    row_number=2,
    journey="Store visit",
    stage="Pay",
    touchpoint="Cashier",
    channel="In store",
    description=f"Example row: replace it with yours. Letters: {LEGEND}. Several in one cell: A/R.",
    importance=4,
    out_of_scope=False,
    cells=(("Customer Service", frozenset("AR")), ("Sales", frozenset("C")), ("IT", frozenset("I"))),
)


TEMPLATE_SHEET = MatrixSheet(functions=EXAMPLE_FUNCTIONS, rows=(EXAMPLE,))


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


_COLUMN_NOTES = {
    "journey": "required: the journey the row belongs to",
    "stage": "required: the step of the journey",
    "touchpoint": "required: unique within its journey",
    "channel": "optional",
    "description": "optional",
    "importance": "optional: 1 to 5, 3 when empty",
    "out_of_scope": "optional: x, yes, true or 1 when someone else runs it",
}


def template_csv() -> bytes:
    return write_matrix_csv(TEMPLATE_SHEET)


def template_xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    matrix = workbook.active
    matrix.title = "Matrix"
    bold = Font(bold=True)
    matrix.append([*STANDARD_COLUMNS, *EXAMPLE_FUNCTIONS])
    for cell in matrix[1]:
        cell.font = bold
    held = dict(EXAMPLE.cells)
    matrix.append(
        [
            EXAMPLE.journey,
            EXAMPLE.stage,
            EXAMPLE.touchpoint,
            EXAMPLE.channel,
            EXAMPLE.description,
            EXAMPLE.importance,
            "",
            *(format_letters(held[name]) for name in EXAMPLE_FUNCTIONS),
        ]
    )
    matrix.freeze_panes = "D2"
    legend = workbook.create_sheet("Letters")
    legend.append(["letter", "meaning"])
    for letter in LETTERS:
        legend.append([letter, f"{LETTER_NAMES[letter]}: {LETTER_MEANINGS[letter]}"])
    legend.append([])
    legend.append(["column", "what it holds"])
    for column in STANDARD_COLUMNS:
        legend.append([column, _COLUMN_NOTES[column]])
    legend.append(["any other column", "a function (a department); its cells hold R, A, C, I, e.g. A/R"])
    for row in (legend[1], legend[len(LETTERS) + 3]):
        for cell in row:
            cell.font = bold
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
