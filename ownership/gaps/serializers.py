"""API serializers of findings, gaps and audit runs."""

from datetime import datetime

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cxowner.orgs.api.fields import StrictModelSerializer
from cxowner.orgs.api.versions import VersionField
from ownership.gaps.selectors import audit_run_changes
from ownership.gaps.workflow import gap_overdue
from ownership.models import AuditRun, Gap


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
    version = VersionField(read_only=True)

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
