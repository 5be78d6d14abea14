"""Serializers of a function's merge and delete: the request and the preview (ownership/structure/changes.py)."""

from rest_framework import serializers

from cxowner.orgs.api.versions import VersionSerializer
from journeys.api.serializers import OrganizationPrimaryKeyField
from ownership.gaps.serializers import FindingSerializer
from ownership.models import Function
from ownership.structure.changes import FunctionPlan


class FunctionMergeSerializer(VersionSerializer):
    """The merge: `version` is the merged function's."""

    into = OrganizationPrimaryKeyField(
        queryset=Function.objects.all(), help_text="The function that takes over the letters and roles."
    )
    dry_run = serializers.BooleanField(default=False, help_text="Only preview: change nothing.")
    digest = serializers.CharField(
        max_length=64,
        required=False,
        default="",
        help_text="The `digest` of the dry run you read: letters or roles changed since refuse the merge (412).",
    )


class CellPlanSerializer(serializers.Serializer):
    journey = serializers.CharField()
    touchpoint = serializers.CharField()
    touchpoint_id = serializers.IntegerField()
    letters = serializers.CharField(help_text="What the function that goes holds there; all of it leaves the cell.")
    target_before = serializers.CharField(help_text="Merge: the target's letters there before.")
    target_after = serializers.CharField(help_text="Merge: the target's letters after (the union, each once).")


class RolePlanSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="role.pk")
    title = serializers.CharField(source="role.title")
    title_after = serializers.CharField(help_text="Merge: its title in the target; empty: the role is deleted.")
    owned_journeys = serializers.ListField(
        child=serializers.CharField(), help_text="Journeys it manages (a delete leaves them without an owner)."
    )


class FunctionPlanSerializer(serializers.Serializer):
    """What a merge or delete does: letters touchpoint by touchpoint, roles, gaps opened and closed."""

    dry_run = serializers.BooleanField()
    function = serializers.IntegerField(source="function.pk")
    into = serializers.IntegerField(source="target.pk", allow_null=True, default=None)
    cells = CellPlanSerializer(many=True)
    roles = RolePlanSerializer(many=True)
    gaps_opened = FindingSerializer(many=True)
    gaps_closed = FindingSerializer(many=True)
    coverage_before = serializers.FloatField(allow_null=True, help_text="Coverage now, 0–1; null: nothing in scope.")
    coverage_after = serializers.FloatField(
        allow_null=True, help_text="Coverage after the change, 0–1; null: nothing in scope."
    )
    digest = serializers.CharField(help_text="Names the letters and roles shown; send it back to confirm them.")


def plan_data(plan: FunctionPlan, *, dry_run: bool) -> dict:
    def finding(found) -> dict:
        return {**found.as_dict(), "score": found.score, "fingerprint": found.fingerprint}

    return FunctionPlanSerializer(
        {
            "dry_run": dry_run,
            "function": plan.function,
            "target": plan.target,
            "cells": plan.cells,
            "roles": plan.roles,
            "gaps_opened": [finding(f) for f in plan.gaps.opened],
            "gaps_closed": [finding(f) for f in plan.gaps.closed],
            "coverage_before": plan.gaps.coverage_before,
            "coverage_after": plan.gaps.coverage_after,
            "digest": plan.digest,
        }
    ).data
