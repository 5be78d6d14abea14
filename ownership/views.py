"""The ownership pages: gaps, functions and roles, audit history, members and tokens.

Views are thin: they check the member's role, call services and selectors, and render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import now
from django.views.decorators.http import require_GET, require_POST

from cxowner.orgs import services as org_services
from cxowner.orgs.invitations import invitation_create, invitation_revoke
from cxowner.orgs.models import ApiToken, Invitation, Membership
from cxowner.views import form_errors, membership_for, render_org

from .filtersets import gap_filter
from .forms import FunctionForm, InvitationForm, MemberRoleForm, RoleForm, TokenForm
from .heartbeat import worker_last_seen, worker_seen_recently
from .models import AuditRun
from .selectors import audit_history, functions_overview, touchpoint_locator
from .services import function_create, role_create
from .tasks import audit_request_now
from .vocabulary import rule_text

EDITOR, ADMIN = Membership.Role.EDITOR, Membership.Role.ADMIN
GAPS_PER_PAGE = 50


# Gaps ----------------------------------------------------------------------------------------


@login_required
@require_GET
def gap_list(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org)
    organization = membership.organization
    gaps, query = gap_filter(request, organization)
    page = Paginator(gaps.qs, GAPS_PER_PAGE).get_page(request.GET.get("page"))
    locate = touchpoint_locator(organization) if page.object_list else {}
    rows = []
    for gap in page.object_list:
        names = gap.finding.get("touchpoints") or []
        located = locate.get((gap.journey_id, names[0])) if names else None
        rows.append({"gap": gap, "touchpoint_id": located[0] if located else None, "text": rule_text(gap.rule)})
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


# Members and tokens (admins) -----------------------------------------------------------------


def _members_page(request, membership, invite_form=None, token_form=None, new_key=None, status=200) -> HttpResponse:
    organization = membership.organization
    members = list(organization.memberships.select_related("user").order_by("user__username"))
    return render_org(
        request,
        membership,
        "ownership/members.html",
        {
            "nav": "members",
            "members": members,
            # The last admin can be neither demoted nor removed: the page says so beside them.
            "admin_count": sum(1 for member in members if member.role == Membership.Role.ADMIN),
            "tokens": organization.api_tokens.order_by("-created_at", "-id"),
            "invite_form": invite_form or InvitationForm(),
            "invitations": Invitation.objects.filter(
                organization=organization, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now()
            ).order_by("-id"),
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
def member_invite(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org, ADMIN)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation_create(
                organization=membership.organization,
                invited_by=request.user,
                accept_url=request.build_absolute_uri(reverse("invitation", args=["TOKEN"])).replace(
                    "TOKEN", "{token}"
                ),
                **form.cleaned_data,
            )
        except ValidationError as error:
            form_errors(form, error)
        else:
            # The same words whether or not the address belongs to someone: nothing to probe.
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect("ownership:members", org=org)
    return _members_page(request, membership, invite_form=form, status=400)


@login_required
@require_POST
def invitation_withdraw(request: HttpRequest, org: str, invitation_id: int) -> HttpResponse:
    membership = membership_for(request, org, ADMIN)
    invitation = get_object_or_404(Invitation, organization=membership.organization, pk=invitation_id)
    invitation_revoke(invitation=invitation)
    messages.success(request, f"The invitation to {invitation.email} is withdrawn.")
    return redirect("ownership:members", org=org)


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
