"""django-filter FilterSets for roles, assignments and audit runs (gaps: ownership/gaps/filtersets.py)."""

import django_filters

from cxowner.orgs.api.base import IdFilter
from ownership.engine.constants import LETTERS
from ownership.models import Assignment


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
