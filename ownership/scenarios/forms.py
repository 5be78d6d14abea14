"""Forms of the what-if pages: a scenario's name and one step, chosen among the functions and roles
of the scenario's matrix."""

from __future__ import annotations

from django import forms

from ownership.engine.snapshot import OrgSnapshot
from ownership.engine.whatif import MergeFunctions, MoveLetters, Operation, RemoveFunction, SetRoleHolder

STEP_KINDS = [
    ("", "Nothing yet — I will edit cells"),
    (MergeFunctions.kind, "Merge a function into another"),
    (RemoveFunction.kind, "Remove a function"),
    (SetRoleHolder.kind, "A role's holder leaves or is replaced"),
    (MoveLetters.kind, "Move all of a function's letters to another"),
]


class StepForm(forms.Form):
    """One step of a scenario, chosen among the functions and roles of the scenario's matrix."""

    kind = forms.ChoiceField(label="What if", choices=STEP_KINDS, required=False)
    source = forms.TypedChoiceField(label="Function", coerce=int, required=False, empty_value=None)
    target = forms.TypedChoiceField(
        label="Into / to function", coerce=int, required=False, empty_value=None, help_text="For a merge or a move."
    )
    role = forms.TypedChoiceField(label="Role", coerce=int, required=False, empty_value=None)
    holder_name = forms.CharField(
        label="New holder",
        max_length=200,
        required=False,
        help_text="Leave empty: the holder leaves, the role is vacant.",
    )

    def __init__(self, *args, snapshot: OrgSnapshot, step_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        functions = [("", "—")] + [(f.id, f.name) for f in sorted(snapshot.functions, key=lambda f: f.name.lower())]
        self.fields["source"].choices = functions
        self.fields["target"].choices = functions
        self.fields["role"].choices = [("", "—")] + [
            (r.id, f"{r.title} ({snapshot.function_by_id[r.function_id].name}) · {r.holder_name or 'vacant'}")
            for r in sorted(snapshot.roles, key=lambda r: r.title.lower())
        ]
        if step_required:
            self.fields["kind"].choices = STEP_KINDS[1:]
            self.fields["kind"].required = True

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        needs = {
            MergeFunctions.kind: ("source", "target"),
            MoveLetters.kind: ("source", "target"),
            RemoveFunction.kind: ("source",),
            SetRoleHolder.kind: ("role",),
        }.get(kind, ())
        for name in needs:
            if data.get(name) is None:
                self.add_error(name, "Choose one for this step.")
        return data

    def operation(self) -> Operation | None:
        data = self.cleaned_data
        match data.get("kind"):
            case MergeFunctions.kind:
                return MergeFunctions(data["source"], data["target"])
            case MoveLetters.kind:
                return MoveLetters(data["source"], data["target"])
            case RemoveFunction.kind:
                return RemoveFunction(data["source"])
            case SetRoleHolder.kind:
                return SetRoleHolder(data["role"], data["holder_name"].strip())
        return None


class ScenarioForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=200,
        required=False,
        help_text="Leave empty to name it after its first step, e.g. “Merge Marketing into Sales”.",
    )
