"""The monthly report mail's schedule and deliveries."""

from django.db import models
from django.db.models import Q

from cxowner.orgs.models import Organization
from journeys.models import Versioned


class ReportSchedule(Versioned):
    """Whether an organization's ownership report is mailed monthly (a PDF attached), and to whom.

    Recipients are e-mail addresses; with none named the report goes to the organization's admins.
    """

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="report_schedule")
    monthly = models.BooleanField(default=False, help_text="Mail the report at the start of every month.")
    recipients = models.JSONField(default=list, blank=True, help_text="E-mail addresses; empty: the admins.")

    def __str__(self) -> str:
        return f"Monthly report of {self.organization}: {'on' if self.monthly else 'off'}"


class ReportDelivery(models.Model):
    """One month's report mailed for one organization: the mark that makes the monthly task send
    it once, however often beat asks."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="report_deliveries")
    month = models.DateField(help_text="The first day of the month the report was sent for.")
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.JSONField(default=list, blank=True)
    coverage = models.FloatField(null=True, blank=True, help_text="The coverage the report showed.")

    class Meta:
        ordering = ["-month", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "month"], name="reportdelivery_one_per_month"),
            models.CheckConstraint(condition=Q(month__day=1), name="reportdelivery_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"Report of {self.organization} for {self.month:%B %Y} to {len(self.recipients)} recipient(s)"
