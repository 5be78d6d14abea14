"""The matrix as a file: the organization's (or one journey's) rows as the matrix file's sheet, ready
to stream as CSV or XLSX, in the layout the import reads back (docs/matrix-file.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from cxowner.orgs.models import Organization
from journeys.models import Journey, Touchpoint
from ownership.imports.matrixfile.sheet import STANDARD_COLUMNS, MatrixRow, MatrixSheet
from ownership.imports.matrixfile.writer import function_header_key, iter_matrix_csv, write_matrix_xlsx
from ownership.models import Assignment, Function


def _export_headers(functions) -> list[tuple[int, str]]:
    """(id, header) per function: its name, unless the name would not read back as its own column.

    Names are unique by the same normal form and never a standard column, so this only matters
    for rows stored before those checks (a function called "-"): export must still succeed.
    """
    seen = set(STANDARD_COLUMNS)
    headers = []
    for function_id, name in functions:
        header = name
        if not function_header_key(header) or function_header_key(header) in seen:
            header = f"{name} (function {function_id})".strip()
        seen.add(function_header_key(header))
        headers.append((function_id, header))
    return headers


def matrix_sheet(*, organization: Organization, journey: Journey | None = None) -> MatrixSheet:
    """The organization's matrix (or one journey's) as a sheet, in journey order."""
    functions = _export_headers(Function.objects.filter(organization=organization).values_list("id", "name"))
    touchpoints = Touchpoint.objects.filter(organization=organization).order_by(
        "journey__position", "journey_id", "stage__position", "stage_id", "position", "id"
    )
    if journey is not None:
        touchpoints = touchpoints.filter(journey=journey)
    letters: dict[tuple[int, int], set[str]] = defaultdict(set)
    assignments = Assignment.objects.filter(organization=organization)
    if journey is not None:
        assignments = assignments.filter(touchpoint__journey=journey)
    for touchpoint_id, function_id, letter in assignments.values_list("touchpoint_id", "function_id", "letter"):
        letters[(touchpoint_id, function_id)].add(letter)
    rows = tuple(
        MatrixRow(
            row_number=index,
            journey=journey_name,
            stage=stage_name,
            touchpoint=name,
            channel=channel,
            description=description,
            importance=importance,
            out_of_scope=out_of_scope,
            cells=tuple(
                (function_name, frozenset(letters[(touchpoint_id, function_id)]))
                for function_id, function_name in functions
                if letters.get((touchpoint_id, function_id))
            ),
        )
        for index, (
            touchpoint_id,
            journey_name,
            stage_name,
            name,
            channel,
            description,
            importance,
            out_of_scope,
        ) in enumerate(
            touchpoints.values_list(
                "id", "journey__name", "stage__name", "name", "channel", "description", "importance", "out_of_scope"
            ),
            start=2,
        )
    )
    return MatrixSheet(functions=tuple(name for _, name in functions), rows=rows)


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


EXPORT_FORMATS: dict[str, tuple[str, Callable[[MatrixSheet], Iterator[bytes]]]] = {
    "csv": ("text/csv; charset=utf-8", iter_matrix_csv),
    # A workbook is a zip: it is whole or nothing, one chunk.
    "xlsx": (XLSX_CONTENT_TYPE, lambda sheet: iter([write_matrix_xlsx(sheet)])),
}


@dataclass(frozen=True)
class MatrixExport:
    filename: str
    content_type: str
    chunks: Iterator[bytes]


def matrix_export(*, organization: Organization, fmt: str, journey: Journey | None = None) -> MatrixExport:
    """The matrix file in `fmt` (csv or xlsx), ready to stream: the browser's and the API's download."""
    content_type, write = EXPORT_FORMATS[fmt]
    sheet = matrix_sheet(organization=organization, journey=journey)
    return MatrixExport(filename=f"{organization.slug}-matrix.{fmt}", content_type=content_type, chunks=write(sheet))
