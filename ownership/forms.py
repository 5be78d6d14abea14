"""Forms and the gap filter of the ownership pages."""

import django_filters
from django import forms
from django.conf import settings

from cxowner.orgs.models import Membership
from journeys.models import Journey

from .constants import Rule, Severity
from .models import Function, Gap


class GapFilter(django_filters.FilterSet):
    """The gaps list's filters: rule, severity, journey, function, open or resolved."""

    rule = django_filters.ChoiceFilter(
        choices=[(r.value, r.value.replace("_", " ")) for r in Rule], empty_label="Any rule"
    )
    severity = django_filters.ChoiceFilter(choices=[(s.value, s.value) for s in Severity], empty_label="Any severity")
    journey = django_filters.ModelChoiceFilter(queryset=Journey.objects.none(), empty_label="Any journey")
    function = django_filters.ModelChoiceFilter(
        queryset=Function.objects.none(), method="filter_function", empty_label="Any function", label="Function"
    )
    status = django_filters.ChoiceFilter(
        choices=[("open", "Open"), ("resolved", "Resolved")],
        method="filter_status",
        empty_label="Open and resolved",
        label="Status",
    )

    class Meta:
        model = Gap
        fields = ["rule", "severity", "journey", "function", "status"]

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["journey"].queryset = Journey.objects.filter(organization=organization).order_by("position")
        self.filters["function"].queryset = Function.objects.filter(organization=organization).order_by("position")

    def filter_function(self, queryset, name, value):
        # A finding lists the names of its functions; names are unique per organization
        # (case-insensitively), and the quotes make "IT" not match "IT Security".
        return queryset.filter(finding__functions__icontains=f'"{value.name}"')

    def filter_status(self, queryset, name, value):
        return queryset.filter(resolved_at__isnull=value == "open")


class FunctionForm(forms.Form):
    name = forms.CharField(max_length=200, label="Function name")


class RoleForm(forms.Form):
    function = forms.ModelChoiceField(queryset=Function.objects.none(), empty_label=None)
    title = forms.CharField(max_length=200)
    holder_name = forms.CharField(
        max_length=200, required=False, label="Held by", help_text="Empty: the role is vacant."
    )
    holder_email = forms.EmailField(required=False, label="Holder's e-mail")

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["function"].queryset = Function.objects.filter(organization=organization).order_by("position")


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Matrix file (CSV or XLSX)", help_text="One row per touchpoint; one column per function."
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.MATRIX_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(f"The file is {upload.size:,} bytes; the limit is {limit:,}.")
        return upload


class MemberAddForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.VIEWER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for (the HR sync, the BI tool …).")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.VIEWER)
    expires_at = forms.DateTimeField(
        required=False,
        label="Expires",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Empty: never.",
    )
