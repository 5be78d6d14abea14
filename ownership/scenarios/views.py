"""The what-if pages: the scenarios of an organization, and one scenario beside today
(its matrix, journey by journey, is cell_views.py).

Views are thin: every change goes through ownership.scenarios.services with the version the page
showed, and the comparison is ownership.scenarios.state.scenario_state — the same rules as the audit.
Viewers read; editors draw, edit, apply and discard.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from cxowner.orgs.errors import StaleVersion
from cxowner.orgs.forms import VersionForm
from cxowner.orgs.models import Membership
from cxowner.views import org_object, org_view, render_org
from ownership.engine.constants import Rule, Severity, format_letters
from ownership.engine.vocabulary import SEVERITY_TEXT, rule_text
from ownership.engine.whatif import (
    operation_describe,
)
from ownership.gaps.snapshots import snapshot_load
from ownership.models import Scenario
from ownership.scenarios import services as scenarios
from ownership.scenarios.conflicts import ScenarioStale
from ownership.scenarios.forms import ScenarioForm, StepForm
from ownership.scenarios.state import scenario_state

EDITOR = Membership.Role.EDITOR


CELLS_SHOWN = 200


def _scenario(membership: Membership, scenario_id: int) -> Scenario:
    rows = Scenario.objects.select_related("organization", "created_by")
    return org_object(membership, rows, scenario_id)


def _refusal(request: HttpRequest, error: Exception) -> None:
    if isinstance(error, StaleVersion):
        messages.error(request, f"{error.message('This scenario')}; it is shown as it is now.")
    elif isinstance(error, ValidationError):
        messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, str(error))


_REFUSALS = (StaleVersion, ValidationError, scenarios.ScenarioClosed, ScenarioStale)


@org_view()
def scenario_list(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    return _list_page(request, membership)


def _list_page(request, membership, name_form=None, step_form=None, status=200) -> HttpResponse:
    organization = membership.organization
    context = {"nav": "scenarios", "scenarios": scenarios.scenario_list(organization=organization, status=None)}
    if membership.can_edit:
        snapshot = snapshot_load(organization=organization)
        context["name_form"] = name_form or ScenarioForm()
        context["step_form"] = step_form or StepForm(snapshot=snapshot, auto_id="new_%s")
    return render_org(request, membership, "ownership/scenario_list.html", context, status=status)


@org_view(EDITOR, "POST")
def scenario_create(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
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


@org_view()
def scenario_detail(request: HttpRequest, membership: Membership, org: str, scenario_id: int) -> HttpResponse:
    scenario = _scenario(membership, scenario_id)
    if scenario.status == Scenario.Status.APPLIED:
        # Its matrix is today's (or was, until later changes): what it did is its change set.
        steps = [row.description for row in scenario.operations.all()]
        context = {"nav": "scenarios", "scenario": scenario, "steps": steps}
        return render_org(request, membership, "ownership/scenario_applied.html", context)
    state = scenario_state(scenario=scenario)
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
        "measures": _measures(state.figures),
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
                "before": format_letters(cell.before),
                "after": format_letters(cell.after),
            }
            for cell in comparison.cells[:CELLS_SHOWN]
        ],
        "cells_shown": CELLS_SHOWN,
        "journeys": state.live.journeys,
        "skipped": [{"position": s.index + 1, "step": state.steps[s.index], "reason": s.reason} for s in state.skipped],
        "is_draft": scenario.status == Scenario.Status.DRAFT,
    }
    if membership.can_edit and context["is_draft"]:
        # "Apply…" asks once on the page: what changes and the gaps it opens and closes, then a red button.
        context["confirm_apply"] = request.GET.get("confirm") == "apply" and not state.stale
        context["step_form"] = StepForm(snapshot=state.replayed.snapshot, step_required=True)
        context["version_form"] = VersionForm(initial={"version": scenario.version}, auto_id=False)
    return render_org(request, membership, "ownership/scenario_detail.html", context)


def _change_text(before: int, after: int, *, unit: str = "", more_is_better: bool = False) -> tuple[str, str]:
    """The change in words and its direction (better / worse), so colour is never the only signal."""
    if after == before:
        return "", ""
    better = (after > before) == more_is_better
    return f"{'▲ +' if after > before else '▼ −'}{abs(after - before)}{unit}", "better" if better else "worse"


def _measure(
    key: str, before: int | None, after: int | None, *, label: str = "", severity=None, percent: bool = False
) -> dict:
    """One row of the side-by-side table; more coverage is better, more gaps worse. A coverage
    with nothing in scope has no figure: "—", and no change to speak of."""
    if before is None or after is None:
        change, direction = "", ""
    else:
        change, direction = _change_text(before, after, unit=" points" if percent else "", more_is_better=percent)
    suffix = "%" if percent else ""
    return {
        "key": key,
        "label": label,
        "severity": severity,
        "before": "—" if before is None else f"{before}{suffix}",
        "after": "—" if after is None else f"{after}{suffix}",
        "change": change,
        "direction": direction,
    }


def _measures(figures) -> list[dict]:
    """Coverage, the open gaps by severity and the accepted risks, today (the figures every page
    shows) and with the scenario."""
    before, after = figures.before, figures.after
    return [
        _measure("coverage", before.coverage.percent, after.coverage.percent, label="Coverage", percent=True),
        _measure("gaps", before.gaps.total, after.gaps.total, label="Open gaps"),
        *(
            _measure(s.value, before.gaps.by_severity[s], after.gaps.by_severity[s], severity=SEVERITY_TEXT[s])
            for s in Severity
        ),
        _measure("accepted", before.gaps.accepted_risks, after.gaps.accepted_risks, label="Accepted risks"),
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


def _change(
    request: HttpRequest, membership: Membership, org: str, scenario_id: int, form_class, change, done: str
) -> HttpResponse:
    """Run one change from a posted form; refusals become messages on the scenario's page."""
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


@org_view(EDITOR, "POST")
def scenario_step_add(request: HttpRequest, membership: Membership, org: str, scenario_id: int) -> HttpResponse:
    scenario = _scenario(membership, scenario_id)
    state = scenario_state(scenario=scenario)
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


@org_view(EDITOR, "POST")
def scenario_step_remove(
    request: HttpRequest, membership: Membership, org: str, scenario_id: int, position: int
) -> HttpResponse:
    def change(scenario, data):
        return scenarios.scenario_operation_remove(scenario=scenario, position=position, version=data["version"])

    return _change(request, membership, org, scenario_id, VersionForm, change, f"Step {position} taken out.")


@org_view(EDITOR, "POST")
def scenario_apply(request: HttpRequest, membership: Membership, org: str, scenario_id: int) -> HttpResponse:
    def change(scenario, data):
        return scenarios.scenario_apply(scenario=scenario, version=data["version"])

    return _change(
        request, membership, org, scenario_id, VersionForm, change, "Applied: the live matrix is now this scenario's."
    )


@org_view(EDITOR, "POST")
def scenario_rebase(request: HttpRequest, membership: Membership, org: str, scenario_id: int) -> HttpResponse:
    def change(scenario, data):
        return scenarios.scenario_rebase(scenario=scenario, version=data["version"])

    def done(rebased) -> str:
        if not rebased.dropped:
            return "Rebased on today's matrix; every step still applies. Check the comparison, then apply."
        return "Rebased on today's matrix. Steps that no longer apply were dropped: " + "; ".join(rebased.dropped)

    return _change(request, membership, org, scenario_id, VersionForm, change, done)


@org_view(EDITOR, "POST")
def scenario_discard(request: HttpRequest, membership: Membership, org: str, scenario_id: int) -> HttpResponse:
    def change(scenario, data):
        return scenarios.scenario_discard(scenario=scenario, version=data["version"])

    return _change(
        request, membership, org, scenario_id, VersionForm, change, "Discarded: the live matrix is unchanged."
    )
