"""The published schema and the serializers agree on every writable field.

The schema is generated in-process, as /api/v1/schema/ serves it. For every operation with a JSON
request body, a body holding every documented writable property (a plausible value of its type,
format or enum; ids of the organization's own objects where a property names one) is sent with an
admin token to an organization that has one of each object, so that the path's ids resolve. No
answer may be a 5xx (issue 18: `position`, documented for a new function, was a 500), and a 400
may never say that a documented field is unknown.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cache

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from ownership.editor.services import CellChange, cells_write
from ownership.gaps.audits import audit_organization
from ownership.models import Gap, ImportJob
from ownership.reviews.services import campaign_start
from ownership.scenarios.services import scenario_create

from .factories import (
    ApiTokenFactory,
    AssignmentFactory,
    FunctionFactory,
    JourneyFactory,
    MembershipFactory,
    OrganizationFactory,
    RoleFactory,
    StageFactory,
    TouchpointFactory,
    WebhookFactory,
)

pytestmark = pytest.mark.django_db
PREFIX = "/api/v1"
JSON = "application/json"
# What a refusal of a field the serializer does not know would say.
UNKNOWN = re.compile(
    r"(unknown|unexpected|unrecognized|not allowed|not a valid|no such)\s+(field|key|property|argument|keyword)"
    r"|does not (take|accept)",
    re.I,
)


@cache
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def json_operations() -> list[tuple[str, str]]:
    """(method, path) of every operation whose request body is JSON."""
    found = []
    for path, item in schema()["paths"].items():
        for method, operation in item.items():
            if JSON in operation.get("requestBody", {}).get("content", {}):
                found.append((method, path))
    return found


def resolved(node: dict) -> dict:
    """A schema node with its $ref followed, and of allOf/oneOf/anyOf the first (or only) one."""
    while True:
        if "$ref" in node:
            node = schema()["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
        elif any(key in node for key in ("allOf", "oneOf", "anyOf")):
            choices = node.get("allOf") or node.get("oneOf") or node.get("anyOf")
            node = {**{k: v for k, v in node.items() if k not in ("allOf", "oneOf", "anyOf")}, **choices[0]}
        else:
            return node


def example(name: str, node: dict, ids: dict[str, int]):
    """A plausible value of the property `name` described by `node`."""
    node = resolved(node)
    if "enum" in node:
        return next(value for value in node["enum"] if value not in (None, ""))
    kind = node.get("type", "object")
    if kind == "object":
        return body_of(node, ids)
    if kind == "array":
        return [example(name, node.get("items", {}), ids) for _ in range(max(1, node.get("minItems", 1)))]
    if kind == "boolean":
        return True
    if kind == "integer":
        key = name.removesuffix("_id").removesuffix("_ids")
        return ids.get(key, max(1, node.get("minimum", 1)))
    if kind == "number":
        return min(max(0.5, node.get("minimum", 0.5)), node.get("maximum", 0.5))
    return _text(name, node)


# Strings whose plausible value their type does not say (a letter, a cron line, an address).
TEXT_BY_NAME = {
    "letters": "R",
    "expected": "",
    "cron": "0 3 * * 1",
    "recipients": "board@example.com",
    "holder_name": "",
}


def _text(name: str, node: dict) -> str:
    form = node.get("format", "")
    if name in TEXT_BY_NAME:
        return TEXT_BY_NAME[name]
    if form == "email" or "email" in name:
        return "someone@example.com"
    if form == "uri" or name == "url":
        return "http://127.0.0.1:9/hook"
    if form == "decimal":
        return "0.5"
    if form == "date":
        return (timezone.localdate() + timedelta(days=7)).isoformat()
    if form == "date-time":
        return (timezone.now() + timedelta(days=7)).isoformat()
    text = f"Schema {name}"
    return text[: node.get("maxLength", len(text))].ljust(node.get("minLength", 0), "x")


def body_of(node: dict, ids: dict[str, int]) -> dict:
    """Every documented writable property of an object."""
    node = resolved(node)
    return {
        name: example(name, prop, ids)
        for name, prop in node.get("properties", {}).items()
        if not resolved(prop).get("readOnly") and not prop.get("readOnly")
    }


def _world() -> tuple[str, dict[str, int], APIClient]:
    """An organization with one of each object, its ids by the name a path or a field gives them,
    and an API client with an admin token."""
    org = OrganizationFactory()
    function = FunctionFactory(organization=org)
    other_function = FunctionFactory(organization=org)
    role = RoleFactory(function=function)
    journey = JourneyFactory(organization=org)
    stage = StageFactory(journey=journey)
    touchpoint = TouchpointFactory(stage=stage)
    TouchpointFactory(stage=stage)  # no letter: a gap
    assignment = AssignmentFactory(touchpoint=touchpoint, function=function, letter="A")
    change = cells_write(organization=org, changes=[CellChange(touchpoint.pk, other_function.pk, frozenset("R"))])
    audit_organization(organization=org, trigger="manual")
    today = timezone.localdate()
    campaign = campaign_start(organization=org, name="Review", ends_on=today + timedelta(days=7), today=today)
    ids = {
        "function": function.pk,
        "into": other_function.pk,
        "role": role.pk,
        "journey": journey.pk,
        "stage": stage.pk,
        "touchpoint": touchpoint.pk,
        "assignment": assignment.pk,
        "change": change.change_set.pk,
        "gap": Gap.objects.filter(organization=org).first().pk,
        "campaign": campaign.pk,
        "item": campaign.items.first().pk,
        "scenario": scenario_create(organization=org, name="What if", operations=[]).pk,
        "member": MembershipFactory(organization=org, role="viewer").pk,
        "webhook": WebhookFactory(organization=org).pk,
        "import": ImportJob.objects.create(organization=org, filename="m.csv", data=b"x", rows=1, dry_run=True).pk,
        "version": 1,
    }
    ids["assignee"] = MembershipFactory(organization=org, role="editor").user_id
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {ApiTokenFactory(organization=org, role='admin').key}")
    return org.slug, ids, client


# The resource of a path's {id}: /orgs/{org}/<segment>/{id}/…
PATH_IDS = {
    "assignments": "assignment",
    "campaigns": "campaign",
    "changes": "change",
    "functions": "function",
    "gaps": "gap",
    "imports": "import",
    "journeys": "journey",
    "members": "member",
    "roles": "role",
    "scenarios": "scenario",
    "stages": "stage",
    "touchpoints": "touchpoint",
    "webhooks": "webhook",
}


def url_of(path: str, slug: str, ids: dict[str, int]) -> str:
    segment = re.search(r"/orgs/\{org\}/([^/]+)/\{id\}", path)
    url = path.replace("{org}", slug)
    if segment:
        url = url.replace("{id}", str(ids[PATH_IDS[segment.group(1)]]))
    assert "{" not in url, f"a path parameter this test does not know: {path}"
    return url


def send(client: APIClient, method: str, url: str, body: dict):
    """The write, with the version a client would send once asked for it: the object's ETag
    (If-Match) after a 428, the version a 412 names."""
    response = getattr(client, method)(url, body, format="json")
    if response.status_code == 428:
        tag = client.get(url)["ETag"]
        response = getattr(client, method)(url, body, format="json", HTTP_IF_MATCH=tag)
    if response.status_code == 412 and "version" in body:
        response = getattr(client, method)(url, {**body, "version": response.json()["version"]}, format="json")
    return response


def refusals(detail, field: str = "") -> list[tuple[str, str]]:
    """(field, message) of every message in an error body."""
    if isinstance(detail, dict):
        return [pair for key, value in detail.items() for pair in refusals(value, key if key != "detail" else field)]
    if isinstance(detail, list):
        return [pair for value in detail for pair in refusals(value, field)]
    return [(field, str(detail))]


def test_every_json_body_of_the_schema_is_tried():
    operations = json_operations()
    assert ("post", f"{PREFIX}/orgs/{{org}}/functions/") in operations
    assert len(operations) >= 30  # the API's writes, not a schema that failed to generate


@pytest.fixture(scope="module")
def world(built_once_per_module):
    """Built once; each test's writes are rolled back (a merge or a discard does not last)."""
    return built_once_per_module(_world)


@pytest.mark.parametrize(("method", "path"), json_operations(), ids=lambda value: value)
def test_every_documented_writable_field_is_accepted_by_its_serializer(world, settings, method, path):
    slug, ids, client = world
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]  # the webhook's URL is on loopback, and never called
    media = schema()["paths"][path][method]["requestBody"]["content"][JSON]
    body = body_of(media["schema"], ids)
    response = send(client, method, url_of(path, slug, ids), body)
    assert response.status_code < 500, f"{method.upper()} {path} {body} -> {response.status_code}"
    if response.status_code == 400:
        documented = set(body)
        wrong = [
            (field, message)
            for field, message in refusals(response.json())
            if UNKNOWN.search(message) and (field in documented or any(name in message for name in documented))
        ]
        assert not wrong, f"{method.upper()} {path} refused documented fields: {wrong}"
