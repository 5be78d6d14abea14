"""The gap's page and "My gaps" in the browser's HTML: explained, assigned, discussed, decided."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ownership.engine.vocabulary import rule_text
from ownership.gaps.workflow import gap_assign
from ownership.models import GapStatus
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def url(gap, name="gap"):
    return reverse(f"ownership:{name}", args=[gap.organization.slug, gap.pk])


def test_the_gap_page_explains_the_rule_in_its_words(gap, organization):
    viewer = client_for(MembershipFactory(organization=organization, role="viewer").user)

    html = viewer.get(url(gap)).content.decode()

    text = rule_text("unassigned")
    assert text.meaning in html and text.why in html and text.fix in html
    assert "Assign</button>" not in html  # a viewer reads and comments, an editor decides


def test_a_viewer_comments_but_cannot_decide(gap, organization):
    viewer = client_for(MembershipFactory(organization=organization, role="viewer").user)

    viewer.post(url(gap, "gap_comment"), {"body": "Who runs the till?"})
    refused = viewer.post(url(gap, "gap_acknowledge"), {"version": 1})

    assert refused.status_code == 403
    assert "Who runs the till?" in viewer.get(url(gap)).content.decode()
    gap.refresh_from_db()
    assert gap.workflow_status == GapStatus.OPEN


def test_an_editor_assigns_a_member_with_a_due_date(gap, organization):
    editor = MembershipFactory(organization=organization, role="editor").user
    colleague = MembershipFactory(organization=organization, role="viewer").user

    response = client_for(editor).post(
        url(gap, "gap_assign"), {"assignee": colleague.pk, "due_on": "2030-01-31", "version": 1}
    )

    assert response.status_code == 302
    gap.refresh_from_db()
    assert (gap.assignee, str(gap.due_on)) == (colleague, "2030-01-31")


def test_a_stale_form_is_refused_with_a_message_and_changes_nothing(gap, organization):
    editor = client_for(MembershipFactory(organization=organization, role="editor").user)
    editor.post(url(gap, "gap_acknowledge"), {"version": 1})

    response = editor.post(url(gap, "gap_reopen"), {"version": 1}, follow=True)

    assert "This gap was changed by someone else meanwhile" in response.content.decode()
    gap.refresh_from_db()
    assert gap.workflow_status == GapStatus.ACKNOWLEDGED


def test_a_risk_with_an_expiry_in_the_past_is_refused_with_a_message(gap, organization):
    editor = client_for(MembershipFactory(organization=organization, role="editor").user)

    response = editor.post(
        url(gap, "gap_accept_risk"), {"reason": "Re-org", "expires_on": "2020-01-01", "version": 1}, follow=True
    )

    assert "The expiry date must be in the future." in response.content.decode()
    gap.refresh_from_db()
    assert gap.workflow_status == GapStatus.OPEN


def test_my_gaps_lists_mine_and_highlights_the_overdue(gap, organization):
    me = MembershipFactory(organization=organization, role="editor").user
    gap_assign(gap=gap, assignee=me, due_on=timezone.localdate() - timedelta(days=1), version=1)

    html = client_for(me).get(reverse("ownership:my_gaps", args=[organization.slug])).content.decode()

    assert '<tr class="overdue">' in html
    assert "Flagship till" in html


def test_someone_elses_gaps_are_not_in_my_gaps(gap, organization):
    me = MembershipFactory(organization=organization, role="editor").user
    gap_assign(gap=gap, assignee=MembershipFactory(organization=organization).user, due_on=None, version=1)

    html = client_for(me).get(reverse("ownership:my_gaps", args=[organization.slug])).content.decode()

    assert "Nothing assigned to you" in html


def test_an_outsider_gets_404_for_a_gap(gap):
    outsider = client_for(MembershipFactory(role="admin").user)

    assert outsider.get(url(gap)).status_code == 404
    assert outsider.post(url(gap, "gap_comment"), {"body": "hi"}).status_code == 404
