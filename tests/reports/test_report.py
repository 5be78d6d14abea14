"""The ownership report: its figures come from the live matrix and gap rows, its size is bounded,
and its PDF says what the page says."""

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from pypdf import PdfReader

from cxowner.orgs.models import Organization
from journeys.models import Touchpoint
from ownership.gaps.audits import audit_organization
from ownership.gaps.workflow import gap_accept_risk
from ownership.models import Assignment, Function, Gap, GapEvent, GapStatus
from ownership.reports import matrices as report_module
from ownership.reports.render import report_filename, report_html, report_pdf
from ownership.reports.selectors import report_build
from tests.factories import (
    AssignmentFactory,
    FunctionFactory,
    JourneyFactory,
    OrganizationFactory,
    RoleFactory,
    StageFactory,
    TouchpointFactory,
    matrix_build,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 30)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def retail(organization):
    """Two journeys, five in-scope touchpoints of which two are covered, one contested by Sales
    and Service, one unassigned, one with no accountable; a parking lot out of scope."""
    sales, service, it = (FunctionFactory(organization=organization, name=n) for n in ("Sales", "Service", "IT"))
    manager = RoleFactory(function=service, title="Journey manager")
    store = JourneyFactory(organization=organization, name="Store visit", owner=manager)
    buy = StageFactory(journey=store, name="Buy")
    cashier = TouchpointFactory(stage=buy, name="Cashier")
    order_form = TouchpointFactory(stage=buy, name="Order form")
    TouchpointFactory(stage=buy, name="Signage")
    TouchpointFactory(stage=buy, name="Parking lot", out_of_scope=True)
    for touchpoint, function, letter in [
        (cashier, sales, "A"),
        (cashier, sales, "R"),
        (order_form, sales, "A"),
        (order_form, service, "A"),
        (order_form, it, "R"),
    ]:
        AssignmentFactory(touchpoint=touchpoint, function=function, letter=letter)
    support = JourneyFactory(organization=organization, name="Support", owner=manager)
    help_stage = StageFactory(journey=support, name="Help")
    chat = TouchpointFactory(stage=help_stage, name="Chat")
    phone = TouchpointFactory(stage=help_stage, name="Phone")
    AssignmentFactory(touchpoint=chat, function=service, letter="A")
    AssignmentFactory(touchpoint=chat, function=service, letter="R")
    AssignmentFactory(touchpoint=phone, function=it, letter="R")
    audit_organization(organization=organization, trigger="manual")
    return {"store": store, "support": support, "sales": sales, "service": service}


def journeys_build(organization, *, count: int, touchpoints: int) -> list:
    """`count` journeys of `touchpoints` rows over the same functions: an A on two rows of three."""
    journeys = [matrix_build(organization=organization, touchpoints=touchpoints, functions=4, stages=2)]
    functions = list(Function.objects.filter(organization=organization))
    for _ in range(count - 1):
        stage = StageFactory(journey=JourneyFactory(organization=organization))
        rows = Touchpoint.objects.bulk_create(
            Touchpoint(organization=organization, journey=stage.journey, stage=stage, name=f"Step {i}", position=i)
            for i in range(touchpoints)
        )
        Assignment.objects.bulk_create(
            Assignment(organization=organization, touchpoint=t, function=functions[i % len(functions)], letter="A")
            for i, t in enumerate(rows)
            if i % 3
        )
        journeys.append(stage.journey)
    return journeys


def open_counts(organization, **filters) -> dict[str, int]:
    gaps = Gap.objects.filter(organization=organization, resolved_at__isnull=True, **filters)
    gaps = gaps.exclude(workflow_status=GapStatus.ACCEPTED)
    return {s: gaps.filter(severity=s).count() for s in ("error", "warning", "info")}


def test_coverage_counts_in_scope_touchpoints_with_one_a_and_an_r(organization, retail):
    report = report_build(organization=organization, today=TODAY)
    assert (report.coverage.covered, report.coverage.in_scope) == (2, 5)
    assert report.coverage.percent == 40


def test_open_gaps_by_severity_are_the_live_gap_rows(organization, retail):
    report = report_build(organization=organization, today=TODAY)
    assert {item.text.code: item.count for item in report.open_by_severity} == open_counts(organization)
    assert report.open_total == sum(open_counts(organization).values())


def test_accepted_risks_are_counted_apart_from_the_open_gaps(organization, retail):
    contested = Gap.objects.get(organization=organization, rule="multiple_accountable")
    before = report_build(organization=organization, today=TODAY)
    gap_accept_risk(
        gap=contested, reason="Until the re-org", expires_on=TODAY + timedelta(days=30), version=None, today=TODAY
    )
    after = report_build(organization=organization, today=TODAY)
    assert after.open_total == before.open_total - 1
    assert after.accepted_total == 1
    assert [gap.risk_reason for gap in after.accepted] == ["Until the re-org"]
    assert "multiple_accountable" not in {group.text.code for group in after.gap_groups}


def test_a_gap_naming_two_functions_counts_for_each(organization, retail):
    report = report_build(organization=organization, today=TODAY)
    by_function = {row.name: row.by_severity for row in report.by_function}
    # The contested order form is an error of both Sales and Service.
    assert by_function["Sales"]["error"] >= 1
    assert by_function["Service"]["error"] >= 1
    named = Gap.objects.filter(organization=organization, resolved_at__isnull=True)
    assert sum(row.total for row in report.by_function) == sum(len(g.finding.get("functions") or []) for g in named)


def test_the_worst_journeys_come_lowest_coverage_first(organization, retail):
    report = report_build(organization=organization, today=TODAY)
    assert [(j.name, j.coverage.percent) for j in report.worst_journeys] == [("Store visit", 33), ("Support", 50)]


def test_the_worst_journeys_are_at_most_five(organization):
    journeys_build(organization, count=7, touchpoints=4)
    assert len(report_build(organization=organization, today=TODAY).worst_journeys) == 5


def test_each_rule_of_the_gaps_list_says_how_to_fix_it_errors_first(organization, retail):
    groups = report_build(organization=organization, today=TODAY).gap_groups
    assert groups[0].text.severity == "error"
    contested = next(g for g in groups if g.text.code == "multiple_accountable")
    assert contested.text.fix.startswith("Keep the A with one function")
    assert [gap.journey for gap in contested.gaps] == ["Store visit"]
    severities = [g.text.severity for g in groups]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)


def test_a_matrix_marks_its_rows_gaps_with_shape_and_word(organization, retail):
    matrix = next(m for m in report_build(organization=organization, today=TODAY).matrices if m.name == "Store visit")
    rows = {row.touchpoint.name: row for stage in matrix.stages for row in stage.rows}
    assert rows["Cashier"].marks == ()
    (contested,) = rows["Order form"].marks
    assert (contested.shape, contested.word, contested.label) == ("■", "Error", "contested")
    assert rows["Cashier"].cells == ("RA", "", "")
    assert [f.name for f in matrix.functions] == ["Sales", "Service", "IT"]


def test_a_matrix_leaves_out_the_functions_with_no_letter_on_its_rows(organization, retail):
    support = next(m for m in report_build(organization=organization, today=TODAY).matrices if m.name == "Support")
    assert [f.name for f in support.functions] == ["Service", "IT"]
    assert support.functions_left_out == 1


def test_a_journeys_report_is_about_that_journey_only(organization, retail):
    report = report_build(organization=organization, journey=retail["support"], today=TODAY)
    assert report.title == "Support"
    assert [m.name for m in report.matrices] == ["Support"]
    assert (report.coverage.covered, report.coverage.in_scope) == (1, 2)
    assert {item.text.code: item.count for item in report.open_by_severity} == open_counts(
        organization, journey=retail["support"]
    )
    assert {gap.journey for group in report.gap_groups for gap in group.gaps} == {"Support"}


def test_a_large_journey_shows_only_its_rows_with_gaps_and_says_so(organization, monkeypatch):
    monkeypatch.setattr(report_module, "FULL_MATRIX_ROWS", 20)
    journey = matrix_build(organization=organization, touchpoints=60, functions=4, stages=3)
    audit_organization(organization=organization, trigger="manual")
    (matrix,) = report_build(organization=organization, today=TODAY).matrices
    assert matrix.gaps_only and matrix.touchpoints == 60
    rows = [row for stage in matrix.stages for row in stage.rows]
    assert rows and all(row.has_gaps for row in rows)
    assert len(rows) < 60
    assert matrix.id == journey.id


def test_journeys_past_the_row_budget_are_named_without_a_matrix(organization, monkeypatch):
    monkeypatch.setattr(report_module, "MATRIX_ROWS", 15)
    first, second = journeys_build(organization, count=2, touchpoints=10)
    matrices = {m.id: m for m in report_build(organization=organization, today=TODAY).matrices}
    assert not matrices[first.id].omitted and matrices[first.id].rows_drawn == 10
    assert matrices[second.id].omitted and matrices[second.id].stages == ()


@pytest.mark.parametrize("size", [10, 400])
def test_the_report_reads_a_bounded_number_of_queries(size, organization, django_assert_max_num_queries):
    journeys_build(organization, count=3, touchpoints=size)
    audit_organization(organization=organization, trigger="manual")
    # journeys · coverage · gap counts · the change over 30 days (six) · accepted risks · gaps by
    # function · touchpoints per journey · rows with gaps of large journeys · touchpoints drawn ·
    # stages · functions · letters · row gaps · journey gaps · the gaps list
    with django_assert_max_num_queries(20):
        report = report_build(organization=organization, today=TODAY)
    assert sum(m.rows_drawn for m in report.matrices) <= report_module.MATRIX_ROWS


def _existed_before_the_period(organization) -> None:
    # Coverage then is only known for an organization that existed 30 days ago.
    Organization.objects.filter(pk=organization.pk).update(created_at=timezone.now() - timedelta(days=60))
    organization.refresh_from_db()


def test_gaps_opened_within_the_thirty_days_show_as_a_rise(organization, retail):
    _existed_before_the_period(organization)
    report = report_build(organization=organization, today=timezone.localdate())
    # Every gap of the fixture was opened today: thirty days ago there was none.
    assert (report.open_change.now, report.open_change.then) == (report.open_total, 0)
    assert report.coverage_change_points == report.coverage.percent - 100


def test_gaps_older_than_thirty_days_leave_the_figures_unchanged(organization, retail):
    _existed_before_the_period(organization)
    GapEvent.objects.filter(organization=organization).update(at=timezone.now() - timedelta(days=40))
    report = report_build(organization=organization, today=timezone.localdate())
    assert report.open_change.change == 0 and report.open_change.now == report.open_total
    assert report.coverage_change_points == 0


def test_a_young_organizations_report_says_there_is_no_earlier_coverage(organization, retail):
    report = report_build(organization=organization, today=timezone.localdate())
    assert report.coverage_change_points is None
    assert "the organization is newer than that" in report_html(report=report)
    assert "see the organization's report" not in report_html(report=report)


def test_a_journeys_report_shows_that_journeys_change_of_open_gaps_and_coverage(organization, retail):
    _existed_before_the_period(organization)
    report = report_build(organization=organization, journey=retail["support"], today=timezone.localdate())
    assert report.open_change.now == report.open_total > 0
    assert report.open_change.then == 0
    assert report.coverage_change_points == report.coverage.percent - 100


def test_a_young_organizations_report_has_no_earlier_count_of_open_gaps(organization, retail):
    report = report_build(organization=organization, today=timezone.localdate())
    assert (report.open_change.then, report.open_change.change) == (None, None)
    assert "↑ up" not in report_html(report=report)


def test_the_page_says_the_change_in_words(organization, retail):
    _existed_before_the_period(organization)
    report = report_build(organization=organization, today=timezone.localdate())
    html = report_html(report=report)
    assert f"↓ down {100 - report.coverage.percent} points since" in html
    assert f"↑ up {report.open_total} gaps since" in html


def test_the_pdf_says_the_coverage_and_names_the_gaps(organization, retail):
    text = pdf_text(report_pdf(report=report_build(organization=organization, today=TODAY)))
    assert "40%" in text
    assert "2 of 5 in-scope touchpoints" in text
    contested = Gap.objects.get(organization=organization, rule="multiple_accountable")
    assert contested.finding["message"] in " ".join(text.split())
    assert "How to fix:" in text
    assert "Page 1 of" in text


def test_the_pdf_has_a4_pages_and_landscape_ones_for_the_matrices(organization, retail):
    pages = PdfReader(io.BytesIO(report_pdf(report=report_build(organization=organization, today=TODAY)))).pages
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in pages}
    assert sizes == {(595, 842), (842, 595)}  # A4 in points, upright and turned


def test_a_matrix_over_several_pages_repeats_its_header_row_on_each(organization):
    matrix_build(organization=organization, touchpoints=110, functions=4, stages=3)
    pdf = report_pdf(report=report_build(organization=organization, today=TODAY))
    landscape = [p for p in PdfReader(io.BytesIO(pdf)).pages if p.mediabox.width > p.mediabox.height]
    assert len(landscape) >= 3
    for page in landscape:
        columns = " ".join(f"Dept {organization.pk}-{i}" for i in range(4))
        assert f"Touchpoint {columns} Open gaps" in page.extract_text().splitlines()[:12]


def test_the_pdf_fetches_nothing_a_message_points_to(organization, retail):
    gap = Gap.objects.filter(organization=organization).first()
    gap.finding = {**gap.finding, "message": '<img src="http://127.0.0.1:9/x.png"> evil'}
    gap.save(update_fields=["finding"])
    # The message is escaped text: it is printed, never fetched.
    text = pdf_text(report_pdf(report=report_build(organization=organization, today=TODAY)))
    assert 'img src="http://127.0.0.1:9/x.png"' in " ".join(text.split())


def test_the_file_is_named_for_the_subject_and_the_day(organization, retail):
    report = report_build(organization=organization, journey=retail["store"], today=TODAY)
    assert report_filename(report=report) == "ownership-report-store-visit-2026-11-30.pdf"


def test_an_organization_with_no_journeys_has_an_empty_report():
    report = report_build(organization=OrganizationFactory(), today=TODAY)
    assert report.coverage.percent is None and report.matrices == () and not report.worst_journeys
    assert "No journeys yet." in pdf_text(report_pdf(report=report))
