"""The matrix file template: importable as it is, with an example row and the letters explained."""

import io

import openpyxl
import pytest

from ownership.imports.matrixfile import read_matrix
from ownership.imports.matrixfile.sheet import STANDARD_COLUMNS
from ownership.imports.template import EXAMPLE, LEGEND, template_csv, template_xlsx


def test_csv_template_reads_as_one_example_touchpoint():
    sheet = read_matrix(template_csv(), filename="template.csv")
    assert sheet.rows == (EXAMPLE,)


def test_csv_template_explains_every_letter_in_the_example():
    text = template_csv().decode()
    assert text.splitlines()[0] == ",".join([*STANDARD_COLUMNS, "Customer Service", "Sales", "IT"])
    for words in ("R = Responsible", "A = Accountable", "C = Consulted", "I = Informed", "exactly one"):
        assert words in LEGEND and words in text


def test_xlsx_template_reads_as_the_same_example_touchpoint():
    assert read_matrix(template_xlsx(), filename="template.xlsx").rows == (EXAMPLE,)


def test_xlsx_template_has_a_letters_sheet_the_import_does_not_read():
    workbook = openpyxl.load_workbook(io.BytesIO(template_xlsx()))
    assert workbook.sheetnames == ["Matrix", "Letters"]
    legend = [row for row in workbook["Letters"].iter_rows(values_only=True) if row[0]]
    assert legend[:5] == [
        ("letter", "meaning"),
        ("R", "Responsible: does the work; one or more per touchpoint"),
        ("A", "Accountable: owns the outcome and answers for it; exactly one per touchpoint"),
        ("C", "Consulted: is asked before (two-way)"),
        ("I", "Informed: is told after (one-way)"),
    ]


@pytest.mark.django_db
def test_the_template_imports_into_an_organization(organization):
    from ownership.imports.services import matrix_import_file

    summary = matrix_import_file(organization=organization, data=template_csv(), filename="t.csv", max_bytes=10**6)
    assert summary.journeys_created == ["Store visit"] and summary.touchpoints_created == 1
