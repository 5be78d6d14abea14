"""The matrix editor's structure: the journey manager, stages and touchpoints, and the role
carrying each A. Each POST redirects back to the editor, or shows it again with the form's
errors (400). Reading needs the viewer role; every POST needs the editor role."""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from cxowner.orgs.errors import StaleVersion
from cxowner.orgs.models import Membership
from cxowner.views import form_errors, form_write, org_view, render_org
from journeys import services as journey_services
from journeys.forms import (
    DUPLICATE_NAME,
    AccountableRoleForm,
    MoveForm,
    StageForm,
    TouchpointCreateForm,
    TouchpointForm,
)
from journeys.selectors import journey_get, stage_get, stages_of, touchpoint_get
from ownership.editor.forms import OwnerForm
from ownership.editor.services import assignment_confirm, assignment_role_set
from ownership.editor.views import EDITOR, OwnerChoice, matrix_page
from ownership.gaps.selectors import accountable_assignments
from ownership.models import Role
from ownership.structure.services import journey_owner_set


def _form_errors(form, error: ValidationError) -> None:
    name = form.cleaned_data.get("name", "") if hasattr(form, "cleaned_data") else ""
    form_errors(form, error, duplicate_name=DUPLICATE_NAME.replace("{name}", name))


def _back(org: str, journey_id: int, anchor: str = "") -> HttpResponse:
    url = reverse("journeys:matrix", kwargs={"org": org, "journey_id": journey_id})
    return redirect(f"{url}#{anchor}" if anchor else url)


def _move_one_step(request: HttpRequest, ordered: QuerySet, moved_id: int, move) -> None:
    """move(position=…) to the 1-based place one up or down (as posted) from where `moved_id`
    stands now among `ordered` (read only when the post names a direction; when it names none,
    nothing moves)."""
    form = MoveForm(request.POST)
    if form.is_valid():
        position = list(ordered.values_list("id", flat=True)).index(moved_id) + 1
        move(position=position - 1 if form.cleaned_data["direction"] == "up" else position + 1)


def _journey(membership: Membership, journey_id: int):
    return journey_get(organization=membership.organization, journey_id=journey_id)


def _stage(membership: Membership, journey_id: int, stage_id: int):
    journey = _journey(membership, journey_id)
    return journey, stage_get(organization=membership.organization, journey=journey, stage_id=stage_id)


def _touchpoint(membership: Membership, journey_id: int, touchpoint_id: int):
    journey = _journey(membership, journey_id)
    return journey, touchpoint_get(organization=membership.organization, journey=journey, touchpoint_id=touchpoint_id)


def _with_errors(request, membership, journey, key, form) -> HttpResponse:
    return matrix_page(request, membership, journey, {key: form}, status=400)


@org_view(EDITOR, "POST")
def owner_set(request: HttpRequest, membership: Membership, org: str, journey_id: int) -> HttpResponse:
    journey = _journey(membership, journey_id)
    organization = membership.organization
    roles = list(Role.objects.filter(organization=organization).select_related("function").order_by("title", "id"))
    functions = {role.function_id: role.function.name for role in roles}
    form = OwnerForm(request.POST, roles=[OwnerChoice(role, functions) for role in roles])
    if form.is_valid():
        owner_id = form.cleaned_data["owner"]
        owner = next((role for role in roles if role.pk == owner_id), None)
        try:
            journey_owner_set(journey=journey, owner=owner, version=form.cleaned_data["version"])
        except StaleVersion as stale:
            messages.error(request, f"{stale.message('This journey')}; its owner is shown as it is now.")
            return _back(org, journey.id)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Journey manager: {owner.title if owner else 'nobody'}.")
            return _back(org, journey.id)
    return _with_errors(request, membership, journey, "owner", form)


@org_view(EDITOR, "POST")
def stage_create(request: HttpRequest, membership: Membership, org: str, journey_id: int) -> HttpResponse:
    journey = _journey(membership, journey_id)
    form = StageForm(request.POST)
    stage = form_write(
        form,
        lambda data: journey_services.stage_create(journey=journey, name=data["name"]),
        duplicate_name=DUPLICATE_NAME,
    )
    if stage is None:
        return _with_errors(request, membership, journey, "stage", form)
    messages.success(request, f"Stage “{stage.name}” added.")
    return _back(org, journey.id, f"stage-{stage.id}")


@org_view(EDITOR, "POST")
def stage_rename(
    request: HttpRequest, membership: Membership, org: str, journey_id: int, stage_id: int
) -> HttpResponse:
    journey, stage = _stage(membership, journey_id, stage_id)
    form = StageForm(request.POST, prefix=f"s{stage.id}")
    if form.is_valid():
        try:
            journey_services.stage_update(
                stage=stage, version=form.cleaned_data["version"], name=form.cleaned_data["name"].strip()
            )
        except StaleVersion as stale:
            messages.error(request, f"{stale.message('This stage')}; it is shown as it is now.")
            return _back(org, journey.id, f"stage-{stage.id}")
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Stage renamed to “{stage.name}”.")
            return _back(org, journey.id, f"stage-{stage.id}")
    return _with_errors(request, membership, journey, ("rename", stage.id), form)


@org_view(EDITOR, "POST")
def stage_move(request: HttpRequest, membership: Membership, org: str, journey_id: int, stage_id: int) -> HttpResponse:
    journey, stage = _stage(membership, journey_id, stage_id)
    _move_one_step(request, stages_of(journey=journey), stage.id, partial(journey_services.stage_move, stage=stage))
    return _back(org, journey.id, f"stage-{stage.id}")


@org_view(EDITOR, "POST")
def stage_delete(
    request: HttpRequest, membership: Membership, org: str, journey_id: int, stage_id: int
) -> HttpResponse:
    journey, stage = _stage(membership, journey_id, stage_id)
    journey_services.stage_delete(stage=stage)
    messages.success(request, f"Stage “{stage.name}” deleted with its touchpoints.")
    return _back(org, journey.id)


@org_view(EDITOR, "POST")
def touchpoint_create(
    request: HttpRequest, membership: Membership, org: str, journey_id: int, stage_id: int
) -> HttpResponse:
    journey, stage = _stage(membership, journey_id, stage_id)
    form = TouchpointCreateForm(request.POST, prefix=f"t{stage.id}")
    touchpoint = form_write(
        form, lambda data: journey_services.touchpoint_create(stage=stage, **data), duplicate_name=DUPLICATE_NAME
    )
    if touchpoint is None:
        return _with_errors(request, membership, journey, ("add", stage.id), form)
    messages.success(request, f"Touchpoint “{touchpoint.name}” added.")
    return _back(org, journey.id, f"tp-{touchpoint.id}")


@org_view({"GET": Membership.Role.VIEWER, "POST": EDITOR})
def touchpoint_edit(
    request: HttpRequest, membership: Membership, org: str, journey_id: int, touchpoint_id: int
) -> HttpResponse:
    journey, touchpoint = _touchpoint(membership, journey_id, touchpoint_id)
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
            journey_services.touchpoint_update(touchpoint=touchpoint, version=form.cleaned_data["version"], **changes)
        except StaleVersion as stale:
            stale_message = (
                f"Not saved: {stale.message(f'“{stale.obj}”')}. "
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


@org_view(EDITOR, "POST")
def accountable_role(
    request: HttpRequest, membership: Membership, org: str, journey_id: int, touchpoint_id: int, assignment_id: int
):
    """Name the role that carries an A on the touchpoint (or none)."""
    journey, touchpoint = _touchpoint(membership, journey_id, touchpoint_id)
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
        except StaleVersion as stale:
            messages.error(request, f"Not saved: {stale.message('this A')}. Its current role is shown.")
            return redirect("journeys:touchpoint_edit", org=org, journey_id=journey.id, touchpoint_id=touchpoint.id)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            carried = f"{role.title} now carries" if role else "No named role carries"
            messages.success(request, f"{carried} {assignment.function.name}'s A on {touchpoint.name}.")
            return _back(org, journey.id, f"tp-{touchpoint.id}")
    return _touchpoint_page(request, membership, journey, touchpoint, role_forms=[form], status=400)


@org_view(EDITOR, "POST")
def touchpoint_move(
    request: HttpRequest, membership: Membership, org: str, journey_id: int, touchpoint_id: int
) -> HttpResponse:
    journey, touchpoint = _touchpoint(membership, journey_id, touchpoint_id)
    siblings = touchpoint.stage.touchpoints.order_by("position", "id")
    _move_one_step(request, siblings, touchpoint.id, partial(journey_services.touchpoint_move, touchpoint=touchpoint))
    return _back(org, journey.id, f"tp-{touchpoint.id}")


@org_view(EDITOR, "POST")
def touchpoint_delete(
    request: HttpRequest, membership: Membership, org: str, journey_id: int, touchpoint_id: int
) -> HttpResponse:
    journey, touchpoint = _touchpoint(membership, journey_id, touchpoint_id)
    journey_services.touchpoint_delete(touchpoint=touchpoint)
    messages.success(request, f"Touchpoint “{touchpoint.name}” deleted.")
    return _back(org, journey.id)


@org_view(EDITOR, "POST")
def touchpoint_confirm(
    request: HttpRequest, membership: Membership, org: str, journey_id: int, touchpoint_id: int
) -> HttpResponse:
    """The owner confirms the touchpoint's accountability still holds: it is no longer stale."""
    journey, touchpoint = _touchpoint(membership, journey_id, touchpoint_id)
    assignments = accountable_assignments(touchpoint=touchpoint)
    for assignment in assignments:
        assignment_confirm(assignment=assignment, user=request.user)
    if assignments:
        owners = ", ".join(a.function.name for a in assignments)
        messages.success(request, f"Confirmed: {owners} still accountable for {touchpoint.name}.")
    else:
        messages.error(request, f"Nobody is accountable for {touchpoint.name}: there is nothing to confirm.")
    return _back(org, journey.id, f"tp-{touchpoint.id}")
