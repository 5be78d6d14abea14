"""No silent queue: /healthz and the audits page say whether a worker is alive, and "run audit
now" runs the audit in the request when none is, without ever stacking pending runs."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from cxowner.heartbeat import heartbeat_key, worker_heartbeat_record
from ownership.gaps.audit_requests import audit_request_now
from ownership.models import AuditRun

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_heartbeat():
    cache.delete(heartbeat_key())
    yield
    cache.delete(heartbeat_key())


@pytest.fixture
def editor_client(client, member):
    client.force_login(member("editor"))
    return client


def test_healthz_says_a_worker_was_seen_recently(client):
    worker_heartbeat_record()
    assert client.get("/healthz").json()["worker"] == "ok"


def test_healthz_says_when_no_worker_was_ever_seen_and_stays_up(client):
    response = client.get("/healthz")
    assert response.json()["worker"] == "never seen"
    assert response.status_code == 200  # the web server still serves pages and runs audits


def test_healthz_says_since_when_the_worker_is_missing(client):
    worker_heartbeat_record(at=timezone.now() - timedelta(minutes=5))
    assert client.get("/healthz").json()["worker"].startswith("not seen since ")


def test_audits_page_says_when_no_worker_is_running(editor_client, organization):
    html = editor_client.get(reverse("ownership:audits", args=[organization.slug])).content.decode()
    assert "No background worker is running" in html


def test_audits_page_says_nothing_about_workers_when_one_is_alive(editor_client, organization):
    worker_heartbeat_record()
    html = editor_client.get(reverse("ownership:audits", args=[organization.slug])).content.decode()
    assert "No background worker is running" not in html


def test_run_audit_now_without_a_worker_runs_it_in_the_request(editor_client, organization):
    response = editor_client.post(reverse("ownership:audit_run", args=[organization.slug]), follow=True)
    [run] = AuditRun.objects.filter(organization=organization)
    assert run.status == AuditRun.Status.DONE
    assert f"audit #{run.pk} ran now" in response.content.decode()


def test_run_audit_now_without_a_worker_finishes_the_waiting_run_instead_of_adding_one(organization):
    waiting = AuditRun.objects.create(organization=organization, trigger=AuditRun.Trigger.SCHEDULE)
    run, outcome = audit_request_now(organization=organization, trigger=AuditRun.Trigger.MANUAL)
    assert (run.pk, run.status, outcome) == (waiting.pk, AuditRun.Status.DONE, "ran_here")
    assert AuditRun.objects.filter(organization=organization).count() == 1


def test_run_audit_now_with_a_worker_does_not_stack_pending_runs(organization, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the worker is busy: nothing runs meanwhile
    worker_heartbeat_record()
    waiting = AuditRun.objects.create(organization=organization, trigger=AuditRun.Trigger.SCHEDULE)
    for _ in range(3):
        run, outcome = audit_request_now(organization=organization, trigger=AuditRun.Trigger.MANUAL)
        assert (run.pk, outcome) == (waiting.pk, "waiting")
    assert AuditRun.objects.filter(organization=organization, status=AuditRun.Status.PENDING).count() == 1


def test_run_audit_now_with_a_worker_hands_the_run_to_it(organization, django_capture_on_commit_callbacks):
    worker_heartbeat_record()
    with django_capture_on_commit_callbacks(execute=True):
        run, outcome = audit_request_now(organization=organization, trigger=AuditRun.Trigger.MANUAL)
    assert outcome == "requested"
    run.refresh_from_db()
    assert run.status == AuditRun.Status.DONE  # by the (eager) worker task
