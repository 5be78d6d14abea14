"""Import and export in the browser: a preview first (the matrix read, as a grid, with the
decisions beside it), every row error in a table, nothing half-done."""

import html
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from journeys.models import Touchpoint
from ownership.models import Assignment
from tests.factories import AssignmentFactory, FunctionFactory, JourneyFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

GOOD = b"journey,stage,touchpoint,Sales,Finance\nStore visit,Buy,Cashier,R,A\nStore visit,Buy,Receipt,,A/R\n"
BAD = b"journey,stage,touchpoint,Sales,Finance\nStore visit,Buy,Cashier,R,A\nStore visit,Buy,Receipt,X,A\n"


def upload(content: bytes, name: str = "matrix.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_preview_shows_what_would_change_and_changes_nothing(organization, editor):
    response = editor.post(reverse("ownership:import_preview", args=[organization.slug]), {"file": upload(GOOD)})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing has changed yet" in html
    assert "Store visit" in html
    assert not Touchpoint.objects.filter(organization=organization).exists()


def test_confirm_imports_the_previewed_file(organization, editor):
    preview = editor.post(reverse("ownership:import_preview", args=[organization.slug]), {"file": upload(GOOD)})
    token = preview.context["token"]
    response = editor.post(reverse("ownership:import_confirm", args=[organization.slug]), {"token": token})
    assert response.status_code == 302
    assert Touchpoint.objects.filter(organization=organization).count() == 2
    assert Assignment.objects.filter(organization=organization).count() == 4


def test_confirm_with_unknown_token_imports_nothing(organization, editor):
    response = editor.post(
        reverse("ownership:import_confirm", args=[organization.slug]), {"token": "nope"}, follow=True
    )
    assert "has expired" in response.content.decode()
    assert not Touchpoint.objects.filter(organization=organization).exists()


def test_bad_row_is_shown_in_a_table_and_nothing_changes(organization, editor):
    journey = JourneyFactory(organization=organization, name="Store visit")
    stage = StageFactory(journey=journey, organization=organization)
    AssignmentFactory(touchpoint=TouchpointFactory(stage=stage, journey=journey, organization=organization))
    before = set(Assignment.objects.values_list("id", flat=True))
    response = editor.post(reverse("ownership:import_preview", args=[organization.slug]), {"file": upload(BAD)})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was changed" in html
    assert "<td>3</td><td>Sales</td><td><code>X</code></td>" in html
    assert set(Assignment.objects.values_list("id", flat=True)) == before


def test_a_file_that_is_not_a_matrix_is_explained(organization, editor):
    response = editor.post(
        reverse("ownership:import_preview", args=[organization.slug]), {"file": upload(b"\x00\x01binary", "photo.png")}
    )
    assert response.status_code == 400
    assert "not imported" in response.content.decode()


def test_missing_file_error_is_next_to_the_field(organization, editor):
    response = editor.post(reverse("ownership:import_preview", args=[organization.slug]), {})
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()


def test_a_file_over_the_size_limit_is_refused_with_its_size_only(organization, editor, settings):
    settings.MATRIX_UPLOAD_MAX_BYTES = 20
    response = editor.post(reverse("ownership:import_preview", args=[organization.slug]), {"file": upload(GOOD)})
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [f"The file is {len(GOOD)} bytes; the limit is 20."]


def test_export_csv_downloads_the_matrix(organization, editor):
    journey = JourneyFactory(organization=organization, name="Store visit")
    stage = StageFactory(journey=journey, organization=organization, name="Buy")
    AssignmentFactory(
        touchpoint=TouchpointFactory(stage=stage, journey=journey, organization=organization, name="Cashier")
    )
    response = editor.get(reverse("ownership:export_csv", args=[organization.slug]))
    assert response["Content-Disposition"] == f'attachment; filename="{organization.slug}-matrix.csv"'
    assert b"Store visit,Buy,Cashier" in response.getvalue()


def test_export_xlsx_is_a_workbook(organization, editor):
    response = editor.get(reverse("ownership:export_xlsx", args=[organization.slug]))
    assert response.getvalue()[:2] == b"PK"


def test_export_of_one_journey(organization, editor):
    wanted = JourneyFactory(organization=organization, name="Wanted")
    other = JourneyFactory(organization=organization, name="Other")
    for journey in (wanted, other):
        stage = StageFactory(journey=journey, organization=organization)
        TouchpointFactory(stage=stage, journey=journey, organization=organization)
    response = editor.get(reverse("ownership:export_csv", args=[organization.slug]), {"journey": wanted.id})
    assert b"Wanted" in response.getvalue() and b"Other" not in response.getvalue()


# --- the preview's grid ---------------------------------------------------------------------------


class GridParser(HTMLParser):
    """The preview's grids as rows: ("head", functions…), ("stage", name) and
    ("row", touchpoint, status, letters per column, with "was X" where the import changes them)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple] = []
        self.in_grid = False
        self.row: list | None = None
        self.cell: list | None = None  # the texts of the cell: letters, and "was …"
        self.kind = self.status = ""
        self.hidden = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("data-testid") == "import-grid":
            self.in_grid = True
        elif self.in_grid and tag == "tr":
            self.row, self.status = [], attrs.get("data-status")
            self.kind = "row" if self.status else "stage" if "stage-row" in attrs.get("class", "") else "head"
        elif self.in_grid and tag in ("th", "td") and self.row is not None:
            self.cell = []
        elif tag == "span":
            # Words for a screen reader only are not what the grid shows.
            self.hidden = attrs.get("class") == "visually-hidden"

    def handle_data(self, data):
        if self.cell is not None and data.strip() and not self.hidden:
            self.cell.append(data.strip())

    def handle_endtag(self, tag):
        if tag == "span":
            self.hidden = False
        elif tag in ("th", "td") and self.cell is not None:
            self.row.append(" ".join(self.cell))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.kind == "row":
                self.rows.append(("row", self.row[0], self.status, *self.row[1:]))
            else:
                self.rows.append((self.kind, *self.row))
            self.row = None
        elif tag == "table":
            self.in_grid = False


def grid_rows(response) -> list[tuple]:
    parser = GridParser()
    parser.feed(response.content.decode())
    return parser.rows


def preview(client, organization, **data):
    response = client.post(reverse("ownership:import_preview", args=[organization.slug]), data)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response


CHART = """| Activity | Sales | Finance | Support |
|---|---|---|---|
| **Order** |
| Send the quote | A | R | |
| Send the invoice | I | A/R | C |
"""


def test_the_grid_holds_each_letter_of_a_pasted_table_in_its_functions_column(organization, editor):
    rows = grid_rows(preview(editor, organization, text=CHART, journey="Checkout", heading_rows="on"))
    assert rows[0][-3:] == ("Sales", "Finance", "Support")
    assert [row[1] for row in rows if row[0] == "stage"] == ["Order new stage"]
    touchpoints = {row[1]: row[2:] for row in rows if row[0] == "row"}
    assert touchpoints["Send the quote new"] == ("new", "A", "R", "")
    assert touchpoints["Send the invoice new"] == ("new", "I", "R A", "C")


def test_the_decisions_the_reading_made_are_listed_beside_the_grid(organization, editor):
    chart = CHART.replace("| C |", "| S |")
    response = preview(editor, organization, text=chart, journey="Checkout", heading_rows="on", letter_map="S=C")
    notes = response.context["summary"].notes
    assert notes
    page = response.content.decode()
    beside = page[page.index('data-testid="import-decisions"') :]
    for note in notes:
        assert html.escape(note) in beside
    assert page.index('data-testid="import-grid"') < page.index('data-testid="import-decisions"')


def test_the_grid_marks_changed_letters_and_lists_the_touchpoints_the_import_deletes(organization, editor):
    journey = JourneyFactory(organization=organization, name="Checkout")
    stage = StageFactory(journey=journey, organization=organization, name="Order")
    sales = FunctionFactory(organization=organization, name="Sales")
    quote = TouchpointFactory(stage=stage, journey=journey, organization=organization, name="Send the quote")
    AssignmentFactory(touchpoint=quote, function=sales, letter="R")
    AssignmentFactory(touchpoint=quote, function=FunctionFactory(organization=organization, name="Legal"), letter="C")
    gone = TouchpointFactory(stage=stage, journey=journey, organization=organization, name="Fax the order")
    AssignmentFactory(touchpoint=gone, function=sales, letter="A")
    rows = grid_rows(preview(editor, organization, text=CHART, journey="Checkout", heading_rows="on", replace="on"))
    touchpoints = {row[1]: row[2:] for row in rows if row[0] == "row"}
    # Replacing: Legal has no column in the file, so its letter goes, said beside the touchpoint.
    assert touchpoints["Send the quote changed Legal C → —"] == ("changed", "A was R", "R was —", "")
    assert touchpoints["Fax the order deleted from Order"] == ("deleted", "A", "", "")
    assert ("stage", "Deleted by this import touchpoints of Checkout the file does not have") in rows


def test_without_replace_the_grid_deletes_nothing_the_file_does_not_list(organization, editor):
    journey = JourneyFactory(organization=organization, name="Checkout")
    stage = StageFactory(journey=journey, organization=organization, name="Order")
    kept = TouchpointFactory(stage=stage, journey=journey, organization=organization, name="Fax the order")
    AssignmentFactory(touchpoint=kept, function=FunctionFactory(organization=organization, name="Sales"), letter="A")
    response = preview(editor, organization, text=CHART, journey="Checkout", heading_rows="on")
    rows = grid_rows(response)
    assert not [row for row in rows if row[0] == "row" and "deleted" in row[1]]
    assert "kept" in response.content.decode()


def test_a_big_file_shows_its_first_rows_and_says_how_many_more(organization, editor):
    lines = [f"Big journey,Stage {n // 100},Touchpoint {n},A,R" for n in range(5000)]
    data = "journey,stage,touchpoint,Sales,Finance\n" + "\n".join(lines)
    response = preview(editor, organization, file=upload(data.encode(), "big.csv"))
    rows = [row for row in grid_rows(response) if row[0] == "row"]
    assert len(rows) == 200
    assert rows[-1][1:] == ("Touchpoint 199 new", "new", "A", "R")
    assert "The grid shows the first 200 of the 5000 rows; the other 4800 are imported too" in (
        response.content.decode()
    )


def test_every_journey_is_counted_in_full_when_its_rows_are_past_the_drawn_ones(organization, editor, monkeypatch):
    monkeypatch.setattr("ownership.imports.grid.GRID_ROWS", 2)
    data = GOOD + b"Store visit,Pay,Refund,R,A\nOnline,Browse,Search,A,\nOnline,Browse,Wishlist,,A\n"
    response = preview(editor, organization, file=upload(data))
    assert [row[1] for row in grid_rows(response) if row[0] == "row"] == ["Cashier new", "Receipt new"]
    page = response.content.decode()
    assert "3 rows: 3 new touchpoints, 0 changed" in page and "The first 2 of its 3 rows are drawn" in page
    assert "New journey Online" in page and "None of its 2 rows are drawn; all are imported." in page


def test_a_very_wide_file_draws_fewer_rows_so_that_the_page_stays_light(organization, editor):
    functions = [f"Team {n}" for n in range(400)]
    lines = [",".join(["Wide", "Stage", f"Touchpoint {n}", "A", *[""] * 399]) for n in range(60)]
    data = "\n".join([",".join(["journey", "stage", "touchpoint", *functions]), *lines])
    response = preview(editor, organization, file=upload(data.encode(), "wide.csv"))
    assert len([row for row in grid_rows(response) if row[0] == "row"]) == 50
    assert "The grid shows the first 50 of the 60 rows; the other 10 are imported too" in response.content.decode()


def test_the_preview_of_a_big_file_makes_no_query_per_row(organization, editor, django_assert_max_num_queries):
    def csv(count: int) -> bytes:
        lines = [f"Big journey,Stage {n % 3},Touchpoint {n},A,R" for n in range(count)]
        return ("journey,stage,touchpoint,Sales,Finance\n" + "\n".join(lines)).encode()

    with CaptureQueriesContext(connection) as small:
        preview(editor, organization, file=upload(csv(20)))
    # The dry run writes its rows in batches (on SQLite, of some 80 rows each), then rolls back;
    # everything else is read once. A query per row would be thousands.
    with django_assert_max_num_queries(len(small) + 5000 // 25):
        preview(editor, organization, file=upload(csv(5000)))


def test_the_page_offers_a_drop_zone_for_the_file_and_keeps_the_paste_box(organization, editor):
    page = editor.get(reverse("ownership:import", args=[organization.slug])).content.decode()
    zone = page[page.index('data-testid="drop-zone"') :]
    assert zone.index('type="file" name="file"') < zone.index("Drop a file here")
    assert 'accept=".csv,.tsv,.txt,.xlsx,.md,.markdown,.html,.htm"' in zone
    assert 'name="text"' in page
