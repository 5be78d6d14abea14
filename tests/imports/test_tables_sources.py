"""Finding tables in what people publish: Markdown, HTML, CSV text and workbook sheets."""

import datetime
import subprocess
import sys

import pytest

from ownership.imports.tables.problems import TableInvalid
from ownership.imports.tables.reading import tables_from_text
from ownership.imports.tables.source import TableLimits, tables_from_sheets, text_format


def cells(table) -> list[tuple[str, ...]]:
    return [row.cells for row in table.rows]


# --- the package stays pure ---------------------------------------------------------------------


def test_the_tables_package_imports_nothing_from_django():
    code = "import sys, ownership.imports.tables; print(any(m.split('.')[0] == 'django' for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# --- what pasted text is --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "markup"),
    [
        ("| Task | Sales |\n|---|---|\n| Quote | A |", "markdown"),
        ("Task | Sales\n:--|:-:\nQuote | A", "markdown"),
        ("<p>x</p><TABLE><tr><td>Task</td></tr></TABLE>", "html"),
        ("Task,Sales\nQuote,A\n", "csv"),
        ("Task\tSales\nQuote\tA\n", "csv"),
    ],
)
def test_pasted_text_is_recognised_by_its_markup(text, markup):
    assert text_format(text) == markup


# --- Markdown -------------------------------------------------------------------------------------


def test_markdown_table_rows_are_numbered_from_the_header_with_their_lines():
    text = "# Plan\n\n| Task | Sales |\n|---|---|\n| Quote | A |\n"
    [table] = tables_from_text(text)
    assert cells(table) == [("Task", "Sales"), ("Quote", "A")]
    assert [(row.number, row.line) for row in table.rows] == [(1, 3), (2, 5)]
    assert table.name == "Plan" and table.markup == "markdown"


def test_markdown_outer_pipes_are_optional_and_escaped_pipes_stay_in_the_cell():
    [table] = tables_from_text("Task | Sales\n--- | ---\nQuote \\| price | A\n")
    assert cells(table)[1] == ("Quote | price", "A")


def test_markdown_short_row_is_padded_and_marked_spanning():
    [table] = tables_from_text("| Task | Sales | IT |\n|---|---|---|\n| **Plan** |\n| Quote | A | R |\n")
    heading, activity = table.rows[1], table.rows[2]
    assert heading.cells == ("**Plan**", "", "") and heading.spanning
    assert not activity.spanning


def test_markdown_cells_beyond_the_header_are_dropped_and_reported():
    [table] = tables_from_text("| Task | Sales |\n|---|---|\n| Quote | A | | I |\n")
    assert cells(table)[1] == ("Quote", "A")
    assert "row 2 ('I')" in table.notes[0]


def test_markdown_finds_every_table_and_skips_fenced_examples():
    text = (
        "## History\n| Version | Date |\n|---|---|\n| 1 | 2024 |\n\n"
        "```\n| Task | Sales |\n|---|---|\n| Fake | A |\n```\n\n"
        "## RACI\n| Task | Sales |\n|---|---|\n| Quote | A |\n"
    )
    tables = tables_from_text(text)
    assert [(table.index, table.name) for table in tables] == [(1, "History"), (2, "RACI")]
    assert cells(tables[1])[1] == ("Quote", "A")


def test_markdown_table_ends_at_a_blank_line():
    [table] = tables_from_text("| Task | Sales |\n|---|---|\n| Quote | A |\n\n| not | a row |\n")
    assert len(table.rows) == 2


def test_markdown_table_inside_a_quote_is_read():
    [table] = tables_from_text("> | Task | Sales |\n> |---|---|\n> | Quote | A |\n")
    assert cells(table)[1] == ("Quote", "A")


# --- HTML -----------------------------------------------------------------------------------------


def test_html_table_is_read_with_header_cells_and_entities():
    html = (
        "<table><thead><tr><th>Task</th><th>R&amp;D</th></tr></thead>"
        "<tbody><tr><th>Quote</th><td> A </td></tr></tbody></table>"
    )
    [table] = tables_from_text(html)
    assert cells(table) == [("Task", "R&D"), ("Quote", "A")]


def test_html_rowspan_repeats_the_merged_cell_in_every_row_it_covers():
    html = (
        "<table><tr><th>Stage</th><th>Task</th><th>Sales</th></tr>"
        "<tr><td rowspan='2'>Buy</td><td>Quote</td><td>A</td></tr>"
        "<tr><td>Order</td><td>R</td></tr></table>"
    )
    [table] = tables_from_text(html)
    assert cells(table)[1:] == [("Buy", "Quote", "A"), ("Buy", "Order", "R")]


def test_html_colspan_keeps_columns_aligned_and_marks_the_row_spanning():
    html = (
        "<table><tr><th>Task</th><th>Sales</th><th>IT</th></tr>"
        "<tr><td colspan='3'><b>Planning</b></td></tr>"
        "<tr><td>Quote</td><td>A</td><td>R</td></tr></table>"
    )
    [table] = tables_from_text(html)
    assert table.rows[1].cells == ("Planning", "", "") and table.rows[1].spanning
    assert table.rows[2].cells == ("Quote", "A", "R") and not table.rows[2].spanning


def test_html_line_breaks_and_list_items_become_lines():
    html = (
        "<table><tr><th>Task</th><th>R</th></tr>"
        "<tr><td>Quote</td><td><ul><li>Sales</li><li>Legal</li></ul></td></tr></table>"
    )
    [table] = tables_from_text(html)
    assert cells(table)[1] == ("Quote", "Sales\nLegal")
    html = "<table><tr><th>Task</th><th>R</th></tr><tr><td>Quote</td><td>Sales<br>Legal</td></tr></table>"
    assert cells(tables_from_text(html)[0])[1] == ("Quote", "Sales\nLegal")


def test_html_scripts_styles_and_text_outside_tables_are_ignored():
    html = (
        "<style>td { color: red }</style><h2>RACI</h2><p>Intro</p>"
        "<table><caption>Store visit</caption><tr><th>Task</th><th>Sales<script>x()</script></th></tr>"
        "<tr><td>Quote</td><td>A</td></tr></table>"
    )
    [table] = tables_from_text(html)
    assert cells(table) == [("Task", "Sales"), ("Quote", "A")]
    assert table.name == "Store visit"


def test_html_nested_tables_are_tables_of_their_own():
    html = (
        "<table><tr><th>Task</th><th>Sales</th></tr><tr><td>Quote"
        "<table><tr><td>inner</td><td>x</td></tr></table></td><td>A</td></tr></table>"
    )
    outer, inner = tables_from_text(html)
    assert cells(outer)[1] == ("Quote", "A")
    assert cells(inner) == [("inner", "x")]


def test_html_without_end_tags_is_read_as_a_browser_would():
    html = "<table><tr><th>Task<th>Sales<tr><td>Quote<td>A</table>"
    assert cells(tables_from_text(html)[0]) == [("Task", "Sales"), ("Quote", "A")]


# --- CSV and tab-separated text -------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_text_delimiter_is_detected(delimiter):
    text = delimiter.join(["Task", "Sales", "IT"]) + "\n" + delimiter.join(["Quote", "A/R", "C"]) + "\n"
    [table] = tables_from_text(text)
    assert cells(table) == [("Task", "Sales", "IT"), ("Quote", "A/R", "C")]


def test_csv_text_with_commas_inside_tab_separated_cells_keeps_them():
    [table] = tables_from_text("Task\tSales\nQuote, price\tA\n")
    assert cells(table)[1] == ("Quote, price", "A")


def test_csv_text_byte_order_mark_is_not_part_of_the_first_header():
    [table] = tables_from_text("\ufeffTask,Sales\nQuote,A\n")
    assert table.rows[0].cells[0] == "Task"


def test_empty_text_holds_no_table():
    assert tables_from_text("") == []


# --- workbook sheets ------------------------------------------------------------------------------


def test_sheets_become_tables_with_cell_values_as_text():
    rows = [
        ("Task", "Sales", None),
        ("Quote", "A", 3.0),
        (True, datetime.date(2024, 5, 1), 2.5),
    ]
    [first, second] = tables_from_sheets([("RACI", rows), ("Notes", [("a", "b")])], limits=TableLimits())
    assert cells(first) == [("Task", "Sales", ""), ("Quote", "A", "3"), ("true", "2024-05-01", "2.5")]
    assert (first.name, first.markup, second.index) == ("RACI", "xlsx", 2)


# --- bounds ---------------------------------------------------------------------------------------


def test_too_many_rows_refuses_the_source():
    text = "| Task | Sales |\n|---|---|\n" + "| t | A |\n" * 5
    with pytest.raises(TableInvalid) as caught:
        tables_from_text(text, limits=TableLimits(max_rows=3))
    assert caught.value.problems[0].code == "too_big"
    assert "more than 3 rows" in str(caught.value)


def test_too_many_columns_refuses_the_source():
    with pytest.raises(TableInvalid, match="more than 4 columns"):
        tables_from_text("a,b,c,d,e\n1,2,3,4,5\n", limits=TableLimits(max_columns=4))


def test_a_huge_colspan_is_refused_not_built():
    html = "<table><tr><td colspan='1000'>x</td></tr></table>"
    with pytest.raises(TableInvalid, match="columns"):
        tables_from_text(html, limits=TableLimits(max_columns=50))


def test_an_over_long_cell_is_refused():
    with pytest.raises(TableInvalid, match="characters"):
        tables_from_text(
            "| Task | Sales |\n|---|---|\n| " + "x" * 50 + " | A |\n", limits=TableLimits(max_cell_chars=20)
        )
    with pytest.raises(TableInvalid, match="characters"):
        tables_from_text("<table><tr><td>" + "x" * 50 + "</td></tr></table>", limits=TableLimits(max_cell_chars=20))


def test_too_many_tables_are_refused():
    text = "<table><tr><td>x</td></tr></table>" * 4
    with pytest.raises(TableInvalid, match="more than 3 tables"):
        tables_from_text(text, limits=TableLimits(max_tables=3))
