"""Problems with a published table: said once per kind, with the count, the first places and the fix."""

import pytest

from ownership.imports.tables.layout import TableOptions
from ownership.imports.tables.problems import Place, ProblemLog, TableInvalid, TableProblem
from ownership.imports.tables.reading import read_table, tables_from_text


def problems_of(text: str, **options) -> list[TableProblem]:
    with pytest.raises(TableInvalid) as caught:
        read_table(tables_from_text(text), TableOptions(**options))
    return caught.value.problems


def test_one_letter_in_many_cells_is_one_message_with_its_count_and_first_places():
    rows = "".join(f"| Step {n} | S | R | S |\n" for n in range(1, 11))
    [problem] = problems_of("| Task | Ann | Bob | Cy |\n|---|---|---|---|\n" + rows, journey="J")
    assert problem.code == "unknown_letter" and problem.subject == "S" and problem.count == 20
    assert str(problem) == (
        "Unknown letter 'S': it is not R, A, C or I (20 cells: row 2, column 'Ann', value 'S'; "
        "row 2, column 'Cy', value 'S'; row 3, column 'Ann', value 'S'; and 17 more). "
        "Map it in the letter map: S=R to read it as Responsible, S= to leave it out"
    )


def test_each_unknown_letter_is_its_own_message_and_listed_for_the_letter_map():
    with pytest.raises(TableInvalid) as caught:
        read_table(tables_from_text("Task,Ann,Bob\nOne,S,W\nTwo,V/R,S\n"), TableOptions(journey="J"))
    assert caught.value.unknown_letters == ("S", "W", "V")
    assert [problem.count for problem in caught.value.problems] == [2, 1, 1]


def test_a_letter_map_clears_the_unknown_letters():
    table = read_table(
        tables_from_text("Task,Ann,Bob\nOne,S,W\nTwo,V/R,O\n"),
        TableOptions(journey="J", letter_map={"S": "R", "W": "I", "V": "C", "O": ""}),
    )
    assert [row.cells for row in table.rows] == [
        (("Ann", frozenset("R")), ("Bob", frozenset("I"))),
        (("Ann", frozenset("RC")),),
    ]
    assert table.notes == (
        "Letter map: S read as R in 1 cell, W read as I in 1 cell, V read as C in 1 cell, O read as nothing in 1 cell",
    )


def test_none_markers_are_empty_and_counted_once():
    table = read_table(tables_from_text("Task,Ann,Bob\nOne,N/A,A\nTwo,-,—\nThree,n/a,R\n"), TableOptions(journey="J"))
    assert [len(row.cells) for row in table.rows] == [1, 0, 1]
    assert table.notes == ("4 cells saying nobody (N/A, -, —, none, TBD …) read as empty",)


def test_bold_letters_in_markdown_are_letters():
    table = read_table(tables_from_text("| Task | Ann |\n|---|---|\n| One | **A/R** |\n"), TableOptions(journey="J"))
    assert table.rows[0].cells == (("Ann", frozenset("AR")),)


def test_text_in_a_letter_column_is_one_message_per_column():
    text = "Task,Ann,Bob\nOne,A,R\nTwo,Yes,R\nThree,A,R\nFour,ask Bob,C\n"
    [problem] = problems_of(text, journey="J")
    assert problem.code == "not_letters" and problem.count == 2
    assert "row 3, column 'Ann', value 'Yes'; row 5, column 'Ann', value 'ask Bob'" in str(problem)
    assert "R, A, C or I" in problem.fix


@pytest.mark.parametrize(
    ("text", "code", "place"),
    [
        pytest.param(
            "Task,Ann,Ann\nOne,Q,Q\nTwo,Q,Q\n",
            "duplicate_function",
            "row 1, column 'Ann'",
            id="a-header-problem-stops-before-the-rows",
        ),
        pytest.param(
            "| Task | Ann | Bob |\n|---|---|---|\n| One | A | R |\n|  | A | C |\n",
            "no_activity_name",
            "row 3, column 'Task', value 'A'",
            id="a-row-with-letters-but-no-activity-name-is-named",
        ),
        pytest.param(
            "Task,Ann\nOne,A\nTwo,R\nOne,C\n",
            "duplicate_activity",
            "row 4, column 'Task', value 'One (row 2)'",
            id="the-same-activity-twice-in-one-stage-with-other-letters-is-refused",
        ),
    ],
)
def test_a_table_with_one_problem_names_it_and_its_first_place(text, code, place):
    [problem] = problems_of(text, journey="J")
    assert problem.code == code
    assert str(problem.places[0]) == place


def test_function_names_differing_in_case_or_hyphens_are_one_column_twice():
    [problem] = problems_of("Task,Customer Service,customer-service\nOne,A,R\n", journey="J")
    assert problem.code == "duplicate_function" and "ignoring case" in problem.reason


def test_a_column_of_letters_without_a_name_is_refused_at_the_header():
    [problem] = problems_of("Task,Ann,\nOne,A,R\nTwo,C,R\n", journey="J")
    assert problem.code == "unnamed_function"
    assert str(problem) == (
        "A column holds letters but has no name, so it cannot say whose letters they are "
        "(row 1, column 'column 3', value 'R'). Write the function's name in the header of that column"
    )


def test_an_exact_repeat_of_a_row_is_read_once_and_reported():
    table = read_table(tables_from_text("Task,Ann\nOne,A\nTwo,R\nOne,A\n"), TableOptions(journey="J"))
    assert [row.touchpoint for row in table.rows] == ["One", "Two"]
    assert table.notes == ("Row 4 repeats row 2 ('One') exactly: read once",)


def test_one_name_twice_in_a_stage_with_different_letters_is_a_contradiction():
    [problem] = problems_of("Task,Ann\nCashier,A\nCashier,R\n", journey="J")
    assert problem.code == "duplicate_activity" and "contradict each other" in problem.reason


def test_an_activity_in_several_stages_is_one_touchpoint_per_stage_named_after_it():
    text = (
        "Phase,Task,Ann\nPlan,Reconcile failures,A\nPlan,Kick-off,R\n"
        "Build,Reconcile failures,R\nRun,reconcile failures,C\n"
    )
    table = read_table(tables_from_text(text), TableOptions(journey="J"))
    assert [row.touchpoint for row in table.rows] == [
        "Reconcile failures (Plan)",
        "Kick-off",
        "Reconcile failures (Build)",
        "reconcile failures (Run)",
    ]
    assert table.notes[-1] == (
        "'Reconcile failures' appears in 3 stages: one touchpoint per stage, named "
        "'Reconcile failures (Plan)', 'Reconcile failures (Build)', 'reconcile failures (Run)'"
    )


def test_a_stage_name_clash_from_repeated_activities_is_refused():
    text = "Phase,Task,Ann\nPlan,Review,A\nBuild,Review,R\nBuild,Review (Plan),C\n"
    [problem] = problems_of(text, journey="J")
    assert problem.code == "duplicate_activity" and "named after its stage" in problem.reason


def test_a_missing_stage_with_nothing_above_is_left_for_the_matrix_file_check():
    table = read_table(tables_from_text("journey,stage,touchpoint,Ann\nJ,,One,A\nJ,,Two,R\n"), TableOptions())
    assert [(row.stage, row.touchpoint) for row in table.rows] == [("", "One"), ("", "Two")]


def test_a_header_without_rows_is_refused():
    [problem] = problems_of("Task,Ann\n", journey="J")
    assert str(problem) == (
        "The table has a header but no activities below it (row 1). Add one row per activity under the header"
    )


def test_every_problem_names_a_fix():
    cases = [
        ("Task,Ann\nOne,S\n", {"journey": "J"}),
        ("Task,Ann\nOne,Q\n", {}),
        ("Task,Ann,Ann\nOne,A,A\n", {"journey": "J"}),
        ("Task,Ann\nOne,Yes\nTwo,A\nThree,A\n", {"journey": "J"}),
        ("Task,R,A,W\nOne,Ann,Bob,Cy\n", {"journey": "J"}),
    ]
    for text, options in cases:
        for problem in problems_of(text, **options):
            assert problem.fix and problem.fix[0].isupper(), problem


def test_problem_log_keeps_three_places_and_counts_the_rest():
    log = ProblemLog()
    for row in range(2, 12):
        log.add("x", reason="bad", fix="Fix it", place=Place(row, "Ann", "Q"), subject="Q")
    [problem] = log.problems()
    assert problem.count == 10 and len(problem.places) == 3
    assert str(problem).endswith("; and 7 more). Fix it")


def test_a_problem_reads_without_its_first_place_for_tables_of_errors():
    log = ProblemLog()
    for row in (2, 5, 9, 11):
        log.add("x", reason="bad letter", fix="Fix it", place=Place(row, "Ann", "Q"), subject="Q")
    [problem] = log.problems()
    assert problem.without_first_place() == (
        "Bad letter (4 in all; also row 5, column 'Ann', value 'Q'; row 9, column 'Ann', value 'Q'; and 1 more). Fix it"
    )
    log = ProblemLog()
    log.add("y", reason="no journey", fix="Name it", place=Place(1, "", ""))
    assert log.problems()[0].without_first_place() == "No journey. Name it"


def test_problems_in_rows_come_with_the_rows_read_without_one():
    with pytest.raises(TableInvalid) as caught:
        read_table(tables_from_text("Task,Ann\nOne,A\nTwo,S\n,R\nThree,R\n"), TableOptions(journey="J"))
    assert [problem.code for problem in caught.value.problems] == ["unknown_letter", "no_activity_name"]
    partial = caught.value.partial
    assert [(row.touchpoint, row.cells) for row in partial.rows] == [
        ("One", (("Ann", frozenset("A")),)),
        ("Two", ()),
        ("Three", (("Ann", frozenset("R")),)),
    ]


def test_problems_in_the_header_come_without_rows():
    with pytest.raises(TableInvalid) as caught:
        read_table(tables_from_text("Task,Ann,Ann\nOne,A,R\n"), TableOptions(journey="J"))
    assert caught.value.partial is None
