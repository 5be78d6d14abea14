"""Forms of the matrix editor's pages."""

from django import forms

from cxowner.orgs.forms import VersionField


class OwnerForm(forms.Form):
    """The journey manager of the matrix editor: one of `roles` (id and title), or nobody."""

    owner = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Journey manager")
    version = VersionField(required=False)

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "— nobody —"), *((role.id, role.title) for role in roles)]
