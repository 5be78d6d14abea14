"""The token lookup written once (cxowner/orgs/token_lookup.py) reads what the ORM would."""

import pytest
from django.db import connection
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


def health_check_pending():
    """A reused connection at the start of a request: Django would check it before its first query."""
    connection.ensure_connection()
    connection.health_check_done = False


@pytest.mark.django_db(transaction=True)
def test_lookup_stands_in_for_the_connection_health_check(monkeypatch):
    token = ApiTokenFactory()
    health_check_pending()
    checks = []
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or True)
    assert token_with_organization(token.prefix).pk == token.pk
    assert checks == []
    assert connection.health_check_done


@pytest.mark.skipif(connection.vendor != "postgresql", reason="only a database server drops a connection")
@pytest.mark.django_db(transaction=True)
def test_lookup_on_a_dead_connection_reconnects_and_reads_the_token():
    token = ApiTokenFactory()
    health_check_pending()
    connection.connection.close()  # cut behind Django's back, as a server restart would
    assert token_with_organization(token.prefix).pk == token.pk


only_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")


@only_postgresql
@pytest.mark.django_db(transaction=True)
def test_lookup_prepares_once_and_reads_the_same_token_each_time(django_assert_num_queries):
    token = ApiTokenFactory()
    expected = fields_of(ApiToken.objects.get(pk=token.pk))
    with django_assert_num_queries(2) as queries:
        first, second = token_with_organization(token.prefix), token_with_organization(token.prefix)
    assert fields_of(first) == fields_of(second) == expected
    assert [query["sql"].split()[0] for query in queries.captured_queries] == ["PREPARE", "EXECUTE"]


@only_postgresql
@pytest.mark.django_db(transaction=True)
def test_lookup_on_a_connection_that_lost_the_statement_reads_the_token():
    token = ApiTokenFactory()
    token_with_organization(token.prefix)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert token_with_organization(token.prefix).pk == token.pk
    assert token_with_organization(token.prefix).pk == token.pk


@only_postgresql
@pytest.mark.django_db(transaction=True)
def test_lookup_reads_a_revocation_through_the_prepared_statement():
    token = ApiTokenFactory()
    token_with_organization(token.prefix)
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert token_with_organization(token.prefix).revoked_at is not None
