"""The matrix file's own layout through the tables path: every file that imported imports the same.

The import reads CSV and XLSX files through ownership.imports.tables as well as pasted tables, so a
matrix file written by the export, or by hand in the standard layout, must come out of
`CanonicalTable.records()` exactly as the matrix file reader reads it directly.
"""

import csv
import io

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ownership.imports.matrixfile import read_matrix
from ownership.imports.matrixfile.sheet import MatrixFileInvalid, MatrixRow, MatrixSheet
from ownership.imports.matrixfile.writer import write_matrix_csv
from ownership.imports.tables.layout import Layout, TableOptions
from ownership.imports.tables.problems import TableInvalid
from ownership.imports.tables.reading import read_table, tables_from_text


def as_csv(records: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(records)
    return buffer.getvalue().encode()


def through_tables(text: str) -> MatrixSheet:
    """As an uploaded CSV file is read: its format known from its name, not guessed."""
    table = read_table(tables_from_text(text, markup="csv"), TableOptions())
    assert table.layout == Layout.STANDARD
    return read_matrix(as_csv(table.records()), filename="m.csv")


def directly(text: str) -> MatrixSheet:
    return read_matrix(text.encode(), filename="m.csv")


def test_functions_named_like_letters_activities_or_notes_stay_functions():
    text = "journey,stage,touchpoint,R,A,Task,Phase,Notes\nJ,S,T,A,R,C,I,A/R\nJ,S,U,,,,,\n"
    assert through_tables(text) == directly(text)
    assert directly(text).functions == ("R", "A", "Task", "Phase", "Notes")


def test_names_that_look_like_nobody_or_ids_are_names_in_the_standard_layout():
    text = "journey,stage,touchpoint,Sales\nJ,N/A,None,A\nJ,N/A,1,R\nJ,TBD,2,\n"
    assert through_tables(text) == directly(text)


def test_an_unnamed_column_is_ignored_as_it_always_was():
    text = "journey,stage,touchpoint,,Sales\nJ,S,T,whatever,A\n"
    assert through_tables(text) == directly(text)


def test_a_repeated_standard_column_is_refused_at_the_header():
    table_text = "journey,stage,touchpoint,Stage,Sales\nJ,S,T,X,A\n"
    try:
        read_table(tables_from_text(table_text), TableOptions())
    except TableInvalid as exc:
        [problem] = exc.problems
        assert problem.code == "duplicate_column"
        assert str(problem.places[0]) == "row 1, column 'Stage'"
    else:
        raise AssertionError("a repeated stage column was accepted")


_TEXT = st.one_of(
    st.text(alphabet=list("abcAB -_,;'\"\n|*#=+@()/NTD—é"), min_size=1, max_size=12),
    st.sampled_from(["N/A", "-", "TBD", "Task", "Phase", "Notes", "Step", "1", "2", "R", "AI"]),
)


@st.composite
def matrix_sheets(draw) -> MatrixSheet:
    functions = draw(st.lists(_TEXT, max_size=4))
    rows = []
    for number in range(2, draw(st.integers(3, 8))):
        cells = tuple((name, frozenset(draw(st.sets(st.sampled_from("RACI"), max_size=2)))) for name in functions)
        rows.append(
            MatrixRow(
                row_number=number,
                journey=draw(_TEXT),
                stage=draw(_TEXT),
                touchpoint=draw(_TEXT),
                channel=draw(st.one_of(st.just(""), _TEXT)),
                description=draw(st.one_of(st.just(""), _TEXT)),
                importance=draw(st.integers(1, 5)),
                out_of_scope=draw(st.booleans()),
                cells=tuple(cell for cell in cells if cell[1]),
            )
        )
    return MatrixSheet(tuple(functions), tuple(rows))


@settings(max_examples=150, suppress_health_check=list(HealthCheck), deadline=None)
@given(matrix_sheets())
def test_every_valid_matrix_file_reads_the_same_through_the_tables_path(sheet):
    try:
        data = write_matrix_csv(sheet)
        expected = read_matrix(data, filename="m.csv")
    except (ValueError, MatrixFileInvalid):
        assume(False)
    assert through_tables(data.decode()) == expected


_PIECES = st.sampled_from(
    ["|", "-", ":", "*", "_", "<", ">", "/", " ", ",", ";", "\n", "\t", "R", "A", "C", "I", "S", "x", "(", ")"]
    + ["<td>", "<tr>", "<th>", "<table>", "</table>", "colspan='3'", "<td rowspan=9>", "**", "N/A", "Task", "|---|"]
)


@settings(max_examples=200, suppress_health_check=list(HealthCheck), deadline=None)
@given(st.lists(_PIECES, max_size=80).map("".join))
def test_any_text_reads_or_is_refused_with_problems(text):
    try:
        table = read_table(tables_from_text(text), TableOptions(journey="J"))
    except TableInvalid as exc:
        assert exc.problems and all(problem.fix for problem in exc.problems)
    else:
        assert table.records()[0][:3] == ["journey", "stage", "touchpoint"]
