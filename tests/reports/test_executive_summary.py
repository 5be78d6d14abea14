"""The executive summary (ownership/reports/summary.py): at most five A4 pages naming the worst
journey and the function carrying the most gaps, with the dashboard's own figures for 7, 30 and
90 days, read in a bounded number of queries whatever the organization's size."""

import io
import os
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from cxowner.orgs.models import Organization
from ownership.dashboard.selectors import dashboard_load
from ownership.gaps.audits import audit_organization
from ownership.gaps.figures import PERIODS
from ownership.gaps.workflow import gap_accept_risk
from ownership.models import Gap
from ownership.reports.render import summary_filename, summary_pdf
from ownership.reports.summary import SUMMARY_RISKS, executive_summary_build
from tests.factories import JourneyFactory, matrix_build

pytestmark = pytest.mark.django_db

A4_POINTS = (595, 842)


@pytest.fixture
def large():
    """A generated organization with every kind of gap, 20 functions and dozens of journeys,
    three months old, with accepted risks: the most a summary has to fit."""
    with open(os.devnull, "w") as quiet:
        call_command("generate_org", "summary-large", touchpoints=400, functions=20, stdout=quiet)
    organization = Organization.objects.get(slug="summary-large")
    Organization.objects.filter(pk=organization.pk).update(created_at=timezone.now() - timedelta(days=120))
    organization.refresh_from_db()
    for gap in Gap.objects.filter(organization=organization, resolved_at__isnull=True).order_by("-score")[:12]:
        reason = "Budgeted for next quarter " * 4
        gap_accept_risk(gap=gap, reason=reason, expires_on=_today() + timedelta(90), version=None, today=_today())
    return organization


def _today():
    return timezone.localdate()


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def test_the_summary_has_at_most_five_a4_pages(large):
    pdf = summary_pdf(summary=executive_summary_build(organization=large, today=_today()))
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert 1 <= len(pages) <= 5
    assert all((round(page.mediabox.width), round(page.mediabox.height)) == A4_POINTS for page in pages)


def test_the_summary_names_the_worst_journey_and_the_function_carrying_the_most_gaps(large):
    summary = executive_summary_build(organization=large, today=_today())
    text = _text(summary_pdf(summary=summary))
    assert summary.worst_journeys[0].name in text
    assert summary.top_function is not None and summary.top_function.name in text
    assert summary.top_function == summary.figures.by_function[0]  # the most errors first


def test_the_summary_lists_the_top_accepted_risks_and_open_gaps(large):
    summary = executive_summary_build(organization=large, today=_today())
    assert len(summary.accepted) == SUMMARY_RISKS and summary.accepted_total == 12
    assert len(summary.top_gaps) == SUMMARY_RISKS
    scores = [gap.score for gap in summary.top_gaps]
    assert scores == sorted(scores, reverse=True)
    text = _text(summary_pdf(summary=summary))
    assert "Budgeted for next quarter" in text and summary.top_gaps[0].message[:40] in text


@pytest.mark.parametrize("days", PERIODS)
def test_its_change_over_each_period_is_the_dashboards(large, days):
    summary = executive_summary_build(organization=large, today=_today())
    dashboard = dashboard_load(organization=large, days=days, today=_today()).figures
    change, shown = summary.change(days), dashboard.change
    for name in ("coverage", "open_gaps", "errors", "accepted_risks", "resolved"):
        assert getattr(change, name) == getattr(shown, name), name
    assert change.earlier  # three months old: every period has an earlier figure
    assert summary.coverage == dashboard.coverage and summary.figures.gaps == dashboard.gaps
    if days == 30:  # the worst journeys show their change over 30 days
        assert summary.worst_journeys[:5] == dashboard.worst_journeys
    else:
        assert [j.id for j in summary.worst_journeys[:5]] == [j.id for j in dashboard.worst_journeys]
    assert summary.by_function == tuple(row for row in dashboard.by_function if row.total)[:15]


def test_a_new_organization_has_no_earlier_figure_and_the_summary_says_so(organization):
    matrix_build(organization=organization, touchpoints=8, functions=3, stages=2)
    audit_organization(organization=organization, trigger="manual")
    summary = executive_summary_build(organization=organization, today=_today())
    assert all(change.coverage.change is None for change in summary.changes)
    assert "no figure to compare with" in _text(summary_pdf(summary=summary))


@pytest.mark.parametrize("touchpoints", [20, 400])
def test_the_summary_reads_a_bounded_number_of_queries(organization, touchpoints, django_assert_max_num_queries):
    matrix_build(organization=organization, touchpoints=touchpoints, functions=12, stages=3)
    JourneyFactory.create_batch(touchpoints // 10, organization=organization)  # more journeys, no more queries
    audit_organization(organization=organization, trigger="manual")
    # journeys · functions · coverage · gap counts · gaps by function · the live tally, the
    # events and the gaps they touch, once for the three periods · top risks · top gaps
    with django_assert_max_num_queries(10):
        executive_summary_build(organization=organization, today=_today())


def test_the_file_is_named_for_the_organization_and_the_day(organization):
    summary = executive_summary_build(organization=organization, today=_today())
    assert summary_filename(summary=summary) == f"executive-summary-{organization.slug}-{_today().isoformat()}.pdf"
