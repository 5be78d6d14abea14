"""Managing functions and roles in the browser: rename, reorder, merge, delete; a role's holder.

A merge or a delete first shows its preview (ownership/structure/changes.py): the letters that
move or go, touchpoint by touchpoint, and the gaps it opens and closes. The confirmation names
the function's version and what the preview showed, so a change made meanwhile is refused and
shown again, never done blind.
"""

from __future__ import annotations

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from cxowner.orgs.errors import StaleVersion
from cxowner.orgs.forms import VersionForm
from cxowner.orgs.models import Membership
from cxowner.views import form_errors, form_write, org_object, org_view, render_org, write_and_say
from ownership.engine.vocabulary import rule_text
from ownership.models import Function, Role
from ownership.structure import services
from ownership.structure.changes import (
    FunctionPlan,
    PlanChanged,
    function_delete_plan,
    function_merge,
    function_merge_plan,
)
from ownership.structure.forms import (
    FunctionForm,
    FunctionMoveForm,
    FunctionRenameForm,
    MergeTargetForm,
    PlanConfirmForm,
    RoleEditForm,
    RoleForm,
)
from ownership.structure.selectors import functions_overview
from ownership.structure.services import function_create, role_create

EDITOR = Membership.Role.EDITOR


def _stale(stale: StaleVersion, name: str) -> str:
    return f"{stale.message(f'“{name}”')}; it is shown as it is now."


def _function(membership: Membership, function_id: int) -> Function:
    return org_object(membership, Function, function_id)


def _back(org: str, anchor: str = "") -> HttpResponse:
    return redirect(reverse("ownership:functions", kwargs={"org": org}) + (f"#{anchor}" if anchor else ""))


@org_view(EDITOR, "POST")
def function_rename(request: HttpRequest, membership: Membership, org: str, function_id: int) -> HttpResponse:
    function = _function(membership, function_id)
    form = FunctionRenameForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the function a name (at most 200 characters).")
        return _back(org, f"function-{function.pk}")
    previous, data = function.name, form.cleaned_data
    write_and_say(
        request,
        partial(services.function_update, function=function, version=data["version"], name=data["name"]),
        done=lambda renamed: f"“{previous}” is now called “{renamed.name}”, in every journey and gap.",
        stale_subject=f"“{previous}”",
    )
    return _back(org, f"function-{function.pk}")


@org_view(EDITOR, "POST")
def function_move(request: HttpRequest, membership: Membership, org: str, function_id: int) -> HttpResponse:
    function = _function(membership, function_id)
    form = FunctionMoveForm(request.POST)
    if form.is_valid():
        step = -1 if form.cleaned_data["direction"] == "up" else 1
        ordered = list(Function.objects.filter(organization=membership.organization).values_list("pk", flat=True))
        position = min(max(ordered.index(function.pk) + 1 + step, 1), len(ordered))
        try:
            services.function_update(function=function, version=form.cleaned_data["version"], position=position)
        except StaleVersion as stale:
            messages.error(request, _stale(stale, function.name))
        else:
            messages.success(request, f"“{function.name}” is now column {position} of the matrix.")
    return _back(org, f"function-{function.pk}")


def _preview(request, membership, plan: FunctionPlan, form=None, status: int = 200) -> HttpResponse:
    form = form or PlanConfirmForm(initial={"version": plan.function.version, "digest": plan.digest})
    opened = [(finding, rule_text(finding.rule)) for finding in plan.gaps.opened]
    closed = [(finding, rule_text(finding.rule)) for finding in plan.gaps.closed]
    context = {"nav": "functions", "plan": plan, "form": form, "opened": opened, "closed": closed}
    return render_org(request, membership, "ownership/function_preview.html", context, status)


def _confirmed(request, membership, function: Function, *, plan, change, again: str) -> HttpResponse | None:
    """Do a previewed delete or merge if the function and the preview are still as shown; None
    when it is done. Otherwise the answer: the preview with the form's errors (400), the new
    preview when it changed meanwhile (409), or back to `again` when the function itself did."""
    form = PlanConfirmForm(request.POST)
    if not form.is_valid():
        return _preview(request, membership, plan(), form, status=400)
    try:
        change(version=form.cleaned_data["version"], digest=form.cleaned_data["digest"])
    except StaleVersion as stale:
        messages.error(request, _stale(stale, function.name) + " Check the preview again.")
        return redirect(again)
    except PlanChanged as changed:
        messages.error(request, str(changed))
        return _preview(request, membership, changed.plan, status=409)
    return None


@org_view(EDITOR, "GET", "POST")
def function_delete(request: HttpRequest, membership: Membership, org: str, function_id: int) -> HttpResponse:
    """GET: what deleting the function does. POST: do it, if nothing changed since the preview."""
    function = _function(membership, function_id)
    plan = partial(function_delete_plan, function=function)
    if request.method == "GET":
        return _preview(request, membership, plan())
    again = reverse("ownership:function_delete", kwargs={"org": org, "function_id": function.pk})
    change = partial(services.function_delete, function=function)
    if refused := _confirmed(request, membership, function, plan=plan, change=change, again=again):
        return refused
    messages.success(request, f"Function “{function.name}” deleted with its letters and roles.")
    return _back(org)


@org_view(EDITOR, "GET", "POST")
def function_merge_view(request: HttpRequest, membership: Membership, org: str, function_id: int) -> HttpResponse:
    """GET ?into=: what merging into that function does. POST: do it, if unchanged since."""
    function = _function(membership, function_id)
    target_form = MergeTargetForm(request.GET if request.method == "GET" else request.POST, function=function)
    if not target_form.is_valid():
        messages.error(request, f"Choose the function that takes over the letters of “{function.name}”.")
        return _back(org, f"function-{function.pk}")
    target = target_form.cleaned_data["into"]
    plan = partial(function_merge_plan, function=function, target=target)
    if request.method == "GET":
        return _preview(request, membership, plan())
    preview = reverse("ownership:function_merge", kwargs={"org": org, "function_id": function.pk})
    again = f"{preview}?into={target.pk}"
    change = partial(function_merge, function=function, target=target)
    if refused := _confirmed(request, membership, function, plan=plan, change=change, again=again):
        return refused
    messages.success(request, f"“{function.name}” merged into “{target.name}”: its letters and roles moved there.")
    return _back(org, f"function-{target.pk}")


# Roles ---------------------------------------------------------------------------------------
def _role(membership: Membership, role_id: int) -> Role:
    return org_object(membership, Role.objects.select_related("function"), role_id)


@org_view(EDITOR, "GET", "POST")
def role_edit(request: HttpRequest, membership: Membership, org: str, role_id: int) -> HttpResponse:
    role = _role(membership, role_id)
    if request.method == "GET":
        initial = {
            "version": role.version,
            "title": role.title,
            "holder_member": role.holder_member_id,
            "holder_name": role.holder_name,
            "holder_email": role.holder_email,
        }
        form = RoleEditForm(initial=initial, role=role)
    else:
        form = RoleEditForm(request.POST, role=role)
        if form.is_valid():
            data, title = dict(form.cleaned_data), role.title
            try:
                role = services.role_update(role=role, version=data.pop("version"), **data)
            except StaleVersion as stale:
                messages.error(request, _stale(stale, title))
                return redirect("ownership:role_edit", org=org, role_id=role.pk)
            except ValidationError as error:
                form_errors(form, error)
                role = _role(membership, role_id)  # as stored, not as attempted
            else:
                holder = f"held by {role.holder_name}" if role.holder_name else "vacant"
                messages.success(request, f"Role “{role.title}” saved: {holder}.")
                return _back(org, f"function-{role.function_id}")
    context = {"nav": "functions", "role": role, "form": form}
    return render_org(request, membership, "ownership/role_edit.html", context, 400 if form.is_bound else 200)


@org_view(EDITOR, "POST")
def role_delete(request: HttpRequest, membership: Membership, org: str, role_id: int) -> HttpResponse:
    role = _role(membership, role_id)
    form = VersionForm(request.POST)
    try:
        services.role_delete(role=role, version=form.cleaned_data["version"] if form.is_valid() else None)
    except StaleVersion as stale:
        messages.error(request, _stale(stale, role.title) + " It was not deleted.")
        return redirect("ownership:role_edit", org=org, role_id=role.pk)
    messages.success(request, f"Role “{role.title}” deleted from {role.function.name}.")
    return _back(org, f"function-{role.function_id}")


# Functions and roles -------------------------------------------------------------------------
def _functions_page(request, membership, function_form=None, role_form=None, status=200) -> HttpResponse:
    organization = membership.organization
    return render_org(
        request,
        membership,
        "ownership/function_list.html",
        {
            "nav": "functions",
            "functions": functions_overview(organization=organization),
            "function_form": function_form or FunctionForm(),
            "role_form": role_form or RoleForm(organization=organization),
        },
        status,
    )


@org_view()
def function_list(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    return _functions_page(request, membership)


@org_view(EDITOR, "POST")
def function_add(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    form = FunctionForm(request.POST)
    function = form_write(form, lambda data: function_create(organization=membership.organization, name=data["name"]))
    if function is None:
        return _functions_page(request, membership, function_form=form, status=400)
    messages.success(request, f"Function “{function.name}” added as a new column of the matrix.")
    return redirect("ownership:functions", org=org)


@org_view(EDITOR, "POST")
def role_add(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    form = RoleForm(request.POST, organization=membership.organization)
    role = form_write(form, lambda data: role_create(**data))
    if role is None:
        return _functions_page(request, membership, role_form=form, status=400)
    messages.success(request, f"Role “{role.title}” added to {role.function.name}.")
    return redirect("ownership:functions", org=org)
