"""The dashboard's live fragment: its figures as the page draws them, for the same period and open
journey, of the asking member's organization only."""

import re

import pytest
from django.urls import reverse

from ownership.editor.services import CellChange, cells_set
from ownership.gaps.audits import audit_organization
from tests.factories import (
    FunctionFactory,
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
    return reverse("dashboard", args=[slug]) + query, reverse("dashboard_live", args=[slug]) + query


@pytest.fixture
def journey(organization):
    journey = matrix_build(organization=organization, touchpoints=12, functions=4, stages=3)
    audit_organization(organization=organization, trigger="manual")
    return journey


@pytest.mark.parametrize("query", ["", "?period=7", "?period=90&heat=all", "?journey={journey}"])
def test_the_fragment_draws_the_figures_as_the_page_does(organization, viewer, journey, query):
    page, live = urls(organization, query.format(journey=journey.pk))

    fragment = live_parts(viewer.get(live).content.decode())

    assert set(fragment) == {"head", "figures"}
    assert fragment == live_parts(viewer.get(page).content.decode())


def test_the_fragment_shows_the_coverage_a_cell_changed(organization, viewer):
    stage = StageFactory(journey__organization=organization)
    touchpoint = TouchpointFactory(stage=stage)
    TouchpointFactory(stage=stage)
    live = urls(organization)[1]
    before = viewer.get(live).content.decode()
    cells_set(
        organization=organization,
        changes=[CellChange(touchpoint.id, FunctionFactory(organization=organization).id, frozenset("AR"))],
    )

    after = viewer.get(live).content.decode()

    coverage = re.compile(r'data-testid="dashboard-coverage">(\d+)%')
    assert (coverage.search(before).group(1), coverage.search(after).group(1)) == ("0", "50")


def test_another_organizations_member_gets_404(organization, journey):
    outsider = client_for(MembershipFactory(organization=OrganizationFactory(), role="admin").user)

    response = outsider.get(urls(organization)[1])

    assert response.status_code == 404
    assert journey.name not in response.content.decode()


def test_a_logged_out_browser_is_sent_to_log_in(organization, client):
    response = client.get(urls(organization)[1])

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_a_viewers_fragment_has_no_fix_buttons(organization, viewer, journey):
    html = viewer.get(urls(organization)[1]).content.decode()

    assert "data-fix-open" not in html and 'data-testid="top-gap"' in html


@pytest.mark.parametrize("touchpoints", [12, 120])
def test_the_fragment_costs_a_fixed_number_of_queries(organization, viewer, touchpoints, django_assert_max_num_queries):
    matrix_build(organization=organization, touchpoints=touchpoints, functions=6, stages=4)
    audit_organization(organization=organization, trigger="manual")
    live = urls(organization)[1]
    viewer.get(live, HTTP_HX_REQUEST="true")  # the session, once

    with django_assert_max_num_queries(15):
        viewer.get(live, HTTP_HX_REQUEST="true")  # as livepages.js asks
