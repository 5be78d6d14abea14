"""The gap workflow: assign, due date, comments, acknowledge, accepted risk with expiry; only the
rules resolve a gap. Services first, then the API's versions and refusals."""

import json
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from cxowner.orgs.errors import StaleVersion
from ownership.automation.notifications import webhook_payload
from ownership.dashboard.selectors import dashboard_load
from ownership.editor.services import CellChange, cells_set
from ownership.gaps.audits import audit_organization
from ownership.gaps.tasks import accepted_risks_reopen_task
from ownership.gaps.workflow import (
    accepted_risks_reopen,
    gap_accept_risk,
    gap_acknowledge,
    gap_assign,
    gap_comment_add,
    gap_overdue,
    gap_reopen,
)
from ownership.models import Gap, GapStatus
from tests.factories import FunctionFactory, MembershipFactory, StageFactory, TouchpointFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)


def resolve(gap):
    """Fix the matrix: give the till an accountable and a responsible function."""
    function = FunctionFactory(organization=gap.organization)
    cells_set(organization=gap.organization, changes=[CellChange(gap.touchpoint_id, function.id, frozenset("AR"))])
    gap.refresh_from_db()
    return gap


def test_assigning_names_the_member_and_the_due_date(gap, organization):
    member = MembershipFactory(organization=organization, role="editor").user

    gap = gap_assign(gap=gap, assignee=member, due_on=TODAY, version=1)

    assert (gap.assignee, gap.due_on, gap.version) == (member, TODAY, 2)


def test_the_assignee_is_emailed_once_the_assignment_commits(gap, organization, django_capture_on_commit_callbacks):
    member = MembershipFactory(organization=organization, role="viewer").user

    with django_capture_on_commit_callbacks(execute=True):
        gap_assign(gap=gap, assignee=member, due_on=None, version=1)

    assert [message.to for message in mail.outbox] == [[member.email]]
    assert "Flagship till" in mail.outbox[0].body
    assert "How to fix:" in mail.outbox[0].body


def test_a_gap_cannot_be_assigned_to_someone_outside_the_organization(gap):
    with pytest.raises(ValidationError, match="member"):
        gap_assign(gap=gap, assignee=UserFactory(), due_on=None, version=1)
    gap.refresh_from_db()
    assert (gap.assignee, gap.version) == (None, 1)


def test_a_stale_version_changes_nothing(gap):
    gap_acknowledge(gap=gap, version=1)

    with pytest.raises(StaleVersion):
        gap_accept_risk(gap=gap, reason="Re-org", expires_on=TODAY + timedelta(days=30), version=1, today=TODAY)
    gap.refresh_from_db()
    assert (gap.workflow_status, gap.version) == (GapStatus.ACKNOWLEDGED, 2)


def test_an_accepted_risk_needs_a_reason_and_a_future_expiry(gap):
    with pytest.raises(ValidationError) as refused:
        gap_accept_risk(gap=gap, reason="  ", expires_on=TODAY, version=1, today=TODAY)

    assert set(refused.value.message_dict) == {"reason", "expires_on"}
    gap.refresh_from_db()
    assert gap.workflow_status == GapStatus.OPEN


def test_an_accepted_risk_reopens_on_its_expiry_day_and_not_before(gap):
    gap_accept_risk(gap=gap, reason="Until the re-org", expires_on=TODAY + timedelta(days=10), version=1, today=TODAY)

    assert accepted_risks_reopen(today=TODAY + timedelta(days=9)) == 0
    assert accepted_risks_reopen(today=TODAY + timedelta(days=10)) == 1
    gap.refresh_from_db()
    assert (gap.workflow_status, gap.risk_reason) == (GapStatus.OPEN, "Until the re-org")


def test_the_beat_task_reopens_risks_that_expired(gap):
    today = timezone.localdate()
    gap_accept_risk(gap=gap, reason="Re-org", expires_on=today + timedelta(days=1), version=1, today=today)
    Gap.objects.filter(pk=gap.pk).update(risk_expires_on=today)  # the expiry day has come

    assert accepted_risks_reopen_task.delay().get() == 1
    gap.refresh_from_db()
    assert gap.workflow_status == GapStatus.OPEN


def test_only_the_rules_resolve_a_gap_and_an_accepted_risk_then_stays_resolved(gap):
    gap_accept_risk(gap=gap, reason="Re-org", expires_on=TODAY + timedelta(days=10), version=1, today=TODAY)

    gap = resolve(gap)

    assert gap.resolved_at is not None
    assert accepted_risks_reopen(today=TODAY + timedelta(days=20)) == 0


def test_a_resolved_gap_has_nothing_left_to_decide(gap):
    gap = resolve(gap)

    with pytest.raises(ValidationError, match="resolved"):
        gap_acknowledge(gap=gap, version=gap.version)


def test_reopening_withdraws_an_acknowledgement(gap):
    gap = gap_acknowledge(gap=gap, version=1)

    gap = gap_reopen(gap=gap, version=2)

    assert gap.workflow_status == GapStatus.OPEN


def test_a_comment_is_kept_with_its_author_and_an_empty_one_is_refused(gap, organization):
    author = MembershipFactory(organization=organization, role="viewer").user

    gap_comment_add(gap=gap, author=author, body=" The landlord asked us to wait. ")

    with pytest.raises(ValidationError):
        gap_comment_add(gap=gap, author=author, body="   ")
    assert [(c.author, c.body) for c in gap.comments.all()] == [(author, "The landlord asked us to wait.")]


def test_a_gap_past_its_due_date_is_overdue_unless_the_risk_is_accepted(gap, organization):
    gap = gap_assign(gap=gap, assignee=None, due_on=TODAY, version=1)

    assert not gap_overdue(gap, today=TODAY)
    assert gap_overdue(gap, today=TODAY + timedelta(days=1))
    gap = gap_accept_risk(gap=gap, reason="Re-org", expires_on=TODAY + timedelta(days=9), version=2, today=TODAY)
    assert not gap_overdue(gap, today=TODAY + timedelta(days=1))


# The API ---------------------------------------------------------------------------------------


@pytest.fixture
def api(organization):
    def client_as(role):
        client = APIClient()
        client.force_login(MembershipFactory(organization=organization, role=role).user)
        return client

    return client_as


def gap_url(gap, action=""):
    return f"/api/v1/orgs/{gap.organization.slug}/gaps/{gap.pk}/" + (f"{action}/" if action else "")


def test_the_api_answers_a_gap_with_its_version_as_etag(gap, api):
    response = api("viewer").get(gap_url(gap))

    assert response["ETag"] == '"1"'
    assert response.json()["workflow_status"] == "open"


def test_the_api_refuses_a_stale_if_match_with_412_and_the_current_version(gap, api):
    editor = api("editor")
    editor.post(gap_url(gap, "acknowledge"), {}, format="json", HTTP_IF_MATCH='"1"')

    response = editor.post(
        gap_url(gap, "accept-risk"),
        {"reason": "Re-org", "expires_on": str(timezone.localdate() + timedelta(days=30))},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 412
    assert response["ETag"] == '"2"'
    gap.refresh_from_db()
    assert gap.workflow_status == GapStatus.ACKNOWLEDGED


def test_the_api_accepts_a_risk_with_the_current_version(gap, api):
    expires = timezone.localdate() + timedelta(days=30)

    response = api("editor").post(
        gap_url(gap, "accept-risk"), {"reason": "Re-org", "expires_on": str(expires), "version": 1}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["workflow_status"], response.json()["risk_expires_on"]) == ("accepted", str(expires))


def test_the_api_refuses_an_expiry_in_the_past_with_400(gap, api):
    response = api("editor").post(
        gap_url(gap, "accept-risk"), {"reason": "Re-org", "expires_on": "2020-01-01", "version": 1}, format="json"
    )

    assert response.status_code == 400
    assert "expires_on" in response.json()


def test_the_api_refuses_to_assign_another_organizations_user(gap, api):
    stranger = MembershipFactory(role="admin").user

    response = api("editor").post(gap_url(gap, "assign"), {"assignee": stranger.pk, "version": 1}, format="json")

    assert response.status_code == 400
    assert "assignee" in response.json()


def test_the_api_asks_for_a_version_before_a_change(gap, api):
    response = api("editor").post(gap_url(gap, "acknowledge"), {}, format="json")

    assert response.status_code == 428


def test_a_viewer_comments_through_the_api_and_reads_the_discussion(gap, api):
    viewer = api("viewer")

    created = viewer.post(gap_url(gap, "comments"), {"body": "Who runs the till?"}, format="json")

    assert created.status_code == 201
    assert [c["body"] for c in viewer.get(gap_url(gap, "comments")).json()] == ["Who runs the till?"]


def test_the_api_filters_gaps_by_decision(gap, api):
    gap_acknowledge(gap=gap, version=1)

    rows = api("viewer").get(f"/api/v1/orgs/{gap.organization.slug}/gaps/?workflow_status=acknowledged").json()

    assert [row["id"] for row in rows["results"]] == [gap.pk]


def test_the_dashboard_counts_accepted_risks_apart_from_open_gaps(gap, organization):
    before = dashboard_load(organization=organization)
    gap_accept_risk(gap=gap, reason="Re-org", expires_on=TODAY + timedelta(days=9), version=1, today=TODAY)

    after = dashboard_load(organization=organization)

    assert (after.figures.gaps.total, after.figures.gaps.accepted_risks) == (before.figures.gaps.total - 1, 1)
    assert gap.pk not in [top.gap.pk for top in after.top_gaps]


def test_the_webhook_payload_carries_each_gaps_decision_assignee_and_due_date(organization):
    TouchpointFactory(stage=StageFactory(journey__organization=organization), name="Flagship till")
    run = audit_organization(organization=organization, trigger="manual").run
    gap = Gap.objects.get(organization=organization, rule="unassigned")
    member = MembershipFactory(organization=organization, role="editor").user
    gap_assign(gap=gap, assignee=member, due_on=TODAY, version=1)

    [record] = [g for g in json.loads(webhook_payload(run=run))["opened"] if g["rule"] == "unassigned"]

    assert (record["gap"], record["workflow_status"], record["assignee"], record["due_on"]) == (
        gap.pk,
        "open",
        member.email,
        "2026-06-01",
    )


def come_back(gap):
    """Break the matrix again: the till's letters are cleared, so the same gap returns."""
    cells_set(
        organization=gap.organization,
        changes=[CellChange(gap.touchpoint_id, f.id, frozenset()) for f in gap.organization.functions.all()],
    )
    gap.refresh_from_db()
    return gap


def test_a_gap_that_returns_does_not_carry_its_earlier_accepted_risk(gap):
    gap_accept_risk(gap=gap, reason="Until the re-org", expires_on=TODAY + timedelta(days=30), version=1, today=TODAY)
    gap = come_back(resolve(gap))

    assert (gap.resolved_at, gap.workflow_status, gap.times_reopened) == (None, GapStatus.OPEN, 1)
    kinds = list(gap.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["reopened", "risk_ended"]  # the decision's end is on the record


def test_a_gap_that_returns_is_no_longer_acknowledged(gap):
    gap_acknowledge(gap=gap, version=1)

    gap = come_back(resolve(gap))

    assert gap.workflow_status == GapStatus.OPEN
    assert "risk_ended" not in gap.events.values_list("kind", flat=True)
