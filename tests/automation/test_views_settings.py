"""The settings page in HTML: members read it, admins change thresholds, schedule and webhooks."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cxowner.orgs.services import organization_settings_update, organization_settings_version
from ownership.automation.schedules import audit_schedule_get, audit_schedule_set, audit_schedule_version, crontab_text
from ownership.gaps.audits import audit_organization
from ownership.models import Gap, Webhook, WebhookDelivery
from tests.automation.test_notifications import Receiver
from tests.factories import (
    AssignmentFactory,
    FunctionFactory,
    MembershipFactory,
    OrganizationFactory,
    StageFactory,
    TouchpointFactory,
    WebhookFactory,
    client_for,
)

pytestmark = pytest.mark.django_db


def url(organization, name, *args):
    return reverse(f"ownership:{name}", args=[organization.slug, *args])


def thresholds(organization, **changes):
    values = {
        "version": organization_settings_version(organization),
        "name": organization.name,
        "responsible_limit": organization.responsible_limit,
        "consult_limit": organization.consult_limit,
        "inform_limit": organization.inform_limit,
        "bottleneck_min_touchpoints": organization.bottleneck_min_touchpoints,
        "bottleneck_share": organization.bottleneck_share,
        "review_period_days": organization.review_period_days,
    }
    return {**values, **changes}


def schedule_form(organization, cron, **changes):
    task = audit_schedule_get(organization=organization)
    return {"version": audit_schedule_version(task), "cron": cron, "enabled": "on", **changes}


def test_a_viewer_reads_the_settings_without_any_control(organization, client_as):
    WebhookFactory(organization=organization, url="https://hooks.example.com/in")
    viewer = client_as("viewer")

    html = viewer.get(url(organization, "settings")).content.decode()

    assert "Every day at 02:00" in html and "https://hooks.example.com/in" in html
    assert "Save thresholds" not in html and "Add webhook" not in html and "Rotate secret" not in html
    assert "fieldset" in html and " disabled" in html


def test_the_settings_page_is_not_found_for_outsiders(organization):
    other = MembershipFactory(role="admin")
    client = Client()
    client.force_login(other.user)

    assert client.get(url(organization, "settings")).status_code == 404


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_only_admins_change_settings(organization, role, client_as):
    client = client_as(role)

    refused = [
        client.post(url(organization, "settings_thresholds"), thresholds(organization, consult_limit=1)),
        client.post(url(organization, "settings_schedule"), schedule_form(organization, "0 3 * * *")),
        client.post(url(organization, "webhook_add"), {"url": "https://hooks.example.com/in"}),
    ]

    assert [response.status_code for response in refused] == [403, 403, 403]
    organization.refresh_from_db()
    assert organization.consult_limit == 3
    assert not Webhook.objects.exists()


def test_a_lower_threshold_opens_gaps_at_once(organization, client_as):
    touchpoint = TouchpointFactory(stage=StageFactory(journey__organization=organization))
    for name in ("Sales", "Legal"):
        AssignmentFactory(
            touchpoint=touchpoint, function=FunctionFactory(organization=organization, name=name), letter="C"
        )
    audit_organization(organization=organization, trigger="manual")
    admin = client_as("admin")

    response = admin.post(url(organization, "settings_thresholds"), thresholds(organization, consult_limit=1))

    assert response.status_code == 302
    assert Gap.objects.filter(organization=organization, rule="consult_overload", resolved_at__isnull=True).exists()


def test_an_out_of_range_threshold_is_shown_next_to_its_field_and_nothing_is_saved(organization, client_as):
    admin = client_as("admin")

    response = admin.post(url(organization, "settings_thresholds"), thresholds(organization, bottleneck_share="1.5"))

    assert response.status_code == 400
    assert "less than or equal to 1" in response.content.decode()
    organization.refresh_from_db()
    assert str(organization.bottleneck_share) == "0.50"


def test_thresholds_saved_from_a_stale_page_are_refused_with_the_current_values(organization, client_as):
    admin = client_as("admin")
    read = thresholds(organization)
    organization_settings_update(organization=organization, version=None, consult_limit=7)

    response = admin.post(url(organization, "settings_thresholds"), {**read, "inform_limit": 9})

    assert response.status_code == 409
    html = response.content.decode()
    assert f"Organization “{organization.name}” was changed by someone else at" in html
    assert 'name="consult_limit" value="7"' in html
    organization.refresh_from_db()
    assert organization.inform_limit == 5


def test_an_admin_sets_the_schedule_and_it_is_saved(organization, client_as):
    admin = client_as("admin")

    response = admin.post(url(organization, "settings_schedule"), schedule_form(organization, "30 6 * * 1-5"))

    assert response.status_code == 302
    task = audit_schedule_get(organization=organization)
    assert (crontab_text(task.crontab), task.enabled) == ("30 6 * * 1-5", True)


def test_an_invalid_cron_is_explained_and_nothing_is_saved(organization, client_as):
    admin = client_as("admin")

    response = admin.post(url(organization, "settings_schedule"), schedule_form(organization, "0 0 31 2 *"))

    assert response.status_code == 400
    assert "never occurs" in response.content.decode()
    assert crontab_text(audit_schedule_get(organization=organization).crontab) == "0 2 * * *"


def test_a_schedule_saved_from_a_stale_page_is_refused(organization, client_as):
    admin = client_as("admin")
    read = schedule_form(organization, "0 5 * * *")
    audit_schedule_set(organization=organization, hour="4")

    response = admin.post(url(organization, "settings_schedule"), read)

    assert response.status_code == 409
    assert crontab_text(audit_schedule_get(organization=organization).crontab) == "0 4 * * *"


def test_the_preview_describes_what_is_being_typed(organization, client_as):
    viewer = client_as("viewer")

    html = viewer.get(url(organization, "schedule_preview"), {"cron": "15 3 * * 0"}, HTTP_HX_REQUEST="true")

    text = html.content.decode()
    assert "Every week on Sunday at 03:15" in text
    assert text.count("<li>") == 5


def test_the_preview_of_a_bad_cron_says_why(organization, client_as):
    viewer = client_as("viewer")

    text = viewer.get(url(organization, "schedule_preview"), {"cron": "0 2 * *"}).content.decode()

    assert "five fields" in text and "<li>" not in text


def test_adding_a_webhook_shows_its_secret_once(organization, settings, client_as):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    admin = client_as("admin")

    added = admin.post(url(organization, "webhook_add"), {"url": "http://127.0.0.1:8080/in", "description": "Chat"})

    webhook = Webhook.objects.get(organization=organization)
    assert added.status_code == 302 and added["Location"] == url(organization, "settings")
    assert webhook.secret in admin.get(url(organization, "settings")).content.decode()
    assert webhook.secret not in admin.get(url(organization, "settings")).content.decode()


def test_the_secret_is_shown_only_on_its_own_organizations_page(organization, settings, member):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    user = member("admin")
    admin = client_for(user)
    admin.post(url(organization, "webhook_add"), {"url": "http://127.0.0.1:8080/in"})

    elsewhere = OrganizationFactory()
    MembershipFactory(organization=elsewhere, user=user, role="admin")
    other_page = admin.get(url(elsewhere, "settings")).content.decode()

    secret = Webhook.objects.get(organization=organization).secret
    assert secret not in other_page
    assert secret in admin.get(url(organization, "settings")).content.decode()


def test_a_webhook_to_a_private_address_is_refused_with_the_reason(organization, client_as):
    admin = client_as("admin")

    response = admin.post(url(organization, "webhook_add"), {"url": "http://192.168.1.20/hook"})

    assert response.status_code == 400
    assert "non-public" in response.content.decode()
    assert not Webhook.objects.exists()


def test_disabling_a_webhook_from_a_stale_page_is_refused(organization, client_as):
    webhook = WebhookFactory(organization=organization)
    admin = client_as("admin")
    admin.post(url(organization, "webhook_toggle", webhook.pk), {"version": 1, "active": "false"})

    stale = admin.post(url(organization, "webhook_toggle", webhook.pk), {"version": 1, "active": "true"})

    assert stale.status_code == 409
    webhook.refresh_from_db()
    assert (webhook.active, webhook.version) == (False, 2)


def test_a_test_delivery_lands_in_the_delivery_log_with_its_response_time(organization, settings, client_as):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    admin = client_as("admin")
    with Receiver() as receiver:
        webhook = WebhookFactory(organization=organization, url=receiver.url)
        response = admin.post(url(organization, "webhook_test", webhook.pk), follow=True)

    delivery = WebhookDelivery.objects.get(webhook=webhook)
    html = response.content.decode()
    assert "Test delivered: HTTP 200" in html
    assert "<code>ping</code>" in html and f"{delivery.duration_ms} ms" in html


def test_rotating_shows_the_new_secret_once(organization, client_as):
    webhook = WebhookFactory(organization=organization)
    admin = client_as("admin")

    response = admin.post(url(organization, "webhook_rotate", webhook.pk), {"version": 1}, follow=True)

    webhook.refresh_from_db()
    assert response.redirect_chain == [(url(organization, "settings"), 302)]
    assert "Secret rotated" in response.content.decode() and webhook.secret in response.content.decode()


def test_deleting_a_webhook(organization, client_as):
    webhook = WebhookFactory(organization=organization)
    admin = client_as("admin")

    response = admin.post(url(organization, "webhook_delete", webhook.pk), {"version": 1})

    assert response.status_code == 302
    assert not Webhook.objects.filter(pk=webhook.pk).exists()


def test_a_webhook_of_another_organization_is_not_found(organization, client_as):
    stranger = WebhookFactory()
    admin = client_as("admin")

    response = admin.post(url(organization, "webhook_delete", stranger.pk), {"version": 1})

    assert response.status_code == 404
    assert Webhook.objects.filter(pk=stranger.pk).exists()


def test_the_settings_page_reads_in_a_constant_number_of_queries(
    organization, django_assert_max_num_queries, client_as
):
    for _ in range(5):
        webhook = WebhookFactory(organization=organization)
        WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(webhook=webhook, event="ping", attempt=1, status_code=200, succeeded=True)] * 12
        )
    admin = client_as("admin")
    audit_schedule_get(organization=organization)

    # session, user, membership (+ organization), organizations for the switcher, the schedule
    # (+ its crontab), webhooks, their latest deliveries
    with django_assert_max_num_queries(10):
        html = admin.get(url(organization, "settings")).content.decode()

    assert html.count('data-testid="webhook"') == 5
    assert html.count("✓ Delivered") == 50  # ten per webhook


def test_webhook_and_schedule_changes_have_their_own_filters_in_the_activity_feed(organization, client_as):
    admin = client_as("admin")
    WebhookFactory(organization=organization)
    webhook = WebhookFactory(organization=organization, url="http://127.0.0.1:9/other")
    admin.post(url(organization, "webhook_rotate", webhook.pk), {"version": 1})
    admin.post(url(organization, "settings_schedule"), schedule_form(organization, "45 4 * * *"), follow=True)

    webhooks = admin.get(url(organization, "activity"), {"kind": "webhook"}).content.decode()
    schedule = admin.get(url(organization, "activity"), {"kind": "auditschedule"}).content.decode()

    assert "http://127.0.0.1:9/other" in webhooks and "rotated" in webhooks and "45 4 * * *" not in webhooks
    assert "“every day at 04:45”" in schedule and "rotated" not in schedule
