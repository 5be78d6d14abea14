"""Forms of the matrix editor's structure: journeys, stages and touchpoints."""

from django import forms

from cxowner.orgs.forms import VersionField

from .models import Stage, Touchpoint

# What a page says when a service refuses a name already taken ("{name}": the name typed).
DUPLICATE_NAME = "“{name}” is already used in this journey."


class JourneyForm(forms.Form):
    name = forms.CharField(max_length=200, label="Journey name")
    persona = forms.CharField(max_length=200, required=False, help_text="The customer segment, if any.")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class StageForm(forms.Form):
    name = forms.CharField(max_length=200, label="Stage name")
    version = VersionField(required=False)


class TouchpointCreateForm(forms.Form):
    name = forms.CharField(max_length=200, label="Touchpoint name")
    channel = forms.CharField(max_length=100, required=False)
    importance = forms.TypedChoiceField(
        choices=[(i, str(i)) for i in range(1, 6)], coerce=int, initial=3, help_text="1 (minor) to 5 (critical)."
    )


class TouchpointForm(forms.Form):
    name = forms.CharField(max_length=200)
    stage = forms.ModelChoiceField(queryset=Stage.objects.none(), empty_label=None)
    channel = forms.CharField(max_length=100, required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    importance = forms.TypedChoiceField(
        choices=[(i, str(i)) for i in range(1, 6)], coerce=int, help_text="1 (minor) to 5 (critical)."
    )
    out_of_scope = forms.BooleanField(required=False, label="Out of scope", help_text="Someone else runs it.")
    out_of_scope_reason = forms.CharField(
        max_length=500, required=False, label="Reason", help_text="Why it is out of scope (e.g. run by the landlord)."
    )
    version = VersionField()

    def __init__(self, *args, touchpoint: Touchpoint, **kwargs):
        # The form starts from the touchpoint as it is, version included.
        kwargs.setdefault("initial", {name: getattr(touchpoint, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = Stage.objects.filter(journey_id=touchpoint.journey_id).order_by("position")
        # Stages of one journey: the stage's own name is the label (its __str__ names the journey).
        self.fields["stage"].label_from_instance = lambda stage: stage.name

    def clean(self):
        data = super().clean()
        if data.get("out_of_scope") and not (data.get("out_of_scope_reason") or "").strip():
            self.add_error("out_of_scope_reason", "Say why it is out of scope, so nobody mistakes it for a gap.")
        return data


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])


class AccountableRoleForm(forms.Form):
    """Which role of the accountable function carries the A (a vacant one is a finding)."""

    role = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    version = VersionField()

    def __init__(self, *args, assignment, roles, **kwargs):
        kwargs.setdefault("prefix", f"a{assignment.pk}")
        kwargs.setdefault("initial", {"role": assignment.role_id, "version": assignment.version})
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        field = self.fields["role"]
        field.label = f"Role carrying {assignment.function.name}'s A"
        field.choices = [
            ("", "— no named role —"),
            *((role.id, f"{role.title} ({role.holder_name or 'vacant'})") for role in roles),
        ]
