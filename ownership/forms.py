"""Forms of the ownership pages."""

from django import forms
from django.conf import settings

from cxowner.orgs.models import Membership

from .models import Function


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


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail address", help_text="They receive a one-time link to join.")
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
