"""The dashboard reads live state, rolls the heatmap up by journey and opens one at a time."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from cxowner.orgs.models import Organization
from ownership.dashboard.selectors import HEAT_JOURNEYS
from ownership.editor.services import CellChange, cells_set
from ownership.gaps.audits import audit_organization
from ownership.gaps.figures import figures_read
from ownership.models import Gap, GapEvent
from tests.factories import FunctionFactory, JourneyFactory, StageFactory, TouchpointFactory, matrix_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(member):
    client = Client()
    client.force_login(member("viewer"))
    client.get("/")
    return client


def coverage(html: str) -> int:
    return int(re.search(r'data-testid="dashboard-coverage">(\d+)%', html).group(1))


def test_coverage_follows_the_matrix_without_an_audit(organization, viewer):
    journey = JourneyFactory(organization=organization)
    stage = StageFactory(journey=journey, organization=organization)
    touchpoint = TouchpointFactory(journey=journey, stage=stage, organization=organization)
    TouchpointFactory(journey=journey, stage=stage, organization=organization)
    function = FunctionFactory(organization=organization)
    audit_organization(organization=organization, trigger="manual")
    url = reverse("dashboard", args=[organization.slug])
    assert coverage(viewer.get(url).content.decode()) == 0
    cells_set(organization=organization, changes=[CellChange(touchpoint.id, function.id, frozenset("AR"))])
    assert coverage(viewer.get(url).content.decode()) == 50


def test_the_heatmap_has_a_row_per_journey_and_no_stage_rows_until_one_is_opened(organization, viewer):
    journey = matrix_build(organization=organization, touchpoints=20, functions=3, stages=4)
    html = viewer.get(reverse("dashboard", args=[organization.slug])).content.decode()
    assert f'id="heat-{journey.id}"' in html
    assert 'aria-expanded="false"' in html
    assert "heat-stage-row" not in html


def test_opening_a_journey_shows_its_stages(organization, viewer):
    journey = matrix_build(organization=organization, touchpoints=20, functions=3, stages=4)
    html = viewer.get(reverse("dashboard", args=[organization.slug]), {"journey": journey.id}).content.decode()
    assert html.count('class="heat-stage-row"') == 4
    assert 'aria-expanded="true"' in html


def test_a_bad_journey_parameter_shows_the_journeys_closed(organization, viewer):
    matrix_build(organization=organization, touchpoints=5, functions=2, stages=2)
    response = viewer.get(reverse("dashboard", args=[organization.slug]), {"journey": "x"})
    assert response.status_code == 200
    assert "heat-stage-row" not in response.content.decode()


def test_many_journeys_show_the_ones_with_most_gaps_first_and_offer_all(organization, viewer):
    for _ in range(HEAT_JOURNEYS + 3):
        JourneyFactory(organization=organization)
    url = reverse("dashboard", args=[organization.slug])
    html = viewer.get(url).content.decode()
    assert html.count('class="heat-journey-row') == HEAT_JOURNEYS
    assert f"Show all {HEAT_JOURNEYS + 3} journeys" in html
    assert viewer.get(url, {"heat": "all"}).content.decode().count('class="heat-journey-row') == HEAT_JOURNEYS + 3


def test_the_heatmap_shows_the_journeys_with_the_most_open_gaps_most_first_and_says_how_many(organization, viewer):
    for n in range(HEAT_JOURNEYS + 3):
        journey = JourneyFactory(organization=organization, name=f"Journey {n:02}")
        stage = StageFactory(journey=journey, organization=organization)
        for i in range(n % 5):  # unassigned touchpoints, besides the journey's missing manager
            TouchpointFactory(journey=journey, stage=stage, organization=organization, name=f"Step {i}")
    audit_organization(organization=organization, trigger="manual")

    html = viewer.get(reverse("dashboard", args=[organization.slug])).content.decode()

    heat = html[html.index('data-testid="heatmap"') :]
    shown = [int(n) for n in re.findall(r'data-figure="open">(\d+)<', heat)]
    every = sorted((journey.gaps.total for journey in figures_read(organization=organization).journeys), reverse=True)
    assert shown == every[:HEAT_JOURNEYS]
    assert f"the {HEAT_JOURNEYS} journeys with the most open gaps are shown, the most first" in html


@pytest.mark.parametrize("size", [10, 200])
def test_an_open_journey_costs_a_fixed_number_of_queries(size, organization, viewer, django_assert_max_num_queries):
    journey = matrix_build(organization=organization, touchpoints=size, functions=8, stages=5)
    audit_organization(organization=organization, trigger="manual")
    # the dashboard's sixteen, and the open journey's touchpoints, A per stage, stages
    with django_assert_max_num_queries(20):
        response = viewer.get(reverse("dashboard", args=[organization.slug]), {"journey": journey.id})
    assert response.status_code == 200


def test_a_busy_quarter_costs_the_90_day_dashboard_no_more_queries_than_a_quiet_week(
    organization, viewer, django_assert_max_num_queries
):
    matrix_build(organization=organization, touchpoints=30, functions=4, stages=3)
    audit_organization(organization=organization, trigger="manual")
    now = timezone.now()
    events = [
        GapEvent(organization=organization, gap=gap, kind=kind, at=now - timedelta(days=day, hours=hour), cause="busy")
        for gap in Gap.objects.filter(organization=organization, resolved_at__isnull=True)
        for day in range(1, 90, 3)
        for kind, hour in ((GapEvent.Kind.RESOLVED, 3), (GapEvent.Kind.REOPENED, 2))
    ]
    GapEvent.objects.bulk_create(events)
    url = reverse("dashboard", args=[organization.slug])
    # The request's own (session, user, membership, organization), the figures (the period's
    # events read once, the gaps they name once), the A held, the audits, the top gaps, the reviews
    # asking the member, the live feed's cursor.
    with django_assert_max_num_queries(17):
        assert viewer.get(url, {"period": 90}).status_code == 200
    with django_assert_max_num_queries(17):
        assert viewer.get(url, {"period": 7}).status_code == 200


def test_another_organizations_journey_does_not_open(organization, viewer):
    matrix_build(organization=organization, touchpoints=5, functions=2, stages=2)
    foreign = JourneyFactory()
    StageFactory(journey=foreign, organization=foreign.organization, name="Their stage")
    html = viewer.get(reverse("dashboard", args=[organization.slug]), {"journey": foreign.id}).content.decode()
    assert "Their stage" not in html
    assert "heat-stage-row" not in html


def test_the_period_is_read_from_the_address_and_defaults_to_30_days(organization, viewer):
    # Old enough to have figures from 30 days ago to compare with.
    Organization.objects.filter(pk=organization.pk).update(created_at=timezone.now() - timedelta(days=100))
    matrix_build(organization=organization, touchpoints=5, functions=2, stages=2)
    url = reverse("dashboard", args=[organization.slug])

    week = viewer.get(url, {"period": "7"}).content.decode()
    default = viewer.get(url, {"period": "365"}).content.decode()

    assert "on the 7 days before" in week
    assert "on the 30 days before" in default


@pytest.fixture
def contested(organization):
    """A journey of one touchpoint whose A both Sales (with the R) and Service hold: Service carries a gap."""
    journey = JourneyFactory(organization=organization)
    stage = StageFactory(journey=journey, organization=organization)
    touchpoint = TouchpointFactory(journey=journey, stage=stage, organization=organization)
    sales, service = FunctionFactory(organization=organization), FunctionFactory(organization=organization)
    cells_set(
        organization=organization,
        changes=[
            CellChange(touchpoint.id, sales.id, frozenset("AR")),
            CellChange(touchpoint.id, service.id, frozenset("A")),
        ],
    )
    return {"journey": journey, "stage": stage, "service": service}


def test_a_heatmap_cell_with_gaps_links_to_the_gaps_of_its_journey_and_function(organization, viewer, contested):
    journey, stage, service = contested["journey"], contested["stage"], contested["service"]
    gaps = reverse("ownership:gaps", args=[organization.slug])

    html = viewer.get(reverse("dashboard", args=[organization.slug]), {"journey": journey.id}).content.decode()

    assert f'href="{gaps}?journey={journey.id}&amp;function={service.id}"' in html
    assert f'href="{gaps}?journey={journey.id}&amp;stage={stage.id}&amp;function={service.id}"' in html


def test_the_gaps_page_filtered_by_stage_lists_that_stages_gaps_only(organization, viewer):
    journey = JourneyFactory(organization=organization)
    buy, pay = (StageFactory(journey=journey, organization=organization, name=n) for n in ("Buy", "Pay"))
    TouchpointFactory(journey=journey, stage=buy, organization=organization, name="Shelf")
    TouchpointFactory(journey=journey, stage=pay, organization=organization, name="Till")
    audit_organization(organization=organization, trigger="manual")

    html = viewer.get(reverse("ownership:gaps", args=[organization.slug]), {"stage": pay.id}).content.decode()

    assert "Nobody owns Till" in html
    assert "Nobody owns Shelf" not in html


def test_the_top_gaps_name_their_journey_and_open_the_gaps_page(organization, viewer):
    journey = JourneyFactory(organization=organization, name="Fix my broadband")
    TouchpointFactory(journey=journey, stage=StageFactory(journey=journey, organization=organization))
    audit_organization(organization=organization, trigger="manual")
    gap = Gap.objects.filter(organization=organization, rule="unassigned").get()

    html = viewer.get(reverse("dashboard", args=[organization.slug])).content.decode()

    top = html[html.index('id="top-h"') : html.index('id="journeys-h"')]
    assert "Fix my broadband" in top
    assert reverse("ownership:gap", args=[organization.slug, gap.id]) in top


def test_the_functions_carrying_gaps_link_to_their_gaps(organization, viewer, contested):
    html = viewer.get(reverse("dashboard", args=[organization.slug])).content.decode()

    carriers = html[html.index('data-testid="function-gaps"') :]
    assert f"{reverse('ownership:gaps', args=[organization.slug])}?function={contested['service'].id}" in carriers


def test_the_gaps_api_filters_by_stage_as_the_page_does(organization, member):
    journey = JourneyFactory(organization=organization)
    buy, pay = (StageFactory(journey=journey, organization=organization, name=n) for n in ("Buy", "Pay"))
    TouchpointFactory(journey=journey, stage=buy, organization=organization, name="Shelf")
    till = TouchpointFactory(journey=journey, stage=pay, organization=organization, name="Till")
    audit_organization(organization=organization, trigger="manual")
    client = APIClient()
    client.force_authenticate(member("viewer"))

    rows = client.get(f"/api/v1/orgs/{organization.slug}/gaps/", {"stage": pay.id}).json()["results"]

    assert [row["id"] for row in rows] == list(
        Gap.objects.filter(touchpoint=till, resolved_at=None)
        .order_by("-score", "rule", "id")
        .values_list("id", flat=True)
    )
