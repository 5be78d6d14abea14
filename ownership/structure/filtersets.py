"""API filters of roles."""

import django_filters

from cxowner.orgs.api.base import IdFilter
from ownership.models import Role


class RoleFilterSet(django_filters.FilterSet):
    function = IdFilter(field_name="function_id")
    vacant = django_filters.BooleanFilter(method="filter_vacant")

    class Meta:
        model = Role
        fields = ["function", "vacant"]

    def filter_vacant(self, queryset, name, value):
        return queryset.filter(holder_name="") if value else queryset.exclude(holder_name="")
