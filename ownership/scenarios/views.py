"""The what-if pages: the scenarios of an organization, one scenario beside today, its matrix.

Views are thin: every change goes through ownership.scenarios.services with the version the page
showed, and the comparison is ownership.scenarios.services.scenario_state — the same rules as the audit.
Viewers read; editors draw, edit, apply and discard.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxowner.orgs.errors import StaleVersion
from cxowner.orgs.forms import VersionForm
from cxowner.orgs.models import Membership
from cxowner.views import membership_for, render_org
from ownership.engine.constants import LETTERS, Rule, parse_letters
from ownership.engine.snapshot import OrgSnapshot
from ownership.engine.vocabulary import SEVERITY_TEXT, rule_text
from ownership.engine.whatif import (
    MergeFunctions,
    MoveLetters,
    Operation,
    RemoveFunction,
    SetCells,
    SetRoleHolder,
    cells_of,
    operation_describe,
)
from ownership.gaps.snapshots import snapshot_load
from ownership.models import Scenario
from ownership.scenarios import services as scenarios

EDITOR = Membership.Role.EDITOR


# The scenario matrix page edits one journey at a time; beyond this many rows, use the API.
CELL_EDIT_ROWS = 300


CELLS_SHOWN = 200


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


class ApplyForm(VersionForm):
    base_matrix_version = forms.IntegerField(widget=forms.HiddenInput)


def _scenario(membership: Membership, scenario_id: int) -> Scenario:
    rows = Scenario.objects.select_related("organization", "created_by")
    return get_object_or_404(rows, organization=membership.organization, pk=scenario_id)


def _refusal(request: HttpRequest, error: Exception) -> None:
    if isinstance(error, StaleVersion):
        messages.error(request, f"{error.message('This scenario')}; it is shown as it is now.")
    elif isinstance(error, ValidationError):
        messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, str(error))


_REFUSALS = (StaleVersion, ValidationError, scenarios.ScenarioClosed, scenarios.ScenarioStale)


@login_required
@require_GET
def scenario_list(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org)
    return _list_page(request, membership)


def _list_page(request, membership, name_form=None, step_form=None, status=200) -> HttpResponse:
    organization = membership.organization
    context = {"nav": "scenarios", "scenarios": scenarios.scenario_list(organization=organization, status=None)}
    if membership.can_edit:
        snapshot = snapshot_load(organization=organization)
        context["name_form"] = name_form or ScenarioForm()
        context["step_form"] = step_form or StepForm(snapshot=snapshot, auto_id="new_%s")
    return render_org(request, membership, "ownership/scenario_list.html", context, status=status)


@login_required
@require_POST
def scenario_create(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org, EDITOR)
    organization = membership.organization
    live = snapshot_load(organization=organization)
    name_form = ScenarioForm(request.POST)
    step_form = StepForm(request.POST, snapshot=live, auto_id="new_%s")
    if not (name_form.is_valid() and step_form.is_valid()):
        return _list_page(request, membership, name_form, step_form, status=400)
    operation = step_form.operation()
    name = name_form.cleaned_data["name"] or (operation_describe(live, operation) if operation else "")
    try:
        scenario = scenarios.scenario_create(
            organization=organization, name=name, created_by=request.user, operations=[operation] if operation else []
        )
    except ValidationError as error:
        name_form.add_error(None, " ".join(error.messages))
        return _list_page(request, membership, name_form, step_form, status=400)
    return redirect("scenarios:detail", org, scenario.pk)


@login_required
@require_GET
def scenario_detail(request: HttpRequest, org: str, scenario_id: int) -> HttpResponse:
    membership = membership_for(request, org)
    scenario = _scenario(membership, scenario_id)
    if scenario.status == Scenario.Status.APPLIED:
        # Its matrix is today's (or was, until later changes): what it did is its change set.
        steps = [row.description for row in scenario.operations.all()]
        context = {"nav": "scenarios", "scenario": scenario, "steps": steps}
        return render_org(request, membership, "ownership/scenario_applied.html", context)
    state = scenarios.scenario_state(scenario=scenario)
    comparison = state.comparison
    names = {f.id: f.name for f in (*state.live.functions, *state.replayed.snapshot.functions)}
    touchpoints = {t.id: t for t in state.live.touchpoints}
    journeys = {j.id: j.name for j in state.live.journeys}
    context = {
        "nav": "scenarios",
        "scenario": scenario,
        "state": state,
        "comparison": comparison,
        "closed": _gap_rows(comparison.closed),
        "opened": _gap_rows(comparison.opened),
        "measures": _measures(comparison),
        "loads": [_load_row(load) for load in comparison.loads],
        "bottleneck_title": rule_text(Rule.ACCOUNTABILITY_BOTTLENECK).title,
        "bottleneck_share": f"{state.live.settings.bottleneck_share:.0%}",
        "bottleneck_min": state.live.settings.bottleneck_min_touchpoints,
        "in_scope_after": len(state.replayed.snapshot.in_scope),
        "cells": [
            {
                "journey": journeys[touchpoints[cell.touchpoint_id].journey_id],
                "touchpoint": touchpoints[cell.touchpoint_id].name,
                "function": names.get(cell.function_id, ""),
                "before": _letters(cell.before),
                "after": _letters(cell.after),
            }
            for cell in comparison.cells[:CELLS_SHOWN]
        ],
        "cells_shown": CELLS_SHOWN,
        "journeys": state.live.journeys,
        "skipped": [{"position": s.index + 1, "step": state.steps[s.index], "reason": s.reason} for s in state.skipped],
        "is_draft": scenario.status == Scenario.Status.DRAFT,
    }
    if membership.can_edit and context["is_draft"]:
        context["step_form"] = StepForm(snapshot=state.replayed.snapshot, step_required=True)
        context["version_form"] = VersionForm(initial={"version": scenario.version}, auto_id=False)
        context["apply_form"] = ApplyForm(
            initial={"version": scenario.version, "base_matrix_version": state.matrix_version}, auto_id=False
        )
    return render_org(request, membership, "ownership/scenario_detail.html", context)


def _change_text(before: int, after: int, *, unit: str = "", more_is_better: bool = False) -> tuple[str, str]:
    """The change in words and its direction (better / worse), so colour is never the only signal."""
    if after == before:
        return "", ""
    better = (after > before) == more_is_better
    return f"{'▲ +' if after > before else '▼ −'}{abs(after - before)}{unit}", "better" if better else "worse"


def _measure(key: str, before: int, after: int, *, label: str = "", severity=None, percent: bool = False) -> dict:
    """One row of the side-by-side table; more coverage is better, more gaps worse."""
    change, direction = _change_text(before, after, unit=" points" if percent else "", more_is_better=percent)
    suffix = "%" if percent else ""
    return {
        "key": key,
        "label": label,
        "severity": severity,
        "before": f"{before}{suffix}",
        "after": f"{after}{suffix}",
        "change": change,
        "direction": direction,
    }


def _measures(comparison) -> list[dict]:
    """Coverage and the gaps by severity, today and with the scenario."""
    before, after = comparison.severities_before, comparison.severities_after
    return [
        _measure(
            "coverage",
            round(comparison.coverage_before * 100),
            round(comparison.coverage_after * 100),
            label="Coverage",
            percent=True,
        ),
        _measure("gaps", sum(before.values()), sum(after.values()), label="Gaps"),
        *(_measure(s.value, before[s], after[s], severity=SEVERITY_TEXT[s]) for s in before),
    ]


def _load_row(load) -> dict:
    change, direction = _change_text(load.before or 0, load.after or 0)
    return {
        "name": load.name,
        "before": "—" if load.before is None else load.before,
        "after": "gone" if load.after is None else load.after,
        "change": change,
        "direction": direction,
        "opens": load.opens_bottleneck,
        "closes": load.bottleneck_before and not load.bottleneck_after,
        "stays": load.bottleneck_before and load.bottleneck_after,
    }


def _gap_rows(findings) -> list[dict]:
    return [{"finding": finding, "text": rule_text(finding.rule)} for finding in findings]


def _letters(letters) -> str:
    return "/".join(letter for letter in LETTERS if letter in letters)


def _change(request: HttpRequest, org: str, scenario_id: int, form_class, change, done: str) -> HttpResponse:
    """Run one change from a posted form; refusals become messages on the scenario's page."""
    membership = membership_for(request, org, EDITOR)
    scenario = _scenario(membership, scenario_id)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, "The page was out of date; it is shown as it is now.")
        return redirect("scenarios:detail", org, scenario.pk)
    try:
        result = change(scenario, form.cleaned_data)
    except _REFUSALS as error:
        _refusal(request, error)
    else:
        messages.success(request, done if isinstance(done, str) else done(result))
    return redirect("scenarios:detail", org, scenario.pk)


@login_required
@require_POST
def scenario_step_add(request: HttpRequest, org: str, scenario_id: int) -> HttpResponse:
    membership = membership_for(request, org, EDITOR)
    scenario = _scenario(membership, scenario_id)
    state = scenarios.scenario_state(scenario=scenario)
    form = StepForm(request.POST, snapshot=state.replayed.snapshot, step_required=True)
    version = VersionForm(request.POST)
    if not (form.is_valid() and version.is_valid()):
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else "This step"
            messages.error(request, f"{label}: {' '.join(errors)}")
        return redirect("scenarios:detail", org, scenario.pk)
    operation = form.operation()
    try:
        scenarios.scenario_operation_add(
            scenario=scenario, operation=operation, version=version.cleaned_data["version"]
        )
    except _REFUSALS as error:
        _refusal(request, error)
    else:
        messages.success(request, f"Added: {operation_describe(state.replayed.snapshot, operation)}.")
    return redirect("scenarios:detail", org, scenario.pk)


@login_required
@require_POST
def scenario_step_remove(request: HttpRequest, org: str, scenario_id: int, position: int) -> HttpResponse:
    def change(scenario, data):
        return scenarios.scenario_operation_remove(scenario=scenario, position=position, version=data["version"])

    return _change(request, org, scenario_id, VersionForm, change, f"Step {position} taken out.")


@login_required
@require_POST
def scenario_apply(request: HttpRequest, org: str, scenario_id: int) -> HttpResponse:
    def change(scenario, data):
        return scenarios.scenario_apply(
            scenario=scenario, base_matrix_version=data["base_matrix_version"], version=data["version"]
        )

    return _change(request, org, scenario_id, ApplyForm, change, "Applied: the live matrix is now this scenario's.")


@login_required
@require_POST
def scenario_rebase(request: HttpRequest, org: str, scenario_id: int) -> HttpResponse:
    def change(scenario, data):
        return scenarios.scenario_rebase(scenario=scenario, version=data["version"])

    def done(rebased) -> str:
        if not rebased.dropped:
            return "Rebased on today's matrix; every step still applies. Check the comparison, then apply."
        return "Rebased on today's matrix. Steps that no longer apply were dropped: " + "; ".join(rebased.dropped)

    return _change(request, org, scenario_id, VersionForm, change, done)


@login_required
@require_POST
def scenario_discard(request: HttpRequest, org: str, scenario_id: int) -> HttpResponse:
    def change(scenario, data):
        return scenarios.scenario_discard(scenario=scenario, version=data["version"])

    return _change(request, org, scenario_id, VersionForm, change, "Discarded: the live matrix is unchanged.")


@login_required
@require_http_methods(["GET", "POST"])
def scenario_cells(request: HttpRequest, org: str, scenario_id: int, journey_id: int) -> HttpResponse:
    """The scenario's matrix of one journey, every cell editable; saving adds one "set cells" step."""
    membership = membership_for(request, org, EDITOR if request.method == "POST" else Membership.Role.VIEWER)
    scenario = _scenario(membership, scenario_id)
    state = scenarios.scenario_state(scenario=scenario)
    matrix = state.replayed.snapshot
    if journey_id not in matrix.journey_by_id:
        return redirect("scenarios:detail", org, scenario.pk)
    rows = [t for t in matrix.touchpoints if t.journey_id == journey_id][:CELL_EDIT_ROWS]
    functions = matrix.functions
    letters = cells_of(matrix)
    errors: list[str] = []
    if request.method == "POST":
        wanted, errors = _posted_cells(request.POST, rows, functions, letters)
        version = VersionForm(request.POST)
        if not version.is_valid():
            messages.error(request, "The page was out of date; it is shown as it is now.")
            return redirect("scenarios:cells", org, scenario.pk, journey_id)
        if not errors and not wanted:
            messages.info(request, "No cell changed; nothing was added.")
            return redirect("scenarios:detail", org, scenario.pk)
        if not errors:
            try:
                scenarios.scenario_operation_add(
                    scenario=scenario, operation=SetCells(tuple(wanted)), version=version.cleaned_data["version"]
                )
            except _REFUSALS as error:
                _refusal(request, error)
            else:
                messages.success(request, f"Added: set {len(wanted)} cell{'s' if len(wanted) != 1 else ''}.")
            return redirect("scenarios:detail", org, scenario.pk)
    live = cells_of(state.live)

    def shown(t, f) -> str:
        # After a refusal the page shows what the person typed, not what was stored.
        return request.POST.get(f"cell-{t.id}-{f.id}", "") if errors else _letters(letters.get((t.id, f.id), ()))

    grid = [
        {
            "touchpoint": t,
            "cells": [
                {
                    "name": f"cell-{t.id}-{f.id}",
                    "label": f"{f.name} on {t.name}",
                    "value": shown(t, f),
                    "changed": letters.get((t.id, f.id), frozenset()) != live.get((t.id, f.id), frozenset()),
                }
                for f in functions
            ],
        }
        for t in rows
    ]
    context = {
        "nav": "scenarios",
        "scenario": scenario,
        "journey": matrix.journey_by_id[journey_id],
        "functions": functions,
        "grid": grid,
        "errors": errors,
        "truncated": len(rows) == CELL_EDIT_ROWS,
        "row_limit": CELL_EDIT_ROWS,
        "is_draft": scenario.status == Scenario.Status.DRAFT,
        "can_edit_cells": membership.can_edit and scenario.status == Scenario.Status.DRAFT,
    }
    return render_org(request, membership, "ownership/scenario_cells.html", context, status=400 if errors else 200)


def _posted_cells(post, rows, functions, letters) -> tuple[list[tuple[int, int, str]], list[str]]:
    wanted, errors = [], []
    for t in rows:
        for f in functions:
            name = f"cell-{t.id}-{f.id}"
            if name not in post:
                continue
            try:
                value = parse_letters(post[name])
            except ValueError as error:
                errors.append(f"{f.name} on {t.name}: {error}.")
                continue
            if value != letters.get((t.id, f.id), frozenset()):
                wanted.append((t.id, f.id, "".join(x for x in LETTERS if x in value)))
    return wanted, errors
