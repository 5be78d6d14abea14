"""The journeys pages: the list, the matrix editor (cells and structure) and the journey map.

Views are thin: they check the member's role, call the services and selectors, and render.
Reading needs the viewer role; every POST needs the editor role (a viewer's forged POST is 403).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxowner.orgs.models import Membership
from cxowner.views import form_errors, membership_for, render_org
from ownership.constants import parse_letters
from ownership.journey_matrix import JourneyMatrix, journey_matrix
from ownership.models import Role
from ownership.selectors import accountable_assignments
from ownership.services import (
    CellChange,
    StaleCells,
    assignment_confirm,
    assignment_role_set,
    cells_set,
    journey_owner_set,
)

from . import services
from .forms import (
    AccountableRoleForm,
    JourneyForm,
    MoveForm,
    OwnerForm,
    StageForm,
    TouchpointCreateForm,
    TouchpointForm,
)
from .selectors import journey_get, journeys_overview, stage_get, stages_of, touchpoint_get

EDITOR = Membership.Role.EDITOR
UNDO_KEY = "cxowner_undo"


def _errors_text(error: ValidationError) -> str:
    return " ".join(message for message in error.messages)


def _form_errors(form, error: ValidationError) -> None:
    name = form.cleaned_data.get("name", "") if hasattr(form, "cleaned_data") else ""
    form_errors(form, error, duplicate_name=f"“{name}” is already used in this journey.")


@login_required
@require_GET
def journey_list(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org)
    journeys = journeys_overview(organization=membership.organization)
    return render_org(request, membership, "journeys/journey_list.html", {"nav": "journeys", "journeys": journeys})


@login_required
@require_http_methods(["GET", "POST"])
def journey_create(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org, EDITOR)
    form = JourneyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            journey = services.journey_create(organization=membership.organization, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Journey “{journey.name}” created. Add its first stage.")
            return redirect("journeys:matrix", org=org, journey_id=journey.id)
    status = 400 if form.errors else 200
    return render_org(request, membership, "journeys/journey_form.html", {"nav": "journeys", "form": form}, status)


def _undo_for(request: HttpRequest, journey_id: int) -> dict | None:
    undo = request.session.get(UNDO_KEY)
    return undo if undo and undo.get("journey") == journey_id else None


def _matrix_page(
    request: HttpRequest, membership: Membership, matrix: JourneyMatrix, bound: dict | None = None, status: int = 200
) -> HttpResponse:
    """The editor page. `bound` holds a submitted form with errors: ("stage", id) → form."""
    bound = bound or {}
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
    journey = matrix.journey
    return render_org(
        request,
        membership,
        "journeys/matrix.html",
        {
            "nav": "journeys",
            "matrix": matrix,
            "journey": journey,
            "stages": stages,
            "stage_form": bound.get("stage") or StageForm(),
            "owner_form": bound.get("owner")
            or OwnerForm(roles=_owner_choices(matrix), initial={"owner": journey.owner_id, "version": journey.version}),
            "undo": _undo_for(request, journey.id),
            "function_names": {f.id: f.name for f in matrix.functions},
        },
        status,
    )


def _owner_choices(matrix: JourneyMatrix) -> list:
    functions = {f.id: f.name for f in matrix.functions}

    class Choice:
        def __init__(self, role):
            self.id = role.id
            holder = role.holder_name or "vacant"
            self.title = f"{role.title} · {functions.get(role.function_id, '')} ({holder})"

    return [Choice(role) for role in matrix.roles]


@login_required
@require_GET
def matrix(request: HttpRequest, org: str, journey_id: int) -> HttpResponse:
    membership = membership_for(request, org)
    journey = journey_get(organization=membership.organization, journey_id=journey_id)
    return _matrix_page(request, membership, journey_matrix(journey=journey))


@login_required
@require_GET
def journey_map(request: HttpRequest, org: str, journey_id: int) -> HttpResponse:
    membership = membership_for(request, org)
    journey = journey_get(organization=membership.organization, journey_id=journey_id)
    data = journey_matrix(journey=journey)
    return render_org(request, membership, "journeys/map.html", {"nav": "journeys", "matrix": data, "journey": journey})


# Cells ---------------------------------------------------------------------------------------


def _cell_response(
    request: HttpRequest,
    membership: Membership,
    journey,
    touchpoint_id: int,
    message: str = "",
    level: str = "ok",
    status: int = 200,
) -> HttpResponse:
    """The rows the change affects, and the pieces outside them (coverage, gaps, undo), each
    wrapped in a <template data-swap="id"> that static/js/matrix.js puts in place."""
    data = journey_matrix(journey=journey)
    return render_org(
        request,
        membership,
        "journeys/_cell_response.html",
        {
            "matrix": data,
            "journey": journey,
            "rows": data.rows_after_change(touchpoint_id),
            "message": message,
            "level": level,
            "undo": _undo_for(request, journey.id),
        },
        status,
    )


def _letters(value: str) -> frozenset[str]:
    return parse_letters(value or "")


@login_required
@require_POST
def cell_set(request: HttpRequest, org: str, journey_id: int) -> HttpResponse:
    """Set one cell's letters if it still holds what the page saw; 409 with the current value if not."""
    membership = membership_for(request, org, EDITOR)
    organization = membership.organization
    journey = journey_get(organization=organization, journey_id=journey_id)
    try:
        touchpoint = touchpoint_get(
            organization=organization, journey=journey, touchpoint_id=int(request.POST.get("touchpoint", ""))
        )
        function_id = int(request.POST.get("function", ""))
        letters, expected = _letters(request.POST.get("letters", "")), _letters(request.POST.get("expected", ""))
    except ValueError as error:
        return HttpResponse(f"Bad cell change: {error}", status=400, content_type="text/plain")
    try:
        cells_set(
            organization=organization,
            changes=[CellChange(touchpoint.id, function_id, letters, expected)],
        )
    except StaleCells as stale:
        now = "".join(x for x in "RACI" if x in stale.current.get((touchpoint.id, function_id), frozenset())) or "empty"
        return _cell_response(
            request,
            membership,
            journey,
            touchpoint.id,
            f"Not saved: someone else changed {touchpoint.name} since this page loaded. "
            f"The cell now holds {now}; it is shown below.",
            "error",
            409,
        )
    except ValidationError as error:
        return HttpResponse(_errors_text(error), status=400, content_type="text/plain")
    request.session[UNDO_KEY] = {
        "journey": journey.id,
        "touchpoint": touchpoint.id,
        "function": function_id,
        "before": "".join(sorted(expected)),
        "after": "".join(sorted(letters)),
        "label": touchpoint.name,
    }
    return _cell_response(request, membership, journey, touchpoint.id, f"Saved {touchpoint.name}.")


@login_required
@require_POST
def undo(request: HttpRequest, org: str, journey_id: int) -> HttpResponse:
    """Put back what the last change replaced, unless someone changed the cell since."""
    membership = membership_for(request, org, EDITOR)
    journey = journey_get(organization=membership.organization, journey_id=journey_id)
    last = _undo_for(request, journey.id)
    if last is None:
        return HttpResponse("There is nothing to undo.", status=400, content_type="text/plain")
    del request.session[UNDO_KEY]
    try:
        cells_set(
            organization=membership.organization,
            changes=[
                CellChange(last["touchpoint"], last["function"], frozenset(last["before"]), frozenset(last["after"]))
            ],
        )
    except StaleCells:
        return _cell_response(
            request,
            membership,
            journey,
            last["touchpoint"],
            f"Cannot undo: someone else changed {last['label']} since. The cell shows its current value.",
            "error",
            409,
        )
    except ValidationError as error:
        return HttpResponse(_errors_text(error), status=400, content_type="text/plain")
    return _cell_response(request, membership, journey, last["touchpoint"], f"Undone: {last['label']} is back.")


# Structure -----------------------------------------------------------------------------------


def _back(org: str, journey_id: int, anchor: str = "") -> HttpResponse:
    url = reverse("journeys:matrix", kwargs={"org": org, "journey_id": journey_id})
    return redirect(f"{url}#{anchor}" if anchor else url)


def _one_step(ordered_ids: list[int], moved_id: int, direction: str) -> int:
    """The 1-based position one place up or down from where `moved_id` stands now."""
    position = ordered_ids.index(moved_id) + 1
    return position - 1 if direction == "up" else position + 1


def _editor_journey(request: HttpRequest, org: str, journey_id: int):
    membership = membership_for(request, org, EDITOR)
    return membership, journey_get(organization=membership.organization, journey_id=journey_id)


def _with_errors(request, membership, journey, key, form) -> HttpResponse:
    return _matrix_page(request, membership, journey_matrix(journey=journey), {key: form}, status=400)


@login_required
@require_POST
def owner_set(request: HttpRequest, org: str, journey_id: int) -> HttpResponse:
    membership, journey = _editor_journey(request, org, journey_id)
    matrix_data = journey_matrix(journey=journey)
    form = OwnerForm(request.POST, roles=_owner_choices(matrix_data))
    if form.is_valid():
        owner_id = form.cleaned_data["owner"]
        owner = Role.objects.filter(organization=membership.organization, pk=owner_id).first() if owner_id else None
        try:
            journey_owner_set(journey=journey, owner=owner, version=form.cleaned_data["version"])
        except services.StaleVersion:
            messages.error(request, "Someone else changed this journey meanwhile; its owner is shown as it is now.")
            return _back(org, journey.id)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Journey manager: {owner.title if owner else 'nobody'}.")
            return _back(org, journey.id)
    return _with_errors(request, membership, journey, "owner", form)


@login_required
@require_POST
def stage_create(request: HttpRequest, org: str, journey_id: int) -> HttpResponse:
    membership, journey = _editor_journey(request, org, journey_id)
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            stage = services.stage_create(journey=journey, name=form.cleaned_data["name"])
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Stage “{stage.name}” added.")
            return _back(org, journey.id, f"stage-{stage.id}")
    return _with_errors(request, membership, journey, "stage", form)


@login_required
@require_POST
def stage_rename(request: HttpRequest, org: str, journey_id: int, stage_id: int) -> HttpResponse:
    membership, journey = _editor_journey(request, org, journey_id)
    stage = stage_get(organization=membership.organization, journey=journey, stage_id=stage_id)
    form = StageForm(request.POST, prefix=f"s{stage.id}")
    if form.is_valid():
        try:
            services.stage_update(
                stage=stage, version=form.cleaned_data["version"], name=form.cleaned_data["name"].strip()
            )
        except services.StaleVersion:
            messages.error(request, "Someone else changed this stage meanwhile; it is shown as it is now.")
            return _back(org, journey.id, f"stage-{stage.id}")
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Stage renamed to “{stage.name}”.")
            return _back(org, journey.id, f"stage-{stage.id}")
    return _with_errors(request, membership, journey, ("rename", stage.id), form)


@login_required
@require_POST
def stage_move(request: HttpRequest, org: str, journey_id: int, stage_id: int) -> HttpResponse:
    membership, journey = _editor_journey(request, org, journey_id)
    stage = stage_get(organization=membership.organization, journey=journey, stage_id=stage_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        ids = list(stages_of(journey=journey).values_list("id", flat=True))
        services.stage_move(stage=stage, position=_one_step(ids, stage.id, form.cleaned_data["direction"]))
    return _back(org, journey.id, f"stage-{stage.id}")


@login_required
@require_POST
def stage_delete(request: HttpRequest, org: str, journey_id: int, stage_id: int) -> HttpResponse:
    membership, journey = _editor_journey(request, org, journey_id)
    stage = stage_get(organization=membership.organization, journey=journey, stage_id=stage_id)
    services.stage_delete(stage=stage)
    messages.success(request, f"Stage “{stage.name}” deleted with its touchpoints.")
    return _back(org, journey.id)


@login_required
@require_POST
def touchpoint_create(request: HttpRequest, org: str, journey_id: int, stage_id: int) -> HttpResponse:
    membership, journey = _editor_journey(request, org, journey_id)
    stage = stage_get(organization=membership.organization, journey=journey, stage_id=stage_id)
    form = TouchpointCreateForm(request.POST, prefix=f"t{stage.id}")
    if form.is_valid():
        try:
            touchpoint = services.touchpoint_create(stage=stage, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Touchpoint “{touchpoint.name}” added.")
            return _back(org, journey.id, f"tp-{touchpoint.id}")
    return _with_errors(request, membership, journey, ("add", stage.id), form)


@login_required
@require_http_methods(["GET", "POST"])
def touchpoint_edit(request: HttpRequest, org: str, journey_id: int, touchpoint_id: int) -> HttpResponse:
    membership = membership_for(request, org, EDITOR if request.method == "POST" else Membership.Role.VIEWER)
    journey = journey_get(organization=membership.organization, journey_id=journey_id)
    touchpoint = touchpoint_get(organization=membership.organization, journey=journey, touchpoint_id=touchpoint_id)
    if not membership.can_edit:
        return redirect(
            reverse("journeys:matrix", kwargs={"org": org, "journey_id": journey.id}) + f"#tp-{touchpoint.id}"
        )
    form = TouchpointForm(request.POST or None, touchpoint=touchpoint)
    stale_message = ""
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        changes["name"] = changes["name"].strip()
        try:
            services.touchpoint_update(touchpoint=touchpoint, version=form.cleaned_data["version"], **changes)
        except services.StaleVersion as stale:
            stale_message = (
                f"Not saved: someone else changed “{stale.obj}” while you edited it. "
                "Its current values are shown below; apply your change again."
            )
            touchpoint = stale.obj
            form = TouchpointForm(None, touchpoint=touchpoint)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Touchpoint “{touchpoint.name}” saved.")
            return _back(org, journey.id, f"tp-{touchpoint.id}")
    status = 400 if request.method == "POST" else 200
    return _touchpoint_page(request, membership, journey, touchpoint, form=form, stale=stale_message, status=status)


def _touchpoint_page(request, membership, journey, touchpoint, *, form=None, stale="", role_forms=(), status=200):
    """The touchpoint's edit page: its fields, and the role carrying each A."""
    if form is None:
        form = TouchpointForm(None, touchpoint=touchpoint)
    bound = {role_form.assignment.pk: role_form for role_form in role_forms}
    assignments = accountable_assignments(touchpoint=touchpoint)
    roles = Role.objects.filter(function__in=[a.function_id for a in assignments]).order_by("title", "id")
    accountable = [
        bound.get(a.pk) or AccountableRoleForm(assignment=a, roles=[r for r in roles if r.function_id == a.function_id])
        for a in assignments
    ]
    context = {
        "nav": "journeys",
        "journey": journey,
        "touchpoint": touchpoint,
        "form": form,
        "stale": stale,
        "role_forms": accountable,
    }
    return render_org(request, membership, "journeys/touchpoint_form.html", context, status)


@login_required
@require_POST
def accountable_role(request: HttpRequest, org: str, journey_id: int, touchpoint_id: int, assignment_id: int):
    """Name the role that carries an A on the touchpoint (or none)."""
    membership, journey = _editor_journey(request, org, journey_id)
    touchpoint = touchpoint_get(organization=membership.organization, journey=journey, touchpoint_id=touchpoint_id)
    assignment = next((a for a in accountable_assignments(touchpoint=touchpoint) if a.pk == assignment_id), None)
    if assignment is None:
        messages.error(request, f"That letter is no longer an A on {touchpoint.name}.")
        return redirect("journeys:touchpoint_edit", org=org, journey_id=journey.id, touchpoint_id=touchpoint.id)
    roles = list(Role.objects.filter(function_id=assignment.function_id).order_by("title", "id"))
    form = AccountableRoleForm(request.POST, assignment=assignment, roles=roles)
    if form.is_valid():
        role = next((r for r in roles if r.pk == form.cleaned_data["role"]), None)
        try:
            assignment_role_set(assignment=assignment, role=role, version=form.cleaned_data["version"])
        except services.StaleVersion:
            messages.error(request, "Not saved: someone else changed this A meanwhile. Its current role is shown.")
            return redirect("journeys:touchpoint_edit", org=org, journey_id=journey.id, touchpoint_id=touchpoint.id)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            carried = f"{role.title} now carries" if role else "No named role carries"
            messages.success(request, f"{carried} {assignment.function.name}'s A on {touchpoint.name}.")
            return _back(org, journey.id, f"tp-{touchpoint.id}")
    return _touchpoint_page(request, membership, journey, touchpoint, role_forms=[form], status=400)


@login_required
@require_POST
def touchpoint_move(request: HttpRequest, org: str, journey_id: int, touchpoint_id: int) -> HttpResponse:
    membership, journey = _editor_journey(request, org, journey_id)
    touchpoint = touchpoint_get(organization=membership.organization, journey=journey, touchpoint_id=touchpoint_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        ids = list(touchpoint.stage.touchpoints.order_by("position", "id").values_list("id", flat=True))
        services.touchpoint_move(
            touchpoint=touchpoint, position=_one_step(ids, touchpoint.id, form.cleaned_data["direction"])
        )
    return _back(org, journey.id, f"tp-{touchpoint.id}")


@login_required
@require_POST
def touchpoint_delete(request: HttpRequest, org: str, journey_id: int, touchpoint_id: int) -> HttpResponse:
    membership, journey = _editor_journey(request, org, journey_id)
    touchpoint = touchpoint_get(organization=membership.organization, journey=journey, touchpoint_id=touchpoint_id)
    services.touchpoint_delete(touchpoint=touchpoint)
    messages.success(request, f"Touchpoint “{touchpoint.name}” deleted.")
    return _back(org, journey.id)


@login_required
@require_POST
def touchpoint_confirm(request: HttpRequest, org: str, journey_id: int, touchpoint_id: int) -> HttpResponse:
    """The owner confirms the touchpoint's accountability still holds: it is no longer stale."""
    membership, journey = _editor_journey(request, org, journey_id)
    touchpoint = touchpoint_get(organization=membership.organization, journey=journey, touchpoint_id=touchpoint_id)
    assignments = accountable_assignments(touchpoint=touchpoint)
    for assignment in assignments:
        assignment_confirm(assignment=assignment, user=request.user)
    if assignments:
        owners = ", ".join(a.function.name for a in assignments)
        messages.success(request, f"Confirmed: {owners} still accountable for {touchpoint.name}.")
    else:
        messages.error(request, f"Nobody is accountable for {touchpoint.name}: there is nothing to confirm.")
    return _back(org, journey.id, f"tp-{touchpoint.id}")
