"""django-filter FilterSets for stages and touchpoints (shared by the API and the browser).

Journeys are filtered by their manager, which is ownership's: see ownership/api/journeys.py.
"""

import django_filters

from cxowner.orgs.api.base import IdFilter
from journeys.models import Stage, Touchpoint

LETTER_CHOICES = [(letter, letter) for letter in ("R", "A", "C", "I")]


class StageFilterSet(django_filters.FilterSet):
    journey = IdFilter(field_name="journey_id")

    class Meta:
        model = Stage
        fields = ["journey"]


class TouchpointFilterSet(django_filters.FilterSet):
    """`function` and `letter` together mean "this function holds this letter here"."""

    journey = IdFilter(field_name="journey_id")
    stage = IdFilter(field_name="stage_id")
    function = IdFilter(method="filter_letters", help_text="Touchpoints where it holds a letter.")
    letter = django_filters.ChoiceFilter(choices=LETTER_CHOICES, method="filter_letters")
    out_of_scope = django_filters.BooleanFilter()
    importance = IdFilter(field_name="importance", max_value=5)

    class Meta:
        model = Touchpoint
        fields = ["journey", "stage", "function", "letter", "out_of_scope", "importance"]

    def filter_letters(self, queryset, name, value):
        # Applied once for both fields, so that function and letter match the same assignment.
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        held = {
            key: self.form.cleaned_data.get(key)
            for key in ("function", "letter")
            if self.form.cleaned_data.get(key) not in (None, "")
        }
        if held:
            assignments = Touchpoint._meta.get_field("assignments").related_model.objects.filter(
                **{"function_id" if key == "function" else key: value for key, value in held.items()}
            )
            queryset = queryset.filter(id__in=assignments.values("touchpoint_id"))
        return queryset
