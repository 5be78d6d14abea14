"""Forms of managing functions and roles in the browser: each write names the version it read."""

from django import forms

from cxowner.orgs.forms import VersionForm
from cxowner.orgs.models import Membership
from cxowner.orgs.selectors import members_of
from ownership.models import Function


class FunctionRenameForm(VersionForm):
    name = forms.CharField(max_length=200, label="New name")


class FunctionMoveForm(VersionForm):
    direction = forms.ChoiceField(choices=[("up", "Left"), ("down", "Right")])


class PlanConfirmForm(VersionForm):
    """The confirmation of a previewed merge or delete: the version and what the preview showed."""

    digest = forms.CharField(max_length=64, widget=forms.HiddenInput)


class MergeTargetForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=Function.objects.none(), label="Merge into", empty_label="Choose a function…"
    )

    def __init__(self, *args, function: Function, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = (
            Function.objects.filter(organization_id=function.organization_id)
            .exclude(pk=function.pk)
            .order_by("position")
        )


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, membership: Membership) -> str:
        user = membership.user
        full_name = user.get_full_name()
        return f"{full_name} ({user.get_username()})" if full_name else user.get_username()


def holder_member_field(label: str) -> MemberChoiceField:
    """The member who holds a role, if one does; the form offers its organization's members."""
    return MemberChoiceField(
        queryset=Membership.objects.none(),
        required=False,
        label=label,
        empty_label="Not a member of cxowner",
        help_text="Their name and e-mail fill in unless you type others.",
    )


class RoleEditForm(VersionForm):
    title = forms.CharField(max_length=200)
    holder_member = holder_member_field("Held by a member")
    holder_name = forms.CharField(
        max_length=200, required=False, label="Held by", help_text="Empty (and no member): the role is vacant."
    )
    holder_email = forms.EmailField(required=False, label="Holder's e-mail")

    def __init__(self, *args, role, **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role
        self.fields["holder_member"].queryset = members_of(organization_id=role.organization_id)

    def clean(self):
        cleaned = super().clean()
        # Choosing another member with the previous holder's name and e-mail still in the
        # fields means "this member now": their own name and e-mail fill in.
        chosen = cleaned.get("holder_member")
        if chosen is not None and chosen != self.role.holder_member:
            for name in ("holder_name", "holder_email"):
                if cleaned.get(name, "") == getattr(self.role, name):
                    cleaned[name] = ""
        return cleaned


class FunctionForm(forms.Form):
    name = forms.CharField(max_length=200, label="Function name")


class RoleForm(forms.Form):
    function = forms.ModelChoiceField(queryset=Function.objects.none(), empty_label=None)
    title = forms.CharField(max_length=200)
    holder_name = forms.CharField(
        max_length=200, required=False, label="Held by", help_text="Empty: the role is vacant."
    )
    holder_email = forms.EmailField(required=False, label="Holder's e-mail")
    holder_member = holder_member_field("Or held by a member")

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["function"].queryset = Function.objects.filter(organization=organization).order_by("position")
        self.fields["holder_member"].queryset = members_of(organization_id=organization.pk)
