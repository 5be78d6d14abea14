"""Webhook targets: http(s) to public addresses only, when saved and again when delivered.

No real DNS here: `ownership.models.webhook_targets.resolve` is replaced by a table of names.
"""

import ipaddress

import pytest
from django.core.exceptions import ValidationError

from ownership.automation.notifications import webhook_deliver
from ownership.gaps.audits import audit_organization
from ownership.models import WebhookDelivery
from ownership.models import webhook_targets as webhooks
from ownership.models.webhook_targets import webhook_url_validate
from tests.automation.test_notifications import Receiver
from tests.factories import WebhookFactory

PUBLIC = "93.184.216.34"


@pytest.fixture
def dns(monkeypatch):
    """A resolver with a table of names; tests change the table to rebind a name."""
    table: dict[str, list[str]] = {
        "hooks.example.com": [PUBLIC],
        "localhost": ["127.0.0.1", "::1"],
        "metadata.internal": ["169.254.169.254"],
        "mixed.example.com": [PUBLIC, "10.0.0.7"],
    }

    def resolve(host, port):
        try:
            addresses = table[host]
        except KeyError:
            addresses = [host] if _is_literal(host) else None
        if addresses is None:
            raise OSError("Name or service not known")
        return [ipaddress.ip_address(address) for address in addresses]

    monkeypatch.setattr(webhooks, "resolve", resolve)
    return table


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/cxowner",
        "http://hooks.example.com:8080/in",
        f"http://{PUBLIC}/hook",
    ],
)
def test_public_http_urls_are_accepted(dns, url):
    webhook_url_validate(url)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://hooks.example.com/", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("gopher://hooks.example.com/", "http:// or https://"),
        ("http://169.254.169.254/latest/meta-data/", "non-public"),
        ("http://metadata.internal/", "non-public"),
        ("http://localhost:6379/", "non-public"),
        ("http://[::1]:5432/", "non-public"),
        ("http://127.0.0.1/", "non-public"),
        ("http://10.1.2.3/", "non-public"),
        ("http://192.168.0.1/", "non-public"),
        ("http://[::ffff:127.0.0.1]/", "non-public"),
        ("http://0.0.0.0/", "non-public"),
        ("http://224.0.0.1/", "non-public"),
        ("http://240.0.0.1/", "non-public"),
        ("http://mixed.example.com/", "non-public"),
        ("http://nowhere.invalid/", "cannot be resolved"),
        ("http://hooks.example.com:99999/", "not a valid URL"),
    ],
)
def test_other_schemes_and_non_public_addresses_are_refused(dns, url, reason):
    with pytest.raises(ValidationError) as caught:
        webhook_url_validate(url)
    assert reason in caught.value.message_dict["url"][0]


def test_allowed_hosts_admit_an_on_premises_receiver(dns, settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["localhost"]
    webhook_url_validate("http://localhost:8080/hook")


@pytest.mark.django_db
def test_saving_a_webhook_through_validation_refuses_a_private_url(dns, organization):
    webhook = WebhookFactory.build(organization=organization, url="http://169.254.169.254/")
    with pytest.raises(ValidationError):
        webhook.full_clean()


@pytest.mark.django_db
def test_delivery_to_a_name_rebound_to_loopback_is_refused_and_nothing_is_sent(dns, organization):
    run = audit_organization(organization=organization, trigger="manual").run
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        webhook = WebhookFactory(organization=organization, url=f"http://hooks.example.com:{port}/hook")
        webhook.full_clean()  # public when saved
        dns["hooks.example.com"] = ["127.0.0.1"]  # and loopback when delivered
        delivery = webhook_deliver(webhook=webhook, run=run, attempt=1)
    assert receiver.requests == []
    assert not delivery.succeeded
    assert "non-public" in delivery.error
    assert WebhookDelivery.objects.filter(webhook=webhook, succeeded=False).count() == 1


@pytest.mark.django_db
def test_delivery_connects_to_the_address_it_checked(dns, organization, settings):
    run = audit_organization(organization=organization, trigger="manual").run
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        settings.WEBHOOK_ALLOWED_HOSTS = ["receiver.on-prem"]
        dns["receiver.on-prem"] = ["127.0.0.1"]
        webhook = WebhookFactory(organization=organization, url=f"http://receiver.on-prem:{port}/hook")
        delivery = webhook_deliver(webhook=webhook, run=run, attempt=1)
    assert delivery.succeeded, delivery.error
    assert len(receiver.requests) == 1
