"""Live coverage (one SQL aggregate) agrees with the rules' coverage over a snapshot."""

import pytest

from journeys.models import Journey
from ownership.engine.rules import coverage
from ownership.gaps.selectors import coverage_by_journey, coverage_live
from ownership.gaps.snapshots import snapshot_load

pytestmark = pytest.mark.django_db


def test_organization_coverage_equals_the_rules_coverage(demo_for_reading):
    assert coverage_live(organization=demo_for_reading).share == pytest.approx(
        coverage(snapshot_load(organization=demo_for_reading))
    )


def test_each_journeys_coverage_equals_the_rules_coverage_of_that_journey(demo_for_reading):
    by_journey = coverage_by_journey(organization=demo_for_reading)
    for journey in Journey.objects.filter(organization=demo_for_reading):
        expected = coverage(snapshot_load(organization=demo_for_reading, journey=journey))
        assert by_journey[journey.id].share == pytest.approx(expected), journey.name


def test_coverage_of_chosen_journeys_only(demo_for_reading):
    journey = Journey.objects.filter(organization=demo_for_reading).first()
    assert set(coverage_by_journey(organization=demo_for_reading, journey_ids=[journey.id])) == {journey.id}


def test_an_organization_with_nothing_in_scope_has_no_coverage(organization):
    assert coverage_live(organization=organization).share == 0.0
