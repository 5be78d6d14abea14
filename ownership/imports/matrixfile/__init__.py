"""Read and write the ownership matrix file (CSV and XLSX); the format is docs/matrix-file.md.

This package only turns bytes into plain data and back: it knows nothing about the database or
organisations. The importer validates a whole file with :func:`read_matrix` (which either
returns a fully valid :class:`MatrixSheet` or raises :class:`MatrixFileInvalid` listing every
problem at once) and the exporter renders a sheet with :func:`write_matrix_csv` or
:func:`write_matrix_xlsx`. Reading what the writers produce gives back an equal sheet, so export
→ import → export is byte-identical.

- sheet.py: columns, rows, errors and the reading bounds (MatrixLimits)
- csvfile.py, xlsxfile.py: bytes to records, refusing on the first bound crossed
- parser.py: records to a sheet, every row error collected
- writer.py: a sheet to CSV or XLSX bytes
"""

from ownership.imports.matrixfile.csvfile import csv_records
from ownership.imports.matrixfile.parser import SheetParser
from ownership.imports.matrixfile.sheet import Deadline, MatrixFileInvalid, MatrixLimits, MatrixSheet, upload_size_check
from ownership.imports.matrixfile.writer import write_matrix_csv, write_matrix_xlsx
from ownership.imports.matrixfile.xlsxfile import is_workbook, xlsx_records

# The package's entry points; the rest is imported from the module that defines it.
__all__ = ["MatrixFileInvalid", "MatrixSheet", "read_matrix", "write_matrix_csv", "write_matrix_xlsx"]


def read_matrix(
    data: bytes, *, filename: str, max_bytes: int | None = None, limits: MatrixLimits | None = None
) -> MatrixSheet:
    """Raises MatrixFileInvalid with EVERY error found, never returns a partially valid sheet.

    A file crossing one of `limits` is refused as a whole, with the bound it crossed.
    """
    limits = limits or MatrixLimits()
    if max_bytes is not None:
        limits = MatrixLimits(**{**limits.__dict__, "max_bytes": max_bytes})
    upload_size_check(data, limits)
    deadline = Deadline(limits.max_seconds)
    if is_workbook(data, filename):
        records = xlsx_records(data, limits, deadline)
    else:
        records = csv_records(data, limits, deadline)
    return SheetParser(limits, deadline).parse(records)
