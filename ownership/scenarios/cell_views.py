"""A scenario's matrix, one journey at a time: every cell editable while the scenario is a draft;
saving adds one "set cells" step. Viewers read it; editors save."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from cxowner.orgs.forms import VersionForm
from cxowner.orgs.models import Membership
from cxowner.views import org_view, render_org
from ownership.engine.constants import LETTERS, format_letters, parse_letters
from ownership.engine.whatif import SetCells, cells_of
from ownership.models import Scenario
from ownership.scenarios import services as scenarios
from ownership.scenarios.state import scenario_state
from ownership.scenarios.views import _REFUSALS, EDITOR, _refusal, _scenario

# The scenario matrix page edits one journey at a time; beyond this many rows, use the API.
CELL_EDIT_ROWS = 300


@org_view({"GET": Membership.Role.VIEWER, "POST": EDITOR})
def scenario_cells(
    request: HttpRequest, membership: Membership, org: str, scenario_id: int, journey_id: int
) -> HttpResponse:
    """The scenario's matrix of one journey, every cell editable; saving adds one "set cells" step."""
    scenario = _scenario(membership, scenario_id)
    state = scenario_state(scenario=scenario)
    matrix = state.replayed.snapshot
    if journey_id not in matrix.journey_by_id:
        return redirect("scenarios:detail", org, scenario.pk)
    rows = [t for t in matrix.touchpoints if t.journey_id == journey_id][:CELL_EDIT_ROWS]
    letters = cells_of(matrix)
    errors: list[str] = []
    if request.method == "POST":
        wanted, errors = _posted_cells(request.POST, rows, matrix.functions, letters)
        version = VersionForm(request.POST)
        if not version.is_valid():
            messages.error(request, "The page was out of date; it is shown as it is now.")
            return redirect("scenarios:cells", org, scenario.pk, journey_id)
        if not errors:
            _cells_step_add(request, scenario, wanted, version.cleaned_data["version"])
            return redirect("scenarios:detail", org, scenario.pk)
    context = {
        "nav": "scenarios",
        "scenario": scenario,
        "journey": matrix.journey_by_id[journey_id],
        "functions": matrix.functions,
        "grid": _grid(rows, matrix.functions, letters, cells_of(state.live), typed=request.POST if errors else None),
        "errors": errors,
        "truncated": len(rows) == CELL_EDIT_ROWS,
        "row_limit": CELL_EDIT_ROWS,
        "is_draft": scenario.status == Scenario.Status.DRAFT,
        "can_edit_cells": membership.can_edit and scenario.status == Scenario.Status.DRAFT,
    }
    return render_org(request, membership, "ownership/scenario_cells.html", context, status=400 if errors else 200)


def _cells_step_add(request: HttpRequest, scenario: Scenario, wanted: list[tuple[int, int, str]], version: int) -> None:
    """Add the changed cells as one "set cells" step, and say how it went; no change adds nothing."""
    if not wanted:
        messages.info(request, "No cell changed; nothing was added.")
        return
    try:
        scenarios.scenario_operation_add(scenario=scenario, operation=SetCells(tuple(wanted)), version=version)
    except _REFUSALS as error:
        _refusal(request, error)
    else:
        messages.success(request, f"Added: set {len(wanted)} cell{'s' if len(wanted) != 1 else ''}.")


def _grid(rows, functions, letters, live, *, typed=None) -> list[dict]:
    """The rows of the page's grid: each cell's letters (after a refusal, what the person typed,
    not what was stored) and whether the scenario changed it from today's."""

    def shown(t, f) -> str:
        if typed is not None:
            return typed.get(f"cell-{t.id}-{f.id}", "")
        return format_letters(letters.get((t.id, f.id), ()))

    return [
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
