"""The company's side: functions, roles, RACI assignments, and the audits that check them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from cxowner.orgs.models import Organization
from cxowner.orgs.names import (
    DUPLICATE_NAME,
    NAME_MAX_CHARS,
    NamedQuerySet,
    NameKeyed,
    duplicate_name_message,
    name_key_field,
)
from journeys.models import Journey, Touchpoint, Versioned

from .constants import LETTERS, Rule, Severity


class Function(NameKeyed, Versioned):
    """A department (Marketing, Customer Service …): a column of the matrix."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="functions")
    name = models.CharField(max_length=NAME_MAX_CHARS)
    # Also the function's column header in the matrix file, read by the same normal form.
    name_key = name_key_field()
    position = models.PositiveIntegerField(default=0)

    objects = NamedQuerySet.as_manager()

    class Meta:
        ordering = ["organization", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name_key"],
                name="function_unique_name_key",
                violation_error_message=duplicate_name_message("function"),
                violation_error_code=DUPLICATE_NAME,
            ),
            models.UniqueConstraint(fields=["id", "organization"], name="function_id_organization"),
            models.CheckConstraint(condition=~Q(name=""), name="function_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class Role(Versioned):
    """A position inside a function (CMO, Journey manager – Service); vacant without a holder."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="roles")
    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="roles")
    title = models.CharField(max_length=200)
    holder_name = models.CharField(max_length=200, blank=True)
    holder_email = models.EmailField(blank=True)
    # The holder as a member of the organization, when they are one: the name and e-mail stay
    # the record of who holds the role (they outlive a member who leaves).
    holder_member = models.ForeignKey(
        "orgs.Membership",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="held_roles",
        help_text="The member of the organization who holds the role, if the holder is one.",
    )

    class Meta:
        ordering = ["function__position", "title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["function", "title"], name="role_unique_title"),
            models.UniqueConstraint(fields=["id", "organization"], name="role_id_organization"),
            models.UniqueConstraint(fields=["id", "function"], name="role_id_function"),
            models.CheckConstraint(condition=~Q(title=""), name="role_title_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.holder_name or 'vacant'})"

    @property
    def is_vacant(self) -> bool:
        return not self.holder_name

    def clean(self) -> None:
        if self.holder_member_id is not None and self.holder_member.organization_id != self.organization_id:
            raise ValidationError({"holder_member": "The holder must be a member of this organization."})


class JourneyOwner(models.Model):
    """The journey manager: the role that answers for a whole journey (at most one per journey).

    A row on the ownership side rather than a field of the journey, so that the foreign keys run
    one way (cxowner.orgs ← journeys ← ownership). The journey's version still counts its owner:
    ownership.services.journey_owner_set bumps it, so a stale write is refused the same way.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    journey = models.OneToOneField(Journey, on_delete=models.CASCADE, related_name="owner_link")
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="journey_owners")

    def __str__(self) -> str:
        return f"{self.role} manages {self.journey}"


class Assignment(Versioned):
    """One RACI letter held by one function on one touchpoint.

    Two Accountables on a touchpoint is a finding the product must report, so nothing forbids
    it; the same letter twice for one function is meaningless, so the database refuses it.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="assignments")
    function = models.ForeignKey(Function, on_delete=models.CASCADE, related_name="assignments")
    letter = models.CharField(max_length=1, choices=[(letter, letter) for letter in LETTERS])
    role = models.ForeignKey(
        Role,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
        help_text="The role of this function that carries the letter.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the owner last confirmed this assignment still holds."
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["touchpoint", "function", "letter"]
        constraints = [
            models.UniqueConstraint(
                fields=["touchpoint", "function", "letter"], name="assignment_one_letter_per_function"
            ),
            models.CheckConstraint(condition=Q(letter__in=LETTERS), name="assignment_letter_raci"),
        ]
        indexes = [
            models.Index(fields=["organization", "letter"], name="assignment_org_letter"),
            models.Index(fields=["organization", "id"], name="assignment_org_id"),
            # How many A a function holds, by index only: the live bottleneck check of a cell edit.
            models.Index(fields=["function", "letter"], name="assignment_function_letter"),
        ]

    def __str__(self) -> str:
        return f"{self.function} {self.letter} on {self.touchpoint}"


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
    affect up to date in its own transaction (ownership.livegaps); the audit checks them. What a
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
    finding = models.JSONField(help_text="The latest finding, in the SPEC §2 shape.")
    score = models.PositiveSmallIntegerField()
    first_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    first_seen_run = models.ForeignKey(AuditRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    times_reopened = models.PositiveIntegerField(default=0)
    # The people's side (ownership/gap_workflow.py): who fixes it, by when, and what was decided.
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
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="gapcomment_body_not_empty")]

    def __str__(self) -> str:
        return self.body[:60]


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
            # The dashboard walks back from now through the events of a period.
            models.Index(fields=["organization", "at"], name="gapevent_org_at"),
        ]

    def __str__(self) -> str:
        return f"{self.gap} {self.kind} ({self.cause})"


# The events of a gap's existence, which the audits report; decisions are the workflow's.
GAP_LIFE_EVENTS = (GapEvent.Kind.OPENED, GapEvent.Kind.RESOLVED, GapEvent.Kind.REOPENED)


class Webhook(models.Model):
    """An integration's endpoint: receives the opened and resolved gaps of every audit, signed."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500, help_text="Receives a POST with the JSON payload.")
    secret = models.CharField(
        max_length=200, help_text="Signs the body: X-Cxowner-Signature: sha256=<HMAC-SHA256 of the body>."
    )
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped by every change made through ownership/webhook_admin.py: stale edits are refused.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["organization", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(url=""), name="webhook_url_not_empty"),
            models.CheckConstraint(condition=~Q(secret=""), name="webhook_secret_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.url} ({self.organization})"

    def clean(self) -> None:
        from .webhooks import webhook_url_validate

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
            # An audit's delivery names its run, an assignment's its gap; only a test names neither.
            models.CheckConstraint(
                condition=Q(run__isnull=False) | Q(gap__isnull=False) | Q(event="ping"),
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


class AuditNotice(models.Model):
    """Marks that an audit run's changes were announced, so a redelivered task never sends twice."""

    run = models.OneToOneField(AuditRun, on_delete=models.CASCADE, related_name="notice")
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.JSONField(default=list, blank=True, help_text="Who got the e-mail digest.")
    webhooks = models.PositiveIntegerField(default=0, help_text="How many webhooks were handed the run.")

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"Notice of run {self.run_id} to {len(self.recipients)} recipient(s)"


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
    data = models.BinaryField(editable=False)
    dry_run = models.BooleanField(default=False)
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


class ReviewCampaign(Versioned):
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
    name = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ends_on = models.DateField(help_text="Reminders go out until this day.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    # At most one reminder round a day: the day of the last one.
    last_reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["organization", "-started_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="reviewcampaign_name_not_empty"),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True) | Q(status="closed", closed_at__isnull=False),
                name="reviewcampaign_closed_has_time",
            ),
        ]


class Scenario(Versioned):
    """A named what-if draft of the organization's matrix, kept apart from the live one.

    It stores operations, not a copy: its matrix is the live matrix with them replayed
    (ownership/scenarios.py). `base_matrix_version` is the live matrix it was drawn on; applying
    is refused once the live matrix has moved on, until the scenario is rebased.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPLIED = "applied", "Applied"
        DISCARDED = "discarded", "Discarded"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="scenarios")
    name = models.CharField(max_length=NAME_MAX_CHARS)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    base_matrix_version = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When it was applied or discarded.")
    change_set = models.ForeignKey(
        "orgs.ChangeSet",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The change that applied it to the live matrix.",
    )

    class Meta:
        ordering = ["organization", "-updated_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="scenario_name_not_empty")]
        indexes = [models.Index(fields=["organization", "status"], name="scenario_org_status")]

    def __str__(self) -> str:
        return self.name


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


class ScenarioOperationKind(models.TextChoices):
    """The operations of ownership.whatif, by the `kind` each one carries."""

    MERGE_FUNCTIONS = "merge_functions", "Merge functions"
    REMOVE_FUNCTION = "remove_function", "Remove a function"
    SET_ROLE_HOLDER = "set_role_holder", "Change a role's holder"
    MOVE_LETTERS = "move_letters", "Move all letters"
    SET_CELLS = "set_cells", "Edit cells"


class ScenarioOperation(models.Model):
    """One step of a scenario, in order: its kind and its arguments (ownership.whatif's operations)."""

    Kind = ScenarioOperationKind

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="operations")
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=ScenarioOperationKind.choices)
    arguments = models.JSONField()
    # In words, with the names it had when it was added: after the scenario is applied, the
    # functions it names may be gone from the live matrix.
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["scenario", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scenario", "position"], name="scenariooperation_unique_position"),
            models.CheckConstraint(
                condition=Q(kind__in=ScenarioOperationKind.values), name="scenariooperation_known_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.arguments}"
