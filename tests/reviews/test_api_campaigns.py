"""The review campaigns API: start, read progress and items, confirm one or a function's all,
change one, close; refusals are 400 (bad input), 409 (changed meanwhile) and 412 (stale version)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from ownership.editor.services import CellChange, cells_set
from ownership.models import Assignment, ReviewCampaign, ReviewItem
from tests.factories import AssignmentFactory, JourneyFactory, RoleFactory, StageFactory
from tests.reviews.accountabilities import shelves, store_visit

pytestmark = pytest.mark.django_db
ENDS = str(timezone.localdate() + timedelta(days=14))


@pytest.fixture
def world(organization, member):
    store = store_visit(organization, ["Till", "Counter"])
    sales, service, (till, counter) = store["sales"], store["service"], store["touchpoints"]
    AssignmentFactory(touchpoint=counter, function=service, letter="R")
    admin = APIClient()
    admin.force_login(member("admin"))
    return {"sales": sales, "service": service, "till": till, "counter": counter, "admin": admin}


def url(organization, tail=""):
    return f"/api/v1/orgs/{organization.slug}/campaigns/{tail}"


def started(organization, world) -> dict:
    response = world["admin"].post(url(organization), {"name": "Spring review", "ends_on": ENDS}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_starting_a_campaign_answers_it_with_its_progress(organization, world):
    campaign = started(organization, world)

    assert campaign["progress"] == {"confirmed": 0, "changed": 0, "pending": 2, "total": 2}
    assert (campaign["status"], campaign["journey"]) == ("open", None)


def test_a_campaign_in_the_past_is_refused_with_the_field_named(organization, world):
    yesterday = str(timezone.localdate() - timedelta(days=1))

    response = world["admin"].post(url(organization), {"name": "Late", "ends_on": yesterday}, format="json")

    assert response.status_code == 400
    assert "ends_on" in response.json()
    assert not ReviewCampaign.objects.exists()


def test_another_organizations_journey_is_refused(organization, world):
    foreign = JourneyFactory()

    response = world["admin"].post(
        url(organization), {"name": "X", "ends_on": ENDS, "journey": foreign.pk}, format="json"
    )

    assert response.status_code == 400
    assert "journey" in response.json()


def test_items_of_one_function_are_listed_with_their_state(organization, world):
    campaign = started(organization, world)

    response = world["admin"].get(url(organization, f"{campaign['id']}/items/?function={world['sales'].pk}"))

    rows = response.json()["results"]
    assert [(row["touchpoint_name"], row["function_name"], row["state"]) for row in rows] == [
        ("Till", "Sales", "pending"),
        ("Counter", "Sales", "pending"),
    ]


def test_confirm_all_of_a_function_answers_the_new_progress(organization, world):
    campaign = started(organization, world)

    response = world["admin"].post(
        url(organization, f"{campaign['id']}/confirm/"), {"function": world["sales"].pk}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {
        "confirmed": 2,
        "progress": {"confirmed": 2, "changed": 0, "pending": 0, "total": 2},
    }


def test_confirm_all_of_one_holder_confirms_the_as_their_role_carries(organization, world):
    role = RoleFactory(function=world["sales"], title="Head of Sales")
    Assignment.objects.filter(touchpoint=world["till"], letter="A").update(role=role)
    campaign = started(organization, world)

    response = world["admin"].post(
        url(organization, f"{campaign['id']}/confirm/"), {"function": world["sales"].pk, "role": role.pk}, format="json"
    )

    assert response.json()["confirmed"] == 1


def test_a_role_of_another_function_is_refused(organization, world):
    role = RoleFactory(function=world["service"])
    campaign = started(organization, world)

    response = world["admin"].post(
        url(organization, f"{campaign['id']}/confirm/"), {"function": world["sales"].pk, "role": role.pk}, format="json"
    )

    assert response.status_code == 400
    assert "role" in response.json()


def test_confirming_what_changed_since_it_was_read_answers_409_with_the_changed_items(organization, world):
    campaign = started(organization, world)
    seen = list(ReviewItem.objects.values_list("pk", flat=True))
    cells_set(organization=organization, changes=[CellChange(world["till"].pk, world["sales"].pk, frozenset())])

    response = world["admin"].post(
        url(organization, f"{campaign['id']}/confirm/"),
        {"function": world["sales"].pk, "items": seen},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["changed"] == [ReviewItem.objects.get(touchpoint=world["till"]).pk]
    assert ReviewItem.objects.filter(assignment__confirmed_at__isnull=False).count() == 0


@pytest.mark.parametrize(
    "body",
    [{}, {"item": 1, "function": 1}, {"items": [1]}, {"role": 1}, {"function": "sales"}, {"item": 2**70}],
)
def test_a_confirmation_must_name_one_item_or_one_function(organization, world, body):
    campaign = started(organization, world)

    response = world["admin"].post(url(organization, f"{campaign['id']}/confirm/"), body, format="json")

    assert response.status_code == 400


def test_change_one_moves_the_a_and_answers_the_item_as_changed(organization, world):
    campaign = started(organization, world)
    item = ReviewItem.objects.get(touchpoint=world["counter"])

    response = world["admin"].post(
        url(organization, f"{campaign['id']}/move/"), {"item": item.pk, "function": world["service"].pk}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["state"] == "changed"


def test_closing_with_a_stale_version_answers_412(organization, world):
    campaign = started(organization, world)

    response = world["admin"].post(url(organization, f"{campaign['id']}/close/"), {"version": 7}, format="json")

    assert response.status_code == 412
    assert ReviewCampaign.objects.get().status == "open"


def test_closing_twice_is_refused(organization, world):
    campaign = started(organization, world)
    close = url(organization, f"{campaign['id']}/close/")

    assert world["admin"].post(close, {"version": 1}, format="json").status_code == 200
    response = world["admin"].post(close, {"version": 2}, format="json")

    assert response.status_code == 400
    assert "closed" in str(response.json())


def test_the_campaign_list_reads_progress_in_constant_queries(organization, world, django_assert_max_num_queries):
    started(organization, world)
    ReviewCampaign.objects.update(status="closed", closed_at=timezone.now())
    started(organization, world)

    # * session  * user  * membership  * count  * campaigns with starters  * progress of the page
    with django_assert_max_num_queries(6):
        response = world["admin"].get(url(organization))
    assert len(response.json()["results"]) == 2


def test_the_items_list_reads_in_constant_queries(organization, world, django_assert_max_num_queries):
    shelves(StageFactory(journey__organization=organization), world["service"], 30)
    campaign = started(organization, world)

    # * session  * user  * membership  * campaign  * count  * the page of items with their rows
    with django_assert_max_num_queries(6):
        response = world["admin"].get(url(organization, f"{campaign['id']}/items/"))
    assert response.json()["count"] == 32
