"""The journeys portfolio's live fragment: its table as the page draws it, for the same sort and
filters, of the asking member's organization only."""

import pytest
from django.urls import reverse

from ownership.editor.services import CellChange, cells_set
from ownership.gaps.audits import audit_organization
from tests.factories import (
    FunctionFactory,
    JourneyFactory,
    MembershipFactory,
    OrganizationFactory,
    StageFactory,
    TouchpointFactory,
    client_for,
    matrix_build,
)
from tests.live_parts import live_parts

pytestmark = pytest.mark.django_db


def urls(organization, query=""):
    slug = organization.slug
    return reverse("journeys:list", args=[slug]) + query, reverse("journeys:list_live", args=[slug]) + query


def small_journey(organization):
    stage = StageFactory(journey=JourneyFactory(organization=organization))
    TouchpointFactory(stage=stage)
    TouchpointFactory(stage=stage)
    return stage.journey


@pytest.fixture
def journeys(organization):
    made = [matrix_build(organization=organization, touchpoints=6, functions=3, stages=2)]
    made += [small_journey(organization) for _ in range(2)]
    audit_organization(organization=organization, trigger="manual")
    return made


@pytest.mark.parametrize("query", ["", "?sort=-coverage", "?sort=name&errors=1", "?q=nothing+like+it"])
def test_the_fragment_draws_the_table_as_the_page_does(organization, viewer, journeys, query):
    page, live = urls(organization, query)

    fragment = live_parts(viewer.get(live).content.decode())

    assert set(fragment) == {"table"}
    assert fragment == live_parts(viewer.get(page).content.decode())


def test_the_fragment_shows_the_coverage_a_cell_changed(organization, viewer, journeys):
    journey = journeys[0]
    touchpoint = journey.touchpoints.order_by("position", "id").first()
    live = urls(organization, "?sort=name")[1]
    row = f'data-live-key="journey-{journey.pk}"'
    before = live_parts(viewer.get(live).content.decode())["table"]
    cells_set(
        organization=organization,
        changes=[CellChange(touchpoint.id, FunctionFactory(organization=organization).id, frozenset("A"))],
    )

    after = live_parts(viewer.get(live).content.decode())["table"]

    assert row in before and row in after
    assert before != after


def test_another_organizations_member_gets_404(organization, journeys):
    outsider = client_for(MembershipFactory(organization=OrganizationFactory(), role="admin").user)

    response = outsider.get(urls(organization)[1])

    assert response.status_code == 404
    assert journeys[0].name not in response.content.decode()


def test_a_logged_out_browser_is_sent_to_log_in(organization, client):
    response = client.get(urls(organization)[1])

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("count", [3, 30])
def test_the_fragment_costs_a_fixed_number_of_queries(organization, viewer, count, django_assert_max_num_queries):
    for _ in range(count):
        small_journey(organization)
    live = urls(organization)[1]
    viewer.get(live, HTTP_HX_REQUEST="true")  # the session, once

    with django_assert_max_num_queries(7):
        response = viewer.get(live, HTTP_HX_REQUEST="true")  # as livepages.js asks

    assert response.content.decode().count('data-live-key="journey-') == count
