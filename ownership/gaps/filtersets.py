"""The gap filters, one FilterSet for the browser's gaps page and the API's gap list alike."""

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from journeys.models import Journey, Stage
from ownership.engine.constants import Rule, Severity
from ownership.engine.vocabulary import RULE_TEXT, SEVERITY_TEXT
from ownership.models import AuditRun, Function, Gap, GapStatus


def _of_organization(model):
    """Choices limited to the organization named in the URL (both surfaces route it as `org`)."""

    def queryset(request):
        match = getattr(request, "resolver_match", None)
        if match is None or "org" not in match.kwargs:
            return model.objects.none()
        return model.objects.filter(organization__slug=match.kwargs["org"]).order_by("position", "id")

    return queryset


class GapFilterSet(django_filters.FilterSet):
    """Rule, severity, journey, stage, function and status; the open gaps unless `status` says otherwise."""

    rule = django_filters.ChoiceFilter(choices=[(r.value, RULE_TEXT[r].title) for r in Rule], empty_label="Any rule")
    severity = django_filters.ChoiceFilter(
        choices=[(s.value, SEVERITY_TEXT[s].label) for s in Severity], empty_label="Any severity"
    )
    workflow_status = django_filters.ChoiceFilter(
        choices=GapStatus.choices,
        empty_label="Any decision",
        label="Decision",
        help_text="open, acknowledged, accepted",
    )
    journey = django_filters.ModelChoiceFilter(queryset=_of_organization(Journey), empty_label="Any journey")
    # The stage of the gap's (first) touchpoint: the dashboard's heatmap opens a stage's gaps.
    stage = django_filters.ModelChoiceFilter(
        queryset=_of_organization(Stage), field_name="touchpoint__stage", empty_label="Any stage"
    )
    function = django_filters.ModelChoiceFilter(
        queryset=_of_organization(Function), method="filter_function", empty_label="Any function", label="Function"
    )
    status = django_filters.ChoiceFilter(
        choices=[("open", "Open"), ("resolved", "Resolved"), ("all", "Open and resolved")],
        method="filter_status",
        empty_label=None,
        label="Status",
        help_text="open (the default), resolved or all.",
    )

    class Meta:
        model = Gap
        fields = ["rule", "severity", "journey", "stage", "function", "status", "workflow_status"]

    @extend_schema_field(OpenApiTypes.INT)  # a function's id
    def filter_function(self, queryset, name, value):
        # A finding lists the names of its functions; names are unique per organization
        # (case-insensitively), and the quotes make "IT" not match "IT Security".
        return queryset.filter(finding__functions__icontains=f'"{value.name}"')

    def filter_status(self, queryset, name, value):
        return queryset  # applied in filter_queryset, so that no status still means "open"

    def filter_queryset(self, queryset):
        status = self.form.cleaned_data.get("status") or "open"
        queryset = super().filter_queryset(queryset)
        if status == "all":
            return queryset
        return queryset.filter(resolved_at__isnull=status == "open")


def gap_filter(request, organization) -> tuple[GapFilterSet, object]:
    """The gaps page's filters read from the request (open gaps unless `status` says otherwise),
    highest score first: the page and its CSV/XLSX export list the same gaps."""
    query = request.GET.copy()
    query.setdefault("status", "open")
    gaps = GapFilterSet(
        query,
        queryset=organization.gaps.select_related("journey", "assignee").order_by("-score", "rule", "id"),
        request=request,
    )
    return gaps, query


class AuditRunFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AuditRun.Status.choices)
    trigger = django_filters.ChoiceFilter(choices=AuditRun.Trigger.choices)

    class Meta:
        model = AuditRun
        fields = ["status", "trigger"]
