"""API for what-if scenarios: draw one, edit its steps, compare it with today, apply or discard it.

Every change goes through ownership.scenarios.services with the version read (If-Match or the body's
`version`; stale: 412). Applying is refused with 409 when a cell, function or role the scenario
touches changed since it was drawn, naming each one (`changed`), nothing applied — rebase, compare
again, apply; edits elsewhere in the organization never block it. Viewers read and compare;
editors draw, edit, apply.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cxowner.orgs.api.base import ID_PATTERN, OrganizationScopedMixin, PagePagination, etag, requested_version
from cxowner.orgs.api.validation import valid_data
from cxowner.orgs.api.versions import VersionField, VersionSerializer
from cxowner.orgs.authentication import acting_user
from ownership.engine.rules import Finding
from ownership.engine.whatif import Comparison
from ownership.models import Scenario, ScenarioOperationKind
from ownership.scenarios import services as scenarios
from ownership.scenarios.conflicts import ScenarioStale
from ownership.scenarios.operations import operation_from_data
from ownership.scenarios.state import ScenarioState, scenario_state


class OperationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ScenarioOperationKind.choices)
    arguments = serializers.JSONField(
        help_text="merge_functions / move_letters: {source_id, target_id}; remove_function: {function_id}; "
        'set_role_holder: {role_id, holder_name ("" = vacant)}; set_cells: {cells: [{touchpoint, function, letters}]}.'
    )

    def validate(self, data):
        try:
            data["operation"] = operation_from_data(data["kind"], data["arguments"])
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        return data


class ScenarioSerializer(serializers.ModelSerializer):
    operations = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()
    version = VersionField(read_only=True)

    class Meta:
        model = Scenario
        fields = [
            "id",
            "name",
            "status",
            "base_matrix_version",
            "version",
            "operations",
            "created_by",
            "created_at",
            "updated_at",
            "closed_at",
            "change_set",
        ]
        read_only_fields = [name for name in fields if name != "name"]

    def get_operations(self, scenario) -> list[dict]:
        return [
            {"position": row.position, "kind": row.kind, "arguments": row.arguments, "description": row.description}
            for row in scenario.operations.all()
        ]

    def get_created_by(self, scenario) -> str:
        return scenario.created_by.get_username() if scenario.created_by else ""


class ScenarioCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    operations = OperationSerializer(many=True, required=False, default=list)


class OperationAddSerializer(OperationSerializer, VersionSerializer):
    pass


def finding_data(finding: Finding) -> dict:
    return {**finding.as_dict(), "fingerprint": finding.fingerprint, "function_id": finding.function_id}


def comparison_data(state: ScenarioState) -> dict:
    comparison: Comparison = state.comparison
    figures = state.figures
    return {
        "scenario": state.scenario.pk,
        "version": state.scenario.version,
        "base_matrix_version": state.scenario.base_matrix_version,
        "matrix_version": state.matrix_version,
        "stale": state.stale,
        # What it touches that changed since it was drawn: why it is stale (the first few, then a count).
        "changed": [conflict.data() for conflict in state.conflicts],
        "changed_more": state.more_conflicts,
        "steps": [{"position": index, "description": step} for index, step in enumerate(state.steps, start=1)],
        "skipped": [
            {"position": s.index + 1, "description": state.steps[s.index], "reason": s.reason} for s in state.skipped
        ],
        # The figures every page shows (docs/figures.md): coverage null when nothing is in scope.
        "coverage": {"before": figures.before.coverage.share, "after": figures.after.coverage.share},
        "open_gaps": {"before": figures.before.gaps.total, "after": figures.after.gaps.total},
        "accepted_risks": {"before": figures.before.gaps.accepted_risks, "after": figures.after.gaps.accepted_risks},
        "gaps": {
            "opened": [finding_data(f) for f in comparison.opened],
            "closed": [finding_data(f) for f in comparison.closed],
            "unchanged": comparison.unchanged,
        },
        "accountable": [
            {
                "function": load.function_id,
                "name": load.name,
                "before": load.before,
                "after": load.after,
                "bottleneck_before": load.bottleneck_before,
                "bottleneck_after": load.bottleneck_after,
            }
            for load in comparison.loads
        ],
        "cells": [
            {
                "touchpoint": cell.touchpoint_id,
                "function": cell.function_id,
                "before": "".join(x for x in "RACI" if x in cell.before),
                "after": "".join(x for x in "RACI" if x in cell.after),
            }
            for cell in comparison.cells
        ],
    }


def _conflict(error: Exception, **extra) -> Response:
    return Response({"detail": str(error), **extra}, status=status.HTTP_409_CONFLICT)


class ScenarioViewSet(
    OrganizationScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """What-if scenarios of the organization's matrix, newest first (drafts, applied, discarded)."""

    serializer_class = ScenarioSerializer
    pagination_class = PagePagination
    lookup_value_regex = ID_PATTERN
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        rows = Scenario.objects.filter(organization=self.organization).select_related("organization", "created_by")
        return rows.prefetch_related("operations").order_by("-updated_at", "-id")

    def _answer(self, scenario: Scenario, *, code: int = status.HTTP_200_OK) -> Response:
        scenario = self.get_queryset().get(pk=scenario.pk)
        return Response(self.get_serializer(scenario).data, status=code, headers=etag(scenario.version))

    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object())

    @extend_schema(request=ScenarioCreateSerializer, responses={201: ScenarioSerializer})
    def create(self, request, org):
        data = valid_data(ScenarioCreateSerializer, request)
        author = acting_user(request)
        scenario = scenarios.scenario_create(
            organization=self.organization,
            name=data["name"],
            created_by=author,
            operations=[operation["operation"] for operation in data["operations"]],
        )
        return self._answer(scenario, code=status.HTTP_201_CREATED)

    @extend_schema(request=inline_serializer("ScenarioRename", {"name": serializers.CharField()}))
    def partial_update(self, request, org, pk=None):
        scenario = self.get_object()
        version = requested_version(request)
        name = request.data.get("name") if hasattr(request.data, "get") else None
        if not isinstance(name, str):
            raise serializers.ValidationError({"name": ["Give the scenario's new name."]})
        return self._answer(scenarios.scenario_rename(scenario=scenario, name=name, version=version))

    @extend_schema(request=OperationAddSerializer, responses=ScenarioSerializer)
    @action(detail=True, methods=["post"])
    def operations(self, request, org, pk=None):
        """Add a step at the end; it must apply to the scenario's matrix as it stands."""
        scenario = self.get_object()
        data = valid_data(OperationAddSerializer, request)
        version = requested_version(request)
        return self._answer(
            scenarios.scenario_operation_add(scenario=scenario, operation=data["operation"], version=version)
        )

    @extend_schema(request=VersionSerializer, responses=ScenarioSerializer)
    @action(detail=True, methods=["delete"], url_path=r"operations/(?P<position>[0-9]{1,4})")
    def operation_remove(self, request, org, pk=None, position=None):
        """Take out step `position` (1 = the first)."""
        scenario = self.get_object()
        version = requested_version(request)
        return self._answer(
            scenarios.scenario_operation_remove(scenario=scenario, position=int(position), version=version)
        )

    @extend_schema(
        request=None,
        responses=inline_serializer("ScenarioComparison", {"stale": serializers.BooleanField()}),
        description="Today's matrix against the scenario's, by the audit's own rules: gaps opened and closed, "
        "coverage before and after, each function's accountable load, the cells that differ. `stale`: applying "
        "is refused until a rebase, because of what `changed` names (cells, functions and roles the scenario "
        "touches that changed since it was drawn) or `skipped` steps.",
    )
    @action(detail=True, methods=["get"])
    def compare(self, request, org, pk=None):
        scenario = self.get_object()
        state = scenario_state(scenario=scenario)
        return Response(comparison_data(state), headers=etag(scenario.version))

    @extend_schema(request=VersionSerializer, responses=ScenarioSerializer)
    @action(detail=True, methods=["post"])
    def apply(self, request, org, pk=None):
        """Make the scenario's matrix the live one: one change set, all or nothing.

        409 naming each touched cell, function or role that changed since the scenario was drawn."""
        scenario = self.get_object()
        version = requested_version(request, required=False)
        scenarios.scenario_apply(scenario=scenario, version=version)
        return self._answer(scenario)

    @extend_schema(
        request=VersionSerializer,
        responses=inline_serializer(
            "ScenarioRebased", {"dropped": serializers.ListField(child=serializers.CharField())}
        ),
    )
    @action(detail=True, methods=["post"])
    def rebase(self, request, org, pk=None):
        """Re-draw on today's matrix; the steps that no longer apply are dropped and listed."""
        scenario = self.get_object()
        result = scenarios.scenario_rebase(scenario=scenario, version=requested_version(request))
        scenario = self.get_queryset().get(pk=result.scenario.pk)
        body = {**self.get_serializer(scenario).data, "dropped": list(result.dropped)}
        return Response(body, headers=etag(scenario.version))

    @extend_schema(request=VersionSerializer, responses=ScenarioSerializer)
    @action(detail=True, methods=["post"])
    def discard(self, request, org, pk=None):
        scenario = self.get_object()
        version = requested_version(request)
        return self._answer(scenarios.scenario_discard(scenario=scenario, version=version))

    def handle_exception(self, exc):
        """The scenario refusals: 409 with what the caller needs to decide what to do next."""
        if isinstance(exc, ScenarioStale):
            return _conflict(
                exc,
                changed=[conflict.data() for conflict in exc.conflicts],
                changed_more=exc.more,
                skipped=list(exc.skipped),
                matrix_version=exc.matrix_version,
                base_matrix_version=exc.scenario.base_matrix_version,
            )
        if isinstance(exc, scenarios.ScenarioClosed):
            return _conflict(exc, status=exc.scenario.status)
        return super().handle_exception(exc)
