"""Query counts: every list endpoint and the matrix read a constant number of queries.

Each endpoint is called on an organization of 10 rows and one of 200 (touchpoints, letters,
functions, roles, journeys, stages, gaps, runs, members, tokens); the counts must be equal and
stay under the budget. A session request costs: the session, the user, the membership (with
its organization); a page-numbered list adds its COUNT(*).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from cxowner.orgs.api.answers import answers_forget
from cxowner.orgs.models import Membership
from journeys.models import Journey, Stage, Touchpoint
from ownership.models import Assignment, AuditRun, Function, Gap, Role

from .factories import ApiTokenFactory, MembershipFactory, OrganizationFactory, UserFactory

# (path under /api/v1/orgs/{org}/, budget of queries)
LISTS = [
    ("", 4),
    ("members/", 5),
    ("tokens/", 5),
    ("functions/", 5),
    ("roles/", 5),
    ("journeys/", 5),
    ("stages/", 5),
    # session, user, membership, page, its letters
    ("touchpoints/?page_size=500", 5),
    ("assignments/?page_size=500", 4),
    ("audits/", 5),
    ("gaps/", 5),
    # session, user, membership, journey, touchpoints, functions, coverage, stages, cells, gaps
    ("journeys/{journey}/matrix/", 10),
    ("export/", 7),
]


def build(size: int):
    """An organization with `size` rows of everything, written in bulk."""
    org = OrganizationFactory()
    admin = MembershipFactory(organization=org, role="admin").user
    Membership.objects.bulk_create(
        Membership(organization=org, user=UserFactory(password=None), role="viewer") for _ in range(size)
    )
    for _ in range(min(size, 20)):
        ApiTokenFactory(organization=org)
    functions = Function.objects.bulk_create(Function(organization=org, name=f"F{i}", position=i) for i in range(size))
    Role.objects.bulk_create(Role(organization=org, function=f, title="Head") for f in functions)
    journey = Journey.objects.create(organization=org, name="Main", position=0)
    Journey.objects.bulk_create(Journey(organization=org, name=f"J{i}", position=i + 1) for i in range(size))
    stages = Stage.objects.bulk_create(
        Stage(organization=org, journey=journey, name=f"S{i}", position=i) for i in range(size)
    )
    touchpoints = Touchpoint.objects.bulk_create(
        Touchpoint(organization=org, journey=journey, stage=stages[i % len(stages)], name=f"T{i}", position=i)
        for i in range(size)
    )
    Assignment.objects.bulk_create(
        Assignment(organization=org, touchpoint=t, function=functions[i % len(functions)], letter=letter)
        for i, t in enumerate(touchpoints)
        for letter in "RA"
    )
    now = timezone.now()
    AuditRun.objects.bulk_create(AuditRun(organization=org, trigger="manual", status="done") for _ in range(size))
    Gap.objects.bulk_create(
        Gap(
            organization=org,
            fingerprint=str(i),
            rule="no_responsible",
            severity="warning",
            journey=journey,
            finding={"rule": "no_responsible"},
            score=6,
            first_seen_at=now,
        )
        for i in range(size)
    )
    return org, admin, journey


def prepared_get(size: int, path: str):
    """A GET of `path` on an organization of `size` rows, ready to be called."""
    org, admin, journey = build(size)
    client = APIClient()
    client.force_login(admin)
    url = f"/api/v1/orgs/{org.slug}/" + path.format(journey=journey.pk)
    return lambda: client.get(url)


@pytest.mark.django_db
@pytest.mark.parametrize("path, budget", LISTS, ids=[path or "organization" for path, _ in LISTS])
def test_list_reads_a_constant_number_of_queries(path, budget, django_assert_max_num_queries):
    small, large = prepared_get(10, path), prepared_get(200, path)
    with CaptureQueriesContext(connection) as small_queries:
        assert small().status_code == 200
    with django_assert_max_num_queries(budget) as large_queries:
        assert large().status_code == 200
    assert len(large_queries.captured_queries) == len(small_queries.captured_queries)


@pytest.mark.django_db
def test_organization_list_reads_a_constant_number_of_queries():
    counts = []
    for size in (2, 20):
        user = UserFactory(password=None)
        for _ in range(size):
            MembershipFactory(user=user, organization=OrganizationFactory())
        client = APIClient()
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/orgs/").status_code == 200
        counts.append(len(queries))
    # session, user, count, page, the caller's roles
    assert counts[0] == counts[1] <= 5


@pytest.mark.django_db
def test_token_request_reads_one_query_for_the_token(django_assert_num_queries):
    org, _, _ = build(10)
    token = ApiTokenFactory(organization=org)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    client.get(f"/api/v1/orgs/{org.slug}/touchpoints/")  # records last_used_at once
    answers_forget()
    # token (with its organization), the page of touchpoints, their letters
    with django_assert_num_queries(3):
        assert client.get(f"/api/v1/orgs/{org.slug}/touchpoints/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_unchanged_list_from_a_token_is_one_round_trip_to_the_database(django_assert_num_queries, monkeypatch):
    org, _, _ = build(10)
    token = ApiTokenFactory(organization=org)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    url = f"/api/v1/orgs/{org.slug}/touchpoints/"
    tag = client.get(url)["ETag"]  # records last_used_at once
    # As at the start of a request on a reused connection: Django would SELECT 1 before the token.
    connection.health_check_done = False
    checks = []
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or True)
    with django_assert_num_queries(1):
        assert client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304
    assert checks == []
