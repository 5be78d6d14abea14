"""The token lookup written once (cxowner/orgs/token_lookup.py) reads what the ORM would."""

import pytest
from django.utils import timezone

from cxowner.orgs.models import ApiToken, Organization
from cxowner.orgs.token_lookup import token_with_organization
from tests.factories import ApiTokenFactory

pytestmark = pytest.mark.django_db


def fields_of(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def test_lookup_reads_the_token_and_organization_select_related_reads():
    token = ApiTokenFactory(expires_at=timezone.now() + timezone.timedelta(days=3))
    Organization.objects.filter(pk=token.organization_id).update(matrix_version=7, matrix_changed_at=timezone.now())
    expected = ApiToken.objects.select_related("organization").get(pk=token.pk)
    found = token_with_organization(token.prefix)
    assert fields_of(found) == fields_of(expected)
    assert fields_of(found.organization) == fields_of(expected.organization)


def test_lookup_reads_one_query_with_the_organization(django_assert_num_queries):
    token = ApiTokenFactory()
    with django_assert_num_queries(1):
        assert token_with_organization(token.prefix).organization.slug == token.organization.slug


def test_lookup_of_an_unknown_prefix_is_none():
    ApiTokenFactory()
    assert token_with_organization("unknown") is None


def test_lookup_reads_a_revocation_made_after_a_first_lookup():
    token = ApiTokenFactory()
    assert token_with_organization(token.prefix).revoked_at is None
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert token_with_organization(token.prefix).revoked_at is not None
