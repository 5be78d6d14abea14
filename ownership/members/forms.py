"""Forms of the members and tokens pages."""

from django import forms

from cxowner.orgs.models import Membership, TokenScope
from ownership.models import Role


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail address", help_text="They receive a one-time link to join.")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.VIEWER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for (the HR sync, the BI tool …).")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.VIEWER)
    scope = forms.ChoiceField(
        choices=TokenScope.choices,
        initial=TokenScope.API,
        required=False,
        label="For",
        help_text="SCIM provisioning: for an identity provider (Entra ID, Okta); it opens nothing else.",
    )
    expires_at = forms.DateTimeField(
        required=False,
        label="Expires",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Empty: never.",
    )

    def clean_scope(self) -> str:
        return self.cleaned_data["scope"] or TokenScope.API


class ScimGroupForm(forms.Form):
    """How an admin maps an identity provider's group (ownership.provisioning.groups)."""

    role = forms.ChoiceField(choices=Membership.Role.choices, label="Membership role")
    holds = forms.ModelChoiceField(
        queryset=Role.objects.none(), required=False, label="Holds the role", empty_label="— no role —"
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this organization's roles are offered, and only they are accepted.
        self.fields["holds"].queryset = Role.objects.filter(organization=organization)
