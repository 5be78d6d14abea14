"""What the SCIM tests share: an identity provider's token and a client that speaks SCIM with it,
and the request shapes recorded from Entra ID's and Okta's documentation (shapes/)."""

import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests.factories import ApiTokenFactory

SHAPES = Path(__file__).parent / "shapes"
SCIM_JSON = "application/scim+json"


def shape(provider: str, name: str, **ids: str):
    """A recorded request body (or filter) of `provider`, with {user} and {group} filled in."""
    text = json.dumps(json.loads((SHAPES / f"{provider}.json").read_text())[name])
    for key, value in ids.items():
        text = text.replace(f"{{{key}}}", value)
    return json.loads(text)


class Scim:
    """A SCIM client of one organization, as an identity provider calls it."""

    def __init__(self, token, organization):
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")
        self.root = f"/scim/v2/o/{organization.slug}/"

    def get(self, path: str, **params):
        return self.client.get(self.root + path, params)

    def send(self, method: str, path: str, body=None):
        data = json.dumps(body) if body is not None else None
        return getattr(self.client, method)(self.root + path, data, content_type=SCIM_JSON)

    def post(self, path: str, body):
        return self.send("post", path, body)

    def put(self, path: str, body):
        return self.send("put", path, body)

    def patch(self, path: str, body):
        return self.send("patch", path, body)

    def delete(self, path: str):
        return self.send("delete", path)

    def user(self, user_name: str = "ines@example.com", **extra) -> dict:
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "name": {"givenName": "Ines", "familyName": "Duarte"},
            "emails": [{"value": user_name, "type": "work", "primary": True}],
            **extra,
        }
        response = self.post("Users", body)
        assert response.status_code == 201, response.content
        return response.json()

    def group(self, name: str = "cxowner editors", members=()) -> dict:
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": name,
            "members": [{"value": member} for member in members],
        }
        response = self.post("Groups", body)
        assert response.status_code == 201, response.content
        return response.json()


@pytest.fixture
def scim_token(organization):
    return ApiTokenFactory(organization=organization, name="Okta", scope="scim")


@pytest.fixture
def scim(scim_token, organization) -> Scim:
    return Scim(scim_token, organization)
