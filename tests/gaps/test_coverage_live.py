"""Live coverage (one SQL aggregate, ownership.gaps.figures) agrees with the rules' coverage over a snapshot."""

import os

import pytest
from django.core.management import call_command

from cxowner.orgs.models import Organization
from journeys.models import Journey
from ownership.engine.rules import coverage
from ownership.gaps.figures import coverage_read
from ownership.gaps.snapshots import snapshot_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    return Organization.objects.get(slug="demo")


def test_organization_coverage_equals_the_rules_coverage(demo):
    assert coverage_read(organization=demo).organization.share == pytest.approx(
        coverage(snapshot_load(organization=demo))
    )


def test_each_journeys_coverage_equals_the_rules_coverage_of_that_journey(demo):
    by_journey = coverage_read(organization=demo).journeys()
    for journey in Journey.objects.filter(organization=demo):
        expected = coverage(snapshot_load(organization=demo, journey=journey))
        assert by_journey[journey.id].share == pytest.approx(expected), journey.name


def test_coverage_of_chosen_journeys_only(demo):
    journey = Journey.objects.filter(organization=demo).first()
    assert set(coverage_read(organization=demo, journey_ids=[journey.id]).journeys()) == {journey.id}


def test_an_organization_with_nothing_in_scope_has_no_coverage(organization):
    # No figure (docs/figures.md): neither 0 % nor 100 %.
    assert coverage_read(organization=organization).organization.share is None


def test_each_stages_coverage_adds_up_to_its_journeys(demo):
    journey = Journey.objects.filter(organization=demo).first()
    rows = coverage_read(organization=demo, stages_of=journey.id)
    stages = rows.stages()
    assert stages and sum(c.covered for c in stages.values()) == rows.journey(journey.id).covered
    assert rows.organization == coverage_read(organization=demo).organization
