"""Published charts read with no option at all (issue 19): each shape a careful reader would
read without being told how, and the decision said in the notes.

The tables are written for these tests, in the shapes published charts take.
"""

import io

import openpyxl
import pytest

from ownership.imports.matrixfile.sheet import MatrixLimits
from ownership.imports.reading import PASTED_TEXT, matrix_read_source
from ownership.imports.tables.layout import TableOptions
from ownership.imports.tables.problems import TableInvalid
from ownership.imports.tables.reading import read_table, tables_from_text

LIMITS = MatrixLimits(max_bytes=10**7, max_rows=10_000, max_columns=200)


def read(text: str, **options):
    return read_table(tables_from_text(text), TableOptions(**options))


def read_file(data: bytes, filename: str):
    return matrix_read_source(data=data, filename=filename, limits=LIMITS)


def grid(sheet) -> dict[tuple[str, str, str], dict[str, str]]:
    """(journey, stage, touchpoint) -> {function: letters} of a read sheet or table."""
    return {
        (row.journey, row.stage, row.touchpoint): {name: "/".join(sorted(held)) for name, held in row.cells}
        for row in sheet.rows
    }


def workbook(*sheets: tuple[str, list[tuple]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def noted(notes, *words: str) -> bool:
    return any(all(word in note for word in words) for note in notes)


# --- 1. the journey of a chart without a journey column ------------------------------------------


def test_the_journey_is_named_from_the_heading_above_the_chart():
    text = "# RACI Matrix — Checkout\n\n| Activity | Payments | Support |\n|---|---|---|\n| Refund | A | R |\n"
    table = read(text)
    assert {row.journey for row in table.rows} == {"Checkout"}
    assert noted(table.notes, "journey named 'Checkout'", "RACI Matrix — Checkout")


@pytest.mark.parametrize(
    ("title", "journey"),
    [
        ("Checkout RACI", "Checkout"),
        ("RACI chart for the parcel returns", "Parcel returns"),
        ("Project Atlas: responsibilities", "Project Atlas"),
        ("Responsibility Assignment Matrix (RAM) - Onboarding", "Onboarding"),
        ("Matrice RACI du recrutement", "Recrutement"),
        ("Phase 1: Discovery", "Phase 1: Discovery"),
    ],
)
def test_the_words_that_only_say_raci_chart_are_not_the_journey(title, journey):
    text = f"<h2>{title}</h2><table><tr><th>Task</th><th>Ops</th></tr><tr><td>Ship</td><td>R</td></tr></table>"
    assert read(text).rows[0].journey == journey


def test_a_heading_that_only_says_raci_gives_way_to_the_page_title():
    text = "# Warehouse moves\n\n## RACI matrix\n\n| Task | Ops | Finance |\n|---|---|---|\n| Count stock | R | A |\n"
    assert read(text).rows[0].journey == "Warehouse moves"


def test_a_workbook_chart_is_named_after_its_sheet():
    data = workbook(("Supplier onboarding", [("Task", "Buyer", "Legal"), ("Vet supplier", "R", "C")]))
    reading = read_file(data, "raci.xlsx")
    assert reading.sheet.rows[0].journey == "Supplier onboarding"
    assert noted(reading.notes, "the sheet's name 'Supplier onboarding'")


def test_a_default_sheet_name_gives_way_to_the_file_name():
    data = workbook(("Sheet1", [("Task", "Buyer", "Legal"), ("Vet supplier", "R", "C")]))
    reading = read_file(data, "supplier_onboarding-RACI.xlsx")
    assert reading.sheet.rows[0].journey == "Supplier onboarding"
    assert noted(reading.notes, "the file's name")


def test_pasted_text_without_a_title_is_an_imported_chart():
    reading = read_file(b"Task,Buyer\nVet supplier,R\n", PASTED_TEXT)
    assert reading.sheet.rows[0].journey == "Imported chart"


def test_the_journey_option_overrides_the_name_read():
    text = "# RACI Matrix — Checkout\n\n| Activity | Payments |\n|---|---|\n| Refund | A |\n"
    table = read(text, journey="Refunds")
    assert table.rows[0].journey == "Refunds" and not noted(table.notes, "journey named")


# --- 2. the letter key beside or below the chart ------------------------------------------------


def test_a_key_block_beside_a_workbook_chart_is_read_not_imported():
    rows = [
        ("Vendor selection", None, None, None, None, None, None),
        (None,) * 7,
        ("Task", "Buyer", "Legal", "Finance", None, None, None),
        ("Shortlist", "R", "I", "C", None, None, None),
        ("Negotiate", "A", "S", "R", None, "Key", None),
        ("Sign", "I", "R", "A", None, "R", "Responsible"),
        ("Pay", "N", "I", "R", None, "A", "Accountable"),
        ("Review", "C", "W", "A", None, "S", "Support"),
        (None, None, None, None, None, "N", "Not involved"),
        (None, None, None, None, None, "W", "Witness"),
    ]
    reading = read_file(workbook(("Sheet1", rows)), "vendor.xlsx")
    assert reading.sheet.functions == ("Buyer", "Legal", "Finance")
    assert grid(reading.sheet)[("Vendor selection", "Activities", "Negotiate")] == {
        "Buyer": "A",
        "Legal": "R",
        "Finance": "R",
    }
    assert grid(reading.sheet)[("Vendor selection", "Activities", "Pay")] == {"Legal": "I", "Finance": "R"}
    assert grid(reading.sheet)[("Vendor selection", "Activities", "Review")] == {
        "Buyer": "C",
        "Legal": "I",
        "Finance": "A",
    }
    assert noted(reading.notes, "key read", "S → R (Support)", "N → nothing (Not involved)", "W → I (Witness)")


def test_legend_rows_below_a_markdown_chart_are_not_activities():
    text = (
        "| Step | Ops | QA |\n|---|---|---|\n| Build | R | C |\n| Verify | I | V |\n"
        "| R: Responsible |\n| V: Verifier |\n| C: Consulted, I: Informed |\n"
    )
    table = read(text, journey="Release")
    assert [row.touchpoint for row in table.rows] == ["Build", "Verify"]
    assert letters_of(table, "Verify") == {"Ops": "I", "QA": "C"}


def test_a_key_cell_in_columns_of_its_own_beside_a_csv_chart():
    text = "Task,PM,Dev,,Legend\nPlan,A,R,,S = Support\nBuild,S,A,,N = Not involved\nTest,N,R,,\n"
    table = read(text)
    assert table.functions == ("PM", "Dev")
    assert letters_of(table, "Build") == {"PM": "R", "Dev": "A"}
    assert letters_of(table, "Test") == {"Dev": "R"}


def test_a_key_table_before_the_chart_teaches_its_letters():
    text = (
        "| Code | Role |\n|---|---|\n| R | Responsible |\n| S | Support |\n| W | Witness |\n\n"
        "| Activity | Desk | Field |\n|---|---|---|\n| Dispatch | R | S |\n| Close | W | R |\n"
    )
    table = read(text, journey="Repairs")
    assert letters_of(table, "Dispatch") == {"Desk": "R", "Field": "R"}
    assert letters_of(table, "Close") == {"Desk": "I", "Field": "R"}


def test_a_letter_the_key_does_not_explain_is_refused_quoting_the_key():
    text = "| Task | Ops | QA |\n|---|---|---|\n| Build | R | Q |\n| Ship | A | P |\n\nR: Responsible\n"
    text = text.replace("| Ship | A | P |\n", "| Ship | A | P |\n| P = Primary contact |\n| R: Responsible |\n")
    with pytest.raises(TableInvalid) as caught:
        read(text, journey="Release")
    reasons = {problem.subject: problem.reason for problem in caught.value.problems}
    assert "key says 'P = Primary contact'" in reasons["P"]
    assert "does not explain it" in reasons["Q"]


def letters_of(table, touchpoint: str) -> dict[str, str]:
    [row] = [row for row in table.rows if row.touchpoint == touchpoint]
    return {name: "/".join(sorted(held)) for name, held in row.cells}


# --- 3. letters with a remark ---------------------------------------------------------------------


def test_letters_with_a_remark_are_read_and_the_remark_kept_in_the_description():
    text = (
        "| Task | Product | Engineering | Design |\n|---|---|---|---|\n"
        '| Build | (C) | R (backend) | R (A) |\n| Launch | A | "R (Build)" | "(R)" |\n'
    )
    table = read(text, journey="Launch")
    assert letters_of(table, "Build") == {"Product": "C", "Engineering": "R", "Design": "A/R"}
    assert letters_of(table, "Launch") == {"Product": "A", "Engineering": "R", "Design": "R"}
    [build, launch] = table.rows
    assert build.description == "Engineering: backend" and launch.description == "Engineering: Build"
    [note] = [note for note in table.notes if "remark" in note]
    assert note.count("R (backend)") == 1 and "2 cells" in note


def test_a_remark_in_a_csv_cell_with_a_notes_column_keeps_both():
    table = read('Task,Notes,Ops\nDeploy,Friday only,"R (on call)"\n', journey="Ops")
    assert table.rows[0].description == "Friday only\nOps: on call"


# --- 8. names differing only in case; rows holding only a letter -----------------------------------


def test_names_differing_only_in_case_with_the_same_letters_are_one_activity():
    table = read("Task,Ann,Bo\nReview,A,R\nreview,A,R\n", journey="J")
    assert [row.touchpoint for row in table.rows] == ["Review"]


def test_names_differing_only_in_case_with_other_letters_are_both_kept():
    table = read("Task,Ann,Bo\nReview,A,R\nreview,C,A\n", journey="J")
    assert [row.touchpoint for row in table.rows] == ["Review", "review (2)"]
    assert letters_of(table, "review (2)") == {"Ann": "C", "Bo": "A"}
    assert noted(table.notes, "both kept", "'review (2)'")


# --- 4. an id column before the activity -------------------------------------------------------------


def test_an_id_column_is_ignored_and_bold_numbered_rows_are_stages():
    text = (
        "## Marketplace RACI\n\n| ID | Use Case | Customer | Vendor | Platform |\n|---|---|---|---|---|\n"
        "| **1** | **Catalog** | | | |\n| 1_0 | List a product | I | R | A |\n| 1_1 | Update stock | | R | C |\n"
        "| **2** | **Orders** | | | |\n| 2_0 | Place an order | R | I | A |\n"
    )
    table = read(text)
    assert [(row.stage, row.touchpoint) for row in table.rows] == [
        ("Catalog", "List a product"),
        ("Catalog", "Update stock"),
        ("Orders", "Place an order"),
    ]
    assert table.functions == ("Customer", "Vendor", "Platform")
    assert noted(table.notes, "Column 'ID'", "ignored")


def test_an_id_column_in_a_workbook_is_ignored():
    rows = [("No.", "Activity", "Ops", "Audit"), ("A-1", "Open the vault", "R", "I"), ("A-2", "Count", "R", "A")]
    reading = read_file(workbook(("Vault", rows)), "vault.xlsx")
    assert [row.touchpoint for row in reading.sheet.rows] == ["Open the vault", "Count"]
    assert reading.sheet.functions == ("Ops", "Audit")


# --- 5. a grouping column before the activity ----------------------------------------------------------


def test_a_repeated_grouping_column_is_the_stage():
    text = (
        "| Level / Phase | Activity | Architect | Developer |\n|---|---|---|---|\n"
        "| Business | Define the need | A | C |\n| Business | Reconcile failures | R | I |\n"
        "| System | Design the flow | A | R |\n| System | Reconcile failures | C | R |\n"
        "| Component | Reconcile failures | I | A |\n"
    )
    table = read(text, journey="Payments")
    assert [(row.stage, row.touchpoint) for row in table.rows] == [
        ("Business", "Define the need"),
        ("Business", "Reconcile failures (Business)"),
        ("System", "Design the flow"),
        ("System", "Reconcile failures (System)"),
        ("Component", "Reconcile failures (Component)"),
    ]
    assert noted(table.notes, "'Level / Phase' groups the activities")


def test_a_grouping_column_written_once_per_group_is_the_stage_of_the_rows_below():
    text = (
        "Key Management Area,Activity,Security,Platform\n"
        "Generation,Create keys,A,R\n,Store keys,C,R\n"
        "Rotation,Rotate yearly,A,R\n,Revoke on leak,R,A\n"
    )
    table = read(text, journey="Keys")
    assert [(row.stage, row.touchpoint) for row in table.rows] == [
        ("Generation", "Create keys"),
        ("Generation", "Store keys"),
        ("Rotation", "Rotate yearly"),
        ("Rotation", "Revoke on leak"),
    ]
    assert all(row.description == "" for row in table.rows)


# --- 7. an empty descriptor column ---------------------------------------------------------------------


@pytest.mark.parametrize("header", ["Priority", "PRIORITY", "Due date"])
def test_an_empty_descriptor_column_is_not_a_function(header):
    text = f"| {header} | Activity | PM | Dev |\n|---|---|---|---|\n|  | Plan | A | R |\n|  | Build | I | A |\n"
    assert read(text, journey="J").functions == ("PM", "Dev")


def test_a_pandas_export_with_an_empty_priority_column():
    text = (
        "| Unnamed: 0 | PRIORITY | ACTIVITY | Owner Team | Ops |\n| --- | --- | --- | --- | --- |\n"
        "| 0 | NaN | Plan | A | R |\n| 1 | NaN | Run | I | A |\n"
    )
    assert read(text, journey="J").functions == ("Owner Team", "Ops")


def test_workbook_rows_holding_only_a_letter_are_not_activities():
    rows = [
        ("Activity", "Finance", "HR"),
        ("Approve budget", "A", "C"),
        ("Hire", "I", "A"),
        (None, None, None),
        ("N", None, None),
        ("N", None, None),
    ]
    reading = read_file(workbook(("Budget", rows)), "budget.xlsx")
    assert [row.touchpoint for row in reading.sheet.rows] == ["Approve budget", "Hire"]
    assert noted(reading.notes, "2 rows holding one letter alone skipped")


# --- 6. several tables ------------------------------------------------------------------------------------

PHASES = """# Website relaunch RACI

| Code | Role |
|---|---|
| R | Responsible |
| A | Accountable |
| S | Support |

## Phase 1: Initiation

| Activity | Sponsor | Lead | Studio |
|---|---|---|---|
| Write the brief | A | R | S |
| Pick the studio | A | R | |

## Phase 2: Build

| Activity | Lead | Studio | QA |
|---|---|---|---|
| Build the pages | A | R | C |
| Review | I | R | A |

## Phase 3: Launch

<table>
<tr><th>Activity</th><th>Sponsor</th><th>Lead</th></tr>
<tr><td>Go live</td><td>A</td><td>R</td></tr>
<tr><td>Review</td><td>I</td><td>A</td></tr>
</table>
"""


def test_a_page_of_one_table_per_phase_is_one_journey_each_table_a_stage():
    reading = read_file(PHASES.encode(), "relaunch.md")
    assert {row.journey for row in reading.sheet.rows} == {"Website relaunch"}
    assert [(row.stage, row.touchpoint) for row in reading.sheet.rows] == [
        ("Phase 1: Initiation", "Write the brief"),
        ("Phase 1: Initiation", "Pick the studio"),
        ("Phase 2: Build", "Build the pages"),
        ("Phase 2: Build", "Review (Phase 2: Build)"),
        ("Phase 3: Launch", "Go live"),
        ("Phase 3: Launch", "Review (Phase 3: Launch)"),
    ]
    assert reading.sheet.functions == ("Sponsor", "Lead", "Studio", "QA")
    assert grid(reading.sheet)[("Website relaunch", "Phase 1: Initiation", "Write the brief")] == {
        "Sponsor": "A",
        "Lead": "R",
        "Studio": "R",
    }
    assert noted(reading.notes, "3 tables read as one journey", "'Phase 3: Launch'")
    assert noted(reading.notes, "key read: S → R (Support)")


def test_a_note_about_one_table_names_it_as_it_is_written():
    page = "## Phase 1: Sign-up\n\n| ID | Activity | Sales |\n|---|---|---|\n| 1 | Open the account | A |\n\n"
    page += "## Phase 2: First use\n\n| ID | Activity | Sales |\n|---|---|---|\n| 2 | Take the tour | R |\n"
    reading = read_file(page.encode(), "onboarding.md")
    assert noted(reading.notes, "Table 1 'Phase 1: Sign-up': Column 'ID'")


def test_one_table_of_the_page_can_still_be_chosen():
    table = read_table(tables_from_text(PHASES), TableOptions(table=3))
    assert [row.touchpoint for row in table.rows] == ["Build the pages", "Review"]
    assert table.rows[0].journey == "Website relaunch"


def test_an_html_table_inside_markdown_is_read():
    text = "# Intake\n\n<table><tr><th>Task</th><th>Desk</th></tr><tr><td>Triage</td><td>R</td></tr></table>\n"
    reading = read_file(text.encode(), "intake.md")
    assert grid(reading.sheet) == {("Intake", "Activities", "Triage"): {"Desk": "R"}}


def test_a_workbook_of_one_sheet_per_phase_is_one_journey():
    data = workbook(
        ("Plan", [("Task", "PMO", "Finance"), ("Budget", "R", "A")]),
        ("Key", [("Letter", "Meaning"), ("R", "Responsible"), ("A", "Accountable"), ("W", "Witness")]),
        ("Deliver", [("Task", "PMO", "Vendor"), ("Ship", "A", "R"), ("Audit", "W", "R")]),
    )
    reading = read_file(data, "office-move.xlsx")
    assert [(row.journey, row.stage, row.touchpoint) for row in reading.sheet.rows] == [
        ("Office move", "Plan", "Budget"),
        ("Office move", "Deliver", "Ship"),
        ("Office move", "Deliver", "Audit"),
    ]
    assert grid(reading.sheet)[("Office move", "Deliver", "Audit")] == {"PMO": "I", "Vendor": "R"}


def test_a_column_listing_the_key_letters_apart_from_the_chart_is_not_a_function():
    table = read("Task,PM,Dev,,\nPlan,A,R,,R\nBuild,R,A,,A\nTest,C,R,,C\nShip,I,A,,I\n", journey="J")
    assert table.functions == ("PM", "Dev")
    assert letters_of(table, "Plan") == {"PM": "A", "Dev": "R"}


def test_a_problem_in_one_of_several_tables_names_the_table():
    text = PHASES.replace("| Review | I | R | A |", "| Review | I | Q | A |")
    with pytest.raises(TableInvalid) as caught:
        read(text)
    [problem] = caught.value.problems
    assert "row 3 of table 3 'Phase 2: Build'" in str(problem)


def test_a_key_line_above_a_csv_chart_and_a_second_key_pair_beside_it_are_read():
    above = "R = Responsible, A = Accountable, W = Witness\n\nActivity,PM,Dev\nPlan,A,W\nBuild,R,A\n"
    assert letters_of(read(above, journey="J"), "Plan") == {"PM": "A", "Dev": "I"}
    beside = "Activity,PM,Dev,,,,,\nPlan,A,W,,R,Responsible,W,Witness\nBuild,R,A,,A,Accountable,,\n"
    assert letters_of(read(beside, journey="J"), "Plan") == {"PM": "A", "Dev": "I"}


def test_activities_named_like_a_keys_words_stay_activities():
    text = "Activity,Design\nReview the design,C\nInform the customer,I\nSupport the launch,R\n"
    table = read(text, journey="J")
    assert [row.touchpoint for row in table.rows] == ["Review the design", "Inform the customer", "Support the launch"]


def test_a_key_written_as_lines_of_a_markdown_page_teaches_its_letters():
    text = (
        "# Onboarding\n\n| Step | HR | IT | Security |\n|---|---|---|---|\n| Laptop | I | R | W |\n"
        "| Badge | R | S | A |\n\n**Legend:** R = Responsible, I = Informed\n\n- S = Support\n- **W**: Witness\n"
    )
    table = read(text)
    assert letters_of(table, "Laptop") == {"HR": "I", "IT": "R", "Security": "I"}
    assert letters_of(table, "Badge") == {"HR": "R", "IT": "R", "Security": "A"}
    assert table.table == "table 1 'Onboarding'"
