"""Every API error is JSON, and no body, however malformed, nested or large, is a 500."""

import json

import pytest
from django.test import Client
from django.urls import path
from rest_framework.test import APIClient

from cxowner.orgs.api.parsers import json_depth_exceeds
from cxowner.urls import urlpatterns as site_urls

from .factories import JourneyFactory


def crash(request):
    raise RuntimeError("a bug")


urlpatterns = [path("api/v1/crash/", crash), path("crash/", crash), *site_urls]
handler400 = "cxowner.views.bad_request"
handler403 = "cxowner.views.permission_denied"
handler404 = "cxowner.views.page_not_found"
handler500 = "cxowner.views.server_error"


@pytest.fixture
def admin_client(member):
    client = APIClient()
    client.force_login(member("admin"))
    return client


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_an_unknown_path_under_api_is_a_json_404(client):
    response = client.get("/api/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.urls(__name__)
def test_a_crash_under_api_is_a_json_500_without_a_traceback():
    response = Client(raise_request_exception=False).get("/api/v1/crash/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert "RuntimeError" not in response.content.decode()


@pytest.mark.urls(__name__)
def test_a_crash_on_a_page_is_the_html_500():
    response = Client(raise_request_exception=False).get("/crash/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_a_wrong_method_is_a_json_405(admin_client, organization):
    response = admin_client.put(f"/api/v1/orgs/{organization.slug}/members/", {}, format="json")
    assert response.status_code == 405
    assert "detail" in response.json()


def test_creating_a_token_without_a_role_is_400(admin_client, organization):
    response = admin_client.post(f"/api/v1/orgs/{organization.slug}/tokens/", {"name": "ci"}, format="json")
    assert response.status_code == 400
    assert "role" in response.json()


def test_changing_a_member_with_an_empty_body_is_400(admin_client, organization, member):
    viewer = member("viewer")
    membership = viewer.memberships.get()
    response = admin_client.patch(f"/api/v1/orgs/{organization.slug}/members/{membership.pk}/", {}, format="json")
    assert response.status_code == 400
    assert "role" in response.json()


@pytest.mark.parametrize("depth", [21, 5_000, 100_000])
def test_a_deeply_nested_body_is_400_and_changes_nothing(admin_client, organization, depth):
    journey = JourneyFactory(organization=organization, name="Store visit")
    body = '{"name": ' + nested(depth) + "}"
    response = admin_client.patch(
        f"/api/v1/orgs/{organization.slug}/journeys/{journey.pk}/",
        body,
        content_type="application/json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]
    journey.refresh_from_db()
    assert journey.name == "Store visit"


def test_an_oversized_body_is_413(admin_client, organization, settings):
    settings.API_JSON_MAX_BYTES = 1000
    body = json.dumps({"name": "x" * 2000})
    response = admin_client.post(f"/api/v1/orgs/{organization.slug}/journeys/", body, content_type="application/json")
    assert response.status_code == 413
    assert "1,000 bytes" in response.json()["detail"]


def test_a_malformed_body_is_400(admin_client, organization):
    response = admin_client.post(
        f"/api/v1/orgs/{organization.slug}/journeys/", "{nope", content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_depth_is_measured_without_recursion():
    assert not json_depth_exceeds(json.loads(nested(20)), 20)
    assert json_depth_exceeds(json.loads(nested(21)), 20)
    assert json_depth_exceeds({"a": [{"b": [1]}]}, 3)
    assert not json_depth_exceeds({"a": [{"b": 1}]}, 3)
