"""No stored value and no failing mail server stops the e-mails and webhooks (issue 18, item 4).

A CR in the organization's name once made every subject raise BadHeaderError: invitations
answered 500 after committing, the digest was never retried, and the run's webhooks were never
queued. Here the name is written straight into the database (as a row from before names were
cleaned), and the mail server fails on purpose.
"""

from __future__ import annotations

import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from cxowner.orgs.mail import mail_message, mail_subject
from cxowner.orgs.models import Invitation, Membership
from ownership.automation import tasks as automation_tasks
from ownership.automation.tasks import audit_notify_task
from ownership.gaps.workflow import gap_assign
from ownership.models import AuditNotice, Gap, WebhookDelivery
from tests.automation.test_notifications import Receiver, audited_with_gaps
from tests.factories import MembershipFactory, WebhookFactory

pytestmark = pytest.mark.django_db

HOSTILE = "Inj\rBcc: victim@example.test"
THIS_MODULE = "tests.automation.test_mail_failures"


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses the first `failures` sendings (all of them when None)."""

    failures: int | None = None
    tried = 0

    def send_messages(self, messages):
        FailingBackend.tried += 1
        if FailingBackend.failures is None or FailingBackend.tried <= FailingBackend.failures:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture(autouse=True)
def loopback_receivers(settings):
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture
def failing_mail(settings):
    """The mail server fails: set `.failures` to let it recover after that many sendings."""
    FailingBackend.failures, FailingBackend.tried = None, 0
    settings.EMAIL_BACKEND = f"{THIS_MODULE}.FailingBackend"
    return FailingBackend


def stored_raw(organization, name: str = HOSTILE) -> None:
    """Write the name past every check, as a row stored before names were cleaned."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE orgs_organization SET name = %s WHERE id = %s", [name, organization.pk])
    organization.refresh_from_db()
    assert organization.name == name


def admin_api(organization) -> APIClient:
    client = APIClient()
    client.force_login(MembershipFactory(organization=organization, role="admin").user)
    return client


def invite(organization, client=None):
    return (client or admin_api(organization)).post(
        f"/api/v1/orgs/{organization.slug}/invitations/", {"email": "new@example.test", "role": "viewer"}, format="json"
    )


def test_a_subject_is_always_one_header_line():
    assert mail_subject(f"[cxowner] {HOSTILE}\n\x00: 3 gap(s)") == "[cxowner] Inj Bcc: victim@example.test : 3 gap(s)"
    assert len(mail_subject("x" * 1000)) == 200


# The invitation's mail goes after its commit: these run without a surrounding test transaction,
# as a request does, so the mail is tried before the answer is written.
@pytest.mark.django_db(transaction=True)
def test_an_invitation_from_an_organization_with_a_cr_in_its_name_is_sent(organization):
    stored_raw(organization)

    answer = invite(organization)

    assert answer.status_code == 201
    assert answer.json()["mail_sent"] is True
    [message] = mail.outbox
    assert message.to == ["new@example.test"]
    assert "\r" not in message.subject and "\n" not in message.subject
    assert "Inj Bcc: victim@example.test" in message.subject
    assert "Bcc" not in message.message()


@pytest.mark.django_db(transaction=True)
def test_an_invitation_whose_mail_fails_is_kept_and_its_link_answered(organization, failing_mail, caplog):
    with caplog.at_level(logging.ERROR):
        answer = invite(organization)

    assert answer.status_code == 201
    body = answer.json()
    assert body["mail_sent"] is False
    assert "/invitations/" in body["accept_url"] or "/invitation" in body["accept_url"]
    assert Invitation.objects.filter(organization=organization, email="new@example.test").count() == 1
    assert any(
        "could not be sent" in record.getMessage() for record in caplog.records if record.levelno == logging.ERROR
    )


@pytest.mark.django_db(transaction=True)
def test_the_members_page_shows_the_link_of_an_invitation_whose_mail_failed(organization, failing_mail):
    admin = Client()
    admin.force_login(MembershipFactory(organization=organization, role="admin").user)
    answer = admin.post(
        reverse("ownership:member_invite", args=[organization.slug]),
        {"email": "new@example.test", "role": "viewer"},
        follow=True,
    )

    html = answer.content.decode()
    assert answer.status_code == 200
    assert "could not be sent" in html
    assert "http://testserver/invitation" in html or "http://testserver/i" in html


def test_a_digest_with_a_cr_in_the_name_is_sent_and_the_webhooks_queued(organization):
    MembershipFactory(organization=organization, role=Membership.Role.ADMIN)
    run = audited_with_gaps(organization)
    stored_raw(organization)
    with Receiver() as receiver:
        WebhookFactory(organization=organization, url=receiver.url)
        assert audit_notify_task.delay(run.pk).get() == 1

    assert len(receiver.requests) == 1
    [message] = mail.outbox
    assert "\r" not in message.subject and "Inj Bcc: victim@example.test" in message.subject
    assert AuditNotice.objects.get(run=run).mail_state == AuditNotice.MailState.SENT


def test_a_failing_mail_server_never_stops_the_webhooks_and_the_digest_is_retried(
    organization, failing_mail, eager_retries
):
    failing_mail.failures = 2
    MembershipFactory(organization=organization, role=Membership.Role.ADMIN)
    run = audited_with_gaps(organization)
    with Receiver() as receiver:
        WebhookFactory(organization=organization, url=receiver.url)
        audit_notify_task.delay(run.pk)

    assert len(receiver.requests) == 1  # queued once, on the first attempt, not on each retry
    assert WebhookDelivery.objects.get().succeeded
    assert failing_mail.tried == 3
    assert len(mail.outbox) == 1
    assert AuditNotice.objects.get(run=run).mail_state == AuditNotice.MailState.SENT


def test_a_digest_that_never_goes_out_is_logged_and_shown_to_the_admins(
    organization, failing_mail, eager_retries, caplog
):
    MembershipFactory(organization=organization, role=Membership.Role.ADMIN)
    run = audited_with_gaps(organization)
    with Receiver() as receiver, caplog.at_level(logging.ERROR):
        WebhookFactory(organization=organization, url=receiver.url)
        audit_notify_task.delay(run.pk)

    assert len(receiver.requests) == 1
    assert failing_mail.tried == automation_tasks.MAIL_MAX_ATTEMPTS
    notice = AuditNotice.objects.get(run=run)
    assert notice.mail_state == AuditNotice.MailState.FAILED
    assert "SMTPServerDisconnected" in notice.mail_error
    assert any(f"audit run {run.pk}" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
    admin = Client()
    admin.force_login(MembershipFactory(organization=organization, role="admin").user)
    page = admin.get(reverse("ownership:settings", args=[organization.slug])).content.decode()
    assert f"Audit run #{run.pk}" in page and "SMTPServerDisconnected" in page


def test_a_redelivered_notify_task_sends_nothing_twice(organization):
    MembershipFactory(organization=organization, role=Membership.Role.ADMIN)
    run = audited_with_gaps(organization)
    with Receiver() as receiver:
        WebhookFactory(organization=organization, url=receiver.url)
        audit_notify_task.delay(run.pk)
        audit_notify_task.delay(run.pk)

    assert len(receiver.requests) == 1
    assert len(mail.outbox) == 1


def test_an_assignee_mail_that_fails_never_stops_the_gap_assigned_webhooks(
    organization, failing_mail, eager_retries, django_capture_on_commit_callbacks
):
    failing_mail.failures = 1
    audited_with_gaps(organization)
    stored_raw(organization)
    gap = Gap.objects.get(organization=organization, rule="unassigned", resolved_at__isnull=True)
    assignee = MembershipFactory(organization=organization, role="editor").user
    with Receiver() as receiver:
        WebhookFactory(organization=organization, url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            gap_assign(gap=gap, assignee=assignee, due_on=None, version=gap.version)

    assert len(receiver.requests) == 1
    [message] = mail.outbox
    assert message.to == [assignee.email]
    assert "\r" not in message.subject


def test_an_address_with_a_line_break_adds_no_header():
    message = mail_message(subject="Hi", body="Body", to="a@example.test\r\nBcc: victim@example.test")

    assert "Bcc" not in message.message()
    assert message.to == ["a@example.test Bcc: victim@example.test"]
