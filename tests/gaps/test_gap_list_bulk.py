"""The gaps list: the title opens the gap's page, every column sorts, many gaps decided at once."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from ownership.gaps.workflow import gap_acknowledge, gap_comment_add
from ownership.models import Gap, GapStatus
from tests.factories import GapFactory, JourneyFactory, MembershipFactory, StageFactory, TouchpointFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gaps(organization):
    """Three open gaps in two journeys, of scores 3, 9 and 6."""
    made = []
    for journey, score in (("Zebra returns", 3), ("Alpha visit", 9), ("Middle service", 6)):
        stage = StageFactory(journey=JourneyFactory(organization=organization, name=journey), name=f"{journey} stage")
        made.append(GapFactory(touchpoint=TouchpointFactory(stage=stage, name=f"{journey} till"), score=score))
    return made


def list_url(organization, **query):
    url = reverse("ownership:gaps", args=[organization.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def shown(response) -> list[int]:
    return [row["gap"].pk for row in response.context["rows"]]


def bulk(client, organization, gaps, **data):
    values = [f"{gap.pk}:{gap.version}" for gap in gaps]
    return client.post(reverse("ownership:gaps_bulk", args=[organization.slug]), {"gaps": values, **data})


def said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_a_gaps_title_opens_its_own_page(gaps, organization, viewer):
    html = viewer.get(list_url(organization)).content.decode()

    page = reverse("ownership:gap", args=[organization.slug, gaps[0].pk])
    assert f'<a href="{page}" data-testid="gap-title">' in html


def test_each_row_names_its_journey_and_stage(gaps, organization, viewer):
    html = viewer.get(list_url(organization)).content.decode()

    assert "Zebra returns" in html and "› Zebra returns stage" in html


def test_the_list_sorts_by_journey(gaps, organization, viewer):
    response = viewer.get(list_url(organization, ordering="journey"))

    assert shown(response) == [gaps[1].pk, gaps[2].pk, gaps[0].pk]


def test_the_same_heading_again_reverses_the_sort(gaps, organization, viewer):
    response = viewer.get(list_url(organization, ordering="-journey"))

    assert shown(response) == [gaps[0].pk, gaps[2].pk, gaps[1].pk]
    journey = next(h for h in response.context["headers"] if h["name"] == "journey")
    assert journey["state"] == "descending" and "ordering=journey" in journey["query"]


def test_assigned_sorts_by_display_name_with_the_unassigned_last(gaps, organization, viewer):
    zoe = MembershipFactory(organization=organization, user=UserFactory(username="aaa", first_name="Zoe")).user
    ben = MembershipFactory(organization=organization, user=UserFactory(username="zzz", first_name="Ben")).user
    Gap.objects.filter(pk=gaps[0].pk).update(assignee=zoe)
    Gap.objects.filter(pk=gaps[1].pk).update(assignee=ben)

    response = viewer.get(list_url(organization, ordering="assignee"))

    assert shown(response) == [gaps[1].pk, gaps[0].pk, gaps[2].pk]


def test_an_unknown_sort_is_refused_in_the_api(gaps, organization, api_as):
    api = api_as()

    assert api.get(f"{api.base}/gaps/?ordering=password").status_code == 400
    assert [row["id"] for row in api.get(f"{api.base}/gaps/?ordering=journey").json()["results"]] == [
        gaps[1].pk,
        gaps[2].pk,
        gaps[0].pk,
    ]


def test_many_gaps_are_assigned_at_once(gaps, organization, editor, member):
    ana = member()

    response = bulk(editor, organization, gaps[:2], action="assign", assignee=ana.pk)

    assert response.status_code == 302
    assert {gap.assignee_id for gap in Gap.objects.filter(pk__in=[g.pk for g in gaps[:2]])} == {ana.pk}
    assert Gap.objects.get(pk=gaps[2].pk).assignee_id is None
    assert "2 gaps assigned to" in said(response)


def test_many_risks_are_accepted_at_once_with_reason_and_expiry(gaps, organization, editor):
    expires = timezone.localdate() + timedelta(days=30)

    bulk(editor, organization, gaps, action="accept", reason="Re-org in May", expires_on=expires.isoformat())

    assert set(Gap.objects.values_list("workflow_status", "risk_reason", "risk_expires_on")) == {
        (GapStatus.ACCEPTED, "Re-org in May", expires)
    }


def test_a_risk_without_a_reason_changes_no_gap(gaps, organization, editor):
    expires = timezone.localdate() + timedelta(days=30)

    response = bulk(editor, organization, gaps, action="accept", reason="", expires_on=expires.isoformat())

    assert "Nothing was changed" in said(response)
    assert set(Gap.objects.values_list("workflow_status", flat=True)) == {GapStatus.OPEN}


def test_a_due_date_is_set_on_many_gaps_keeping_their_assignees(gaps, organization, editor, member):
    ana = member()
    Gap.objects.filter(pk=gaps[0].pk).update(assignee=ana)
    due = timezone.localdate() + timedelta(days=5)

    bulk(editor, organization, gaps[:2], action="due", due_on=due.isoformat())

    assert list(
        Gap.objects.filter(pk__in=[g.pk for g in gaps[:2]]).order_by("score").values_list("assignee", "due_on")
    ) == [
        (ana.pk, due),
        (None, due),
    ]


def test_a_gap_changed_meanwhile_is_left_as_it_is_and_named(gaps, organization, editor, member):
    gap_acknowledge(gap=Gap.objects.get(pk=gaps[0].pk), version=None)  # moved on since the list showed it

    response = bulk(editor, organization, gaps, action="assign", assignee=member().pk)

    assert Gap.objects.get(pk=gaps[0].pk).assignee_id is None
    assert Gap.objects.filter(assignee__isnull=False).count() == 2
    assert "Left as they are" in said(response) and "was changed by" in said(response)


def test_another_organizations_gap_is_never_touched(gaps, organization, editor, member):
    elsewhere = GapFactory()

    response = bulk(editor, organization, [gaps[0], elsewhere], action="assign", assignee=member().pk)

    assert Gap.objects.get(pk=elsewhere.pk).assignee_id is None
    assert "not found in this organization" in said(response)


def test_a_viewer_cannot_decide_many_gaps(gaps, organization, viewer, member):
    response = bulk(viewer, organization, gaps, action="assign", assignee=member().pk)

    assert response.status_code == 403
    assert not Gap.objects.filter(assignee__isnull=False).exists()


def test_an_assignee_from_outside_the_organization_is_refused(gaps, organization, editor):
    outsider = MembershipFactory().user

    response = bulk(editor, organization, gaps, action="assign", assignee=outsider.pk)

    assert "Assign to" in said(response)
    assert not Gap.objects.filter(assignee__isnull=False).exists()


def test_the_assignee_list_shows_display_names(gaps, organization, editor):
    MembershipFactory(organization=organization, user=UserFactory(username="alima", first_name="Ana", last_name="Lima"))

    html = editor.get(reverse("ownership:gap", args=[organization.slug, gaps[0].pk])).content.decode()

    assert ">Ana Lima</option>" in html and ">alima</option>" not in html


def test_the_gap_page_names_its_journey_and_stage(gaps, organization, viewer):
    html = viewer.get(reverse("ownership:gap", args=[organization.slug, gaps[0].pk])).content.decode()

    assert "Zebra returns" in html and "Zebra returns stage" in html and "Zebra returns till" in html


def test_a_mention_in_a_comment_is_marked_and_the_rest_escaped(gaps, organization, member, viewer):
    ana = member()
    gap_comment_add(gap=gaps[0], author=member(), body=f"@{ana.username} <script>x</script> @nobody")

    html = viewer.get(reverse("ownership:gap", args=[organization.slug, gaps[0].pk])).content.decode()

    assert f'<span class="mention">@{ana.username}</span>' in html
    assert "&lt;script&gt;x&lt;/script&gt; @nobody" in html
