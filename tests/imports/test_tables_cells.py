"""What one published cell says: plain text, nobody, letters under a letter map, names in a list."""

import pytest

from ownership.imports.tables.cells import (
    LetterReader,
    is_emphasised,
    is_none_marker,
    name_key,
    plain_text,
    split_names,
)
from ownership.imports.tables.problems import TableInvalid
from ownership.imports.tables.reading import parse_letter_map

# --- plain text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("**A/R**", "A/R"),
        ("__A__", "A"),
        ("*Legal*", "Legal"),
        ("_Legal_", "Legal"),
        ("***Sales***", "Sales"),
        ("~~Sales~~", "Sales"),
        ("`Key Coach`", "Key Coach"),
        ("[Draft the brief](https://wiki/brief)", "Draft the brief"),
        ("[Draft the brief][brief]", "Draft the brief"),
        ("![logo](x.png) Sales", "logo Sales"),
        ("Sales<br>Legal", "Sales\nLegal"),
        ("Sales<br/>Legal", "Sales\nLegal"),
        ("<b>A</b>", "A"),
        ("R&amp;D", "R&D"),
        ("a\\*b", "a*b"),
        ("  Sales   team  ", "Sales team"),
        ("customer_service_desk", "customer_service_desk"),
        ("2 * 3 * 4", "2 * 3 * 4"),
    ],
)
def test_markdown_syntax_is_removed_from_a_cell(raw, plain):
    assert plain_text(raw, "markdown") == plain


def test_spreadsheet_cells_keep_what_was_typed_but_their_ends():
    assert plain_text("  **Parking  lot**\n\nnear  door ", "csv") == "**Parking  lot**\n\nnear  door"
    assert plain_text(" x ", "xlsx") == "x"


@pytest.mark.parametrize("raw", ["**Planning**", "__Planning__", "*Planning*", "<strong>Planning</strong>"])
def test_a_wholly_emphasised_markdown_cell_is_emphasised(raw):
    assert is_emphasised(raw, "markdown")


@pytest.mark.parametrize(
    ("raw", "markup"), [("**Plan** and more", "markdown"), ("Plan", "markdown"), ("**Plan**", "csv")]
)
def test_partly_emphasised_or_spreadsheet_cells_are_not_emphasised(raw, markup):
    assert not is_emphasised(raw, markup)


@pytest.mark.parametrize("text", ["N/A", "n/a", "NA", "-", "--", "—", "–", "none", "None", "TBD", "tbc"])
def test_none_markers_mean_nobody(text):
    assert is_none_marker(text)


@pytest.mark.parametrize("text", ["A", "Nobody knows", "Sales", "0"])
def test_other_text_is_not_a_none_marker(text):
    assert not is_none_marker(text)


def test_name_key_ignores_case_spaces_hyphens_and_width():
    assert name_key("Customer-Service") == name_key("customer  service") == name_key("ＣＵＳＴＯＭＥＲ_service")
    assert name_key("Sales") != name_key("Sale")


# --- letters --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["A/R", "AR", "a, r", "A + R", "R;A", "r a", "A & R", "Accountable, Responsible"])
def test_letters_are_read_in_every_usual_spelling(text):
    reading = LetterReader().read(text)
    assert reading.letters == {"A", "R"} and reading.unknown == ()


def test_ai_in_a_letter_cell_is_accountable_and_informed():
    assert LetterReader().read("AI").letters == {"A", "I"}


def test_unknown_letters_are_named_once_each_in_order():
    reading = LetterReader().read("S/R/s/W")
    assert reading.letters == {"R"}
    assert reading.unknown == ("S", "W")


def test_a_dotless_i_is_not_informed():
    assert LetterReader().read("ı").unknown == ("ı",)


def test_letter_map_turns_variants_into_raci_letters_or_drops_them():
    reader = LetterReader({"s": "R", "W": "I", "O": ""})
    reading = reader.read("S/W/O/A")
    assert reading.letters == {"R", "I", "A"}
    assert reading.unknown == ()
    assert reading.mapped == ("S", "W", "O")


def test_letter_map_reads_variant_words():
    reading = LetterReader({"S": "C"}).read("Support")
    assert reading.letters == {"C"}


def test_letter_map_can_change_a_raci_letter():
    assert LetterReader({"I": ""}).read("A/I").letters == {"A"}


def test_none_marker_holds_no_letters():
    reading = LetterReader().read("N/A")
    assert reading.letters == frozenset() and reading.unknown == ()


@pytest.mark.parametrize("text", ["A/R", "S", "x", "✓", "TBD", "Accountable", "C / I", "RACI", ""])
def test_letter_like_cells(text):
    assert LetterReader().looks_like_letters(text)


@pytest.mark.parametrize("text", ["1", "12", "Yes", "See the runbook", "Legal", "1.2"])
def test_cells_that_are_not_letters(text):
    assert not LetterReader().looks_like_letters(text)


# --- the letter map as people write it ------------------------------------------------------------


def test_letter_map_is_parsed_from_its_text_form():
    assert parse_letter_map("S=R,W=I,V=C,O=") == {"S": "R", "W": "I", "V": "C", "O": ""}
    assert parse_letter_map(" s = r ; w=i  ") == {"S": "R", "W": "I"}
    assert parse_letter_map("X=A/R") == {"X": "RA"}
    assert parse_letter_map("") == {}


@pytest.mark.parametrize("text", ["S", "S=Q", "SR", "S=R,W"])
def test_a_letter_map_entry_that_cannot_be_read_is_named(text):
    with pytest.raises(TableInvalid) as caught:
        parse_letter_map(text)
    [problem] = caught.value.problems
    assert problem.code == "bad_letter_map"
    assert "S=R, W=I" in problem.fix


# --- names listed in a transposed cell ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Legal, Marketing", ["Legal", "Marketing"]),
        ("Legal; Marketing", ["Legal", "Marketing"]),
        ("Legal and Marketing", ["Legal", "Marketing"]),
        ("Sales, Marketing and Finance", ["Sales", "Marketing", "Finance"]),
        ("Operator + data engineer", ["Operator", "data engineer"]),
        ("Legal\nMarketing", ["Legal", "Marketing"]),
        ("Legal (for contracts)", ["Legal"]),
        ("Governance council (if sensitive), Legal (if rights unclear)", ["Governance council", "Legal"]),
        ("AI", ["AI"]),
        ("R&D, IT", ["R&D", "IT"]),
        ("Legal, N/A, -", ["Legal"]),
        ("—", []),
    ],
)
def test_names_in_a_cell_are_split_and_remarks_dropped(text, names):
    assert split_names(text) == names


def test_remarks_are_kept_when_asked_and_never_split():
    assert split_names("Legal (contracts, NDAs), IT", keep_remarks=True) == ["Legal (contracts, NDAs)", "IT"]
