"""The gap the workflow tests (services, API and pages) act on."""

import pytest

from ownership.gaps.audits import audit_organization
from ownership.models import Gap
from tests.factories import StageFactory, TouchpointFactory


@pytest.fixture
def gap(organization):
    """The open `unassigned` gap of the flagship store's till."""
    TouchpointFactory(stage=StageFactory(journey__organization=organization), name="Flagship till")
    audit_organization(organization=organization, trigger="manual")
    return Gap.objects.get(organization=organization, rule="unassigned")
