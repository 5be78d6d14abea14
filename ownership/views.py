"""The ownership pages: gaps, functions and roles, audit history, import/export, members and tokens.

Views are thin: they check the member's role, call services and selectors, and render.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from cxowner.orgs import services as org_services
from cxowner.orgs.models import ApiToken, Membership
from cxowner.views import form_errors, membership_for, render_org
from journeys.selectors import journey_get

from .filtersets import GapFilterSet
from .forms import FunctionForm, ImportForm, MemberAddForm, MemberRoleForm, RoleForm, TokenForm
from .heartbeat import worker_last_seen, worker_seen_recently
from .imports import matrix_export, matrix_import_file
from .matrixfile import MatrixFileInvalid
from .models import AuditRun
from .selectors import audit_history, functions_overview, rule_title, touchpoint_locator
from .services import function_create, role_create
from .tasks import audit_request_now

EDITOR, ADMIN = Membership.Role.EDITOR, Membership.Role.ADMIN
GAPS_PER_PAGE = 50
# An uploaded file waits this long between its preview and the confirmation.
PENDING_IMPORT_SECONDS = 3600
PENDING_IMPORT_KEY = "cxowner_pending_import"


# Gaps ----------------------------------------------------------------------------------------


@login_required
@require_GET
def gap_list(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org)
    organization = membership.organization
    query = request.GET.copy()
    query.setdefault("status", "open")
    gaps = GapFilterSet(
        query, queryset=organization.gaps.select_related("journey").order_by("-score", "rule", "id"), request=request
    )
    page = Paginator(gaps.qs, GAPS_PER_PAGE).get_page(request.GET.get("page"))
    locate = touchpoint_locator(organization) if page.object_list else {}
    rows = []
    for gap in page.object_list:
        names = gap.finding.get("touchpoints") or []
        located = locate.get((gap.journey_id, names[0])) if names else None
        rows.append({"gap": gap, "touchpoint_id": located[0] if located else None, "title": rule_title(gap.rule)})
    params = query.copy()
    params.pop("page", None)
    context = {"nav": "gaps", "filter": gaps, "page": page, "rows": rows, "params": params.urlencode()}
    template = "ownership/_gap_table.html" if request.htmx else "ownership/gap_list.html"
    return render_org(request, membership, template, context)


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


@login_required
@require_GET
def function_list(request: HttpRequest, org: str) -> HttpResponse:
    return _functions_page(request, membership_for(request, org))


@login_required
@require_POST
def function_add(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org, EDITOR)
    form = FunctionForm(request.POST)
    if form.is_valid():
        try:
            function = function_create(organization=membership.organization, name=form.cleaned_data["name"])
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"Function “{function.name}” added as a new column of the matrix.")
            return redirect("ownership:functions", org=org)
    return _functions_page(request, membership, function_form=form, status=400)


@login_required
@require_POST
def role_add(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org, EDITOR)
    form = RoleForm(request.POST, organization=membership.organization)
    if form.is_valid():
        try:
            role = role_create(**form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"Role “{role.title}” added to {role.function.name}.")
            return redirect("ownership:functions", org=org)
    return _functions_page(request, membership, role_form=form, status=400)


# Audits --------------------------------------------------------------------------------------


@login_required
@require_GET
def audit_list(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org)
    runs = audit_history(organization=membership.organization)
    last_seen = worker_last_seen()
    context = {
        "nav": "audits",
        "runs": runs,
        "worker_seen": worker_seen_recently(last=last_seen),
        "worker_last_seen": last_seen,
    }
    return render_org(request, membership, "ownership/audit_list.html", context)


@login_required
@require_POST
def audit_run(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org, EDITOR)
    run, outcome = audit_request_now(organization=membership.organization, trigger=AuditRun.Trigger.MANUAL)
    if outcome == "ran_here":
        messages.success(
            request,
            f"No background worker is running, so audit #{run.id} ran now: "
            f"{run.open_gaps} gap(s) open, coverage {run.coverage or 0:.0%}.",
        )
    elif outcome == "waiting":
        messages.info(request, f"Audit #{run.id} is already waiting for a worker; its results appear here when done.")
    else:
        messages.success(request, f"Audit #{run.id} requested; its results appear here when it has run.")
    return redirect(_safe_next(request, "ownership:audits", org))


def _safe_next(request: HttpRequest, default: str, org: str) -> str:
    """Back to the page the button was on (the dashboard, the history), never to another site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(default, kwargs={"org": org})


# Import and export ---------------------------------------------------------------------------


def _import_page(request, membership, context, status=200) -> HttpResponse:
    journeys = membership.organization.journeys.order_by("position", "id").only("id", "name")
    return render_org(
        request, membership, "ownership/import_export.html", {"nav": "import", "journeys": journeys, **context}, status
    )


@login_required
@require_GET
def import_export(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org)
    return _import_page(request, membership, {"form": ImportForm()})


@login_required
@require_POST
def import_preview(request: HttpRequest, org: str) -> HttpResponse:
    """Read the upload and show what importing it would change; nothing is changed yet."""
    membership = membership_for(request, org, EDITOR)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, membership, {"form": form}, status=400)
    upload = form.cleaned_data["file"]
    data = upload.read()
    try:
        summary = matrix_import_file(
            organization=membership.organization,
            data=data,
            filename=upload.name,
            max_bytes=settings.MATRIX_UPLOAD_MAX_BYTES,
            dry_run=True,
        )
    except MatrixFileInvalid as invalid:
        return _import_page(
            request, membership, {"form": ImportForm(), "errors": invalid.errors, "filename": upload.name}, status=400
        )
    # The file waits in the cache (shared by every web process) until the user confirms.
    token = uuid.uuid4().hex
    cache.set(f"cxowner:import:{token}", {"data": data, "filename": upload.name}, PENDING_IMPORT_SECONDS)
    request.session[PENDING_IMPORT_KEY] = {"token": token, "organization": membership.organization.id}
    return _import_page(
        request, membership, {"form": ImportForm(), "summary": summary, "filename": upload.name, "token": token}
    )


@login_required
@require_POST
def import_confirm(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org, EDITOR)
    pending = request.session.get(PENDING_IMPORT_KEY) or {}
    token = request.POST.get("token", "")
    stored = cache.get(f"cxowner:import:{token}") if pending.get("token") == token else None
    if stored is None or pending.get("organization") != membership.organization.id:
        messages.error(request, "That preview has expired; upload the file again.")
        return redirect("ownership:import", org=org)
    try:
        summary = matrix_import_file(
            organization=membership.organization,
            data=stored["data"],
            filename=stored["filename"],
            max_bytes=settings.MATRIX_UPLOAD_MAX_BYTES,
        )
    except MatrixFileInvalid as invalid:
        return _import_page(
            request, membership, {"form": ImportForm(), "errors": invalid.errors, "filename": stored["filename"]}, 400
        )
    cache.delete(f"cxowner:import:{token}")
    del request.session[PENDING_IMPORT_KEY]
    messages.success(request, f"Imported {stored['filename']}: {summary}.")
    return redirect("ownership:import", org=org)


@login_required
@require_GET
def export(request: HttpRequest, org: str, fmt: str) -> HttpResponse:
    membership = membership_for(request, org)
    journey = None
    if request.GET.get("journey"):
        try:
            journey = journey_get(organization=membership.organization, journey_id=int(request.GET["journey"]))
        except ValueError:
            return HttpResponse("journey must be a number", status=400, content_type="text/plain")
    export = matrix_export(organization=membership.organization, fmt=fmt, journey=journey)
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


# Members and tokens (admins) -----------------------------------------------------------------


def _members_page(request, membership, add_form=None, token_form=None, new_key=None, status=200) -> HttpResponse:
    organization = membership.organization
    return render_org(
        request,
        membership,
        "ownership/members.html",
        {
            "nav": "members",
            "members": organization.memberships.select_related("user").order_by("user__username"),
            "tokens": organization.api_tokens.order_by("-created_at", "-id"),
            "add_form": add_form or MemberAddForm(),
            "token_form": token_form or TokenForm(),
            "role_choices": Membership.Role.choices,
            "new_key": new_key,
        },
        status,
    )


@login_required
@require_GET
def members(request: HttpRequest, org: str) -> HttpResponse:
    return _members_page(request, membership_for(request, org, ADMIN))


@login_required
@require_POST
def member_add(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org, ADMIN)
    form = MemberAddForm(request.POST)
    if form.is_valid():
        try:
            added = org_services.membership_add(organization=membership.organization, **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
        else:
            messages.success(request, f"{added.user.username} is now {added.role}.")
            return redirect("ownership:members", org=org)
    return _members_page(request, membership, add_form=form, status=400)


@login_required
@require_POST
def member_role(request: HttpRequest, org: str, member_id: int) -> HttpResponse:
    membership = membership_for(request, org, ADMIN)
    target = get_object_or_404(Membership, organization=membership.organization, pk=member_id)
    form = MemberRoleForm(request.POST)
    if form.is_valid():
        try:
            org_services.membership_set_role(membership=target, role=form.cleaned_data["role"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{target.user.username} is now {form.cleaned_data['role']}.")
    return redirect("ownership:members", org=org)


@login_required
@require_POST
def member_remove(request: HttpRequest, org: str, member_id: int) -> HttpResponse:
    membership = membership_for(request, org, ADMIN)
    target = get_object_or_404(
        Membership.objects.select_related("user"), organization=membership.organization, pk=member_id
    )
    try:
        org_services.membership_remove(membership=target)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{target.user.username} no longer belongs to {membership.organization}.")
    return redirect("ownership:members", org=org)


@login_required
@require_POST
def token_add(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org, ADMIN)
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            token, key = org_services.token_create(
                organization=membership.organization, created_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            # The key is shown once, on this response, and never stored.
            return _members_page(request, membership, new_key={"token": token, "key": key})
    return _members_page(request, membership, token_form=form, status=400)


@login_required
@require_POST
def token_revoke(request: HttpRequest, org: str, token_id: int) -> HttpResponse:
    membership = membership_for(request, org, ADMIN)
    token = get_object_or_404(ApiToken, organization=membership.organization, pk=token_id)
    org_services.token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("ownership:members", org=org)
