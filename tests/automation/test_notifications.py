"""Notifications: the e-mail digest to admins and editors, and signed webhooks with recorded retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from cxowner.orgs.models import Membership
from ownership.automation.notifications import notice_send, webhook_deliver, webhook_payload, webhook_signature
from ownership.automation.tasks import audit_notify_task
from ownership.editor.services import CellChange, cells_set
from ownership.gaps.audits import audit_organization
from ownership.gaps.workflow import gap_assign
from ownership.models import AuditNotice, Gap, WebhookDelivery
from tests.factories import (
    AssignmentFactory,
    FunctionFactory,
    StageFactory,
    TouchpointFactory,
    WebhookFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def loopback_receivers(settings):
    """The receivers here listen on loopback, which webhooks reach only when allowed by name."""
    settings.WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]


class Receiver:
    """A webhook receiver on loopback: answers `status` and keeps every request it got."""

    def __init__(self, status: int = 200):
        self.status = status
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def signature_is_valid(secret: str, request: dict) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, request["headers"]["X-Cxowner-Signature"])


def audited_with_gaps(organization):
    """An organization with one unassigned and one covered touchpoint, audited once."""
    stage = StageFactory(journey__organization=organization)
    TouchpointFactory(stage=stage)
    AssignmentFactory(touchpoint=TouchpointFactory(stage=stage), letter="A")
    return audit_organization(organization=organization, trigger="manual").run


def test_signature_is_hmac_sha256_of_the_body():
    body = b'{"run":1}'
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert webhook_signature(secret="s3cret", body=body) == f"sha256={expected}"


def test_payload_lists_the_gaps_a_run_opened_and_resolved(organization):
    stage = StageFactory(journey__organization=organization)
    touchpoint = TouchpointFactory(stage=stage)
    audit_organization(organization=organization, trigger="manual")
    AssignmentFactory(touchpoint=touchpoint, letter="A")
    run = audit_organization(organization=organization, trigger="manual").run

    payload = json.loads(webhook_payload(run=run))

    assert payload["organization"] == organization.slug
    assert payload["run"] == run.pk
    assert [gap["rule"] for gap in payload["resolved"]] == ["unassigned"]
    assert {gap["rule"] for gap in payload["opened"]} == {"no_responsible"}
    assert set(payload["opened"][0]) >= {"severity", "message", "touchpoints", "functions", "score", "fingerprint"}


def test_digest_goes_to_admins_and_editors_only(organization, member):
    admin = member(Membership.Role.ADMIN)
    editor = member(Membership.Role.EDITOR)
    member(Membership.Role.VIEWER)
    run = audited_with_gaps(organization)

    notice = notice_send(run=run)

    assert sorted(message.to[0] for message in mail.outbox) == sorted([admin.email, editor.email])
    assert all(len(message.to) == 1 for message in mail.outbox)
    assert notice.recipients == sorted([admin.email, editor.email])
    unassigned = Gap.objects.get(organization=organization, rule="unassigned")
    assert f"[Error] Unassigned touchpoint: {unassigned.finding['message']}" in mail.outbox[0].body
    assert organization.name in mail.outbox[0].subject


def test_digest_is_sent_once_per_run(organization, member):
    member(Membership.Role.ADMIN)
    run = audited_with_gaps(organization)

    notice_send(run=run)
    again = notice_send(run=run)

    assert again is None
    assert len(mail.outbox) == 1
    assert AuditNotice.objects.filter(run=run).count() == 1


def test_run_that_changed_nothing_sends_nothing(organization, member):
    member(Membership.Role.ADMIN)
    audited_with_gaps(organization)
    unchanged = audit_organization(organization=organization, trigger="manual").run
    mail.outbox.clear()

    assert notice_send(run=unchanged) is None
    assert mail.outbox == []


@pytest.mark.parametrize("touchpoints", [5, 50])
def test_notice_queries_do_not_grow_with_gaps(organization, member, touchpoints, django_assert_max_num_queries):
    member(Membership.Role.ADMIN)
    member(Membership.Role.EDITOR)
    stage = StageFactory(journey__organization=organization)
    for _ in range(touchpoints):
        TouchpointFactory(stage=stage)
    run = audit_organization(organization=organization, trigger="manual").run
    # The claim: * savepoint  * recipients  * count webhooks  * get_or_create the notice: select,
    # savepoint, insert, release  * release. The digest: * savepoint  * lock the waiting notice
    # * the run's gap events with their gaps  * the figures: coverage, open gaps  * mark it sent  * release
    with django_assert_max_num_queries(15):
        notice_send(run=run)


def test_webhook_receiver_gets_a_correctly_signed_payload(organization):
    run = audited_with_gaps(organization)
    with Receiver(status=204) as receiver:
        webhook = WebhookFactory(organization=organization, url=receiver.url)
        audit_notify_task.delay(run.pk)

    [request] = receiver.requests
    assert signature_is_valid(webhook.secret, request)
    assert request["headers"]["Content-Type"] == "application/json"
    assert json.loads(request["body"])["run"] == run.pk
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    assert (delivery.attempt, delivery.status_code, delivery.succeeded) == (1, 204, True)


def test_failing_webhook_is_retried_and_every_attempt_recorded(organization, settings, eager_retries):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    run = audited_with_gaps(organization)
    with Receiver(status=500) as receiver:
        webhook = WebhookFactory(organization=organization, url=receiver.url)
        audit_notify_task.delay(run.pk)

    assert len(receiver.requests) == 3
    attempts = WebhookDelivery.objects.filter(webhook=webhook).order_by("attempt")
    assert [(d.attempt, d.status_code, d.succeeded) for d in attempts] == [
        (1, 500, False),
        (2, 500, False),
        (3, 500, False),
    ]
    assert all(d.error.startswith("HTTP 500") for d in attempts)


def test_failing_webhook_does_not_block_the_others(organization, settings, eager_retries):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    run = audited_with_gaps(organization)
    with Receiver(status=500) as broken, Receiver(status=200) as working:
        WebhookFactory(organization=organization, url=broken.url)
        healthy = WebhookFactory(organization=organization, url=working.url)
        audit_notify_task.delay(run.pk)

    assert len(working.requests) == 1
    assert WebhookDelivery.objects.get(webhook=healthy).succeeded


def test_unreachable_webhook_records_the_error(organization):
    run = audited_with_gaps(organization)
    # Port 9 (discard) is closed on loopback: the connection is refused at once.
    webhook = WebhookFactory(organization=organization, url="http://127.0.0.1:9/hook")

    delivery = webhook_deliver(webhook=webhook, run=run, attempt=1)

    assert delivery.status_code is None
    assert not delivery.succeeded
    assert "refused" in delivery.error.lower()


def test_inactive_webhook_gets_nothing(organization):
    run = audited_with_gaps(organization)
    with Receiver() as receiver:
        WebhookFactory(organization=organization, url=receiver.url, active=False)
        audit_notify_task.delay(run.pk)

    assert receiver.requests == []


def test_admin_lists_webhooks_and_their_deliveries(admin_client, organization):
    run = audited_with_gaps(organization)
    webhook = WebhookFactory(organization=organization)
    webhook_deliver(webhook=webhook, run=run, attempt=1)

    for url in ["/admin/ownership/webhook/", f"/admin/ownership/webhook/{webhook.pk}/change/"]:
        assert admin_client.get(url).status_code == 200
    assert admin_client.get("/admin/ownership/webhookdelivery/").status_code == 200


def test_a_run_announces_what_edits_changed_since_the_previous_run(organization):
    touchpoint = TouchpointFactory(stage=StageFactory(journey__organization=organization), name="Cashier")
    function = FunctionFactory(organization=organization)
    audit_organization(organization=organization, trigger="manual")
    cells_set(organization=organization, changes=[CellChange(touchpoint.pk, function.pk, frozenset("A"))])

    run = audit_organization(organization=organization, trigger="manual").run

    payload = json.loads(webhook_payload(run=run))
    assert [gap["rule"] for gap in payload["opened"]] == ["no_responsible"]
    assert "unassigned" in [gap["rule"] for gap in payload["resolved"]]
    assert (run.opened_count, run.repaired) == (1, 0)


def test_assigning_a_gap_sends_its_own_signed_gap_assigned_event(
    organization, member, django_capture_on_commit_callbacks
):
    audited_with_gaps(organization)
    gap = Gap.objects.get(organization=organization, rule="unassigned", resolved_at__isnull=True)
    assignee = member("editor")
    with Receiver() as receiver:
        webhook = WebhookFactory(organization=organization, url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            gap_assign(gap=gap, assignee=assignee, due_on=None, version=gap.version)

    [request] = receiver.requests
    body = json.loads(request["body"])
    assert request["headers"]["X-Cxowner-Event"] == "gap.assigned"
    assert signature_is_valid(webhook.secret, request)
    assert (body["event"], body["gap"]["gap"], body["gap"]["assignee"]) == ("gap.assigned", gap.pk, assignee.email)
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    assert (delivery.event, delivery.gap_id, delivery.run_id, delivery.succeeded) == (
        "gap.assigned",
        gap.pk,
        None,
        True,
    )


def test_unassigning_a_gap_sends_no_event(organization, django_capture_on_commit_callbacks):
    audited_with_gaps(organization)
    gap = Gap.objects.get(organization=organization, rule="unassigned", resolved_at__isnull=True)
    with Receiver() as receiver:
        WebhookFactory(organization=organization, url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            gap_assign(gap=gap, assignee=None, due_on=None, version=gap.version)

    assert receiver.requests == []
