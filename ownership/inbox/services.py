"""Writing the inbox: the items that tell a member something happened to them, and reading them.

Each kind of item is made by one function, called by what announces the event: a receiver of
the gaps' signals (an assignment, a comment), the daily round of due dates (tasks.py), a review
campaign's start and its daily round. Items that must be made once (a reminder per gap and due
date, a review request per campaign, one item per comment and person) are kept unique by the
database, so a task run twice makes nothing twice.

Members who chose e-mail too get each new item mailed (mail.py) once the item is committed; an
assignment is mailed by the gap workflow itself and a review by the campaign's reminders, as
before the inbox existed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cxowner.orgs.models import Membership
from cxowner.orgs.selectors import members_of
from ownership.inbox.mentions import Mentionable, display_name, mentioned
from ownership.inbox.tasks import inbox_mail_task
from ownership.models import Gap, GapComment, GapStatus, InboxItem, InboxPreference, ReviewCampaign, ReviewOutcome
from ownership.reviews.selectors import campaign_items

Kind = InboxItem.Kind

# A gap due within this many days (today included) is "due soon".
DUE_SOON_DAYS = 2

NOT_YOURS = "These items are not in your inbox: nothing was marked read."


# Mailed by what made them already: an assignment by the gap workflow, a review by the campaign's
# daily reminders. The inbox mails the others.
MAILED_ELSEWHERE = {Kind.ASSIGNED, Kind.REVIEW}


def _mail_when_committed(items: Iterable[InboxItem]) -> None:
    ids = [item.pk for item in items if item.kind not in MAILED_ELSEWHERE]
    if ids:
        transaction.on_commit(lambda: inbox_mail_task.delay(ids))


def _create_new(items: list[InboxItem]) -> list[InboxItem]:
    """Create each item unless the database already holds it (a unique constraint says so)."""
    created = []
    for item in items:
        try:
            with transaction.atomic():
                item.save()
        except IntegrityError:
            continue
        created.append(item)
    _mail_when_committed(created)
    return created


def inbox_assignment_add(*, gap_id: int) -> InboxItem | None:
    """Tell a gap's assignee it is theirs to fix; None when it has no assignee any more."""
    gap = Gap.objects.filter(pk=gap_id, assignee__isnull=False).first()
    if gap is None:
        return None
    return InboxItem.objects.create(
        organization_id=gap.organization_id, recipient_id=gap.assignee_id, kind=Kind.ASSIGNED, gap=gap
    )


def _mentionable(organization_id: int) -> list[Mentionable]:
    return [
        Mentionable(user_id=m.user_id, username=m.user.get_username(), display_name=display_name(m.user))
        for m in members_of(organization_id=organization_id).filter(user__is_active=True)
    ]


def inbox_comment_items_add(*, comment: GapComment) -> list[InboxItem]:
    """The mentions a comment makes, and a reply for everyone else who commented on the gap
    before; never to its own author. A member both mentioned and a past commenter gets the mention."""
    author_id = comment.author_id
    members = _mentionable(comment.organization_id)
    member_ids = {member.user_id for member in members}
    mentions = [user_id for user_id in mentioned(comment.body, members) if user_id != author_id]
    earlier = GapComment.objects.filter(gap_id=comment.gap_id, author__isnull=False).exclude(pk=comment.pk)
    repliers = {user_id for user_id in earlier.values_list("author_id", flat=True) if user_id in member_ids}
    replies = sorted(repliers - set(mentions) - {author_id})

    def item(user_id: int, kind: str) -> InboxItem:
        return InboxItem(
            organization_id=comment.organization_id,
            recipient_id=user_id,
            kind=kind,
            actor_id=author_id,
            gap_id=comment.gap_id,
            comment=comment,
        )

    items = [item(user_id, Kind.MENTION) for user_id in mentions] + [item(user_id, Kind.REPLY) for user_id in replies]
    InboxItem.objects.bulk_create(items)
    _mail_when_committed(items)
    return items


def inbox_due_reminders_add(*, today: date) -> list[InboxItem]:
    """The daily round: each assignee of an open gap due within DUE_SOON_DAYS, or overdue, is told
    once per gap and due date (an accepted risk waits for its expiry instead)."""
    soon = today + timedelta(days=DUE_SOON_DAYS - 1)
    gaps = Gap.objects.filter(
        resolved_at__isnull=True, assignee__isnull=False, due_on__isnull=False, due_on__lte=soon
    ).exclude(workflow_status=GapStatus.ACCEPTED)
    rows = gaps.values_list("pk", "organization_id", "assignee_id", "due_on")
    candidates = [
        InboxItem(
            organization_id=organization_id,
            recipient_id=assignee_id,
            kind=Kind.OVERDUE if due_on < today else Kind.DUE_SOON,
            gap_id=gap_id,
            due_on=due_on,
        )
        for gap_id, organization_id, assignee_id, due_on in rows
    ]
    told = set(
        InboxItem.objects.filter(
            kind__in=[Kind.DUE_SOON, Kind.OVERDUE], gap_id__in=[c.gap_id for c in candidates]
        ).values_list("recipient_id", "gap_id", "kind", "due_on")
    )
    return _create_new([c for c in candidates if (c.recipient_id, c.gap_id, c.kind, c.due_on) not in told])


def review_recipients(*, campaign: ReviewCampaign) -> set[int]:
    """The members asked to confirm A's still waiting in the campaign: the holder of the role that
    carries each (the member linked to the role, or the member with the holder's e-mail), and the
    admins for the A's no role with an e-mail carries, as the campaign's reminders do."""
    pending = campaign_items(campaign=campaign).filter(state=ReviewOutcome.PENDING)
    rows = set(pending.values_list("assignment__role__holder_member__user_id", "assignment__role__holder_email"))
    members = Membership.objects.filter(organization_id=campaign.organization_id, user__is_active=True)
    by_email = {email.casefold(): user_id for user_id, email in members.values_list("user_id", "user__email") if email}
    recipients = {user_id for user_id, _ in rows if user_id}
    recipients |= {by_email[email.casefold()] for user_id, email in rows if not user_id and email in by_email}
    if any(not user_id and not email for user_id, email in rows):
        admins = members.filter(role=Membership.Role.ADMIN)
        recipients |= set(admins.values_list("user_id", flat=True))
    return recipients


def inbox_review_requests_add(*, campaign: ReviewCampaign) -> list[InboxItem]:
    """Tell each member the open campaign asks to confirm A's, once per campaign."""
    if campaign.status != ReviewCampaign.Status.OPEN:
        return []
    asked = set(InboxItem.objects.filter(campaign=campaign, kind=Kind.REVIEW).values_list("recipient_id", flat=True))
    new = sorted(review_recipients(campaign=campaign) - asked)
    kwargs = {"organization_id": campaign.organization_id, "kind": Kind.REVIEW, "campaign": campaign}
    return _create_new([InboxItem(recipient_id=user_id, actor_id=campaign.started_by_id, **kwargs) for user_id in new])


def inbox_open_reviews_add(*, today: date) -> int:
    """The daily round's review requests: members who came to hold a role since a campaign started."""
    campaigns = ReviewCampaign.objects.filter(status=ReviewCampaign.Status.OPEN, ends_on__gte=today)
    return sum(len(inbox_review_requests_add(campaign=campaign)) for campaign in campaigns)


def inbox_role_vacated_add(*, organization_id: int, role_ids: list[int], leaver_id: int) -> list[InboxItem]:
    """Tell the organization's active admins that the roles a leaver held are vacant, one item per
    admin and role; mailed to those who want their inbox by e-mail."""
    admins = Membership.objects.filter(
        organization_id=organization_id, role=Membership.Role.ADMIN, user__is_active=True
    ).exclude(user_id=leaver_id)
    items = [
        InboxItem(
            organization_id=organization_id,
            recipient_id=user_id,
            kind=Kind.VACATED,
            actor_id=leaver_id,
            role_id=role_id,
        )
        for user_id in admins.values_list("user_id", flat=True)
        for role_id in role_ids
    ]
    InboxItem.objects.bulk_create(items)
    _mail_when_committed(items)
    return items


def inbox_items_read(*, organization_id: int, user_id: int | None, item_ids: list[int] | None) -> int:
    """Mark the member's items read (all their unread ones when `item_ids` is None); the number
    marked. Ids that are not the member's own items of this organization refuse the whole request
    (an API token, which is nobody, has no items)."""
    mine = InboxItem.objects.filter(organization_id=organization_id, recipient_id=user_id)
    if item_ids is not None:
        wanted = set(item_ids)
        if len(wanted) != mine.filter(pk__in=wanted).count():
            raise ValidationError({"items": NOT_YOURS})
        mine = mine.filter(pk__in=wanted)
    return mine.filter(read_at__isnull=True).update(read_at=timezone.now())


def inbox_preference_set(*, membership: Membership, email: bool) -> InboxPreference:
    """The member's choice: each inbox item also by e-mail, or in the app only."""
    preference, _ = InboxPreference.objects.update_or_create(membership=membership, defaults={"email": email})
    return preference
