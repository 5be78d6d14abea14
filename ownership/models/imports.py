"""Import jobs: large imports run on a worker."""

from django.conf import settings
from django.db import models

from cxowner.orgs.models import Organization


class ImportJob(models.Model):
    """A large matrix file imported (or dry-run) by a worker, not in a web request.

    The browser and the API show its progress and, when it is done, its summary or every row
    error. The uploaded bytes stay until a real import has run, so a dry run can be confirmed.
    """

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255)
    # The upload as sent, read by the worker with `options` (ownership.imports.reading.import_options).
    data = models.BinaryField(editable=False)
    options = models.JSONField(default=dict, blank=True)
    dry_run = models.BooleanField(default=False)
    # Counted roughly when the job is made (its lines), exactly once the worker has read the file.
    rows = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    summary = models.JSONField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organization", "-created_at", "-id"]

    def __str__(self) -> str:
        kind = "dry run" if self.dry_run else "import"
        return f"{self.filename} ({kind}, {self.status})"
