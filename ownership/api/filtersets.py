"""django-filter FilterSets for roles, assignments, audit runs and gaps."""

import django_filters

from cxowner.orgs.api.base import IdFilter
from ownership.constants import LETTERS, Rule, Severity
from ownership.models import Assignment, AuditRun, Gap, Role


class RoleFilterSet(django_filters.FilterSet):
    function = IdFilter(field_name="function_id")
    vacant = django_filters.BooleanFilter(method="filter_vacant")

    class Meta:
        model = Role
        fields = ["function", "vacant"]

    def filter_vacant(self, queryset, name, value):
        return queryset.filter(holder_name="") if value else queryset.exclude(holder_name="")


class AssignmentFilterSet(django_filters.FilterSet):
    journey = IdFilter(field_name="touchpoint__journey_id")
    stage = IdFilter(field_name="touchpoint__stage_id")
    touchpoint = IdFilter(field_name="touchpoint_id")
    function = IdFilter(field_name="function_id")
    role = IdFilter(field_name="role_id")
    letter = django_filters.ChoiceFilter(choices=[(letter, letter) for letter in LETTERS])
    confirmed = django_filters.BooleanFilter(field_name="confirmed_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Assignment
        fields = ["journey", "stage", "touchpoint", "function", "role", "letter", "confirmed"]


class AuditRunFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AuditRun.Status.choices)
    trigger = django_filters.ChoiceFilter(choices=AuditRun.Trigger.choices)

    class Meta:
        model = AuditRun
        fields = ["status", "trigger"]


class GapFilterSet(django_filters.FilterSet):
    """Open gaps unless `status` says otherwise: the current gaps are what integrations want."""

    journey = IdFilter(field_name="journey_id")
    rule = django_filters.ChoiceFilter(choices=[(rule.value, rule.value) for rule in Rule])
    severity = django_filters.ChoiceFilter(choices=[(s.value, s.value) for s in Severity])
    status = django_filters.ChoiceFilter(
        choices=[("open", "open"), ("resolved", "resolved"), ("all", "all")],
        method="filter_status",
        empty_label=None,
        help_text="open (the default), resolved or all.",
    )

    class Meta:
        model = Gap
        fields = ["journey", "rule", "severity", "status"]

    def filter_status(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        status = self.form.cleaned_data.get("status") or "open"
        queryset = super().filter_queryset(queryset)
        if status == "open":
            return queryset.filter(resolved_at__isnull=True)
        if status == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return queryset
