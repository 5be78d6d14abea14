"""The three layouts of a published RACI table, detected or forced, read into the matrix file's rows."""

import pytest

from ownership.imports.tables.canonical import CANONICAL_COLUMNS
from ownership.imports.tables.layout import DEFAULT_STAGE, Layout, TableOptions
from ownership.imports.tables.problems import TableInvalid
from ownership.imports.tables.reading import read_table, tables_from_text
from ownership.imports.tables.source import TableLimits, tables_from_sheets


def read(text: str, **options):
    return read_table(tables_from_text(text), TableOptions(**options))


def matrix(table) -> list[tuple[str, str, str, dict[str, str]]]:
    """(journey, stage, touchpoint, {function: letters}) per row, letters as the file writes them."""
    records = table.records()
    header = records[0]
    functions = header[len(CANONICAL_COLUMNS) :]
    return [
        (record[0], record[1], record[2], {f: v for f, v in zip(functions, record[7:], strict=True) if v})
        for record in records[1:]
    ]


# --- standard layout ------------------------------------------------------------------------------

STANDARD_CSV = (
    "journey,stage,touchpoint,channel,description,importance,out_of_scope,Sales,Customer Service\n"
    "Store visit,Arrive,Parking lot,Car,Where people park,2,yes,,I\n"
    "Store visit,Pay,Cashier,Store,,5,,A/R,C\n"
)


def test_standard_layout_is_detected_and_passes_every_column_through():
    table = read(STANDARD_CSV)
    assert table.layout == Layout.STANDARD
    assert table.records() == [
        [*CANONICAL_COLUMNS, "Sales", "Customer Service"],
        ["Store visit", "Arrive", "Parking lot", "Car", "Where people park", "2", "yes", "", "I"],
        ["Store visit", "Pay", "Cashier", "Store", "", "5", "", "R/A", "C"],
    ]
    assert table.notes == ()


def test_standard_layout_needs_no_journey_option():
    assert read(STANDARD_CSV).rows[0].journey == "Store visit"


def test_standard_layout_reports_an_unneeded_journey_option():
    table = read(STANDARD_CSV, journey="Other")
    assert table.rows[0].journey == "Store visit"
    assert any("journey option was not needed" in note for note in table.notes)


def test_standard_layout_grouped_journey_and_stage_cells_fill_down():
    text = "journey,stage,touchpoint,Sales\nStore visit,Arrive,Parking lot,A\n,,Signage,R\n,Pay,Cashier,A\n"
    assert [(r[0], r[1], r[2]) for r in matrix(read(text))] == [
        ("Store visit", "Arrive", "Parking lot"),
        ("Store visit", "Arrive", "Signage"),
        ("Store visit", "Pay", "Cashier"),
    ]


def test_forcing_the_standard_layout_names_the_missing_columns():
    with pytest.raises(TableInvalid) as caught:
        read("Task,Sales\nQuote,A\n", layout=Layout.STANDARD, journey="Sales")
    [problem] = caught.value.problems
    assert problem.code == "missing_column"
    assert "journey, stage" in problem.reason and "row 1" in str(problem)


# --- activity-first layout ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "Touchpoint",
        "activity",
        "ACTIVITIES",
        "Task",
        "Tasks",
        "Deliverable",
        "Decision",
        "Step",
        "Process",
        "Action",
        "Decision / action",
        "Key activities",
        "Task / Activity",
        "Deliverable or Task",
    ],
)
def test_activity_column_is_found_by_its_common_names(header):
    table = read(f"{header},Sales,IT\nQuote,A,R\nOrder,R,A\n", journey="Buy online")
    assert table.layout == Layout.ACTIVITY
    assert table.functions == ("Sales", "IT")
    assert matrix(table) == [
        ("Buy online", DEFAULT_STAGE, "Quote", {"Sales": "A", "IT": "R"}),
        ("Buy online", DEFAULT_STAGE, "Order", {"Sales": "R", "IT": "A"}),
    ]


def test_activity_column_without_a_usual_name_is_found_by_its_text():
    table = read("Work Item,Sales,IT\nQuote,A,R\n", journey="Buy online")
    assert matrix(table)[0][2] == "Quote"
    assert table.sources["touchpoint"] == "Work Item"


def test_an_unnamed_activity_column_is_not_dropped():
    table = read(",Sales,IT\nQuote,A,R\nOrder,R,A\n", journey="Buy online")
    assert [row[2] for row in matrix(table)] == ["Quote", "Order"]


def test_activity_column_can_be_chosen_by_name():
    table = read(
        "Owner note,Milestone,Sales\nfirst,Quote,A\nsecond,Order,R\n", journey="J", touchpoint_column="milestone"
    )
    assert [row[2] for row in matrix(table)] == ["Quote", "Order"]
    assert table.rows[0].description == "first"


def test_choosing_a_column_that_does_not_exist_lists_the_columns():
    with pytest.raises(TableInvalid) as caught:
        read("Task,Sales\nQuote,A\n", journey="J", touchpoint_column="Milestone")
    [problem] = caught.value.problems
    assert problem.code == "no_such_column"
    assert "'Task', 'Sales'" in problem.fix


def test_stage_defaults_to_the_option_then_to_one_stage():
    assert read("Task,Sales\nQuote,A\n", journey="J", stage="Buy").rows[0].stage == "Buy"
    assert read("Task,Sales\nQuote,A\n", journey="J").rows[0].stage == DEFAULT_STAGE


def test_a_phase_column_gives_the_stage_and_fills_down():
    table = read("Phase,Task,Sales\nPlan,Quote,A\n,Price,R\nBuild,Order,A\n", journey="J")
    assert [(row[1], row[2]) for row in matrix(table)] == [("Plan", "Quote"), ("Plan", "Price"), ("Build", "Order")]
    assert any("took the value above" in note for note in table.notes)


def test_activity_table_without_a_journey_or_a_title_is_an_imported_chart():
    table = read("Task,Sales\nQuote,R\n")
    assert [row[0] for row in matrix(table)] == ["Imported chart"]
    assert any("journey named 'Imported chart'" in note for note in table.notes)


def test_activity_table_with_a_journey_column_needs_no_option():
    table = read("Journey,Task,Sales\nBuy,Quote,A\nReturn,Refund,R\n")
    assert [row[0] for row in matrix(table)] == ["Buy", "Return"]


def test_one_cell_rows_become_stages():
    text = "| Task | Sales | IT |\n|---|---|---|\n| Quote | A | R |\n| **Build** |\n| Order | R | A |\n| Ship | A | |\n"
    table = read(text, journey="J", stage="Plan")
    assert [(row[1], row[2]) for row in matrix(table)] == [("Plan", "Quote"), ("Build", "Order"), ("Build", "Ship")]
    assert any("stage headings: 'Build' (row 3)" in note for note in table.notes)


def test_padded_bold_rows_and_plain_one_cell_rows_are_headings_too():
    text = "Task,Sales\nPLANNING:,\nQuote,A\n"
    assert read(text, journey="J").rows[0].stage == "PLANNING"
    text = "| Task | Sales |\n|---|---|\n| **Planning** | |\n| Quote | A |\n"
    assert read(text, journey="J").rows[0].stage == "Planning"


def test_heading_rows_can_be_turned_off():
    table = read("Task,Sales\nUnowned step,\nQuote,A\n", journey="J", heading_rows=False)
    assert [row[2] for row in matrix(table)] == ["Unowned step", "Quote"]


def test_with_a_stage_column_a_lone_activity_is_an_unassigned_touchpoint():
    table = read("Stage,Task,Sales\nPlan,Quote,A\n,Unowned step,\n", journey="J")
    assert matrix(table)[1] == ("J", "Plan", "Unowned step", {})


def test_merged_stage_cells_in_a_workbook_fill_down():
    rows = [
        ("Stage", "Activity", "Sales", "IT"),
        ("Plan", "Quote", "A", "R"),
        (None, "Price", "R", "A"),
        ("Build", "Order", "A", None),
    ]
    table = read_table(tables_from_sheets([("RACI", rows)], limits=TableLimits()), TableOptions(journey="J"))
    assert [(row[1], row[2]) for row in matrix(table)] == [("Plan", "Quote"), ("Plan", "Price"), ("Build", "Order")]


def test_title_rows_above_a_workbook_header_are_skipped_and_reported():
    rows = [("RACI chart for the store",), (), ("Task", "Sales"), ("Quote", "A")]
    table = read_table(tables_from_sheets([("RACI", rows)], limits=TableLimits()), TableOptions(journey="J"))
    assert table.header_row == 3 and table.rows[0].source_row == 4
    assert table.notes[0] == "Rows 1–2 above the header were skipped: RACI chart for the store"


def test_id_columns_are_not_functions_and_are_reported_once():
    table = read("Step Id,Task,Sales\n1,Quote,A\n2,Order,R\n3,Ship,\n", journey="J")
    assert table.functions == ("Sales",)
    assert table.notes == ("Column 'Step Id' holds no RACI letters (values like '1', '2'): not a function, ignored",)


def test_text_columns_are_not_functions_and_are_kept_as_the_description():
    table = read("Task,Sales,Notes\nQuote,A,Ask the manager first\nOrder,R,\n", journey="J")
    assert table.functions == ("Sales",)
    assert table.rows[0].description == "Ask the manager first"
    assert "kept in the description" in table.notes[0]


def test_several_text_columns_are_kept_labelled_in_the_description():
    table = read("Task,Deliverables,Sales,Comments\nQuote,Price list,A,urgent\n", journey="J")
    assert table.rows[0].description == "Deliverables: Price list\nComments: urgent"


def test_a_column_called_notes_that_holds_letters_is_a_function():
    assert read("Task,Notes\nQuote,A\nOrder,R\n", journey="J").functions == ("Notes",)


def test_channel_importance_and_out_of_scope_columns_are_read_by_name():
    table = read("Task,Channel,Importance,Out of scope,Sales\nQuote,Web,5,yes,A\n", journey="J")
    row = table.rows[0]
    assert (row.channel, row.importance, row.out_of_scope) == ("Web", "5", "yes")


# --- transposed layout ----------------------------------------------------------------------------


def test_transposed_table_is_detected_and_its_names_become_functions():
    text = (
        "| Deliverable | Responsible | Accountable | Consulted | Informed |\n|---|---|---|---|---|\n"
        "| Launch plan | Marketing | Head of Product | Sales, Legal | Execs |\n"
        "| Price list | Finance and Sales | CFO | Marketing | — |\n"
    )
    table = read(text, journey="Launch")
    assert table.layout == Layout.TRANSPOSED
    assert table.functions == ("Marketing", "Head of Product", "Sales", "Legal", "Execs", "Finance", "CFO")
    assert matrix(table) == [
        (
            "Launch",
            DEFAULT_STAGE,
            "Launch plan",
            {"Marketing": "R", "Head of Product": "A", "Sales": "C", "Legal": "C", "Execs": "I"},
        ),
        ("Launch", DEFAULT_STAGE, "Price list", {"Marketing": "C", "Sales": "R", "Finance": "R", "CFO": "A"}),
    ]


@pytest.mark.parametrize(
    "headers",
    [
        "R,A,C,I",
        "r,a,c,i",
        "Responsible (R),Accountable (A),Consulted (C),Informed (I)",
        "R - Responsible,A - Accountable,C - Consulted,I - Informed",
        "**R**,**A**,**C**,**I**",
    ],
)
def test_transposed_letter_columns_are_recognised_in_any_spelling(headers):
    table = read(f"Task,{headers}\nQuote,Sales,Sales,IT,CEO\n", journey="J")
    assert table.layout == Layout.TRANSPOSED
    assert matrix(table)[0][3] == {"Sales": "R/A", "IT": "C", "CEO": "I"}


def test_one_function_in_several_letter_columns_holds_each_letter():
    table = read("Task,R,A\nQuote,Sales,sales\n", journey="J")
    assert matrix(table)[0][3] == {"Sales": "R/A"}


def test_role_names_that_look_like_letters_are_names_in_a_transposed_table():
    table = read("Task,R,A,C,I\nModel review,AI,CI,IA,A\n", journey="J")
    assert table.functions == ("AI", "CI", "IA", "A")
    assert matrix(table)[0][3] == {"AI": "R", "CI": "A", "IA": "C", "A": "I"}


def test_transposed_remarks_are_dropped_unless_kept():
    text = "Task,R,A\nQuote,Legal (for contracts),**Sales**\n"
    assert read(text, journey="J").functions == ("Legal", "**Sales**")
    assert read(text, journey="J", keep_remarks=True).functions == ("Legal (for contracts)", "**Sales**")
    markdown = "| Task | R | A |\n|---|---|---|\n| Quote | Legal (for contracts) | **Sales** |\n"
    assert read(markdown, journey="J").functions == ("Legal", "Sales")


def test_transposed_variant_letter_column_must_be_mapped():
    text = "Task,R,A,S,C,I\nQuote,Sales,CEO,IT,Legal,Execs\n"
    with pytest.raises(TableInvalid) as caught:
        read(text, journey="J")
    [problem] = caught.value.problems
    assert problem.code == "unknown_letter" and problem.subject == "S"
    assert str(problem.places[0]) == "row 1, column 'S', value 'S'"
    assert "S=R" in problem.fix and "S=" in problem.fix
    assert matrix(read(text, journey="J", letter_map={"S": "R"}))[0][3]["IT"] == "R"
    dropped = read(text, journey="J", letter_map={"S": ""})
    assert "IT" not in dropped.functions


def test_transposed_other_columns_are_kept_as_the_description():
    table = read("Work item,Responsible,Accountable,Artifact\nScope,PM,PM,scope.md\n", journey="J")
    assert table.rows[0].description == "scope.md"
    assert table.functions == ("PM",)


def test_a_function_named_like_a_file_column_is_refused():
    with pytest.raises(TableInvalid) as caught:
        read("Task,R,A\nQuote,Journey,Sales\n", journey="J")
    assert caught.value.problems[0].code == "reserved_name"


# --- forcing a layout -----------------------------------------------------------------------------


def test_forcing_the_activity_layout_reads_letter_headers_as_functions():
    table = read("Task,R,A\nQuote,x,A\n", journey="J", layout=Layout.ACTIVITY, letter_map={"X": "R"})
    assert table.layout == Layout.ACTIVITY
    assert table.functions == ("R", "A")


def test_forcing_the_transposed_layout_without_letter_columns_says_so():
    with pytest.raises(TableInvalid) as caught:
        read("Task,Sales\nQuote,A\n", journey="J", layout=Layout.TRANSPOSED)
    assert caught.value.problems[0].code == "no_letter_columns"


# --- choosing the table ---------------------------------------------------------------------------

TWO_TABLES = (
    "## Key\n| Letter | Meaning |\n|---|---|\n| R | Responsible: does it |\n| A | Accountable: owns it |\n"
    "| C | Consulted: asked |\n| I | Informed: told |\n\n"
    "## History\n| Version | Author |\n|---|---|\n| 1 | Ann |\n\n"
    "## RACI\n| Task | Sales |\n|---|---|\n| Quote | A |\n"
)


def test_the_first_table_holding_a_matrix_is_chosen_past_legends_and_others():
    table = read(TWO_TABLES, journey="J")
    assert table.table == "table 3 'RACI' of 3"
    assert matrix(table) == [("J", DEFAULT_STAGE, "Quote", {"Sales": "A"})]


def test_a_table_can_be_chosen_by_number():
    with pytest.raises(TableInvalid) as caught:
        read(TWO_TABLES, journey="J", table=2)
    assert caught.value.problems[0].code == "no_matrix"
    assert "table 2 'History'" in caught.value.problems[0].reason
    with pytest.raises(TableInvalid) as caught:
        read(TWO_TABLES, journey="J", table=4)
    assert str(caught.value.problems[0]) == "There is no table 4: the source holds 3 tables. Choose a table from 1 to 3"


def test_text_without_a_table_says_how_to_paste_one():
    with pytest.raises(TableInvalid) as caught:
        read("Just some words", journey="J")
    assert caught.value.problems[0].code == "no_header"
    with pytest.raises(TableInvalid) as caught:
        read_table([], TableOptions())
    assert "Markdown table" in caught.value.problems[0].fix
