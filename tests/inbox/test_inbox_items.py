"""What lands in a member's inbox, and when: assignments, due dates, reviews, mentions, replies."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from ownership.gaps.workflow import gap_assign, gap_comment_add
from ownership.inbox.mentions import Mentionable, mentioned
from ownership.inbox.services import (
    inbox_due_reminders_add,
    inbox_items_read,
    inbox_preference_set,
    inbox_review_requests_add,
)
from ownership.inbox.tasks import inbox_daily_task
from ownership.models import InboxItem
from ownership.reviews.services import campaign_start
from tests.factories import (
    AssignmentFactory,
    FunctionFactory,
    GapFactory,
    MembershipFactory,
    RoleFactory,
    TouchpointFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Kind = InboxItem.Kind
TODAY = date(2030, 3, 10)


@pytest.fixture
def gap(organization):
    return GapFactory(touchpoint=TouchpointFactory(stage__journey__organization=organization, name="Till"))


def items_of(user):
    return list(InboxItem.objects.filter(recipient=user).values_list("kind", flat=True))


def test_a_gap_assigned_to_someone_lands_in_their_inbox(gap, member, django_capture_on_commit_callbacks):
    ana = member("editor")

    with django_capture_on_commit_callbacks(execute=True):
        gap_assign(gap=gap, assignee=ana, due_on=None, version=None)

    assert items_of(ana) == [Kind.ASSIGNED]


def test_a_member_mentioned_by_username_is_told(gap, member):
    ana, bo = member(), member()

    gap_comment_add(gap=gap, author=bo, body=f"@{ana.username}, can you look at this?")

    item = InboxItem.objects.get(recipient=ana)
    assert (item.kind, item.actor, item.gap) == (Kind.MENTION, bo, gap)


def test_a_member_mentioned_by_display_name_is_told(gap, organization, member):
    ana = MembershipFactory(organization=organization, user=UserFactory(first_name="Ana", last_name="Lima")).user

    gap_comment_add(gap=gap, author=member(), body='Over to @"Ana Lima".')

    assert items_of(ana) == [Kind.MENTION]


def test_a_mention_of_someone_outside_the_organization_tells_nobody(gap, member):
    outsider = MembershipFactory().user

    gap_comment_add(gap=gap, author=member(), body=f"@{outsider.username} knows")

    assert not InboxItem.objects.exists()


def test_mentioning_yourself_tells_nobody(gap, member):
    ana = member()

    gap_comment_add(gap=gap, author=ana, body=f"note to self @{ana.username}")

    assert not InboxItem.objects.exists()


def test_a_comment_on_a_gap_i_commented_on_is_a_reply_for_me(gap, member):
    ana, bo = member(), member()
    gap_comment_add(gap=gap, author=ana, body="First")

    gap_comment_add(gap=gap, author=bo, body="Second")

    assert items_of(ana) == [Kind.REPLY]
    assert items_of(bo) == []  # nobody commented before bo


def test_a_past_commenter_who_is_mentioned_gets_one_item(gap, member):
    ana, bo = member(), member()
    gap_comment_add(gap=gap, author=ana, body="First")

    gap_comment_add(gap=gap, author=bo, body=f"@{ana.username} agreed")

    assert items_of(ana) == [Kind.MENTION]


def test_an_assignee_is_told_once_a_gap_is_due_soon(gap, member):
    ana = member()
    gap_assign(gap=gap, assignee=ana, due_on=TODAY + timedelta(days=1), version=None)
    InboxItem.objects.all().delete()

    inbox_due_reminders_add(today=TODAY)
    inbox_due_reminders_add(today=TODAY)

    assert items_of(ana) == [Kind.DUE_SOON]


def test_an_overdue_gap_is_told_once_per_due_date(gap, member):
    ana = member()
    gap_assign(gap=gap, assignee=ana, due_on=TODAY - timedelta(days=1), version=None)
    inbox_due_reminders_add(today=TODAY)
    gap.refresh_from_db()
    gap_assign(gap=gap, assignee=ana, due_on=TODAY - timedelta(days=2), version=None)

    inbox_due_reminders_add(today=TODAY)

    overdue = InboxItem.objects.filter(recipient=ana, kind=Kind.OVERDUE)
    assert sorted(overdue.values_list("due_on", flat=True)) == [TODAY - timedelta(days=2), TODAY - timedelta(days=1)]


def test_a_gap_due_in_a_week_is_not_due_soon_yet(gap, member):
    gap_assign(gap=gap, assignee=member(), due_on=TODAY + timedelta(days=7), version=None)

    assert inbox_due_reminders_add(today=TODAY) == []


def test_the_hourly_task_makes_the_due_reminders(gap, member):
    ana = member()
    gap_assign(gap=gap, assignee=ana, due_on=timezone.localdate(), version=None)

    inbox_daily_task()

    assert Kind.DUE_SOON in items_of(ana)


def test_a_review_asks_the_member_who_holds_the_accountable_role(organization, member):
    ana = member("editor")
    holder = MembershipFactory._meta.model.objects.get(user=ana)
    function = FunctionFactory(organization=organization)
    role = RoleFactory(function=function, holder_name="Ana", holder_member=holder)
    touchpoint = TouchpointFactory(stage__journey__organization=organization)
    AssignmentFactory(touchpoint=touchpoint, function=function, letter="A", role=role)

    campaign = campaign_start(organization=organization, name="Q1", ends_on=TODAY + timedelta(days=9), today=TODAY)

    assert items_of(ana) == [Kind.REVIEW]
    assert inbox_review_requests_add(campaign=campaign) == []  # once per campaign


def test_a_review_of_as_no_role_carries_asks_the_admins(organization, member):
    admin, editor = member("admin"), member("editor")
    touchpoint = TouchpointFactory(stage__journey__organization=organization)
    AssignmentFactory(touchpoint=touchpoint, function=FunctionFactory(organization=organization), letter="A")

    campaign_start(organization=organization, name="Q1", ends_on=TODAY + timedelta(days=9), today=TODAY)

    assert items_of(admin) == [Kind.REVIEW]
    assert items_of(editor) == []


def test_marking_items_read_refuses_another_members_item(gap, member):
    ana, bo = member(), member()
    gap_comment_add(gap=gap, author=bo, body=f"@{ana.username}")
    theirs = InboxItem.objects.get(recipient=ana)
    bo_membership = MembershipFactory._meta.model.objects.get(user=bo)

    with pytest.raises(Exception, match="not in your inbox"):
        inbox_items_read(organization_id=bo_membership.organization_id, user_id=bo.pk, item_ids=[theirs.pk])

    assert InboxItem.objects.get(pk=theirs.pk).read_at is None


def test_a_mention_is_mailed_to_a_member_who_wants_e_mail(gap, member, outbox, django_capture_on_commit_callbacks):
    ana = member()

    with django_capture_on_commit_callbacks(execute=True):
        gap_comment_add(gap=gap, author=member(), body=f"@{ana.username} please look")

    assert [message.to for message in outbox] == [[ana.email]]
    assert "mentioned you" in outbox[0].subject
    assert "please look" in outbox[0].body


def test_a_member_who_chose_in_app_only_is_not_mailed(gap, member, outbox, django_capture_on_commit_callbacks):
    ana = member()
    inbox_preference_set(membership=MembershipFactory._meta.model.objects.get(user=ana), email=False)

    with django_capture_on_commit_callbacks(execute=True):
        gap_comment_add(gap=gap, author=member(), body=f"@{ana.username} please look")
        gap_assign(gap=gap, assignee=ana, due_on=None, version=None)

    assert outbox == []
    assert sorted(items_of(ana)) == [Kind.ASSIGNED, Kind.MENTION]


def test_a_mail_strips_control_characters_from_names(
    gap, organization, member, outbox, django_capture_on_commit_callbacks
):
    ana = member()
    writer = MembershipFactory(
        organization=organization, user=UserFactory(first_name="Bo\x1b[31m", last_name="X\x07")
    ).user

    with django_capture_on_commit_callbacks(execute=True):
        gap_comment_add(gap=gap, author=writer, body=f"@{ana.username}")

    assert "\x1b" not in outbox[0].body + outbox[0].subject and "\x07" not in outbox[0].body
    assert "Bo[31m X mentioned you" in outbox[0].body


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("@ana thanks", [1]),
        ("thanks @ana.", [1]),
        ("mail ana@example.com", []),
        ('@"Bo Berg" and @ana', [1, 2]),
        ("@ANA", [1]),
        ("@nobody", []),
    ],
)
def test_mentions_are_read_from_the_text(body, expected):
    members = [Mentionable(1, "ana", "ana"), Mentionable(2, "bo", "Bo Berg")]

    assert mentioned(body, members) == expected
