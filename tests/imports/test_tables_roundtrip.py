"""Any matrix the export writes, published back as people publish charts, imports to the same letters.

The export's sheet is rendered as Markdown, HTML, CSV or a workbook, with or without its journey
column (the journey then named by the page's title, the sheet or the file), a letter key beside
it, remarks beside letters, or an id column in front; read with no option, every touchpoint
holds the letters it was exported with.
"""

import csv
import io

import openpyxl
from hypothesis import given, settings
from hypothesis import strategies as st

from ownership.imports.matrixfile.sheet import MatrixLimits, MatrixRow, MatrixSheet
from ownership.imports.matrixfile.writer import write_matrix_csv
from ownership.imports.reading import matrix_read_source

LIMITS = MatrixLimits(max_bytes=10**7, max_rows=10_000, max_columns=200)
FUNCTIONS = ["Sales", "Customer Service", "Field Operations", "Marketing", "Finance", "Legal", "Product Owner"]
JOURNEYS = ["Checkout", "Onboarding", "Returns", "Fix my broadband"]
STAGES = ["Plan", "Build", "Run", "Repair"]
TOUCHPOINTS = ["Order page", "Support chat", "Technician visit", "Invoice", "Refund desk", "Street cabinet", "Sign-up"]
KEY = [("R", "Responsible"), ("A", "Accountable"), ("C", "Consulted"), ("I", "Informed")]


@st.composite
def exported(draw) -> MatrixSheet:
    functions = tuple(draw(st.lists(st.sampled_from(FUNCTIONS), min_size=1, max_size=4, unique=True)))
    journeys = draw(st.lists(st.sampled_from(JOURNEYS), min_size=1, max_size=2, unique=True))
    rows = []
    for journey in journeys:
        names = draw(st.lists(st.sampled_from(TOUCHPOINTS), min_size=2, max_size=5, unique=True))
        for name in names:
            held = {function: frozenset(draw(st.sets(st.sampled_from("RACI"), max_size=2))) for function in functions}
            rows.append(
                MatrixRow(
                    row_number=len(rows) + 2,
                    journey=journey,
                    stage=draw(st.sampled_from(STAGES)),
                    touchpoint=name,
                    channel="",
                    description="",
                    importance=draw(st.integers(1, 5)),
                    out_of_scope=False,
                    cells=tuple((function, letters) for function, letters in held.items() if letters),
                )
            )
    return MatrixSheet(functions=functions, rows=tuple(rows))


def records_of(sheet: MatrixSheet) -> list[list[str]]:
    return list(csv.reader(io.StringIO(write_matrix_csv(sheet).decode("utf-8-sig"))))


def published(records: list[list[str]], *, journey_column: bool, key: bool, remarks: bool, ids: bool):
    header, *rows = records
    if not journey_column:
        header, rows = header[1:], [row[1:] for row in rows]
    if remarks:
        first = header.index("out_of_scope") + 1
        rows = [[*row[:first], *(f"{c} (backup)" if c else c for c in row[first:])] for row in rows]
    if ids:
        header = ["ID", *header]
        rows = [[f"1_{number}", *row] for number, row in enumerate(rows)]
    if key:
        header = [*header, "", "", ""]
        rows = [[*row, "", *(KEY[n] if n < len(KEY) else ("", ""))] for n, row in enumerate(rows)]
    return [header, *rows]


def rendered(records: list[list[str]], fmt: str, title: str) -> tuple[bytes, str]:
    if fmt == "markdown":
        lines = [f"# RACI Matrix — {title}", ""]
        lines += ["| " + " | ".join(records[0]) + " |", "|" + "---|" * len(records[0])]
        lines += ["| " + " | ".join(row) + " |" for row in records[1:]]
        return "\n".join(lines).encode(), "chart.md"
    if fmt == "html":
        cells = ["".join(f"<th>{c}</th>" for c in records[0])]
        cells += ["".join(f"<td>{c}</td>" for c in row) for row in records[1:]]
        body = "".join(f"<tr>{row}</tr>" for row in cells)
        return f"<h1>{title} RACI</h1><table>{body}</table>".encode(), "chart.html"
    if fmt == "csv":
        buffer = io.StringIO(newline="")
        csv.writer(buffer).writerows(records)
        return buffer.getvalue().encode(), f"{title} raci.csv"
    book = openpyxl.Workbook()
    book.active.title = title
    for row in records:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), "chart.xlsx"


def letters(sheet: MatrixSheet) -> dict[tuple[str, str, str], dict[str, frozenset[str]]]:
    return {(row.journey, row.stage, row.touchpoint): dict(row.cells) for row in sheet.rows}


@settings(max_examples=40, deadline=None)
@given(
    sheet=exported(),
    fmt=st.sampled_from(["markdown", "html", "csv", "xlsx"]),
    journey_column=st.booleans(),
    key=st.booleans(),
    remarks=st.booleans(),
    ids=st.booleans(),
)
def test_an_exported_matrix_published_back_imports_to_the_same_letters(sheet, fmt, journey_column, key, remarks, ids):
    journeys = list(dict.fromkeys(row.journey for row in sheet.rows))
    journey_column = journey_column or len(journeys) > 1  # one journey per chart without the column
    records = published(records_of(sheet), journey_column=journey_column, key=key, remarks=remarks, ids=ids)
    data, filename = rendered(records, fmt, journeys[0])
    reading = matrix_read_source(data=data, filename=filename, limits=LIMITS)
    assert letters(reading.sheet) == letters(sheet)
