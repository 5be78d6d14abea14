"""Managing webhooks: the URL checks apply, every change is on the record, the secret never is."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from cxowner.orgs.change_context import change_context
from cxowner.orgs.errors import StaleVersion
from cxowner.orgs.history import ChangeItem, ChangeSet
from ownership.automation.notifications import PING_EVENT, SIGNATURE_HEADER, webhook_signature
from ownership.automation.webhooks import (
    webhook_create,
    webhook_delete,
    webhook_secret_rotate,
    webhook_test_send,
    webhook_update,
)
from ownership.models import Webhook, WebhookDelivery
from tests.automation.test_notifications import Receiver
from tests.factories import MembershipFactory, WebhookFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def loopback_allowed(settings):
    # The test receivers listen on loopback, which webhooks may only reach when allowed.
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


def _history_text(organization) -> str:
    items = ChangeItem.objects.filter(change_set__organization=organization)
    return json.dumps([[item.field, item.before, item.after] for item in items], default=str)


def test_adding_a_webhook_returns_a_fresh_secret_and_records_the_change_without_it(organization, loopback_allowed):
    admin = MembershipFactory(organization=organization, role="admin").user

    with change_context(surface="browser", user=admin):
        webhook, secret = webhook_create(
            organization=organization, url=" http://127.0.0.1:8080/in ", description="Jira"
        )

    assert webhook.url == "http://127.0.0.1:8080/in"
    assert webhook.secret == secret and len(secret) > 40
    change = ChangeSet.objects.get(organization=organization, kind="webhook.create")
    assert change.actor_user == admin
    assert "http://127.0.0.1:8080/in" in _history_text(organization)
    assert secret not in _history_text(organization)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:6379/", "non-public"),
        ("http://169.254.169.254/latest/meta-data/", "non-public"),
        ("ftp://example.com/", "http:// or https://"),
    ],
)
def test_a_private_or_non_http_url_is_refused_with_the_reason_and_nothing_is_kept(organization, url, reason):
    with pytest.raises(ValidationError) as refused:
        webhook_create(organization=organization, url=url)

    assert reason in refused.value.message_dict["url"][0]
    assert not Webhook.objects.filter(organization=organization).exists()
    assert not ChangeSet.objects.filter(organization=organization).exists()


def test_disabling_a_webhook_bumps_its_version_and_records_before_and_after(organization):
    webhook = WebhookFactory(organization=organization)

    changed = webhook_update(webhook=webhook, version=1, active=False)

    assert (changed.active, changed.version) == (False, 2)
    item = ChangeItem.objects.get(change_set__kind="webhook.update")
    assert (item.field, item.before, item.after) == ("active", True, False)


def test_a_change_from_a_stale_version_is_refused_and_nothing_changes(organization):
    webhook = WebhookFactory(organization=organization)
    webhook_update(webhook=webhook, version=1, description="Chat")

    with pytest.raises(StaleVersion):
        webhook_update(webhook=webhook, version=1, active=False)

    webhook.refresh_from_db()
    assert (webhook.active, webhook.version) == (True, 2)


def test_pointing_a_webhook_at_a_private_address_is_refused(organization, loopback_allowed):
    webhook = WebhookFactory(organization=organization)

    with pytest.raises(ValidationError) as refused:
        webhook_update(webhook=webhook, version=1, url="http://10.0.0.7/hook")

    assert "non-public" in refused.value.message_dict["url"][0]
    webhook.refresh_from_db()
    assert webhook.url == "http://127.0.0.1:9/hook"


def test_rotating_the_secret_replaces_it_and_records_only_that_it_happened(organization):
    webhook = WebhookFactory(organization=organization)
    old = webhook.secret

    rotated, secret = webhook_secret_rotate(webhook=webhook, version=1)

    assert rotated.secret == secret != old
    assert rotated.version == 2
    assert ChangeSet.objects.filter(kind="webhook.rotate").count() == 1
    assert old not in _history_text(organization) and secret not in _history_text(organization)


def test_deleting_a_webhook_removes_its_delivery_log_and_keeps_the_record(organization):
    webhook = WebhookFactory(organization=organization)

    webhook_delete(webhook=webhook, version=1)

    assert not Webhook.objects.filter(pk=webhook.pk).exists()
    deleted = ChangeItem.objects.get(change_set__kind="webhook.delete")
    assert deleted.before["url"] == webhook.url and "secret" not in deleted.before


def test_a_test_delivery_is_a_signed_ping_recorded_in_the_log(organization, loopback_allowed):
    with Receiver() as receiver:
        webhook = WebhookFactory(organization=organization, url=receiver.url)
        delivery = webhook_test_send(webhook=webhook)

    request = receiver.requests[0]
    assert json.loads(request["body"])["event"] == PING_EVENT
    assert request["headers"][SIGNATURE_HEADER] == webhook_signature(secret=webhook.secret, body=request["body"])
    assert (delivery.event, delivery.run, delivery.status_code, delivery.succeeded) == (PING_EVENT, None, 200, True)
    assert WebhookDelivery.objects.filter(webhook=webhook).count() == 1


def test_a_test_delivery_to_a_failing_receiver_is_logged_as_failed(organization, loopback_allowed):
    with Receiver(status=503) as receiver:
        webhook = WebhookFactory(organization=organization, url=receiver.url)
        delivery = webhook_test_send(webhook=webhook)

    assert (delivery.status_code, delivery.succeeded) == (503, False)
    assert "503" in delivery.error


def test_a_test_delivery_to_loopback_is_refused_unless_allowed(organization):
    with Receiver() as receiver:
        webhook = WebhookFactory(organization=organization, url=receiver.url)
        delivery = webhook_test_send(webhook=webhook)

    assert receiver.requests == []
    assert not delivery.succeeded and "non-public" in delivery.error
