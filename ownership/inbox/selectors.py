"""Reads of the inbox, the same for the bell, the inbox page and the API: a member's own items of
one organization, never anyone else's."""

from __future__ import annotations

from django.db.models import QuerySet

from cxowner.orgs.models import Membership
from ownership.models import InboxItem, InboxPreference, ReviewCampaign

# The bell says "99+" above this: counting further buys nothing and costs a longer scan.
BELL_MAX = 99


def inbox_of(*, organization_id: int, user_id: int | None) -> QuerySet[InboxItem]:
    """The member's items in this organization, newest first, with what each one names (none for
    an API token: it belongs to the organization, not to a person)."""
    return (
        InboxItem.objects.filter(organization_id=organization_id, recipient_id=user_id)
        .select_related("actor", "gap__journey", "gap__touchpoint__stage", "comment", "campaign", "role__function")
        .order_by("-created_at", "-id")
    )


def inbox_unread_count(*, organization_id: int, user_id: int) -> int:
    """How many of the member's items are unread, up to BELL_MAX + 1 (one query)."""
    unread = InboxItem.objects.filter(organization_id=organization_id, recipient_id=user_id, read_at__isnull=True)
    return len(unread.values_list("pk", flat=True)[: BELL_MAX + 1])


def inbox_mails(*, membership: Membership) -> bool:
    """Whether the member also gets their inbox by e-mail (yes, until they choose otherwise)."""
    preference = InboxPreference.objects.filter(membership=membership).values_list("email", flat=True).first()
    return True if preference is None else preference


def review_requests_open(*, membership: Membership) -> list[ReviewCampaign]:
    """The open review campaigns that asked the member to confirm A's, soonest end first."""
    asked = InboxItem.objects.filter(
        organization_id=membership.organization_id, recipient_id=membership.user_id, kind=InboxItem.Kind.REVIEW
    ).values("campaign_id")
    return list(
        ReviewCampaign.objects.filter(
            organization_id=membership.organization_id, status=ReviewCampaign.Status.OPEN, pk__in=asked
        ).order_by("ends_on", "id")
    )
