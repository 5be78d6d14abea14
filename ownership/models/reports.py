"""The monthly report mail's schedule and deliveries, and the report's PDF jobs."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from cxowner.orgs.models import Organization
from journeys.models import Journey, Versioned


class ReportSchedule(Versioned):
    """Whether an organization's ownership report is mailed monthly (a PDF attached), and to whom.

    Recipients are e-mail addresses; with none named the report goes to the organization's admins.
    """

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="report_schedule")
    monthly = models.BooleanField(default=False, help_text="Mail the report at the start of every month.")
    recipients = models.JSONField(default=list, blank=True, help_text="E-mail addresses; empty: the admins.")

    def __str__(self) -> str:
        return f"Monthly report of {self.organization}: {'on' if self.monthly else 'off'}"

    @property
    def history_name(self) -> str:
        """How the history's summaries name the schedule: "Monthly report “on” updated"."""
        return "on" if self.monthly else "off"


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


class ReportJob(models.Model):
    """A PDF of the ownership report, drawn by a worker and never in a web request.

    `key` fingerprints what the report is drawn from (the organization's change counter, its
    latest gap decision, its name, the journey and the day): a request with the key of a finished
    job gets that PDF, one with the key of a waiting or running job joins it. One render runs per
    organization at a time (the constraint below); the finished jobs kept are bounded
    (ownership.reports.jobs).
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    class Kind(models.TextChoices):
        FULL = "full", "Full report"
        SUMMARY = "summary", "Executive summary"

    class Step(models.TextChoices):
        """Where a running job's render is: the worker writes it as it goes, the job's page reads it."""

        WAITING = "waiting", "Waiting for a worker"
        READING = "reading", "Reading the figures"
        LAYOUT = "layout", "Laying out the pages"
        WRITING = "writing", "Writing the file"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="report_jobs")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FULL)
    journey = models.ForeignKey(Journey, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    key = models.CharField(max_length=64)
    today = models.DateField(help_text="The day the report is of.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    filename = models.CharField(max_length=255, blank=True)
    pdf = models.BinaryField(default=b"", editable=False)
    error = models.TextField(blank=True)
    step = models.CharField(max_length=10, choices=Step.choices, default=Step.WAITING)
    pages_done = models.PositiveIntegerField(default=0, help_text="Pages laid out so far (the final count once done).")
    pages_expected = models.PositiveIntegerField(default=0, help_text="About how many pages the PDF will have.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organization", "-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "key"], name="reportjob_org_key")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=Q(status="running"), name="reportjob_one_running_per_org"
            ),
            models.UniqueConstraint(
                fields=["organization", "key"],
                condition=Q(status__in=["pending", "running"]),
                name="reportjob_one_waiting_per_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} PDF of {self.organization} for {self.today} ({self.status})"
