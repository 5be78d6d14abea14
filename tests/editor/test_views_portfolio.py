"""The journeys list is a portfolio: figures per journey, worst first, sortable and filterable."""

import re

import pytest
from django.urls import reverse

from ownership.editor.services import CellChange, cells_set
from ownership.gaps.audits import audit_organization
from tests.factories import FunctionFactory, JourneyFactory, RoleFactory, StageFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


def journey_with(organization, name, *, owned: int, unowned: int, owner=None):
    journey = JourneyFactory(organization=organization, name=name, owner=owner)
    stage = StageFactory(journey=journey, organization=organization)
    function = FunctionFactory(organization=organization, name=f"{name} team")
    for i in range(owned + unowned):
        touchpoint = TouchpointFactory(journey=journey, stage=stage, organization=organization, name=f"{name} {i}")
        if i < owned:
            cells_set(organization=organization, changes=[CellChange(touchpoint.id, function.id, frozenset("AR"))])
    return journey


def names(response) -> list[str]:
    table = response.content.decode().split('data-testid="portfolio"')[1]
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', table)


@pytest.fixture
def portfolio(organization):
    held = RoleFactory(function__organization=organization, title="Head of service", holder_name="Ana")
    journeys = {
        "Healthy": journey_with(organization, "Healthy", owned=4, unowned=0, owner=held),
        "Broken": journey_with(organization, "Broken", owned=1, unowned=3),
        "Shaky": journey_with(organization, "Shaky", owned=3, unowned=1, owner=held),
    }
    audit_organization(organization=organization, trigger="manual")
    return journeys


def test_the_worst_journey_comes_first(organization, viewer, portfolio):
    response = viewer.get(reverse("journeys:list", args=[organization.slug]))
    assert names(response) == ["Broken", "Shaky", "Healthy"]


def test_each_journey_shows_its_live_coverage(organization, viewer, portfolio):
    html = viewer.get(reverse("journeys:list", args=[organization.slug])).content.decode()
    assert "25%" in html and "75%" in html and "100%" in html


def test_sorting_by_name(organization, viewer, portfolio):
    response = viewer.get(reverse("journeys:list", args=[organization.slug]), {"sort": "name"})
    assert names(response) == ["Broken", "Healthy", "Shaky"]
    assert 'aria-sort="ascending"' in response.content.decode()


def test_sorting_by_coverage_descending(organization, viewer, portfolio):
    response = viewer.get(reverse("journeys:list", args=[organization.slug]), {"sort": "-coverage"})
    assert names(response) == ["Healthy", "Shaky", "Broken"]


def test_filtering_journeys_without_a_manager(organization, viewer, portfolio):
    response = viewer.get(reverse("journeys:list", args=[organization.slug]), {"manager": "nobody"})
    assert names(response) == ["Broken"]


def test_filtering_journeys_with_errors(organization, viewer, portfolio):
    response = viewer.get(reverse("journeys:list", args=[organization.slug]), {"errors": "1", "sort": "name"})
    assert names(response) == ["Broken", "Shaky"]


def test_unknown_sort_and_filter_values_fall_back_to_the_default(organization, viewer, portfolio):
    response = viewer.get(reverse("journeys:list", args=[organization.slug]), {"sort": "drop table", "manager": "x"})
    assert response.status_code == 200
    assert names(response) == ["Broken", "Shaky", "Healthy"]


def test_no_match_says_so(organization, viewer, portfolio):
    response = viewer.get(reverse("journeys:list", args=[organization.slug]), {"q": "nothing like it"})
    assert "No journey matches these filters" in response.content.decode()
