"""The one read of every figure (ownership.gaps.figures): what it counts, the worst-first order,
and its cost, which does not grow with the organization; and the API that serves it."""

from datetime import date, timedelta

import pytest

from ownership.gaps.audits import audit_organization
from ownership.gaps.figures import Coverage, GapFigures, figures_read, live_gaps_read, standing_read, worst_first
from ownership.gaps.workflow import gap_accept_risk
from ownership.models import Gap
from tests.factories import JourneyFactory, StageFactory, TouchpointFactory, matrix_build

pytestmark = pytest.mark.django_db


class Row:
    """A journey as the worst-first order sees it: a name, its open gaps and its coverage."""

    def __init__(self, name, *, errors=0, warnings=0, in_scope=0, covered=0):
        self.name = name
        self.gaps = GapFigures(by_severity={"error": errors, "warning": warnings, "info": 0})
        self.coverage = Coverage(in_scope, covered)


def test_worst_first_is_most_errors_then_lowest_coverage_then_most_open_gaps():
    rows = [
        Row("Calm", errors=0, in_scope=4, covered=1),
        Row("Busy", errors=2, in_scope=4, covered=4),
        Row("Thin", errors=1, in_scope=4, covered=3),
        Row("Bare", errors=1, in_scope=4, covered=1),
        Row("Loud", errors=1, warnings=3, in_scope=4, covered=1),
    ]
    assert [row.name for row in worst_first(rows)] == ["Busy", "Loud", "Bare", "Thin", "Calm"]


def test_a_journey_with_nothing_in_scope_comes_after_those_with_a_coverage_figure():
    rows = [Row("Empty", errors=1), Row("Full", errors=1, in_scope=2, covered=2)]
    assert [row.name for row in worst_first(rows)] == ["Full", "Empty"]


def test_nothing_in_scope_has_no_coverage_figure():
    assert (Coverage(0, 0).share, Coverage(0, 0).percent, Coverage(0, 0).in_words) == (
        None,
        None,
        "— (no touchpoint is in scope)",
    )


def test_an_accepted_risk_is_counted_apart_from_the_open_gaps(organization):
    journey = JourneyFactory(organization=organization)
    TouchpointFactory(journey=journey, stage=StageFactory(journey=journey, organization=organization))
    audit_organization(organization=organization, trigger="manual")
    before = standing_read(organization=organization, journey_id=journey.id).gaps
    gap = Gap.objects.get(organization=organization, rule="unassigned")
    today = date(2026, 11, 30)
    gap_accept_risk(gap=gap, reason="Landlord", expires_on=today + timedelta(days=9), version=None, today=today)

    after = standing_read(organization=organization, journey_id=journey.id).gaps

    assert (after.total, after.errors, after.accepted_risks) == (before.total - 1, before.errors - 1, 1)


@pytest.mark.parametrize("size", [10, 200])
def test_every_figure_with_its_change_reads_a_fixed_number_of_queries(
    size, organization, django_assert_max_num_queries
):
    journey = matrix_build(organization=organization, touchpoints=size, functions=6, stages=4)
    other = JourneyFactory(organization=organization)
    for i in range(size):
        TouchpointFactory(journey=other, stage=StageFactory(journey=other, organization=organization), name=f"T{i}")
    audit_organization(organization=organization, trigger="manual")
    # * functions  * coverage  * open gaps by place  * open gaps by function  * journeys  * stages
    # * the period's gap events  * the coverage gaps they touch  * the resolutions of two periods
    with django_assert_max_num_queries(9):
        figures = figures_read(organization=organization, stages_of=journey.id, days=90)
    assert len(figures.journeys) == 2 and len(figures.stages) == 4


def test_a_places_standing_reads_two_queries(organization, django_assert_max_num_queries):
    journey = matrix_build(organization=organization, touchpoints=50, functions=6, stages=4)
    audit_organization(organization=organization, trigger="manual")
    # * coverage  * open gaps by severity
    with django_assert_max_num_queries(2):
        standing_read(organization=organization, journey_id=journey.id)


def test_a_stages_figures_are_those_of_its_touchpoints(organization):
    journey = matrix_build(organization=organization, touchpoints=40, functions=6, stages=4)
    audit_organization(organization=organization, trigger="manual")
    figures = figures_read(organization=organization, journey=journey)

    assert sum(stage.coverage.in_scope for stage in figures.stages) == figures.coverage.in_scope
    stage = figures.stages[0]
    unresolved = Gap.objects.filter(touchpoint__stage_id=stage.id, resolved_at=None)
    assert stage.gaps.total == unresolved.exclude(workflow_status="accepted").count()


@pytest.fixture
def api(api_as):
    return api_as("viewer")


def test_the_api_answers_400_for_a_period_it_does_not_offer(api, organization):
    response = api.get(f"/api/v1/orgs/{organization.slug}/gaps/figures/", {"period": "365"})
    assert response.status_code == 400 and "period" in response.json()


def test_the_api_answers_404_for_another_organizations_journey(api, organization):
    response = api.get(f"/api/v1/orgs/{organization.slug}/gaps/figures/", {"journey": JourneyFactory().id})
    assert response.status_code == 404


def test_the_api_answers_404_for_a_stage_of_another_journey(api, organization):
    journey = JourneyFactory(organization=organization)
    stage = StageFactory(journey=JourneyFactory(organization=organization), organization=organization)
    response = api.get(f"/api/v1/orgs/{organization.slug}/gaps/figures/", {"journey": journey.id, "stage": stage.id})
    assert response.status_code == 404


def test_the_api_gives_a_journeys_figures_with_its_stages(api, organization):
    journey = matrix_build(organization=organization, touchpoints=20, functions=4, stages=2)
    audit_organization(organization=organization, trigger="manual")

    body = api.get(f"/api/v1/orgs/{organization.slug}/gaps/figures/", {"journey": journey.id}).json()

    figures = figures_read(organization=organization, journey=journey)
    assert (body["journey"], body["open_gaps"], body["coverage"]["percent"]) == (
        journey.id,
        figures.gaps.total,
        figures.coverage.percent,
    )
    assert [stage["open_gaps"] for stage in body["stages"]] == [stage.gaps.total for stage in figures.stages]


def test_the_live_gaps_a_scenario_reads_are_the_organizations_figures_with_its_accepted_risks(
    organization, django_assert_max_num_queries
):
    matrix_build(organization=organization, touchpoints=60, functions=6, stages=4)
    audit_organization(organization=organization, trigger="manual")
    today = date(2026, 11, 30)
    accepted = list(Gap.objects.filter(organization=organization, touchpoint__isnull=False).order_by("id")[:3])
    for gap in accepted:
        gap_accept_risk(gap=gap, reason="Known", expires_on=today + timedelta(days=9), version=None, today=today)
    open_rows = Gap.objects.filter(organization=organization, resolved_at__isnull=True)

    # * one aggregate: a row per rule, severity and status, and one per accepted risk
    with django_assert_max_num_queries(1):
        live = live_gaps_read(organization=organization)

    assert live.tally.whole == standing_read(organization=organization).gaps
    assert live.accepted == {gap.fingerprint for gap in accepted}
    assert sum(live.by_rule.values()) == open_rows.count()
    assert live.by_rule[("no_accountable", "error")] == open_rows.filter(rule="no_accountable").count()
