"""Tables in the shapes people publish, and the matrix file read the same through this path.

The shapes come from RACI charts published in wikis, READMEs and process documents (a key table
before the matrix, bold section rows, RASCI letters, HTML exports with styling, transposed tables
naming teams with remarks, workbooks with title rows and merged stage cells). The contents here
are written for these tests: the published originals carry no licence that allows copying them.
"""

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from ownership.imports.matrixfile import read_matrix
from ownership.imports.matrixfile.writer import write_matrix_csv
from ownership.imports.tables.layout import DEFAULT_STAGE, Layout, TableOptions
from ownership.imports.tables.problems import TableInvalid
from ownership.imports.tables.reading import read_table, tables_from_text
from ownership.imports.tables.source import TableLimits, tables_from_sheets

DEMO_MATRIX = Path(__file__).resolve().parents[2] / "ownership" / "demo" / "matrix.csv"


def read(text: str, **options):
    return read_table(tables_from_text(text), TableOptions(**options))


def letters(table) -> dict[tuple[str, str], dict[str, set[str]]]:
    return {(row.stage, row.touchpoint): {name: set(held) for name, held in row.cells} for row in table.rows}


def as_csv(records: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(records)
    return buffer.getvalue().encode()


# --- the matrix file itself -----------------------------------------------------------------------


def test_the_demo_matrix_reads_the_same_through_the_tables_path():
    data = DEMO_MATRIX.read_bytes()
    table = read_table(tables_from_text(data.decode()), TableOptions())
    assert table.layout == Layout.STANDARD and table.notes == ()
    assert read_matrix(as_csv(table.records()), filename="m.csv") == read_matrix(data, filename="m.csv")


def test_an_exported_matrix_reads_back_to_the_same_export():
    sheet = read_matrix(DEMO_MATRIX.read_bytes(), filename="m.csv")
    exported = write_matrix_csv(sheet)
    table = read_table(tables_from_text(exported.decode()), TableOptions())
    assert write_matrix_csv(read_matrix(as_csv(table.records()), filename="m.csv")) == exported


def test_cells_guarded_against_formulas_pass_through_for_the_importer_to_read():
    text = "journey,stage,touchpoint,description,Sales\nJ,S,'=Total,'-5 days,A\n"
    table = read(text)
    assert table.rows[0].touchpoint == "'=Total"
    assert read_matrix(as_csv(table.records()), filename="m.csv").rows[0].touchpoint == "=Total"


def test_canonical_records_name_the_published_row_and_column():
    table = read("| Task | Ann |\n|---|---|\n| **Plan** |\n| One | A |\n", journey="J")
    assert table.source_row(1) == 1 and table.source_row(2) == 3
    assert table.source_column("touchpoint") == "Task" and table.source_column("Ann") == "Ann"


# --- Markdown in wikis and READMEs ----------------------------------------------------------------

WIKI_PAGE = """# Release process

<details><summary>Key</summary>

| Letter | Name | Meaning |
| ------ | ---- | ------- |
| R | Responsible | Does the work |
| A | Accountable | Signs it off |
| C | Consulted | Asked before |
| I | Informed | Told after |
| - | Not involved | |

</details>

## Who does what

| Activity | Product Owner | Developers | QA Lead | Support |
|----------|---------------|------------|---------|---------|
| **Planning** |
| [Write the release notes](https://wiki/notes) | A | R | C | I |
| Freeze the branch | I | **A/R** | C | - |
| **Shipping** |
| Deploy | I | R | C | A |
| Smoke test | - | C | A/R | I |
| Announce | A/R | I | I | N/A |
"""


def test_wiki_matrix_with_a_key_table_and_bold_section_rows():
    table = read(WIKI_PAGE, journey="Release")
    assert table.layout == Layout.ACTIVITY
    assert table.table == "table 2 'Who does what' of 2"
    assert table.functions == ("Product Owner", "Developers", "QA Lead", "Support")
    assert letters(table) == {
        ("Planning", "Write the release notes"): {
            "Product Owner": {"A"},
            "Developers": {"R"},
            "QA Lead": {"C"},
            "Support": {"I"},
        },
        ("Planning", "Freeze the branch"): {"Product Owner": {"I"}, "Developers": {"A", "R"}, "QA Lead": {"C"}},
        ("Shipping", "Deploy"): {"Product Owner": {"I"}, "Developers": {"R"}, "QA Lead": {"C"}, "Support": {"A"}},
        ("Shipping", "Smoke test"): {"Developers": {"C"}, "QA Lead": {"A", "R"}, "Support": {"I"}},
        ("Shipping", "Announce"): {"Product Owner": {"A", "R"}, "Developers": {"I"}, "QA Lead": {"I"}},
    }


RASCI_README = """# Team charter

| **Deliverable or Task** | Ana | Ben | Chloé |
| --- | --- | --- | --- |
|   **ANALYSIS**   |     |     |     |
|   Gather requirements   |  R  |  S  |  S  |
|   Draft the plan   |  S  |  R  |  A  |
|   **BUILD**   |     |     |     |
|   Write the code   |  R  |  S  |  S  |
"""


def test_rasci_readme_is_refused_until_support_is_mapped_then_reads():
    with pytest.raises(TableInvalid) as caught:
        read(RASCI_README, journey="Charter")
    assert caught.value.unknown_letters == ("S",)
    assert "5 cells" in str(caught.value)
    table = read(RASCI_README, journey="Charter", letter_map={"S": "C"})
    assert letters(table)[("ANALYSIS", "Gather requirements")] == {"Ana": {"R"}, "Ben": {"C"}, "Chloé": {"C"}}
    assert [row.stage for row in table.rows] == ["ANALYSIS", "ANALYSIS", "BUILD"]


ONBOARDING_CHART = """# Onboarding

- **R** - Responsible

| Work Item | Platform QE | Product QE | Management |
|-----------|-------------|------------|------------|
| Prerequisites | C | R | I |
| Kick-off | R | A | I |
| Triggering | R | I | |
| Report | R | A | |
| Triggering | R | I | |
| Review | I | C | A/R | |C |
"""


def test_chart_with_an_unusual_activity_header_a_repeated_row_and_a_stray_cell():
    table = read(ONBOARDING_CHART, journey="Onboarding")
    assert [row.touchpoint for row in table.rows] == ["Prerequisites", "Kick-off", "Triggering", "Report", "Review"]
    assert {row.stage for row in table.rows} == {DEFAULT_STAGE}
    assert table.notes == (
        "The letter key (R = Responsible) was read, not imported",
        "Cells beyond the header's last column were ignored, as Markdown shows them: row 7 ('C')",
        "Row 6 repeats row 4 ('Triggering') exactly: read once",
    )


# --- HTML -----------------------------------------------------------------------------------------

STYLED_HTML = """<h1>Matrice RASCI</h1>
<style>.responsible { background: red; }</style>
<div class="responsible"><strong>R</strong>esponsible</div>
<table>
  <thead><tr><th> Tipologia di task </th><th>Project Manager </th><th>Sponsor</th><th>Team 2D</th></tr></thead>
  <tbody>
    <tr><th>Sprite 2D</th><td class="informed">I</td><td class="i-a">A I </td><td class="a-r"> R A</td></tr>
    <tr><th>Bilanciamento </th><td>I</td><td></td><td class="support"> S </td></tr>
    <tr><td colspan="4"><strong>Lancio</strong></td></tr>
    <tr><th>Trailer</th><td rowspan="2">I</td><td>A C I</td><td>R</td></tr>
    <tr><th>Demo</th><td>A</td><td>R</td></tr>
  </tbody>
</table>"""


def test_styled_html_export_with_row_headers_spans_and_support_letters():
    table = read(STYLED_HTML, journey="Lancio gioco", letter_map={"S": "R"}, stage="Produzione")
    assert table.table == "table 1 'Matrice RASCI'"
    assert letters(table) == {
        ("Produzione", "Sprite 2D"): {"Project Manager": {"I"}, "Sponsor": {"A", "I"}, "Team 2D": {"R", "A"}},
        ("Produzione", "Bilanciamento"): {"Project Manager": {"I"}, "Team 2D": {"R"}},
        ("Lancio", "Trailer"): {"Project Manager": {"I"}, "Sponsor": {"A", "C", "I"}, "Team 2D": {"R"}},
        ("Lancio", "Demo"): {"Project Manager": {"I"}, "Sponsor": {"A"}, "Team 2D": {"R"}},
    }


# --- transposed tables naming teams -----------------------------------------------------------------

GOVERNANCE_DOC = """## RACI snapshot

This table is a *minimum viable governance model*.

| Activity | Responsible | Accountable | Consulted | Informed |
|---|---|---|---|---|
| Onboarding (spec + docs) | Contributor + engineers | **Steward** | Council (if sensitive), Legal (rights) | Operator |
| Dataset promotion | Operator + data engineer | **Steward** | Council (sensitive), Security | Contributor |
| Billing | Payments (automated) | Platform Owner | — | — |
| Scope/requirements | `Hoang` | `Hoang` | `Key Coach` | N/A |
"""


def test_governance_doc_transposed_with_lists_remarks_and_nobody():
    table = read(GOVERNANCE_DOC, journey="Data")
    assert table.layout == Layout.TRANSPOSED
    assert letters(table) == {
        (DEFAULT_STAGE, "Onboarding (spec + docs)"): {
            "Contributor": {"R"},
            "engineers": {"R"},
            "Steward": {"A"},
            "Council": {"C"},
            "Legal": {"C"},
            "Operator": {"I"},
        },
        (DEFAULT_STAGE, "Dataset promotion"): {
            "Operator": {"R"},
            "data engineer": {"R"},
            "Steward": {"A"},
            "Council": {"C"},
            "Security": {"C"},
            "Contributor": {"I"},
        },
        (DEFAULT_STAGE, "Billing"): {"Payments": {"R"}, "Platform Owner": {"A"}},
        (DEFAULT_STAGE, "Scope/requirements"): {"Hoang": {"R", "A"}, "Key Coach": {"C"}},
    }


def test_governance_doc_keeps_remarks_when_asked():
    table = read(GOVERNANCE_DOC, journey="Data", keep_remarks=True)
    assert "Council (if sensitive)" in table.functions and "Payments (automated)" in table.functions


# --- workbooks ------------------------------------------------------------------------------------


def workbook_sheets(rows: list[tuple], merge: str = "") -> list[tuple[str, list[tuple]]]:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "RACI"
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    loaded = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()), read_only=True, data_only=True)
    return [(ws.title, list(ws.iter_rows(values_only=True))) for ws in loaded.worksheets]


def test_workbook_with_a_title_merged_stages_ids_and_none_markers():
    rows = [
        ("Change control RACI", None, None, None, None),
        (None, None, None, None, None),
        ("Step Id", "Phase", "Activity", "Change Manager", "CAB"),
        (1, "Request", "Log the change", "A", "N/A"),
        (2, None, "Assess the risk", "A/R", "C"),
        (3, "Approve", "Approve the change", "I", "A"),
        (4, None, "Schedule", "R", "-"),
    ]
    tables = tables_from_sheets(workbook_sheets(rows, merge="B4:B5"), limits=TableLimits())
    table = read_table(tables, TableOptions(journey="Change"))
    assert [(row.source_row, row.stage, row.touchpoint) for row in table.rows] == [
        (4, "Request", "Log the change"),
        (5, "Request", "Assess the risk"),
        (6, "Approve", "Approve the change"),
        (7, "Approve", "Schedule"),
    ]
    assert table.functions == ("Change Manager", "CAB")
    assert table.notes == (
        "Rows 1–2 above the header were skipped: Change control RACI",
        "Column 'Step Id' holds no RACI letters (values like '1', '2'): not a function, ignored",
        "An empty journey or stage cell took the value above it in 2 rows",
        "2 cells saying nobody (N/A, -, —, none, TBD …) read as empty",
    )


# --- spreadsheets turned into Markdown, and group labels over the functions ------------------------

PANDAS_EXPORT = """## Services RACI
| Unnamed: 0 | Unnamed: 1 | Services RACI MATRIX | Unnamed: 3 | Unnamed: 4 | Unnamed: 5 | Unnamed: 6 |
| --- | --- | --- | --- | --- | --- | --- |
| NaN | NaN | NaN | NaN | NaN | NaN | NaN |
| NaN | NaN | NaN | Sponsor | Project Manager | Sponsor | Project Manager |
| NaN | PRIORITY | ACTIVITY | Client | NaN | Agency | NaN |
| NaN | NaN | Project Management | NaN | NaN | NaN | NaN |
| NaN | High | Kick-off | A | R | I | C |
| NaN | NaN | Status reports | NaN | I | NaN | A/R |
| NaN | NaN | Approvals | NaN | NaN | NaN | NaN |
| NaN | Low | Sign-off | A | C | NaN | R |
"""


def test_spreadsheet_exported_to_markdown_by_pandas_reads_as_the_spreadsheet():
    table = read(PANDAS_EXPORT, journey="Services")
    assert table.functions == (
        "Sponsor (Client)",
        "Project Manager (Client)",
        "Sponsor (Agency)",
        "Project Manager (Agency)",
    )
    assert [(row.stage, row.touchpoint, row.description) for row in table.rows] == [
        ("Project Management", "Kick-off", "High"),
        ("Project Management", "Status reports", ""),
        ("Approvals", "Sign-off", "Low"),
    ]
    assert letters(table)[("Project Management", "Status reports")] == {
        "Project Manager (Client)": {"I"},
        "Project Manager (Agency)": {"A", "R"},
    }
    assert table.notes[:3] == (
        "Rows 1–2 above the header were skipped: Services RACI MATRIX",
        "Row 4 completes the header, naming 'PRIORITY', 'ACTIVITY'",
        "Columns with one name under different group labels are told apart: 'Sponsor (Client)', "
        "'Sponsor (Agency)', 'Project Manager (Client)', 'Project Manager (Agency)'",
    )


def test_workbook_group_labels_above_the_function_names():
    rows = [
        (None, "Client", None, "Vendor", None),
        ("Activity", "Owner", "Analyst", "Owner", "Engineer"),
        ("Requirements", "A", "R", "C", None),
        ("Build", "I", None, "A", "R"),
    ]
    table = read_table(tables_from_sheets([("RACI", rows)], limits=TableLimits()), TableOptions(journey="Delivery"))
    assert table.functions == ("Owner (Client)", "Analyst", "Owner (Vendor)", "Engineer")
    assert table.header_row == 2
    assert letters(table)[(DEFAULT_STAGE, "Build")] == {
        "Owner (Client)": {"I"},
        "Owner (Vendor)": {"A"},
        "Engineer": {"R"},
    }


def test_one_name_twice_without_group_labels_is_still_refused():
    with pytest.raises(TableInvalid) as caught:
        read("Task,Owner,Owner\nBuild,A,R\n", journey="J")
    assert caught.value.problems[0].code == "duplicate_function"
