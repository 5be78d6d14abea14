"""The gaps list downloaded as CSV and XLSX: the page's filters, readable words, no formulas."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from ownership.gaps.audits import audit_organization
from ownership.gaps.export import COLUMNS
from ownership.gaps.workflow import gap_assign
from ownership.models import Gap
from tests.factories import (
    AssignmentFactory,
    FunctionFactory,
    JourneyFactory,
    MembershipFactory,
    StageFactory,
    TouchpointFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(organization):
    """Two journeys; the checkout's cashier has nobody accountable (an error and a warning), and
    a touchpoint named like a formula."""
    journey = JourneyFactory(organization=organization, name="Store visit")
    stage = StageFactory(journey=journey, organization=organization, name="Pay")
    cashier = TouchpointFactory(journey=journey, stage=stage, organization=organization, name="Cashier")
    AssignmentFactory(
        touchpoint=cashier, organization=organization, letter="C", function=FunctionFactory(organization=organization)
    )
    other = JourneyFactory(organization=organization, name="Online")
    TouchpointFactory(
        journey=other,
        stage=StageFactory(journey=other, organization=organization, name="Browse"),
        organization=organization,
        name='=HYPERLINK("http://evil")',
    )
    audit_organization(organization=organization, trigger="manual")
    return journey


def download(client, fmt: str, **filters) -> list[dict]:
    response = client.get(reverse(f"ownership:gaps_{fmt}", args=[client.organization.slug]), filters)
    assert response.status_code == 200
    if fmt == "csv":
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, ["" if v is None else v for v in row], strict=True)) for row in rows]


@pytest.fixture
def viewer(organization, member):
    client = Client()
    client.force_login(member("viewer"))
    client.organization = organization
    return client


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_has_the_columns_of_the_gaps_list(fmt, store, viewer):
    rows = download(viewer, fmt)

    assert list(rows[0]) == list(COLUMNS)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_gap_is_written_in_words(fmt, store, viewer):
    rows = download(viewer, fmt, rule="no_accountable")

    assert rows == [
        {
            "journey": "Store visit",
            "stage": "Pay",
            "touchpoint": "Cashier",
            "rule": "No accountable function",
            "severity": "Error",
            "function": "",
            "status": "open",
            "assignee": "",
            "due date": "",
            "how to fix": rows[0]["how to fix"],
        }
    ]
    assert rows[0]["how to fix"]  # the vocabulary's sentence, whatever its wording


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_keeps_the_pages_filters(fmt, store, viewer):
    journey_rows = download(viewer, fmt, journey=store.id)
    error_rows = download(viewer, fmt, severity="error")

    assert {row["journey"] for row in journey_rows} == {"Store visit"}
    assert len(journey_rows) == Gap.objects.filter(journey=store, resolved_at=None).count()
    assert {row["severity"] for row in error_rows} == {"Error"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_cell_starting_like_a_formula_is_escaped(fmt, store, viewer):
    rows = download(viewer, fmt, rule="unassigned")

    assert [row["touchpoint"] for row in rows] == ['\'=HYPERLINK("http://evil")']


def test_the_assignee_and_due_date_are_written(store, viewer, organization):
    person = MembershipFactory(organization=organization, role="editor", user__first_name="Ada").user
    person.last_name = "Lovelace"
    person.save()
    gap = Gap.objects.get(organization=organization, rule="no_accountable")
    gap_assign(gap=gap, assignee=person, due_on=date(2026, 7, 1), version=None)

    (row,) = download(viewer, "csv", rule="no_accountable")

    assert (row["assignee"], row["due date"]) == ("Ada Lovelace", "2026-07-01")


def test_a_bad_filter_is_refused_with_its_reason(store, viewer):
    response = viewer.get(reverse("ownership:gaps_csv", args=[viewer.organization.slug]), {"severity": "huge"})

    assert response.status_code == 400
    assert b"severity" in response.content


def test_an_outsider_gets_404(store):
    outsider = Client()
    outsider.force_login(MembershipFactory(role="admin").user)

    response = outsider.get(reverse("ownership:gaps_csv", args=[store.organization.slug]))

    assert response.status_code == 404


def test_the_export_reads_a_bounded_number_of_queries(organization, viewer, django_assert_max_num_queries):
    for _ in range(30):
        journey = JourneyFactory(organization=organization)
        TouchpointFactory(journey=journey, stage=StageFactory(journey=journey, organization=organization))
    audit_organization(organization=organization, trigger="manual")
    viewer.get("/")

    # * session  * user  * membership  * the gaps, in one chunk, with journey, stage and assignee
    with django_assert_max_num_queries(4):
        rows = download(viewer, "csv")

    assert len(rows) == Gap.objects.filter(organization=organization, resolved_at=None).count()


def test_the_gaps_page_offers_its_filtered_list_for_download(store, viewer):
    html = viewer.get(
        reverse("ownership:gaps", args=[viewer.organization.slug]), {"severity": "error", "page": "1"}
    ).content.decode()

    csv_url = reverse("ownership:gaps_csv", args=[viewer.organization.slug])
    xlsx_url = reverse("ownership:gaps_xlsx", args=[viewer.organization.slug])
    assert f'href="{csv_url}?severity=error&amp;status=open"' in html
    assert f'href="{xlsx_url}?severity=error&amp;status=open"' in html
