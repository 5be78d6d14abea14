"""Meanings the pages show in colour are also shown in words (the browser's axe tests check the rest)."""

import pytest
from django.test import Client
from django.urls import reverse

from ownership.gaps.audits import audit_organization
from tests.factories import AssignmentFactory, FunctionFactory, MembershipFactory, TouchpointFactory

pytestmark = pytest.mark.django_db


def test_the_gaps_list_names_each_gaps_severity_in_words(organization):
    # An R without an A: the audit finds a no_accountable error.
    touchpoint = TouchpointFactory(organization=organization, stage__journey__organization=organization)
    AssignmentFactory(touchpoint=touchpoint, function=FunctionFactory(organization=organization), letter="R")
    audit_organization(organization=organization, trigger="manual")
    client = Client()
    client.force_login(MembershipFactory(organization=organization, role="viewer").user)

    page = client.get(reverse("ownership:gaps", args=[organization.slug]), {"severity": "error"}).content.decode()

    assert '<span class="sev-label sev-error">Error</span>' in page
