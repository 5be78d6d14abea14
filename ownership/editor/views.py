"""The matrix editor and the journey map: the page, its rows chunk by chunk, cells and undo.

The editor is the ownership side's page (it edits RACI letters), mounted under
/o/<org>/journeys/<id>/ with the journeys' URL names. Views are thin: they check the member's
role, call the services and the reads of journey_matrix.py, and render.
"""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.timezone import localtime

from cxowner.orgs.errors import StaleCells
from cxowner.orgs.models import Membership
from cxowner.views import org_view, render_org
from journeys.forms import StageForm, TouchpointCreateForm
from journeys.models import Journey
from journeys.selectors import journey_get, stage_get, touchpoint_get
from ownership.editor.batches import BatchAction, cell_edits_read, cells_batch_set
from ownership.editor.forms import OwnerForm
from ownership.editor.matrix import (
    CHUNK_ROWS,
    MAP_CARDS,
    ChangedRows,
    JourneyMatrix,
    RowFilter,
    journey_matrix,
    journey_summary,
    rows_after_cells_change,
    rows_after_change,
)
from ownership.editor.reverts import RevertRefused, letters_shown
from ownership.editor.rows import legend_badge
from ownership.editor.services import CellChange, cells_set
from ownership.editor.undo import NothingToStep, redo_step, undo_stacks, undo_step
from ownership.engine.constants import Rule, parse_letters
from ownership.engine.vocabulary import RULE_TEXT
from ownership.structure.selectors import WITH_JOURNEY_OWNER, journey_owner

# The rules a journey map card shows on its owner line; its other badges show the rest.
MAP_OWNER_RULES = (Rule.UNASSIGNED.value, Rule.NO_ACCOUNTABLE.value, Rule.MULTIPLE_ACCOUNTABLE.value)


EDITOR = Membership.Role.EDITOR


class OwnerChoice:
    """A journey-manager choice that says whose role it is and whether anyone holds it."""

    def __init__(self, role, functions: dict[int, str]):
        self.id = role.id
        holder = role.holder_name or "vacant"
        self.title = f"{role.title} · {functions.get(role.function_id, '')} ({holder})"


def owner_choices(matrix: JourneyMatrix) -> list[OwnerChoice]:
    functions = {f.id: f.name for f in matrix.functions}
    return [OwnerChoice(role, functions) for role in sorted(matrix.roles, key=lambda r: (r.title, r.id))]


def matrix_page(
    request: HttpRequest, membership: Membership, journey: Journey, bound: dict | None = None, status: int = 200
) -> HttpResponse:
    """The editor page. `bound` holds a submitted form with errors: ("rename", stage id) → form."""
    bound = bound or {}
    row_filter = RowFilter.from_params(request.GET)
    matrix = journey_matrix(journey=journey, row_filter=row_filter)
    owner = journey_owner(journey=journey)
    stages = [
        {
            "block": block,
            "rename_form": bound.get(("rename", block.stage.id))
            or StageForm(
                initial={"name": block.stage.name, "version": block.stage.version}, prefix=f"s{block.stage.id}"
            ),
            "add_form": bound.get(("add", block.stage.id)) or TouchpointCreateForm(prefix=f"t{block.stage.id}"),
        }
        for block in matrix.stages
    ]
    return render_org(
        request,
        membership,
        "journeys/matrix.html",
        {
            "nav": "journeys",
            "matrix": matrix,
            "summary": journey_summary(journey=journey),
            "journey": journey,
            "journey_owner": owner,
            "stages": stages,
            "row_filter": row_filter,
            "stage_form": bound.get("stage") or StageForm(),
            "owner_form": bound.get("owner")
            or OwnerForm(
                roles=owner_choices(matrix), initial={"owner": owner.pk if owner else None, "version": journey.version}
            ),
            "undo": undo_stacks(journey=journey, user=request.user) if membership.can_edit else None,
        },
        status,
    )


@org_view()
def matrix(request: HttpRequest, membership: Membership, org: str, journey_id: int) -> HttpResponse:
    journey = journey_get(organization=membership.organization, journey_id=journey_id, related=WITH_JOURNEY_OWNER)
    return matrix_page(request, membership, journey)


@org_view()
def matrix_rows(request: HttpRequest, membership: Membership, org: str, journey_id: int, stage_id: int) -> HttpResponse:
    """The next chunk of one stage's rows (same filter as the page), for the editor's scroll."""
    journey = journey_get(organization=membership.organization, journey_id=journey_id)
    stage = stage_get(organization=membership.organization, journey=journey, stage_id=stage_id)
    try:
        offset = max(0, int(request.GET.get("offset", "0")))
    except ValueError:
        return HttpResponse("offset must be a whole number.", status=400, content_type="text/plain")
    row_filter = RowFilter.from_params(request.GET)
    matrix = journey_matrix(journey=journey, row_filter=row_filter, budget=CHUNK_ROWS, stage_id=stage.id, offset=offset)
    block = matrix.stages[0]
    return render_org(
        request,
        membership,
        "journeys/_matrix_rows.html",
        {"matrix": matrix, "journey": journey, "block": block, "row_filter": row_filter},
    )


@org_view()
def journey_map(request: HttpRequest, membership: Membership, org: str, journey_id: int) -> HttpResponse:
    journey = journey_get(organization=membership.organization, journey_id=journey_id, related=WITH_JOURNEY_OWNER)
    data = journey_matrix(journey=journey, budget=None, per_stage=MAP_CARDS)
    return render_org(
        request,
        membership,
        "journeys/map.html",
        {
            "nav": "journeys",
            "matrix": data,
            "journey": journey,
            "journey_owner": journey_owner(journey=journey),
            "summary": journey_summary(journey=journey),
            "owner_rules": MAP_OWNER_RULES,
            "legend": [legend_badge(Rule(rule)) for rule in MAP_OWNER_RULES],
            "handoff_text": RULE_TEXT[Rule.HANDOFF_GAP],
        },
    )


# Rows changed elsewhere (docs/live.md) --------------------------------------------------------
LIVE_ROWS_MAX = 200


@org_view()
def matrix_live_rows(request: HttpRequest, membership: Membership, org: str, journey_id: int) -> HttpResponse:
    """GET ?touchpoints=1,2: the rows a change pushed to the page can have altered, and the
    journey's figures, in the pieces static/js/matrix.js puts in place; for viewers too."""
    journey = journey_get(organization=membership.organization, journey_id=journey_id)
    try:
        ids = {int(part) for part in request.GET.get("touchpoints", "").split(",") if part.strip()}
    except ValueError:
        return _text("touchpoints: whole numbers separated by commas.")
    if len(ids) > LIVE_ROWS_MAX:
        return _text(f"Ask for at most {LIVE_ROWS_MAX} touchpoints; reload the page for more.")
    if len(ids) == 1:
        # One touchpoint (a cell edit): by index, whatever the journey's size.
        touchpoint = touchpoint_get(organization=membership.organization, journey=journey, touchpoint_id=ids.pop())
        changed = rows_after_change(journey=journey, touchpoint=touchpoint)
    else:
        changed = rows_after_cells_change(journey=journey, touchpoint_ids=ids)
    context = {"matrix": changed, "summary": journey_summary(journey=journey), "journey": journey, "rows": changed.rows}
    return render_org(request, membership, "journeys/_live_rows.html", context)


# Cells ---------------------------------------------------------------------------------------
def _cell_response(
    request: HttpRequest,
    membership: Membership,
    journey: Journey,
    changed: ChangedRows,
    message: str = "",
    level: str = "ok",
    status: int = 200,
) -> HttpResponse:
    """The rows the change affects, and the pieces outside them (coverage, gaps, undo), each
    wrapped in a <template data-swap="id"> that static/js/matrix.js puts in place."""
    return render_org(
        request,
        membership,
        "journeys/_cell_response.html",
        {
            "matrix": changed,
            "summary": journey_summary(journey=journey),
            "journey": journey,
            "rows": changed.rows,
            "message": message,
            "level": level,
            "undo": undo_stacks(journey=journey, user=request.user),
        },
        status,
    )


def _text(message: str, status: int = 400) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain")


@org_view(EDITOR, "POST")
def cell_set(request: HttpRequest, membership: Membership, org: str, journey_id: int) -> HttpResponse:
    """Set one cell's letters if it still holds what the page saw; 409 with the current value if not."""
    organization = membership.organization
    journey = journey_get(organization=organization, journey_id=journey_id)
    try:
        touchpoint = touchpoint_get(
            organization=organization, journey=journey, touchpoint_id=int(request.POST.get("touchpoint", ""))
        )
        function_id = int(request.POST.get("function", ""))
        letters = parse_letters(request.POST.get("letters", "") or "")
        expected = parse_letters(request.POST.get("expected", "") or "")
    except ValueError as error:
        return _text(f"Bad cell change: {error}")
    try:
        cells_set(organization=organization, changes=[CellChange(touchpoint.id, function_id, letters, expected)])
    except StaleCells as stale:
        changed = rows_after_change(journey=journey, touchpoint=touchpoint)
        return _cell_response(
            request,
            membership,
            journey,
            changed,
            f"Not saved: {_cells_named(changed, stale)} since this page loaded. Your change was taken back.",
            "error",
            409,
        )
    except ValidationError as error:
        return _text(" ".join(error.messages))
    changed = rows_after_change(journey=journey, touchpoint=touchpoint)
    return _cell_response(request, membership, journey, changed, f"Saved {touchpoint.name}.")


@org_view(EDITOR, "POST")
def cells_batch(request: HttpRequest, membership: Membership, org: str, journey_id: int) -> HttpResponse:
    """Paste, fill down or clear many cells: one change set, all or nothing, each cell checked
    against what the page showed. JSON body: {"action": "paste", "cells": [...]}."""
    journey = journey_get(organization=membership.organization, journey_id=journey_id)
    try:
        body = json.loads(request.body or b"null")
        action = BatchAction(body.get("action") if isinstance(body, dict) else None)
        edits = cell_edits_read(body)
    except (ValueError, UnicodeDecodeError):
        return _text('Send JSON: {"action": "paste", "fill" or "clear", "cells": [...]}.')
    except ValidationError as error:
        return _text(" ".join(error.messages))
    touchpoint_ids = {edit.touchpoint_id for edit in edits}
    try:
        written = cells_batch_set(journey=journey, action=action, edits=edits)
    except StaleCells as stale:
        changed = rows_after_cells_change(journey=journey, touchpoint_ids=touchpoint_ids)
        return _cell_response(
            request,
            membership,
            journey,
            changed,
            f"Nothing saved: {_cells_named(changed, stale)} since this page loaded. The current letters are shown.",
            "error",
            409,
        )
    except ValidationError as error:
        return _text(f"Nothing saved. {' '.join(error.messages)}")
    changed = rows_after_cells_change(journey=journey, touchpoint_ids=touchpoint_ids)
    summary = written.change_set.summary if written.change_set else "Nothing to change"
    return _cell_response(request, membership, journey, changed, f"Saved: {summary.lower()}.")


def _cells_named(changed: ChangedRows, stale: StaleCells, limit: int = 5) -> str:
    """“alice changed Cashier × Finance at 2026-05-04 14:02 UTC (now A/C)” for the first few
    stale cells; “someone else changed …” where the history does not say who."""
    touchpoints = {row.touchpoint.id: row.touchpoint.name for row in changed.rows}
    functions = {function.id: function.name for function in changed.functions}
    named = []
    for (t, f), letters in sorted(stale.current.items()):
        cell = f"{touchpoints.get(t, '#' + str(t))} × {functions.get(f, '#' + str(f))}"
        now = letters_shown(letters)
        change = stale.changed.get((t, f))
        if change and change.at:
            who = change.by or "someone else"
            named.append(f"{who} changed {cell} at {localtime(change.at):%Y-%m-%d %H:%M %Z} (now {now})")
        else:
            named.append(f"someone else changed {cell} (now {now})")
    return "; ".join(named[:limit]) + (f" and {len(named) - limit} more" if len(named) > limit else "")


def _step(request: HttpRequest, membership: Membership, journey_id: int, *, redo: bool) -> HttpResponse:
    journey = journey_get(organization=membership.organization, journey_id=journey_id)
    word = "Redo" if redo else "Undo"
    try:
        done = (redo_step if redo else undo_step)(journey=journey, user=request.user)
    except NothingToStep as nothing:
        return _text(" ".join(nothing.messages))
    except RevertRefused as refused:
        changed = rows_after_cells_change(journey=journey, touchpoint_ids={c.touchpoint_id for c in refused.cells})
        message = f"Cannot {word.lower()}: {refused.message} Nothing was changed."
        return _cell_response(request, membership, journey, changed, message, "error", 409)
    cells = done.plan.cells
    changed = rows_after_cells_change(journey=journey, touchpoint_ids={c.touchpoint_id for c in cells})
    what = cells[0].subject if len(cells) == 1 else f"{len(cells)} cells"
    message = f"{'Redone' if redo else 'Undone'}: {what} {'changed again' if redo else 'put back'}."
    return _cell_response(request, membership, journey, changed, message)


@org_view(EDITOR, "POST")
def undo(request: HttpRequest, membership: Membership, org: str, journey_id: int) -> HttpResponse:
    """Put back the member's last change in this journey, unless someone changed its cells since."""
    return _step(request, membership, journey_id, redo=False)


@org_view(EDITOR, "POST")
def redo(request: HttpRequest, membership: Membership, org: str, journey_id: int) -> HttpResponse:
    """Make again the change the member last undid in this journey."""
    return _step(request, membership, journey_id, redo=True)
