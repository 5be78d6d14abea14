"""The gap's own page (explained in the rules' words, assigned, discussed, decided) and "My gaps".

Views are thin: every change goes through ownership.gap_workflow with the version the page
showed, so a decision made meanwhile by someone else is refused with a message, never overwritten.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from cxowner.heartbeat import worker_last_seen, worker_seen_recently
from cxowner.orgs.forms import VersionField, VersionForm
from cxowner.orgs.models import Membership
from cxowner.orgs.selectors import members_of
from cxowner.views import org_object, org_view, render_org, write_and_say
from ownership.engine.vocabulary import rule_text
from ownership.gaps import audit_requests
from ownership.gaps import workflow as gap_workflow
from ownership.gaps.selectors import audit_history
from ownership.models import AuditRun, Gap, GapComment, GapStatus

EDITOR = Membership.Role.EDITOR


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label="Assigned to", coerce=int, empty_value=None, required=False)
    due_on = forms.DateField(label="Due", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    version = VersionField()

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Nobody")] + [(m.user_id, person_name(m.user)) for m in members]


class RiskForm(forms.Form):
    reason = forms.CharField(
        label="Why the risk is accepted",
        max_length=gap_workflow.RISK_REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    expires_on = forms.DateField(label="Look at it again on", widget=forms.DateInput(attrs={"type": "date"}))
    version = VersionField()


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment", max_length=gap_workflow.COMMENT_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3})
    )


def person_name(user) -> str:
    """A member as lists show them: their full name, or their username when they gave none."""
    return user.get_full_name().strip() or user.get_username()


def members_by_name(organization):
    """The organization's members, by the name lists show them."""
    return sorted(members_of(organization_id=organization.pk), key=lambda m: person_name(m.user).casefold())


def _gap(membership: Membership, gap_id: int) -> Gap:
    rows = Gap.objects.select_related("journey", "assignee", "touchpoint__stage")
    return org_object(membership, rows, gap_id)


@org_view()
def gap_detail(request: HttpRequest, membership: Membership, org: str, gap_id: int) -> HttpResponse:
    context = {"nav": "gaps", **gap_detail_context(request, membership, gap_id)}
    return render_org(request, membership, "ownership/gap_detail.html", context)


@org_view()
def gap_detail_live(request: HttpRequest, membership: Membership, org: str, gap_id: int) -> HttpResponse:
    """The parts of the gap's page a change can move (its score, status, decisions, fix panel and
    comments), as the page draws them: what an open gap page fetches when its gap changes."""
    context = gap_detail_context(request, membership, gap_id)
    return render_org(request, membership, "ownership/_gap_live.html", context)


def gap_detail_context(request: HttpRequest, membership: Membership, gap_id: int) -> dict:
    gap = _gap(membership, gap_id)
    initial = {"version": gap.version}
    members = members_by_name(membership.organization)
    return {
        "gap": gap,
        "text": rule_text(gap.rule),
        "overdue": gap_workflow.gap_overdue(gap, today=timezone.localdate()),
        "comments": gap.comments.select_related("author"),
        # Who may delete which comment, as the service decides it: its author, or an admin.
        "comments_deletable_by": None if membership.can_manage else request.user.pk,
        "can_delete_any_comment": membership.can_manage,
        "assign_form": AssignForm(
            initial={**initial, "assignee": gap.assignee_id, "due_on": gap.due_on}, members=members
        ),
        "risk_form": RiskForm(initial={**initial, "reason": gap.risk_reason}, auto_id="risk_%s"),
        "version_form": VersionForm(initial=initial, auto_id=False),
        "comment_form": CommentForm(),
        # Who a comment may mention with @: the picker offers them, the comments mark them.
        "mention_members": [
            {"id": m.user_id, "username": m.user.get_username(), "name": person_name(m.user)} for m in members
        ],
        "statuses": GapStatus,
        # The fix panel, in the page (its groups come from the gapfix tags): its forms post and
        # come back here with the outcome.
        "surface": "page",
        "in_page": True,
    }


def _decide(
    request: HttpRequest, membership: Membership, org: str, gap_id: int, form_class, change, done: str, form_extra=None
):
    """Run one workflow change from a posted form; refusals become messages on the gap's page."""
    gap = _gap(membership, gap_id)
    form = form_class(request.POST, **(form_extra(membership) if form_extra else {}))
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label or 'This form'}: {' '.join(errors)}")
        return redirect("ownership:gap", org, gap.pk)
    write_and_say(request, lambda: change(gap, form.cleaned_data, membership), done=done, stale_subject="This gap")
    return redirect("ownership:gap", org, gap.pk)


def _version_only(step):
    """The change of a workflow step that takes nothing but the version the page showed."""

    def change(gap, data, membership):
        step(gap=gap, version=data["version"])

    return change


@org_view(EDITOR, "POST")
def gap_assign(request: HttpRequest, membership: Membership, org: str, gap_id: int) -> HttpResponse:
    def change(gap, data, membership):
        members = {m.user_id: m.user for m in members_by_name(membership.organization)}
        assignee = members.get(data["assignee"]) if data["assignee"] is not None else None
        if data["assignee"] is not None and assignee is None:
            raise ValidationError(gap_workflow.NOT_A_MEMBER)
        gap_workflow.gap_assign(gap=gap, assignee=assignee, due_on=data["due_on"], version=data["version"])

    return _decide(
        request,
        membership,
        org,
        gap_id,
        AssignForm,
        change,
        "Assignment saved.",
        form_extra=lambda membership: {"members": members_by_name(membership.organization)},
    )


@org_view(EDITOR, "POST")
def gap_acknowledge(request: HttpRequest, membership: Membership, org: str, gap_id: int) -> HttpResponse:
    change = _version_only(gap_workflow.gap_acknowledge)
    return _decide(request, membership, org, gap_id, VersionForm, change, "Acknowledged: the gap is being dealt with.")


@org_view(EDITOR, "POST")
def gap_accept_risk(request: HttpRequest, membership: Membership, org: str, gap_id: int) -> HttpResponse:
    def change(gap, data, membership):
        gap_workflow.gap_accept_risk(
            gap=gap,
            reason=data["reason"],
            expires_on=data["expires_on"],
            version=data["version"],
            today=timezone.localdate(),
        )

    return _decide(request, membership, org, gap_id, RiskForm, change, "Risk accepted until its expiry date.")


@org_view(EDITOR, "POST")
def gap_reopen(request: HttpRequest, membership: Membership, org: str, gap_id: int) -> HttpResponse:
    return _decide(request, membership, org, gap_id, VersionForm, _version_only(gap_workflow.gap_reopen), "Open again.")


@org_view(Membership.Role.VIEWER, "POST")  # every member may discuss a gap
def gap_comment(request: HttpRequest, membership: Membership, org: str, gap_id: int) -> HttpResponse:
    gap = _gap(membership, gap_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            gap_workflow.gap_comment_add(gap=gap, author=request.user, body=form.cleaned_data["body"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "Comment: " + " ".join(form.errors.get("body", ["write something."])))
    return redirect("ownership:gap", org, gap.pk)


@org_view(Membership.Role.VIEWER, "POST")  # its author may delete a comment, whatever their role
def gap_comment_delete(
    request: HttpRequest, membership: Membership, org: str, gap_id: int, comment_id: int
) -> HttpResponse:
    gap = _gap(membership, gap_id)
    comment = org_object(membership, GapComment.objects.filter(gap=gap), comment_id)
    # Someone else's comment, for a member who is not an admin: PermissionDenied, a 403 page.
    gap_workflow.gap_comment_delete(comment=comment, user=request.user, role=membership.role)
    messages.success(request, "Comment deleted.")
    return redirect("ownership:gap", org, gap.pk)


@org_view()
def my_gaps(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    today = timezone.localdate()
    gaps = (
        Gap.objects.filter(organization=membership.organization, assignee=request.user)
        .select_related("journey")
        .order_by("resolved_at", "due_on", "-score", "id")  # open first (NULL sorts last), soonest due
    )
    rows = [
        {"gap": gap, "text": rule_text(gap.rule), "overdue": gap_workflow.gap_overdue(gap, today=today)}
        for gap in gaps[:500]
    ]
    return render_org(request, membership, "ownership/my_gaps.html", {"nav": "my_gaps", "rows": rows})


# Audits --------------------------------------------------------------------------------------
@org_view()
def audit_list(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    runs = audit_history(organization=membership.organization)
    last_seen = worker_last_seen()
    context = {
        "nav": "audits",
        "runs": runs,
        "worker_seen": worker_seen_recently(last=last_seen),
        "worker_last_seen": last_seen,
    }
    return render_org(request, membership, "ownership/audit_list.html", context)


@org_view(EDITOR, "POST")
def audit_run(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    run, outcome = audit_requests.audit_request_now(
        organization=membership.organization, trigger=AuditRun.Trigger.MANUAL
    )
    if outcome == "ran_here":
        messages.success(
            request,
            f"No background worker is running, so audit #{run.id} ran now: "
            f"{run.open_gaps} gap(s) open, coverage {'—' if run.coverage is None else f'{run.coverage:.0%}'}.",
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
