"""What a request learns of an upload without reading it, and a reading kept for the next step.

A request that hands a large file to a worker must answer at once: it only counts the file's
rows, roughly and cheaply (lines of text, `<tr>` of HTML, `<row>` of a workbook's sheets), to
choose between importing now and a job. The worker reads the file, with the same checks as the
page, and a refused file ends the job with those problems.

A file read once is not read again by the steps that follow (the page's preview, then the dry
run's job, then the import's job): its reading is kept in the cache under the digest of the
bytes and of the reading options. A changed file or other options is another key, and the
reading is of the bytes alone: the organization's data never enters it.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from io import BytesIO

from django.conf import settings
from django.core.cache import cache

from ownership.imports.matrixfile.xlsxfile import is_workbook
from ownership.imports.reading import MatrixReading

# How long a reading waits for its next step: as long as a preview waits for its confirmation.
READING_SECONDS = 3600
_HTML_ROW = re.compile(rb"<tr[\s>]", re.IGNORECASE)
_CHUNK = 1 << 20
_BOUNDS = ("MATRIX_UPLOAD_MAX_BYTES", "MATRIX_MAX_ROWS", "MATRIX_MAX_COLUMNS", "MATRIX_XLSX_MAX_PART_BYTES")


def source_rows_estimate(data: bytes, filename: str) -> int:
    """The number of data rows the source seems to hold (its header not counted), without reading it."""
    try:
        if is_workbook(data, filename):
            return max(0, _workbook_rows(data) - 1)
    except Exception:  # not a readable workbook: the reader says why; counted as small
        return 0
    head = data[:4096].lower()
    if b"<table" in head or b"<tr" in head or filename.lower().endswith((".html", ".htm")):
        return max(0, len(_HTML_ROW.findall(data)) - 1)
    return max(0, sum(1 for line in data.splitlines() if line.strip()) - 1)


def _workbook_rows(data: bytes) -> int:
    """`<row` elements in the worksheets, decompressed in chunks and only up to the part bound."""
    rows = 0
    with zipfile.ZipFile(BytesIO(data)) as workbook:
        for name in workbook.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            read, tail = 0, b""
            with workbook.open(name) as part:
                while read < settings.MATRIX_XLSX_MAX_PART_BYTES and (chunk := part.read(_CHUNK)):
                    read += len(chunk)
                    text = tail + chunk
                    rows += text.count(b"<row ") + text.count(b"<row>")
                    tail = text[-4:]  # a tag cut between chunks; too short to hold a whole one
    return rows


def reading_key(data: bytes, options: dict | None) -> str:
    digest = hashlib.sha256(data)
    # The bounds it was read within are part of it: a reading kept before a bound was lowered
    # would let through a file the bound now refuses.
    bounds = [getattr(settings, name) for name in _BOUNDS]
    digest.update(json.dumps([options or {}, bounds], sort_keys=True).encode())
    return f"cxowner:import-reading:{digest.hexdigest()}"


def reading_keep(data: bytes, options: dict | None, reading: MatrixReading) -> None:
    cache.set(reading_key(data, options), reading, READING_SECONDS)


def reading_kept(data: bytes, options: dict | None) -> MatrixReading | None:
    return cache.get(reading_key(data, options))
