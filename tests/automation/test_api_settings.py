"""The API of the audit schedule and webhooks: versions, clear refusals, a secret shown once."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from cxowner.orgs.history import ChangeSet
from ownership.automation.schedules import audit_schedule_get, audit_schedule_set, crontab_text
from ownership.models import Webhook, WebhookDelivery
from tests.automation.test_notifications import Receiver
from tests.factories import ApiTokenFactory, MembershipFactory, WebhookFactory

pytestmark = pytest.mark.django_db

PUBLIC = "http://93.184.216.34/hook"


@pytest.fixture
def admin_api(organization):
    client = APIClient()
    client.force_authenticate(MembershipFactory(organization=organization, role="admin").user)
    return client


def webhooks_url(organization, *rest):
    return "/".join([f"/api/v1/orgs/{organization.slug}/webhooks", *map(str, rest), ""])


def schedule_url(organization):
    return f"/api/v1/orgs/{organization.slug}/audit-schedule/"


def test_a_created_webhook_answers_with_its_secret_and_is_read_without_it(organization, admin_api):
    created = admin_api.post(webhooks_url(organization), {"url": PUBLIC, "secret": "mine"}, format="json")

    assert created.status_code == 201
    secret = created.json()["secret"]
    assert secret != "mine" and secret == Webhook.objects.get().secret
    read = admin_api.get(webhooks_url(organization, created.json()["id"]))
    assert "secret" not in read.json() and secret not in read.content.decode()


def test_a_webhook_to_a_private_address_is_a_400_naming_the_url(organization, admin_api):
    refused = admin_api.post(webhooks_url(organization), {"url": "http://127.0.0.1:6379/"}, format="json")

    assert refused.status_code == 400
    assert "non-public" in refused.json()["url"][0]
    assert not Webhook.objects.exists()


def test_a_patch_needs_the_version_and_refuses_a_stale_one(organization, admin_api):
    webhook = WebhookFactory(organization=organization)
    path = webhooks_url(organization, webhook.pk)

    missing = admin_api.patch(path, {"active": False}, format="json")
    done = admin_api.patch(path, {"active": False}, format="json", HTTP_IF_MATCH='"1"')
    stale = admin_api.patch(path, {"active": True}, format="json", HTTP_IF_MATCH='"1"')

    assert (missing.status_code, done.status_code, stale.status_code) == (428, 200, 412)
    assert stale.json()["version"] == 2 and stale["ETag"] == '"2"'
    webhook.refresh_from_db()
    assert webhook.active is False


def test_test_sends_a_ping_and_answers_with_the_logged_delivery(organization, admin_api, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    with Receiver() as receiver:
        webhook = WebhookFactory(organization=organization, url=receiver.url)
        sent = admin_api.post(webhooks_url(organization, webhook.pk, "test"))

    assert sent.status_code == 201
    assert sent.json()["event"] == "ping" and sent.json()["succeeded"] is True
    assert len(receiver.requests) == 1
    log = admin_api.get(webhooks_url(organization, webhook.pk, "deliveries")).json()["results"]
    assert [row["id"] for row in log] == [sent.json()["id"]]
    assert log[0]["duration_ms"] == WebhookDelivery.objects.get().duration_ms


def test_rotating_the_secret_answers_the_new_one_and_a_stale_version_is_refused(organization, admin_api):
    webhook = WebhookFactory(organization=organization)
    path = webhooks_url(organization, webhook.pk, "rotate-secret")

    rotated = admin_api.post(path, {"version": 1}, format="json")
    stale = admin_api.post(path, {"version": 1}, format="json")

    webhook.refresh_from_db()
    assert rotated.status_code == 200 and rotated.json()["secret"] == webhook.secret
    assert stale.status_code == 412


def test_a_token_deleting_a_webhook_is_on_the_record(organization):
    webhook = WebhookFactory(organization=organization)
    token = ApiTokenFactory(organization=organization, role="admin", name="Terraform")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.key}")

    assert client.delete(webhooks_url(organization, webhook.pk)).status_code == 204

    change = ChangeSet.objects.get(kind="webhook.delete")
    assert (change.actor_token_id, change.surface) == (token.pk, "api")


def test_the_schedule_reads_in_words_with_its_next_runs_and_version(organization, admin_api):
    response = admin_api.get(schedule_url(organization))

    body = response.json()
    assert (body["cron"], body["description"], body["enabled"], body["timezone"]) == (
        "0 2 * * *",
        "At 02:00",
        True,
        "UTC",
    )
    assert len(body["next_runs"]) == 5 and all(run.endswith("T02:00:00+00:00") for run in body["next_runs"])
    assert response["ETag"] == f'"{body["version"]}"'


def test_a_cron_in_the_query_is_previewed_and_not_saved(organization, admin_api):
    preview = admin_api.get(schedule_url(organization), {"cron": "0 6 * * 1"}).json()
    bad = admin_api.get(schedule_url(organization), {"cron": "0 6 * *"})

    assert preview["description"] == "At 06:00, only on Monday" and preview["version"] is None
    assert bad.status_code == 400 and "five fields" in bad.json()["cron"][0]
    assert crontab_text(audit_schedule_get(organization=organization).crontab) == "0 2 * * *"


def test_put_changes_the_schedule_with_the_version_read(organization, admin_api):
    version = admin_api.get(schedule_url(organization)).json()["version"]

    saved = admin_api.put(
        schedule_url(organization), {"cron": "15 1 * * *", "enabled": False}, HTTP_IF_MATCH=f'"{version}"'
    )

    assert saved.status_code == 200
    assert (saved.json()["cron"], saved.json()["enabled"]) == ("15 1 * * *", False)
    task = audit_schedule_get(organization=organization)
    assert (crontab_text(task.crontab), task.enabled) == ("15 1 * * *", False)


def test_put_with_an_invalid_cron_is_a_400_and_saves_nothing(organization, admin_api):
    version = admin_api.get(schedule_url(organization)).json()["version"]

    refused = admin_api.put(schedule_url(organization), {"cron": "0 0 31 2 *", "version": version}, format="json")

    assert refused.status_code == 400 and "never occurs" in refused.json()["cron"][0]
    assert crontab_text(audit_schedule_get(organization=organization).crontab) == "0 2 * * *"


def test_put_without_a_version_is_428_and_with_a_stale_one_412(organization, admin_api):
    version = admin_api.get(schedule_url(organization)).json()["version"]
    audit_schedule_set(organization=organization, hour="4")

    missing = admin_api.put(schedule_url(organization), {"cron": "0 5 * * *"}, format="json")
    stale = admin_api.put(schedule_url(organization), {"cron": "0 5 * * *", "version": version}, format="json")

    assert (missing.status_code, stale.status_code) == (428, 412)
    assert stale.json()["version"] != version
    assert crontab_text(audit_schedule_get(organization=organization).crontab) == "0 4 * * *"


def test_the_webhook_list_reads_in_a_constant_number_of_queries(organization, admin_api, django_assert_max_num_queries):
    for _ in range(20):
        WebhookFactory(organization=organization)

    # session, user, membership (+ organization), count, the page of webhooks
    with django_assert_max_num_queries(6):
        response = admin_api.get(webhooks_url(organization))

    assert response.json()["count"] == 20
