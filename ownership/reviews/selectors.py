"""Reads of a review campaign's items that the campaign's services and its reminders share.

An item's outcome is read from its A while the campaign is open (OUTCOME), so an edit in the
matrix editor shows in the campaign at once. Apart from ownership.reviews.services so that the
reminders (run by the tasks the services enqueue) read the items without importing the services.
"""

from __future__ import annotations

from django.db.models import Case, CharField, F, Q, QuerySet, Value, When

from ownership.models import Function, ReviewCampaign, ReviewItem, ReviewOutcome, Role

# The A is gone, or carried by a role other than the one it had when the campaign started.
# A removed A leaves its id behind (ReviewItem.assignment): the join finds no row, so a column
# that is never empty (the letter) reads as NULL.
_CHANGED = (
    Q(assignment__letter__isnull=True)
    | Q(assignment__role__isnull=True, role__isnull=False)
    | Q(assignment__role__isnull=False, role__isnull=True)
    | (Q(assignment__role__isnull=False, role__isnull=False) & ~Q(assignment__role=F("role")))
)


OUTCOME = Case(
    When(~Q(outcome=""), then=F("outcome")),  # a closed campaign's record
    When(_CHANGED, then=Value(ReviewOutcome.CHANGED)),
    When(assignment__confirmed_at__gte=F("campaign__started_at"), then=Value(ReviewOutcome.CONFIRMED)),
    default=Value(ReviewOutcome.PENDING),
    output_field=CharField(),
)


def campaign_items(
    *, campaign: ReviewCampaign, function: Function | None = None, role: Role | None = None
) -> QuerySet[ReviewItem]:
    """The campaign's A's in journey order, each with its `state` (a ReviewOutcome value).

    `function`: one function's; `role`: those its holder carried when the campaign started.
    """
    items = ReviewItem.objects.filter(campaign=campaign)
    if function is not None:
        items = items.filter(function=function)
    if role is not None:
        items = items.filter(role=role)
    return (
        items.annotate(state=OUTCOME)
        .select_related("touchpoint__stage", "touchpoint__journey", "function", "role", "assignment__role")
        .order_by("touchpoint__journey__position", "touchpoint__stage__position", "touchpoint__position", "id")
    )
