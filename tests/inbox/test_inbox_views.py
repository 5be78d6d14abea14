"""The inbox pages, the bell and the API: each member sees only their own items of the organization."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cxowner.orgs.models import Membership
from ownership.gaps.workflow import gap_comment_add
from ownership.models import InboxItem, InboxPreference
from ownership.reviews.services import campaign_start
from tests.factories import (
    AssignmentFactory,
    FunctionFactory,
    GapFactory,
    MembershipFactory,
    TouchpointFactory,
    client_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def gap(organization):
    return GapFactory(touchpoint=TouchpointFactory(stage__journey__organization=organization, name="Till"))


@pytest.fixture
def mentioned(gap, member):
    """A viewer of the organization who was mentioned in a comment on the gap."""
    ana = member()
    gap_comment_add(gap=gap, author=member("editor"), body=f"@{ana.username} <b>look</b>")
    return ana


def inbox_url(organization, name="inbox", *args):
    return reverse(f"ownership:{name}", args=[organization.slug, *args])


def test_the_inbox_lists_my_items_with_their_subject(mentioned, organization, gap):
    html = client_for(mentioned).get(inbox_url(organization)).content.decode()

    assert "mentioned you: " in html and gap.finding["message"] in html
    assert "&lt;b&gt;look&lt;/b&gt;" in html  # the comment's text is escaped


def test_another_member_does_not_see_my_items(mentioned, organization, member):
    other = client_for(member("admin"))

    assert "mentioned you" not in other.get(inbox_url(organization)).content.decode()
    item = InboxItem.objects.get(recipient=mentioned)
    assert other.post(inbox_url(organization, "inbox_open", item.pk)).status_code == 404
    assert other.post(inbox_url(organization, "inbox_read", item.pk)).status_code == 404


def test_an_item_of_one_organization_is_not_found_in_another(mentioned, organization):
    elsewhere = MembershipFactory(user=mentioned).organization
    item = InboxItem.objects.get(recipient=mentioned)
    client = client_for(mentioned)

    assert "mentioned you" not in client.get(inbox_url(elsewhere)).content.decode()
    assert client.post(inbox_url(elsewhere, "inbox_open", item.pk)).status_code == 404


def test_opening_an_item_marks_it_read_and_leads_to_the_comment(mentioned, organization, gap):
    item = InboxItem.objects.get(recipient=mentioned)

    response = client_for(mentioned).post(inbox_url(organization, "inbox_open", item.pk))

    assert response.url == reverse("ownership:gap", args=[organization.slug, gap.pk]) + f"#comment-{item.comment_id}"
    assert InboxItem.objects.get(pk=item.pk).read_at is not None


def test_mark_all_read_leaves_nothing_unread_and_redirects(mentioned, organization, gap, member):
    gap_comment_add(gap=gap, author=member(), body=f"@{mentioned.username} again")

    response = client_for(mentioned).post(inbox_url(organization, "inbox_read_all"))

    assert response.status_code == 302
    assert not InboxItem.objects.filter(recipient=mentioned, read_at__isnull=True).exists()


def test_the_inbox_only_answers_posts_with_the_csrf_token(mentioned, organization):
    client = Client(enforce_csrf_checks=True)
    client.force_login(mentioned)

    assert client.post(inbox_url(organization, "inbox_read_all")).status_code == 403
    assert InboxItem.objects.filter(recipient=mentioned, read_at__isnull=True).exists()


def test_the_bell_counts_my_unread_items(mentioned, organization):
    html = client_for(mentioned).get(inbox_url(organization, "inbox_bell")).content.decode()

    assert 'data-testid="inbox-count">1<' in html and "1 unread" in html


def test_the_bell_counts_in_one_query(mentioned, organization, django_assert_max_num_queries):
    client = client_for(mentioned)
    client.get(inbox_url(organization, "inbox_bell"))  # the session exists before counting

    # session, user, membership (with its organization), the unread items
    with django_assert_max_num_queries(4):
        client.get(inbox_url(organization, "inbox_bell"))


def test_the_inbox_page_costs_the_same_with_many_items(gap, organization, member, django_assert_max_num_queries):
    ana = member()
    for n in range(30):
        gap_comment_add(gap=gap, author=member(), body=f"@{ana.username} {n}")
    client = client_for(ana)
    client.get(inbox_url(organization))

    # session, user, membership, organization switcher; count, page of items with their subjects,
    # unread count, e-mail choice
    with django_assert_max_num_queries(9):  # + the live feed's cursor
        client.get(inbox_url(organization))


def test_an_outsider_gets_no_inbox(organization):
    outsider = client_for(MembershipFactory().user)

    assert outsider.get(inbox_url(organization)).status_code == 404
    assert outsider.get(inbox_url(organization, "inbox_bell")).status_code == 404


def test_a_member_chooses_in_app_only(mentioned, organization):
    response = client_for(mentioned).post(inbox_url(organization, "inbox_preference"), {"email": "0"})

    assert response.status_code == 302
    membership = Membership.objects.get(user=mentioned, organization=organization)
    assert InboxPreference.objects.get(membership=membership).email is False


def test_a_choice_that_is_no_choice_changes_nothing(mentioned, organization):
    response = client_for(mentioned).post(inbox_url(organization, "inbox_preference"), {"email": "maybe"}, follow=True)

    assert "Choose how you want to be told" in response.content.decode()
    assert not InboxPreference.objects.exists()


def test_the_api_lists_only_the_callers_items(mentioned, organization, member):
    api = client_for(mentioned)
    base = f"/api/v1/orgs/{organization.slug}/inbox/"

    rows = api.get(base).json()["results"]
    others = client_for(member("admin")).get(base).json()["results"]

    assert [(row["kind"], row["unread"]) for row in rows] == [("mention", True)]
    assert rows[0]["url"].startswith(f"/o/{organization.slug}/gaps/")
    assert others == []


def test_the_api_marks_named_items_read(mentioned, organization):
    item = InboxItem.objects.get(recipient=mentioned)

    response = client_for(mentioned).post(
        f"/api/v1/orgs/{organization.slug}/inbox/read/", {"items": [item.pk]}, content_type="application/json"
    )

    assert response.json() == {"marked": 1}
    assert InboxItem.objects.get(pk=item.pk).read_at is not None


def test_the_api_refuses_to_mark_someone_elses_item(mentioned, organization, member):
    item = InboxItem.objects.get(recipient=mentioned)

    response = client_for(member("admin")).post(
        f"/api/v1/orgs/{organization.slug}/inbox/read/", {"items": [item.pk]}, content_type="application/json"
    )

    assert response.status_code == 400
    assert InboxItem.objects.get(pk=item.pk).read_at is None


def test_the_dashboard_names_the_review_asking_me(organization, member):
    admin = member("admin")  # an A no role carries: the admins are asked
    touchpoint = TouchpointFactory(stage__journey__organization=organization)
    AssignmentFactory(touchpoint=touchpoint, function=FunctionFactory(organization=organization), letter="A")
    today = timezone.localdate()
    campaign_start(organization=organization, name="Spring <review>", ends_on=today + timedelta(days=7), today=today)

    html = client_for(admin).get(reverse("dashboard", args=[organization.slug])).content.decode()
    others = client_for(member("editor")).get(reverse("dashboard", args=[organization.slug])).content.decode()

    assert "Spring &lt;review&gt;</strong></a> asks you to confirm" in html
    assert 'data-testid="review-requests"' not in others
