"""Hostile matrix files: each is refused quickly, in bounded memory, with the bound it crossed.

Every file here is written by the test. Each one once took a worker hostage (36 s of CPU for a
22 KB workbook holding a 20 MB comment, 838 MB for `<row r="10000000">`, a worker killed by a
434,000-row CSV) or is the next thing an attacker would try. Each must be refused in under
2 seconds and 200 MB, and leave the organization untouched.
"""

import functools
import io
import random
import string
import time
import tracemalloc
import zipfile

import pytest

from journeys.models import Journey
from ownership.imports.matrixfile import read_matrix
from ownership.imports.matrixfile.sheet import MatrixFileInvalid, MatrixLimits
from ownership.imports.matrixfile.writer import write_matrix_xlsx
from ownership.imports.services import matrix_import_file
from ownership.models import Function
from tests.factories import JourneyFactory

MAX_SECONDS = 2.0
MAX_TRACED_BYTES = 200 * 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
WORKBOOK = (
    f'<?xml version="1.0"?><workbook xmlns="{MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Matrix" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>journey</t></is></c><c r="B1" t="inlineStr"><is><t>stage</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>touchpoint</t></is></c></row>'
)


def workbook(sheet_xml: bytes | str, *, extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal workbook around one worksheet's XML."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def sheet(rows: str, *, before: str = "", dimension: str = "") -> str:
    dimension_xml = f'<dimension ref="{dimension}"/>' if dimension else ""
    body = f"{dimension_xml}<sheetData>{rows}</sheetData>"
    return f'<?xml version="1.0"?>{before}<worksheet xmlns="{MAIN}">{body}</worksheet>'


def streamed_zip(name: str, chunks, total: int) -> bytes:
    """A workbook whose one big part is written chunk by chunk (the test stays small too)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", RELS)
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=total > 2**31) as part:
            for chunk in chunks:
                part.write(chunk)
    return buffer.getvalue()


def random_letters(size: int, seed: int = 7) -> str:
    generator = random.Random(seed)
    return "".join(generator.choices(string.ascii_letters, k=size))


def comment_bomb() -> bytes:
    # 20 MB of comment: compresses a thousandfold, and is one token expat re-reads per chunk.
    head = f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><!--'.encode()
    tail = f"--><sheetData>{HEADER_ROW}</sheetData></worksheet>".encode()
    return streamed_zip(
        "xl/worksheets/sheet1.xml", [head, *([b"x" * (1024 * 1024)] * 20), tail], total=21 * 1024 * 1024
    )


def zip_bomb() -> bytes:
    # 256 MB of zeros in a part: refused by its declared size and ratio, never unpacked.
    zeros = b"\0" * (4 * 1024 * 1024)
    return streamed_zip("xl/worksheets/sheet1.xml", [zeros] * 64, total=256 * 1024**2)


def lying_zip() -> bytes:
    """A part that declares 1 KB in the zip directory and holds 5 MB."""
    data = bytearray(workbook(sheet(HEADER_ROW + "<!--" + random_letters(5 * 1024 * 1024) + "-->")))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    for offset_name in ("local", "central"):
        marker = b"PK\x03\x04" if offset_name == "local" else b"PK\x01\x02"
        position = data.find(marker, 0 if offset_name == "local" else info.header_offset + 30)
        while position != -1:
            name_at = position + (30 if offset_name == "local" else 46)
            if data[name_at : name_at + len(info.filename)] == info.filename.encode():
                size_at = position + (22 if offset_name == "local" else 24)
                data[size_at : size_at + 4] = (1024).to_bytes(4, "little")
                break
            position = data.find(marker, position + 4)
    return bytes(data)


def deep_xml() -> bytes:
    depth = 100_000
    return workbook(sheet(HEADER_ROW + "<a>" * depth + "</a>" * depth))


def billion_laughs() -> bytes:
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{n} "{("&a" + str(n - 1) + ";") * 10}">' for n in range(1, 10)
    )
    doctype = f"<!DOCTYPE worksheet [{entities}]>"
    return workbook(sheet(HEADER_ROW + '<row r="2"><c t="inlineStr"><is><t>&a9;</t></is></c></row>', before=doctype))


def far_row() -> bytes:
    return workbook(sheet(HEADER_ROW + '<row r="10000000"><c r="A10000000"><v>1</v></c></row>'))


def far_columns() -> bytes:
    rows = "".join(f'<row r="{n}"><c r="ZZZ{n}"><v>1</v></c></row>' for n in range(2, 5002))
    return workbook(sheet(HEADER_ROW + rows))


def huge_dimension() -> bytes:
    return workbook(sheet(HEADER_ROW, dimension="A1:ZZZ10000000"))


def many_xlsx_columns() -> bytes:
    return workbook(
        sheet(HEADER_ROW + '<row r="2">' + "".join(f"<c><v>{n}</v></c>" for n in range(100_000)) + "</row>")
    )


def long_text_token() -> bytes:
    return workbook(
        sheet(HEADER_ROW + f'<row r="2"><c t="inlineStr"><is><t>{random_letters(3_000_000)}</t></is></c></row>')
    )


def long_attribute_token() -> bytes:
    return workbook(sheet(HEADER_ROW + f'<row r="2" spans="{random_letters(3_000_000)}"></row>'))


def many_csv_columns() -> bytes:
    return ("journey,stage,touchpoint," + ",".join(f"f{n}" for n in range(100_000)) + "\nJ,S,T\n").encode()


def many_csv_rows() -> bytes:
    # About 9 MB: under the 10 MB upload limit, and 434,000 rows.
    return b"journey,stage,touchpoint\n" + b"".join(b"Journey,Stage,T%07d\n" % n for n in range(434_000))


def long_csv_cell() -> bytes:
    return b"journey,stage,touchpoint,Sales\nJ,S,T," + b"R" * 5_000_000 + b"\n"


HOSTILE = {
    "xml comment bomb": (comment_bomb, ["packs", "token"]),
    "zip bomb": (zip_bomb, ["unpacks to", "packs"]),
    "part larger than declared": (lying_zip, ["larger than it declares", "not a CSV or XLSX"]),
    "deep xml": (deep_xml, ["nests deeper"]),
    "billion laughs": (billion_laughs, ["DOCTYPE"]),
    "row 10,000,000": (far_row, ["row 10,000,000"]),
    "cells at column ZZZ": (far_columns, ["column 18,278"]),
    "declared dimension": (huge_dimension, ["row 10,000,000", "column 18,278"]),
    "100k xlsx columns": (many_xlsx_columns, ["column 501"]),
    "long text token": (long_text_token, ["over 10,000 characters"]),
    "long attribute token": (long_attribute_token, ["token"]),
    "100k csv columns": (many_csv_columns, ["100,003 columns"]),
    "434k csv rows": (many_csv_rows, ["more than 200,000 rows"]),
    "long csv cell": (long_csv_cell, ["over 10,000 characters", "10,000"]),
}


@functools.cache
def hostile_file(name: str) -> tuple[bytes, list[str]]:
    build, reasons = HOSTILE[name]
    return build(), reasons


@pytest.mark.django_db
@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_file_is_refused_quickly_with_its_bound_and_changes_nothing(name, organization):
    data, reasons = hostile_file(name)
    JourneyFactory(organization=organization, name="Kept")
    filename = "matrix.csv" if "csv" in name else "matrix.xlsx"
    started = time.monotonic()
    with pytest.raises(MatrixFileInvalid) as caught:
        matrix_import_file(organization=organization, data=data, filename=filename, max_bytes=10 * 1024 * 1024)
    elapsed = time.monotonic() - started
    message = str(caught.value)
    assert any(reason in message for reason in reasons), message
    assert elapsed < MAX_SECONDS, f"{name}: refused after {elapsed:.2f} s"
    assert list(Journey.objects.filter(organization=organization).values_list("name", flat=True)) == ["Kept"]
    assert not Function.objects.filter(organization=organization).exists()


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_file_is_refused_in_bounded_memory(name):
    data, _ = hostile_file(name)
    filename = "matrix.csv" if "csv" in name else "matrix.xlsx"
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        with pytest.raises(MatrixFileInvalid):
            read_matrix(data, filename=filename)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MAX_TRACED_BYTES, f"{name}: {peak / 2**20:.0f} MB"


def test_a_token_longer_than_any_cell_is_refused_even_when_it_packs_badly():
    data = workbook(sheet(HEADER_ROW, before="<!--" + random_letters(2_000_000) + "-->"))
    with pytest.raises(MatrixFileInvalid, match="XML token"):
        read_matrix(data, filename="m.xlsx")


def test_the_time_bound_refuses_a_slow_read():
    data = b"journey,stage,touchpoint\n" + b"J,S,T%d\n" * 0 + b"".join(b"J,S,T%d\n" % n for n in range(5000))
    with pytest.raises(MatrixFileInvalid, match="took over 0 seconds"):
        read_matrix(data, filename="m.csv", limits=MatrixLimits(max_seconds=0))


def test_the_limits_are_settings(settings, organization):
    settings.MATRIX_MAX_ROWS = 2
    data = b"journey,stage,touchpoint\nJ,S,A\nJ,S,B\nJ,S,C\n"
    with pytest.raises(MatrixFileInvalid, match="more than 2 rows"):
        matrix_import_file(organization=organization, data=data, filename="m.csv", max_bytes=10**6)


def test_a_real_workbook_within_the_limits_still_reads(organization):
    from ownership.imports.matrixfile.sheet import MatrixRow, MatrixSheet

    rows = tuple(
        MatrixRow(n, "Shop", "Pay", f"Till {n}", "", "", 3, False, (("Sales", frozenset("A")),)) for n in range(2, 502)
    )
    data = write_matrix_xlsx(MatrixSheet(functions=("Sales",), rows=rows))
    assert len(read_matrix(data, filename="m.xlsx").rows) == 500
