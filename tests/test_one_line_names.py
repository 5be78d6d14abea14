"""Names and other one-line texts never hold control characters (issue 18, item 4): refused with a
clear error at the edges, cleaned on every write that skips validation, cleaned in existing rows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from cxowner.orgs.models import ApiToken, Organization
from cxowner.orgs.names import ONE_LINE_MESSAGE, one_line, one_line_fields
from cxowner.orgs.services import organization_settings_version
from journeys.models import Journey, Stage, Touchpoint
from ownership.models import Function, Role, Scenario, Webhook
from tests.automation.test_views_settings import thresholds
from tests.factories import FunctionFactory, JourneyFactory, MembershipFactory, OrganizationFactory, RoleFactory

HOSTILE = "Inj\rBcc: victim@example.test"


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("Inj\rBcc: victim@example.test", "Inj Bcc: victim@example.test"),
        ("two\r\nlines", "two lines"),
        ("tab\there", "tab here"),
        ("para\u2028graph\u2029s", "para graph s"),
        ("nul\x00bell\x07del\x7fc1\x9b", "nulbelldelc1"),
        ("next\x85line", "next line"),
        ("lone\ud800surrogate", "lonesurrogate"),
        ("Caf\u00e9 \u202eRTL 🙂 {{ x }}", "Caf\u00e9 \u202eRTL 🙂 {{ x }}"),
    ],
)
def test_one_line_turns_spacing_controls_into_a_space_and_drops_the_others(text, clean):
    assert one_line(text) == clean


def test_every_single_line_name_like_field_is_marked_one_line():
    marked = {
        Organization: ["name"],
        ApiToken: ["name"],
        Journey: ["name", "persona"],
        Stage: ["name"],
        Touchpoint: ["name", "channel", "out_of_scope_reason"],
        Function: ["name"],
        Role: ["title", "holder_name"],
        Scenario: ["name"],
        Webhook: ["description"],
    }
    for model, fields in marked.items():
        assert set(fields) <= set(one_line_fields(model)), model


@pytest.mark.django_db
def test_the_api_refuses_a_control_character_in_the_organizations_name(organization, api_as):
    client = api_as("admin")

    answer = client.patch(
        f"/api/v1/orgs/{organization.slug}/",
        {"name": HOSTILE, "version": organization_settings_version(organization)},
        format="json",
    )

    assert answer.status_code == 400
    assert answer.json()["name"] == [ONE_LINE_MESSAGE]
    organization.refresh_from_db()
    assert "\r" not in organization.name


@pytest.mark.django_db
def test_the_settings_page_refuses_a_control_character_in_the_name_next_to_the_field(organization):
    admin = Client()
    admin.force_login(MembershipFactory(organization=organization, role="admin").user)

    answer = admin.post(
        reverse("ownership:settings_thresholds", args=[organization.slug]), thresholds(organization, name=HOSTILE)
    )

    assert answer.status_code == 400
    assert ONE_LINE_MESSAGE.replace(":", "") in answer.content.decode().replace(":", "")
    organization.refresh_from_db()
    assert "\r" not in organization.name


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("functions/", {"name": "Legal\nTeam"}),
        ("journeys/", {"name": "On\rboarding"}),
        ("tokens/", {"name": "Jira\x00sync", "role": "viewer"}),
    ],
)
def test_the_api_refuses_control_characters_in_names_it_creates(organization, api_as, path, body):
    answer = api_as("admin").post(f"/api/v1/orgs/{organization.slug}/{path}", body, format="json")

    assert answer.status_code == 400
    assert ONE_LINE_MESSAGE in answer.json()["name"]


@pytest.mark.django_db
def test_writes_that_skip_validation_store_names_cleaned(organization):
    Organization.objects.filter(pk=organization.pk).update(name=HOSTILE)
    journey = JourneyFactory(organization=organization, name="Buy\r\nnow", persona="The\tboss")
    Function.objects.bulk_create([Function(organization=organization, name="Legal\x00", position=9)])
    role = RoleFactory(function=FunctionFactory(organization=organization), title="Head", holder_name="Ann\u2028Lee")
    Role.objects.filter(pk=role.pk).update(title="Chief\x1bOfficer")

    organization.refresh_from_db()
    journey.refresh_from_db()
    role.refresh_from_db()
    assert organization.name == "Inj Bcc: victim@example.test"
    assert (journey.name, journey.name_key, journey.persona) == ("Buy now", "buy now", "The boss")
    assert Function.objects.get(position=9, organization=organization).name == "Legal"
    assert (role.title, role.holder_name) == ("ChiefOfficer", "Ann Lee")


# The migration that cleans existing rows, run from the state just before it.
BEFORE = [
    ("orgs", "0010_one_line_names"),
    ("journeys", "0006_one_line_names"),
    ("ownership", "0018_one_line_names_comment_integration"),
]
AFTER = [("ownership", "0019_one_line_names_cleaned")]


@pytest.mark.django_db
@pytest.mark.usefixtures("latest_schema_afterwards")
def test_existing_names_are_cleaned_and_a_clash_is_numbered():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    organization = apps.get_model("orgs", "Organization").objects.create(name=HOSTILE, slug="inj")
    Journey = apps.get_model("journeys", "Journey")
    Journey.objects.create(organization=organization, name="Buy now", name_key="buy now", position=1)
    Journey.objects.create(organization=organization, name="Buy\r\nnow", name_key="buy now x", position=2)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps

    assert apps.get_model("orgs", "Organization").objects.get(slug="inj").name == "Inj Bcc: victim@example.test"
    journeys = apps.get_model("journeys", "Journey").objects.order_by("position")
    assert [(j.name, j.name_key) for j in journeys] == [("Buy now", "buy now"), ("Buy now (2)", "buy now (2)")]


@pytest.mark.django_db
def test_an_organization_made_by_a_command_or_the_admin_is_stored_cleaned():
    organization = OrganizationFactory(name="Acme\r\nLtd")

    organization.refresh_from_db()
    assert organization.name == "Acme Ltd"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["scenarios/", "campaigns/"])
def test_scenarios_and_reviews_refuse_a_name_on_two_lines(organization, api_as, path):
    body = {"name": "Re-org\r\nBcc: victim@example.test", "ends_on": "2999-01-01", "operations": []}

    answer = api_as("admin").post(f"/api/v1/orgs/{organization.slug}/{path}", body, format="json")

    assert answer.status_code == 400
    assert ONE_LINE_MESSAGE in answer.json()["name"]
