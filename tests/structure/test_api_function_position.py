"""A function created through the API at a position: the published schema documents `position`."""

import pytest

from cxowner.orgs.models import Membership
from ownership.models import Function
from tests.factories import ApiTokenFactory, FunctionFactory

pytestmark = pytest.mark.django_db


def columns(organization) -> list[str]:
    return list(Function.objects.filter(organization=organization).order_by("position").values_list("name", flat=True))


@pytest.fixture
def sales_and_support(organization):
    FunctionFactory(organization=organization, name="Sales", position=1)
    FunctionFactory(organization=organization, name="Support", position=2)


def test_a_function_created_at_a_position_takes_that_column(organization, sales_and_support):
    token = ApiTokenFactory(organization=organization, role=Membership.Role.EDITOR)
    response = token_client(token).post(
        f"/api/v1/orgs/{organization.slug}/functions/", {"name": "Legal", "position": 2}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["position"] == 2
    assert columns(organization) == ["Sales", "Legal", "Support"]


def test_a_function_created_without_a_position_comes_last(organization, sales_and_support, api_as):
    response = api_as("editor").post(f"/api/v1/orgs/{organization.slug}/functions/", {"name": "Legal"}, format="json")
    assert response.status_code == 201
    assert columns(organization) == ["Sales", "Support", "Legal"]


def test_a_position_past_the_last_column_puts_the_function_last(organization, sales_and_support, api_as):
    api = api_as("editor")
    response = api.post(f"/api/v1/orgs/{organization.slug}/functions/", {"name": "Legal", "position": 9}, format="json")
    assert response.status_code == 201
    assert columns(organization) == ["Sales", "Support", "Legal"]
    assert response.json()["position"] == 3


def test_a_position_that_is_no_place_is_refused_and_nothing_is_created(organization, sales_and_support, api_as):
    api = api_as("editor")
    response = api.post(f"/api/v1/orgs/{organization.slug}/functions/", {"name": "Legal", "position": 0}, format="json")
    assert response.status_code == 400
    assert "position" in response.json()
    assert columns(organization) == ["Sales", "Support"]


def token_client(token):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
    return client
