"""The gap filters, one FilterSet for the browser's gaps page and the API's gap list alike."""

import django_filters
from django.db.models import Case, F, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Concat, Lower
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


# ?ordering= names -> what each sorts by; "-name" reverses. Every column of the gaps list sorts.
_SEVERITY_RANK = Case(
    When(severity=Severity.ERROR.value, then=Value(0)),
    When(severity=Severity.WARNING.value, then=Value(1)),
    default=Value(2),
)
_ASSIGNEE_NAME = Case(
    When(assignee__isnull=True, then=Value(None)),
    When(assignee__first_name="", assignee__last_name="", then=Lower("assignee__username")),
    default=Lower(Concat("assignee__first_name", Value(" "), "assignee__last_name")),
)
GAP_SORTS = {
    "score": ("Score", [F("score")]),
    "severity": ("Severity, worst first", [_SEVERITY_RANK]),
    "rule": ("Rule", [F("rule")]),
    "gap": ("Gap (its message)", [Lower(KT("finding__message"))]),
    "journey": ("Journey", [Lower("journey__name")]),
    "functions": ("Functions", [Lower(KT("finding__functions"))]),
    "first_seen_at": ("Since", [F("first_seen_at")]),
    "workflow_status": ("Decision", [F("workflow_status")]),
    "assignee": ("Assigned to", [_ASSIGNEE_NAME]),
    "due_on": ("Due", [F("due_on")]),
    "resolved_at": ("Resolved", [F("resolved_at")]),
    "id": ("Id", [F("id")]),
}


class GapOrdering(django_filters.OrderingFilter):
    """`?ordering=journey,-score`: any of GAP_SORTS; empty values sort last either way, and the
    score (highest first) then the id break ties, so that pages never overlap."""

    def __init__(self, **kwargs):
        super().__init__(fields={name: name for name in GAP_SORTS}, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        order = []
        for param in value:
            descending = param.startswith("-")
            for expression in GAP_SORTS[param.lstrip("-")][1]:
                order.append(expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True))
        return qs.order_by(*order, "-score", "id")


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
    ordering = GapOrdering(
        label="Sort by",
        empty_label="Highest score first",
        help_text="A column, or -column for the reverse: " + ", ".join(GAP_SORTS) + ". Highest score first by default.",
    )

    class Meta:
        model = Gap
        fields = ["rule", "severity", "journey", "stage", "function", "status", "workflow_status", "ordering"]

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
        queryset=organization.gaps.select_related("journey", "assignee", "touchpoint__stage").order_by(
            "-score", "rule", "id"
        ),
        request=request,
    )
    return gaps, query


class AuditRunFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AuditRun.Status.choices)
    trigger = django_filters.ChoiceFilter(choices=AuditRun.Trigger.choices)

    class Meta:
        model = AuditRun
        fields = ["status", "trigger"]
