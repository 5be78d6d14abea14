"""Every page costs the same number of queries with 10 or 200 touchpoints (× 15 functions)."""

import pytest
from django.test import Client
from django.urls import reverse

from ownership.gaps.audits import audit_organization
from tests.factories import matrix_build

pytestmark = pytest.mark.django_db

# page -> the most queries it may make, whatever the matrix's size. Each includes the session,
# the user, the membership, the organization switcher and the live feed's cursor (5); the rest is
# named per page.
PAGES = {
    # + the figures: functions, coverage, open gaps by journey, open gaps by function, journeys; the
    # period's change: its gap events, the coverage gaps they touch, the resolutions of this period
    # and the one before; + A per journey, last run, pending run, the top gaps; the reviews asking
    # the member to confirm A's
    "dashboard": 17,
    # + journeys with their sizes, coverage, open gaps by journey, last letter change by journey
    "journeys:list": 9,
    # nothing else: an empty form
    "journeys:create": 5,
    # + journey, touchpoint, the stage choices, the selected stage, its A letters, their roles
    "journeys:touchpoint_edit": 11,
    # + journey, functions, roles, touchpoints, stages, the drawn rows' letters and open gaps,
    # coverage, open gaps by severity, gaps about the journey, the member's undo/redo history
    "journeys:matrix": 16,
    "journeys:map": 15,
    # + count, page of gaps, filter choices (2), touchpoint locator, any audit run; the header's
    # figures: coverage, open gaps by severity
    "ownership:gaps": 13,
    # + functions, letter counts, roles, open gaps, role form choices (functions, members)
    "ownership:functions": 12,
    # + runs, the gap events since the run before each, those gaps, the worker's heartbeat (a
    # cache read: a query with the database cache)
    "ownership:audits": 9,
    # + journeys, the upload form's pending-import check in the session
    "ownership:import": 7,
    # + functions, touchpoints, letters (the file's size grows, not its queries)
    "ownership:export_csv": 6,
    # + members, tokens, open invitations, the identity provider's groups (SCIM)
    "ownership:members": 9,
}


@pytest.fixture(params=[10, 200], ids=["10-touchpoints", "200-touchpoints"])
def sized(request, organization, member):
    journey = matrix_build(organization=organization, touchpoints=request.param, functions=15)
    audit_organization(organization=organization, trigger="manual")
    audit_organization(organization=organization, trigger="manual")
    client = Client()
    client.force_login(member("admin"))
    client.get("/")  # the session exists before counting
    return client, journey


@pytest.mark.parametrize("page_name", PAGES)
def test_page_query_count_does_not_grow_with_the_matrix(page_name, sized, organization, django_assert_max_num_queries):
    client, journey = sized
    args = {
        "journeys:matrix": [organization.slug, journey.id],
        "journeys:map": [organization.slug, journey.id],
        "journeys:touchpoint_edit": [organization.slug, journey.id, journey.touchpoints.order_by("id").first().id],
    }.get(page_name, [organization.slug])
    url = reverse(page_name, args=args)
    with django_assert_max_num_queries(PAGES[page_name]):
        response = client.get(url)
    assert response.status_code == 200


def test_login_page_query_count(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        assert client.get(reverse("login")).status_code == 200


def test_cell_change_query_count_does_not_grow_with_the_matrix(sized, organization, django_assert_max_num_queries):
    client, journey = sized
    touchpoint = journey.touchpoints.order_by("id").first()
    function = organization.functions.order_by("position").last()
    # session, user, membership, journey, touchpoint; cells_set (lock, functions, read, write,
    # version, history); the live gaps (no savepoint; tests/test_livegaps.py names them); the
    # two affected rows (next in-scope touchpoint, fields, functions, letters, open gaps),
    # coverage, open gaps by severity, gaps about the journey (8); the member's undo/redo history
    with django_assert_max_num_queries(38):
        response = client.post(
            reverse("journeys:cell", args=[organization.slug, journey.id]),
            {"touchpoint": touchpoint.id, "function": function.id, "expected": "", "letters": "I"},
        )
    assert response.status_code == 200
