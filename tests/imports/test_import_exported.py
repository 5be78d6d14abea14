"""A file in the export's own shape is read straight by the matrix file's parser, and means
exactly what the general reader makes of it; any other file is left to the general reader."""

from pathlib import Path
from unittest import mock

import pytest

from ownership.imports.exported import exported_records
from ownership.imports.matrixfile.sheet import Deadline, MatrixFileInvalid, MatrixRow, MatrixSheet
from ownership.imports.matrixfile.writer import write_matrix_csv
from ownership.imports.reading import import_options
from ownership.imports.services import matrix_limits, matrix_read

LIMIT = 10 * 1024 * 1024
DEMO = Path(__file__).resolve().parents[2] / "ownership" / "demo" / "matrix.csv"


def read(data: bytes, filename: str = "matrix.csv", **options):
    return matrix_read(data=data, filename=filename, max_bytes=LIMIT, options=import_options(**options))


def read_generally(data: bytes, filename: str = "matrix.csv", **options):
    with mock.patch("ownership.imports.reading.exported_records", return_value=None):
        return read(data, filename, **options)


def takes_exported_shape(data: bytes, filename: str = "matrix.csv", **options) -> bool:
    limits = matrix_limits(max_bytes=LIMIT)
    found = exported_records(
        data=data, filename=filename, options=import_options(**options), limits=limits, deadline=Deadline(60)
    )
    return found is not None


def row(number: int, touchpoint: str, cells=(), **values) -> MatrixRow:
    fields = {"journey": "Store visit", "stage": "Buy", "channel": "", "description": "", "importance": 3}
    fields |= values
    return MatrixRow(
        row_number=number,
        touchpoint=touchpoint,
        out_of_scope=fields.pop("out_of_scope", False),
        cells=tuple(cells),
        **fields,
    )


AWKWARD = MatrixSheet(
    functions=("Sales", "Customer Service", "=Finance", "Legal (EMEA)", "Nobody yet"),
    rows=(
        row(2, "Cashier", [("Sales", frozenset("RA")), ("Customer Service", frozenset("C"))]),
        row(3, "=SUM(A1)", [("=Finance", frozenset("A"))], description='Says "hello", then\nwaves', channel="-"),
        row(4, "Parking", [], description="N/A", out_of_scope=True, importance=1),
        row(5, "Returns désk", [("Legal (EMEA)", frozenset("RACI"))], stage="After, sale", importance=5),
        row(6, "Survey", [("Sales", frozenset("I"))], journey="Online", stage="Follow up"),
    ),
)


def test_the_demo_matrix_reads_in_the_exported_shape_as_the_general_reader_reads_it():
    data = DEMO.read_bytes()
    assert takes_exported_shape(data)
    assert read(data) == read_generally(data)


def test_an_export_with_awkward_values_reads_in_the_exported_shape_as_the_general_reader_reads_it():
    data = write_matrix_csv(AWKWARD)
    assert takes_exported_shape(data)
    assert read(data) == read_generally(data)
    assert read(data).sheet == AWKWARD


def test_an_export_read_to_replace_its_journeys_says_so_as_the_general_reader_does():
    data = write_matrix_csv(AWKWARD)
    assert read(data, replace=True) == read_generally(data, replace=True)
    assert read(data, replace=True).replace


def test_an_export_the_parser_refuses_is_refused_in_the_general_readers_words():
    data = write_matrix_csv(AWKWARD) + b"Store visit,Buy,cashier,,,9,,R,,,,\r\n"
    with pytest.raises(MatrixFileInvalid) as refused:
        read(data)
    with pytest.raises(MatrixFileInvalid) as refused_generally:
        read_generally(data)
    assert refused.value.errors == refused_generally.value.errors


HEADER = b"journey,stage,touchpoint,channel,description,importance,out_of_scope,Sales,Service\r\n"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(HEADER + b"Store visit,Buy,Cashier,,,3,,R,A\r\n,,Bagging,,,3,,R,\r\n", id="journey-written-once"),
        pytest.param(HEADER + b"Store visit,Buy,Cashier,,,3,,x,A\r\n", id="letters-as-marks"),
        pytest.param(HEADER + b"Store visit,Buy,Cashier,,,3,,Responsible,A\r\n", id="letters-in-words"),
        pytest.param(HEADER + b"Store visit,Buy,Cashier,,,3,,R A,\r\n", id="letters-with-spaces"),
        pytest.param(HEADER + b"Store visit,Buy,Cashier,,,3,,n/a,A\r\n", id="nobody-marker"),
        pytest.param(HEADER + b"Store visit,Buy,Cashier,,,3,,R\r\n", id="short-row"),
        pytest.param(HEADER + b"Store visit,Buy,Cashier,,,3,,R,A\r\nR = Responsible\r\n", id="key-below"),
        pytest.param(HEADER.replace(b"Service", b"Notes") + b"Store visit,Buy,Cashier,,,3,,R,A\r\n", id="notes-column"),
        pytest.param(HEADER.replace(b"Service", b"R") + b"Store visit,Buy,Cashier,,,3,,R,A\r\n", id="letter-column"),
        pytest.param(
            b"stage,journey" + HEADER[len(b"journey,stage") :] + b"Buy,Store visit,Cashier,,,3,,R,A\r\n", id="order"
        ),
    ],
)
def test_a_file_not_in_the_exported_shape_is_left_to_the_general_reader(data):
    assert not takes_exported_shape(data)


def test_reading_options_leave_an_export_to_the_general_reader():
    data = write_matrix_csv(AWKWARD)
    assert not takes_exported_shape(data, letter_map="S=R")
    assert not takes_exported_shape(data, layout="standard")
    assert not takes_exported_shape(data, filename="matrix.txt")
