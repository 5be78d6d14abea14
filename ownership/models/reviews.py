"""Review campaigns and their items."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from cxowner.orgs.models import Organization
from cxowner.orgs.names import OneLine, OneLineQuerySet, one_line_validator
from journeys.models import Journey, Touchpoint, Versioned
from ownership.models.structure import Assignment, Function, Role


class ReviewCampaign(OneLine, Versioned):
    """An attestation round: every accountable function is asked to confirm its A's by a date.

    The A's to review are fixed when the campaign starts (ReviewItem); confirming one goes
    through the same service as confirming it anywhere else, so it feeds the stale-ownership rule.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="review_campaigns")
    journey = models.ForeignKey(
        Journey,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="review_campaigns",
        help_text="Review one journey's A's; empty: the whole organization's.",
    )
    name = models.CharField(max_length=200, validators=[one_line_validator])
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ends_on = models.DateField(help_text="Reminders go out until this day.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    # At most one reminder round a day: the day of the last one.
    last_reminded_on = models.DateField(null=True, blank=True)

    objects = OneLineQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="reviewcampaign_name_not_empty"),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | Q(status="closed", closed_at__isnull=False),
                name="reviewcampaign_closed_has_time",
            ),
        ]


class ReviewOutcome(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    CHANGED = "changed", "Changed"
    PENDING = "pending", "Not yet"


class ReviewItem(models.Model):
    """One A asked for confirmation in a campaign, as it stood when the campaign started.

    While the campaign is open its outcome is read from the A itself (ownership.campaigns): it
    is confirmed once the A was confirmed after the start, changed once the A is gone or carried
    by another role. Closing the campaign writes the outcome down, so the record stays as it was.
    """

    campaign = models.ForeignKey(ReviewCampaign, on_delete=models.CASCADE, related_name="items")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # The A under review. When its letter is removed (moved to another function, the cell cleared,
    # re-imported) the id is left pointing at nothing, which reads as "changed". No constraint and
    # no cascade on purpose: a cascade would make Django load every assignment an import deletes.
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="+")
    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="review_items")
    role = models.ForeignKey(
        Role,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Carried the A at the start.",
    )
    outcome = models.CharField(
        max_length=10, choices=ReviewOutcome.choices, blank=True, help_text="Written when the campaign closes."
    )

    class Meta:
        ordering = ["campaign", "function", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "assignment"], name="reviewitem_one_per_assignment"),
        ]
        indexes = [models.Index(fields=["campaign", "function"], name="reviewitem_campaign_function")]

    def __str__(self) -> str:
        return f"{self.function} A on {self.touchpoint} ({self.campaign})"
