"""The inbox: what a member of an organization is asked or told, one row per thing to read.

Items are written by ownership.inbox when something happens to a person (a gap assigned to them,
its due date near or past, a review asking their function, a mention or a reply in a gap's
comments); each points at its subject, which the inbox opens. Every member chooses whether items
also come by e-mail (InboxPreference).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cxowner.orgs.models import Membership, Organization
from ownership.models.gaps import Gap, GapComment
from ownership.models.reviews import ReviewCampaign


class InboxItem(models.Model):
    """One thing for one member to read, about a gap or a review campaign of the organization."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", "Assigned to you"
        DUE_SOON = "due_soon", "Due soon"
        OVERDUE = "overdue", "Overdue"
        REVIEW = "review", "Review requested"
        MENTION = "mention", "Mentioned you"
        REPLY = "reply", "Replied"
        VACATED = "vacated", "Role vacated"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_items")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who mentioned or replied; empty for what the app itself says.",
    )
    gap = models.ForeignKey(Gap, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(GapComment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(ReviewCampaign, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # A role whose holder left the organization (ownership.provisioning.leavers): told to its admins.
    role = models.ForeignKey("ownership.Role", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    due_on = models.DateField(null=True, blank=True, help_text="The due date a reminder is about.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gap__isnull=False) | Q(campaign__isnull=False) | Q(role__isnull=False),
                name="inboxitem_has_subject",
            ),
            # The daily round tells a person once per gap and due date (a new date: a new reminder).
            models.UniqueConstraint(
                fields=["recipient", "gap", "kind", "due_on"],
                condition=Q(kind__in=["due_soon", "overdue"]),
                name="inboxitem_one_reminder_per_due_date",
            ),
            models.UniqueConstraint(
                fields=["recipient", "campaign"], condition=Q(kind="review"), name="inboxitem_one_review_request"
            ),
            # A comment that mentions someone who also commented before is one item (the mention).
            models.UniqueConstraint(
                fields=["recipient", "comment"], condition=Q(comment__isnull=False), name="inboxitem_one_per_comment"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "recipient", "-created_at"], name="inboxitem_recipient_newest"),
            models.Index(
                fields=["organization", "recipient"], condition=Q(read_at__isnull=True), name="inboxitem_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id} ({'read' if self.read_at else 'unread'})"


class InboxPreference(models.Model):
    """A member's choice: their inbox in the app only, or each item also by e-mail (the default,
    as assignments were always mailed)."""

    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="inbox_preference")
    email = models.BooleanField(default=True, help_text="Also send each inbox item by e-mail.")

    def __str__(self) -> str:
        return f"{self.membership_id}: {'in-app and e-mail' if self.email else 'in-app only'}"
