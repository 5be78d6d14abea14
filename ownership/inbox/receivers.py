"""What the inbox does when something happens elsewhere, connected in OwnershipConfig.ready.

- a gap gets a new assignee (ownership.gaps.signals.gap_assigned): the assignee is told;
- a comment is written on a gap (gap_commented, in the comment's transaction): the members it
  mentions, and those who commented on the gap before, are told;
- a review campaign starts (ownership.reviews.signals.campaign_started): the members it asks are told.
"""

from __future__ import annotations

from django.dispatch import receiver

from ownership.gaps.signals import gap_assigned, gap_commented
from ownership.inbox.services import inbox_assignment_add, inbox_comment_items_add, inbox_review_requests_add
from ownership.reviews.signals import campaign_started


@receiver(gap_assigned, dispatch_uid="ownership.inbox_assignment")
def _assignee_told(sender, gap_id: int, **kwargs) -> None:
    inbox_assignment_add(gap_id=gap_id)


@receiver(gap_commented, dispatch_uid="ownership.inbox_comment")
def _mentions_and_replies_told(sender, comment, **kwargs) -> None:
    inbox_comment_items_add(comment=comment)


@receiver(campaign_started, dispatch_uid="ownership.inbox_review")
def _reviewers_told(sender, campaign, **kwargs) -> None:
    inbox_review_requests_add(campaign=campaign)
