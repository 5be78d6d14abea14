"""Audit runs and the gaps they find: status, comments and the life of each gap."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from cxowner.orgs.models import Organization
from cxowner.orgs.names import one_line_validator
from journeys.models import Journey, Touchpoint
from ownership.engine.constants import Rule, Severity


class AuditRun(models.Model):
    """One evaluation of every rule for an organization, kept as history."""

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Manual"
        API = "api", "API"
        CHANGE = "change", "Change"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="audit_runs")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    coverage = models.FloatField(null=True, blank=True)
    in_scope_touchpoints = models.PositiveIntegerField(default=0)
    counts_by_rule = models.JSONField(default=dict, blank=True)
    counts_by_severity = models.JSONField(default=dict, blank=True)
    # Gaps opened (or reopened) and resolved since the previous run, by edits and by this run.
    opened_count = models.PositiveIntegerField(default=0)
    resolved_count = models.PositiveIntegerField(default=0)
    # Of the gaps found, those the organization decided to live with for now: counted apart.
    accepted_risks = models.PositiveIntegerField(default=0, help_text="Open gaps accepted as risks at the run.")
    repaired = models.PositiveIntegerField(
        default=0, help_text="Open gaps the live state had wrong, set right by this run (should stay 0)."
    )
    # The gap events this run accounts for, by id: (events_after, events_through]. The next run
    # starts where this one ends, so edits' events are each reported by exactly one run.
    events_after = models.BigIntegerField(default=0)
    events_through = models.BigIntegerField(default=0)
    # What the run checked: the change counter and a checksum of the matrix and gaps, so the next
    # run knows whether anything but time can have changed; and whether every rule was evaluated.
    matrix_version = models.BigIntegerField(default=0)
    checksum = models.CharField(max_length=64, blank=True)
    full = models.BooleanField(default=True, help_text="Every rule re-evaluated (not only what time changes).")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(coverage__isnull=True) | Q(coverage__gte=0, coverage__lte=1),
                name="auditrun_coverage_share",
            )
        ]
        indexes = [models.Index(fields=["organization", "status"], name="auditrun_org_status")]

    def __str__(self) -> str:
        return f"Audit of {self.organization} ({self.trigger}, {self.status})"

    @property
    def open_gaps(self) -> int:
        """The gaps still waiting for a fix: what the rules found, less the accepted risks."""
        return max(sum(self.counts_by_severity.values()) - self.accepted_risks, 0)


class GapStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACCEPTED = "accepted", "Accepted risk"


class Gap(models.Model):
    """A finding tracked by its fingerprint: opened, resolved, reopened as the matrix changes.

    The open gaps (resolved_at IS NULL) are the live state: every write brings the ones it can
    affect up to date in its own transaction (ownership.gaps.live); the audit checks them. What a
    gap is about is also kept as foreign keys, so a write finds the gaps of its scope by index.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="gaps")
    fingerprint = models.CharField(max_length=64)
    rule = models.CharField(max_length=40, choices=[(rule.value, rule.value) for rule in Rule])
    severity = models.CharField(max_length=10, choices=[(s.value, s.value) for s in Severity])
    journey = models.ForeignKey(Journey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    touchpoint = models.ForeignKey(Touchpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    next_touchpoint = models.ForeignKey(
        Touchpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Handoffs: to."
    )
    function = models.ForeignKey(
        "Function", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Function rules."
    )
    finding = models.JSONField(help_text='The latest finding, as JSON (docs/gap-rules.md, "A finding as JSON").')
    score = models.PositiveSmallIntegerField()
    first_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    first_seen_run = models.ForeignKey(AuditRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    times_reopened = models.PositiveIntegerField(default=0)
    # The people's side (ownership/gaps/workflow.py): who fixes it, by when, and what was decided.
    # Only the rules resolve a gap (resolved_at); `workflow_status` is what people decided about an open one.
    workflow_status = models.CharField(max_length=12, choices=GapStatus.choices, default=GapStatus.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_gaps"
    )
    due_on = models.DateField(null=True, blank=True)
    risk_reason = models.TextField(blank=True, max_length=2000)
    risk_expires_on = models.DateField(null=True, blank=True, help_text="An accepted risk reopens on this day.")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-score", "rule", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "fingerprint"], name="gap_unique_fingerprint"),
            models.CheckConstraint(
                condition=~Q(workflow_status="accepted") | (~Q(risk_reason="") & Q(risk_expires_on__isnull=False)),
                name="gap_accepted_risk_has_reason_and_expiry",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "resolved_at"], name="gap_org_resolved"),
            # Gaps whose journey and function are gone (deleted): every refresh resolves them.
            models.Index(
                fields=["organization"],
                condition=Q(resolved_at__isnull=True, journey__isnull=True, function__isnull=True),
                name="gap_open_orphans",
            ),
        ]

    def __str__(self) -> str:
        return self.finding.get("message", self.rule)

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class GapComment(models.Model):
    """A member's note on a gap: the discussion of how (or whether) to fix it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    gap = models.ForeignKey(Gap, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Set when an API token wrote it: a token has no user row, so the comment keeps the name of the
    # integration (the token's name when it wrote) that the page and the API show as its author.
    integration = models.CharField(max_length=100, blank=True, default="", validators=[one_line_validator])
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="gapcomment_body_not_empty")]

    def __str__(self) -> str:
        return self.body[:60]

    @property
    def author_text(self) -> str:
        """Who wrote it, as the page and the API name them."""
        if self.author is not None:
            return self.author.get_full_name() or self.author.get_username()
        if self.integration:
            return f"{self.integration} (integration)"
        return "A former member or an integration"  # the account was deleted, or written before tokens were named


class GapEvent(models.Model):
    """One step of a gap's life: opened, resolved or reopened, by an edit or by an audit run;
    or a decision about it: a risk accepted, and the acceptance ended (withdrawn or expired)."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        RESOLVED = "resolved", "Resolved"
        REOPENED = "reopened", "Reopened"
        ACCEPTED = "accepted", "Risk accepted"
        RISK_ENDED = "risk_ended", "Risk acceptance ended"

    gap = models.ForeignKey(Gap, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    at = models.DateTimeField()
    cause = models.CharField(max_length=40, help_text="The kind of change: cells, touchpoint, import, audit …")
    # Set when an audit run opened or resolved the gap (a repair); empty for edits.
    run = models.ForeignKey(AuditRun, null=True, blank=True, on_delete=models.CASCADE, related_name="gap_events")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["organization", "id"], name="gapevent_org_id"),
            # The dashboard walks back from now through the events of a period, newest first:
            # with the id, the index gives them in that order (no sort of a quarter's events).
            models.Index(fields=["organization", "at", "id"], name="gapevent_org_at_id"),
        ]

    def __str__(self) -> str:
        return f"{self.gap} {self.kind} ({self.cause})"


# The events of a gap's existence, which the audits report; decisions are the workflow's.
GAP_LIFE_EVENTS = (GapEvent.Kind.OPENED, GapEvent.Kind.RESOLVED, GapEvent.Kind.REOPENED)


class AuditNotice(models.Model):
    """Marks that an audit run's changes were announced, so a redelivered task never sends twice."""

    run = models.OneToOneField(AuditRun, on_delete=models.CASCADE, related_name="notice")
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.JSONField(default=list, blank=True, help_text="Who got the e-mail digest.")
    webhooks = models.PositiveIntegerField(default=0, help_text="How many webhooks were handed the run.")

    class MailState(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Could not be sent"
        NONE = "none", "Nobody to send to"

    # The digest goes out apart from the webhooks (they are queued whatever happens to the mail),
    # retried while the mail server fails; a final failure stays here for the admins to see.
    mail_state = models.CharField(max_length=8, choices=MailState.choices, default=MailState.SENT)
    mail_error = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"Notice of run {self.run_id} to {len(self.recipients)} recipient(s)"
