"""Webhooks and their deliveries."""

from django.db import models
from django.db.models import Q

from cxowner.orgs.models import Organization
from cxowner.orgs.names import OneLine, OneLineQuerySet, one_line_validator
from ownership.models.gaps import AuditRun, Gap
from ownership.models.webhook_targets import webhook_url_validate


class Webhook(OneLine, models.Model):
    """An integration's endpoint: receives the opened and resolved gaps of every audit, signed."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500, help_text="Receives a POST with the JSON payload.")
    secret = models.CharField(
        max_length=200, help_text="Signs the body: X-Cxowner-Signature: sha256=<HMAC-SHA256 of the body>."
    )
    description = models.CharField(max_length=200, blank=True, validators=[one_line_validator])
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped by every change made through ownership/automation/webhooks.py: stale edits are refused.
    version = models.PositiveIntegerField(default=1)

    objects = OneLineQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(url=""), name="webhook_url_not_empty"),
            models.CheckConstraint(condition=~Q(secret=""), name="webhook_secret_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.url} ({self.organization})"

    def clean(self) -> None:
        if self.url:
            webhook_url_validate(self.url)


class WebhookDelivery(models.Model):
    """One attempt to deliver one event to one webhook, kept whether it worked or not: an audit's
    delivery names its run, a gap assignment's its gap; a test delivery (`ping`, sent by an admin)
    names neither."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(
        max_length=40, default="audit.completed", help_text="audit.completed, gap.assigned or ping"
    )
    run = models.ForeignKey(
        AuditRun, null=True, blank=True, on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    gap = models.ForeignKey(
        Gap,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_deliveries",
        help_text="gap.assigned",
    )
    role = models.ForeignKey(
        "ownership.Role",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="role.vacated (empty once the role is deleted: the delivery's log stays)",
    )
    attempt = models.PositiveSmallIntegerField(help_text="1 for the first try, 2 for the first retry …")
    attempted_at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty when no answer came.")
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0, help_text="How long the receiver took to answer.")
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-attempted_at", "-id"]
        indexes = [
            models.Index(fields=["webhook", "run"], name="webhookdelivery_webhook_run"),
            # The delivery log: a webhook's latest attempts first.
            models.Index(fields=["webhook", "-id"], name="webhookdelivery_recent"),
        ]
        constraints = [
            # An audit's delivery names its run, an assignment's its gap, a vacancy's its role (while
            # it exists); only a test names nothing.
            models.CheckConstraint(
                condition=Q(run__isnull=False) | Q(gap__isnull=False) | Q(event__in=["ping", "role.vacated"]),
                name="webhookdelivery_has_subject",
            )
        ]

    def __str__(self) -> str:
        outcome = self.status_code or self.error[:40] or "no answer"
        if self.run_id:
            subject = f"Run {self.run_id}"
        elif self.gap_id:
            subject = f"Gap {self.gap_id} assigned"
        else:
            subject = self.event
        return f"{subject} to {self.webhook.url}, attempt {self.attempt}: {outcome}"
