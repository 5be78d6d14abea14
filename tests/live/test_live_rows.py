"""The rows a pushed change names, as the matrix page fetches them (GET …/journeys/<id>/live-rows/)."""

import pytest
from django.urls import reverse

from ownership.editor.services import CellChange, cells_set
from ownership.gaps.audits import audit_organization
from tests.factories import FunctionFactory, JourneyFactory, OrganizationFactory, TouchpointFactory, matrix_build

pytestmark = pytest.mark.django_db


def live_rows(client, journey, touchpoints: str):
    url = reverse("journeys:live_rows", args=[journey.organization.slug, journey.id])
    return client.get(url, {"touchpoints": touchpoints}, HTTP_HX_REQUEST="true")


def test_a_viewer_gets_the_changed_row_with_its_letters_and_the_journeys_figures(organization, viewer):
    touchpoint = TouchpointFactory(stage__journey__organization=organization)
    function = FunctionFactory(organization=organization)
    cells_set(organization=organization, changes=[CellChange(touchpoint.id, function.id, frozenset("AR"))])

    page = live_rows(viewer, touchpoint.journey, str(touchpoint.id)).content.decode()

    assert f'<template data-swap="tp-{touchpoint.id}">' in page
    assert f'data-function="{function.id}" data-letters="RA"' in page
    assert '<template data-swap="matrix-summary">' in page


def test_another_organizations_journey_is_not_found(organization, viewer):
    elsewhere = TouchpointFactory(stage__journey__organization=OrganizationFactory())

    assert live_rows(viewer, elsewhere.journey, str(elsewhere.id)).status_code == 404


def test_a_touchpoint_of_another_journey_is_not_found(organization, viewer):
    journey = JourneyFactory(organization=organization)
    other = TouchpointFactory(stage__journey__organization=organization)

    assert live_rows(viewer, journey, str(other.id)).status_code == 404


@pytest.mark.parametrize("touchpoints", ["one", "1,,x", "1;2"])
def test_touchpoints_that_are_not_ids_are_refused(organization, viewer, touchpoints):
    journey = JourneyFactory(organization=organization)

    answer = live_rows(viewer, journey, touchpoints)

    assert answer.status_code == 400
    assert b"whole numbers" in answer.content


@pytest.mark.parametrize("size", [10, 200])
def test_the_rows_of_one_cell_cost_the_same_queries_whatever_the_journeys_size(
    organization, viewer, size, django_assert_max_num_queries
):
    journey = matrix_build(organization=organization, touchpoints=size, functions=15)
    audit_organization(organization=organization, trigger="manual")
    touchpoint = journey.touchpoints.order_by("id").first()
    # session, user, membership, journey, touchpoint; the two affected rows (next in-scope
    # touchpoint, fields, functions, letters, open gaps); coverage, open gaps by severity, gaps
    # about the journey
    with django_assert_max_num_queries(16):
        assert live_rows(viewer, journey, str(touchpoint.id)).status_code == 200
