"""Live coverage (one SQL aggregate, ownership.gaps.figures) agrees with the rules' coverage over a snapshot."""

import pytest

from journeys.models import Journey
from ownership.engine.rules import coverage
from ownership.gaps.figures import coverage_read
from ownership.gaps.snapshots import snapshot_load

pytestmark = pytest.mark.django_db


def test_organization_coverage_equals_the_rules_coverage(demo_for_reading):
    assert coverage_read(organization=demo_for_reading).organization.share == pytest.approx(
        coverage(snapshot_load(organization=demo_for_reading))
    )


def test_each_journeys_coverage_equals_the_rules_coverage_of_that_journey(demo_for_reading):
    by_journey = coverage_read(organization=demo_for_reading).journeys()
    for journey in Journey.objects.filter(organization=demo_for_reading):
        expected = coverage(snapshot_load(organization=demo_for_reading, journey=journey))
        assert by_journey[journey.id].share == pytest.approx(expected), journey.name


def test_coverage_of_chosen_journeys_only(demo_for_reading):
    journey = Journey.objects.filter(organization=demo_for_reading).first()
    assert set(coverage_read(organization=demo_for_reading, journey_ids=[journey.id]).journeys()) == {journey.id}


def test_an_organization_with_nothing_in_scope_has_no_coverage(organization):
    # No figure (docs/figures.md): neither 0 % nor 100 %.
    assert coverage_read(organization=organization).organization.share is None


def test_each_stages_coverage_adds_up_to_its_journeys(demo_for_reading):
    journey = Journey.objects.filter(organization=demo_for_reading).first()
    rows = coverage_read(organization=demo_for_reading, stages_of=journey.id)
    stages = rows.stages()
    assert stages and sum(c.covered for c in stages.values()) == rows.journey(journey.id).covered
    assert rows.organization == coverage_read(organization=demo_for_reading).organization
