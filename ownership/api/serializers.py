"""Serializers for functions, roles, assignments, the matrix, audit runs, gaps and imports.

Writable fields are explicit allow-lists; references resolve inside the caller's organization.
"""

from datetime import datetime

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cxowner.orgs.api.base import MAX_ID
from cxowner.orgs.api.fields import StrictModelSerializer
from cxowner.orgs.models import Membership
from journeys.api.serializers import OrganizationPrimaryKeyField
from journeys.models import Touchpoint
from ownership.constants import LETTERS, parse_letters
from ownership.gap_workflow import gap_overdue
from ownership.import_jobs import import_job_rows_done
from ownership.import_reading import LAYOUT_CHOICES, import_options
from ownership.models import Assignment, AuditRun, Function, Gap, ImportJob, Role
from ownership.selectors import audit_run_changes

# One matrix PATCH writes at most this many cells: a whole 500 × 12 journey fits.
MAX_CELLS_PER_REQUEST = 10_000


class FunctionSerializer(StrictModelSerializer):
    # No bounds in the schema: stored positions are only an order (they may start at 0); a
    # written one is a place, checked in validate_position.
    position = serializers.IntegerField(
        required=False, help_text="The column's place; write 1 for the first column (the others renumber)."
    )

    class Meta:
        model = Function
        fields = ["id", "name", "position", "version"]
        read_only_fields = ["id", "version"]

    def validate_position(self, position: int) -> int:
        if not 1 <= position <= 100_000:
            raise serializers.ValidationError("A position is a column's place: 1 for the first column.")
        return position


class RoleSerializer(StrictModelSerializer):
    function = OrganizationPrimaryKeyField(queryset=Function.objects.all())
    holder_member = OrganizationPrimaryKeyField(
        queryset=Membership.objects.select_related("user"),
        allow_null=True,
        required=False,
        help_text="The membership of the holder, if a member holds the role: their name and e-mail fill in.",
    )
    is_vacant = serializers.BooleanField(read_only=True)

    class Meta:
        model = Role
        fields = ["id", "function", "title", "holder_name", "holder_email", "holder_member", "is_vacant", "version"]
        read_only_fields = ["id", "is_vacant", "version"]

    def validate_function(self, function):
        if self.instance is not None and function != self.instance.function:
            raise serializers.ValidationError("A role cannot move to another function.")
        return function


class AssignmentSerializer(StrictModelSerializer):
    touchpoint = OrganizationPrimaryKeyField(queryset=Touchpoint.objects.all())
    function = OrganizationPrimaryKeyField(queryset=Function.objects.all())
    role = OrganizationPrimaryKeyField(queryset=Role.objects.all(), allow_null=True, required=False)
    letter = serializers.ChoiceField(choices=LETTERS)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "touchpoint",
            "function",
            "letter",
            "role",
            "created_at",
            "confirmed_at",
            "confirmed_by",
            "version",
        ]
        read_only_fields = ["id", "created_at", "confirmed_at", "confirmed_by", "version"]
        # Uniqueness is the service's to check, with a clear message.
        validators: list = []


class AssignmentRoleSerializer(serializers.Serializer):
    role = OrganizationPrimaryKeyField(queryset=Role.objects.all(), allow_null=True)
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version read (or send it as If-Match)."
    )


class LettersField(serializers.CharField):
    """A cell's letters as a string in any of the file's spellings ("A/R", "ar", "A + R"); "" is empty."""

    def __init__(self, **kwargs):
        super().__init__(allow_blank=True, max_length=20, trim_whitespace=False, **kwargs)

    def run_validation(self, data=serializers.empty):
        value = super().run_validation(data)
        # CharField answers "" for a blank value without calling to_internal_value.
        return frozenset() if value == "" else value

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        try:
            return parse_letters(text)
        except ValueError as error:
            raise serializers.ValidationError(str(error).capitalize() + ".") from None

    def to_representation(self, value):
        return "".join(letter for letter in LETTERS if letter in value)


class CellSerializer(serializers.Serializer):
    touchpoint = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    function = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    letters = LettersField(help_text="The letters the cell holds now, in canonical order R, A, C, I.")


class CellWriteSerializer(CellSerializer):
    expected = LettersField(
        help_text="What the cell held when you read it; a cell that changed meanwhile refuses the write (409)."
    )


class MatrixWriteSerializer(serializers.Serializer):
    cells = CellWriteSerializer(many=True, allow_empty=False, max_length=MAX_CELLS_PER_REQUEST)

    def validate_cells(self, cells):
        seen = set()
        for cell in cells:
            key = (cell["touchpoint"], cell["function"])
            if key in seen:
                raise serializers.ValidationError(f"Cell (touchpoint {key[0]}, function {key[1]}) appears twice.")
            seen.add(key)
        return cells


class MatrixStageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    position = serializers.IntegerField()


class MatrixTouchpointSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    stage = serializers.IntegerField()
    name = serializers.CharField()
    position = serializers.IntegerField()
    importance = serializers.IntegerField()
    out_of_scope = serializers.BooleanField()
    version = serializers.IntegerField()


class MatrixFunctionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class FindingSerializer(serializers.Serializer):
    """A finding in the shape of docs/gap-rules.md, with its score and fingerprint."""

    rule = serializers.CharField()
    severity = serializers.CharField()
    journey = serializers.CharField(allow_null=True)
    touchpoints = serializers.ListField(child=serializers.CharField())
    functions = serializers.ListField(child=serializers.CharField())
    roles = serializers.ListField(child=serializers.CharField())
    message = serializers.CharField()
    score = serializers.IntegerField()
    fingerprint = serializers.CharField()


class GapRecordSerializer(FindingSerializer):
    """A tracked gap's latest finding, with the gap's id."""

    id = serializers.IntegerField()


def gap_record(gap: Gap) -> dict:
    return {"id": gap.pk, **gap.finding, "score": gap.score, "fingerprint": gap.fingerprint}


class MatrixSerializer(serializers.Serializer):
    """A journey's matrix: its rows, columns, the non-empty cells and the gaps found now."""

    journey = serializers.IntegerField()
    version = serializers.CharField(help_text="The matrix's ETag; If-Match on PATCH refuses a stale write (412).")
    stages = MatrixStageSerializer(many=True)
    touchpoints = MatrixTouchpointSerializer(many=True)
    functions = MatrixFunctionSerializer(many=True)
    cells = CellSerializer(many=True)
    coverage = serializers.FloatField()
    gaps = FindingSerializer(many=True)


class MatrixWrittenSerializer(serializers.Serializer):
    version = serializers.CharField()
    cells = CellSerializer(many=True)
    coverage = serializers.FloatField()
    gaps = FindingSerializer(many=True)


class AuditRunSerializer(StrictModelSerializer):
    class Meta:
        model = AuditRun
        fields = [
            "id",
            "trigger",
            "status",
            "requested_at",
            "started_at",
            "finished_at",
            "coverage",
            "in_scope_touchpoints",
            "counts_by_rule",
            "counts_by_severity",
            "opened_count",
            "resolved_count",
            "accepted_risks",
            "repaired",
            "error",
        ]
        read_only_fields = fields


class AuditRunDetailSerializer(AuditRunSerializer):
    """A run with the gaps opened and resolved since the run before (by edits or by the run)."""

    opened = serializers.SerializerMethodField()
    resolved = serializers.SerializerMethodField()

    class Meta(AuditRunSerializer.Meta):
        fields = [*AuditRunSerializer.Meta.fields, "opened", "resolved"]
        read_only_fields = fields

    def _changes(self, run) -> tuple[list, list]:
        if not hasattr(run, "_changes"):
            run._changes = audit_run_changes(run=run)
        return run._changes

    @extend_schema_field(GapRecordSerializer(many=True))
    def get_opened(self, run) -> list:
        return [gap_record(gap) for gap in self._changes(run)[0]]

    @extend_schema_field(GapRecordSerializer(many=True))
    def get_resolved(self, run) -> list:
        return [gap_record(gap) for gap in self._changes(run)[1]]


class AuditRequestedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    status = serializers.CharField()


class GapSerializer(StrictModelSerializer):
    finding = serializers.JSONField(
        help_text="The latest finding (rule, severity, journey, touchpoints, functions, roles, message)."
    )
    is_open = serializers.BooleanField(read_only=True)
    overdue = serializers.SerializerMethodField(help_text="Open, not an accepted risk, and past its due date.")
    last_seen_at = serializers.SerializerMethodField(
        help_text="When it was resolved; for an open gap, the organization's last change (it is open now)."
    )

    class Meta:
        model = Gap
        fields = [
            "id",
            "fingerprint",
            "rule",
            "severity",
            "journey",
            "touchpoint",
            "next_touchpoint",
            "function",
            "score",
            "finding",
            "is_open",
            "first_seen_at",
            "last_seen_at",
            "resolved_at",
            "times_reopened",
            "workflow_status",
            "assignee",
            "due_on",
            "overdue",
            "risk_reason",
            "risk_expires_on",
            "version",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, gap) -> bool:
        return gap_overdue(gap, today=timezone.localdate())

    def get_last_seen_at(self, gap) -> datetime | None:
        # Derived, not stored: the live state is current as of the organization's last change.
        if gap.resolved_at is not None:
            return gap.resolved_at
        organization = self.context.get("organization")
        return (organization and organization.matrix_changed_at) or gap.first_seen_at


class ImportSerializer(serializers.Serializer):
    """A RACI chart to import and how to read it (docs/import.md)."""

    file = serializers.FileField(
        required=False, help_text="The matrix file, or a published chart: CSV, XLSX, Markdown (.md) or HTML (.html)."
    )
    text = serializers.CharField(
        required=False,
        trim_whitespace=False,
        help_text="Instead of a file: a Markdown, HTML, CSV or tab-separated table.",
    )
    dry_run = serializers.BooleanField(default=False, help_text="Check and summarise without changing anything.")
    layout = serializers.ChoiceField(
        choices=["", *LAYOUT_CHOICES], default="", help_text="standard, activity or transposed; empty: detected."
    )
    journey = serializers.CharField(default="", max_length=200, help_text="The journey of a table without one.")
    stage = serializers.CharField(default="", max_length=200, help_text="The stage of rows above any heading.")
    letter_map = serializers.CharField(
        default="", max_length=200, help_text='Other letters as R, A, C, I: "S=R,W=I,V=C,O=" (empty: left out).'
    )
    table = serializers.IntegerField(
        required=False, min_value=1, help_text="Read the Nth table; default: the first RACI one."
    )
    touchpoint_column = serializers.CharField(default="", max_length=200, help_text="The activity column's header.")
    keep_remarks = serializers.BooleanField(
        default=False, help_text='Keep "(…)" after function names in transposed cells.'
    )
    heading_rows = serializers.BooleanField(default=True, help_text="Read one-cell rows as stage headings.")

    def validate(self, attrs):
        if not attrs.get("file") and not attrs.get("text", "").strip():
            raise serializers.ValidationError({"file": "Send a file, or the table as text."})
        try:
            attrs["options"] = import_options(
                **{name: attrs.get(name) for name in ("layout", "journey", "stage", "letter_map", "table")},
                touchpoint_column=attrs["touchpoint_column"],
                keep_remarks=attrs["keep_remarks"],
                heading_rows=attrs["heading_rows"],
            )
        except ValueError as error:
            raise serializers.ValidationError(
                {"letter_map" if "letter map" in str(error) else "layout": str(error)}
            ) from None
        return attrs


class ImportJobSerializer(serializers.ModelSerializer):
    rows_done = serializers.SerializerMethodField(help_text="Rows applied so far (of `rows`).")

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "filename",
            "dry_run",
            "status",
            "rows",
            "rows_done",
            "summary",
            "errors",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_rows_done(self, job) -> int:
        return import_job_rows_done(job)


class ImportSummarySerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    rows = serializers.IntegerField()
    journeys_created = serializers.ListField(child=serializers.CharField())
    journeys_replaced = serializers.ListField(child=serializers.CharField())
    functions_created = serializers.ListField(child=serializers.CharField())
    names_matched = serializers.ListField(
        child=serializers.CharField(),
        help_text="Names in the file that are a stored journey or function spelled differently (case, spaces).",
    )
    touchpoints_created = serializers.IntegerField()
    touchpoints_updated = serializers.IntegerField()
    touchpoints_deleted = serializers.IntegerField()
    stages_deleted = serializers.IntegerField()
    letters_added = serializers.IntegerField()
    letters_removed = serializers.IntegerField()
    layout = serializers.CharField(help_text="How the table was read: standard, activity or transposed.")
    table = serializers.CharField(help_text="Which table of the source was read.")
    notes = serializers.ListField(
        child=serializers.CharField(), help_text="Columns ignored, headings, letters mapped …"
    )
    journey_ids = serializers.ListField(
        child=serializers.IntegerField(), help_text="The journeys imported (not in a dry run)."
    )


class VersionSerializer(serializers.Serializer):
    """The body of a versioned action that changes nothing else (close, discard, rebase …)."""

    version = serializers.IntegerField(required=False, help_text="Or send the ETag in If-Match.")
