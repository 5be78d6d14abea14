"""The gap workflow: who fixes an open gap, by when, what was said about it, what was decided.

A gap's *status* is what people decided about it — open, acknowledged, or an accepted risk
with a reason and an expiry date — while whether it exists at all stays the rules' business:
only the live gap state (ownership.gaps.live) resolves a gap, when the matrix no longer has it.
So these services never touch `resolved_at`, and they refuse to work on a resolved gap.

Every change is checked against the version the person read (`UPDATE … WHERE version = n`);
a lost race raises StaleVersion (412 in the API, a message in the browser), nothing written.
None of them changes the matrix, so none announces a matrix change. Accepting a risk and its
end (withdrawn, or expired) are recorded as GapEvents, so the dashboard can tell how many risks
were accepted on any past day.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cxowner.orgs.history import object_deleted, object_record
from cxowner.orgs.live import live_record
from cxowner.orgs.locks import rows_locked
from cxowner.orgs.mail import mail_send, organization_subject
from cxowner.orgs.models import Membership
from cxowner.orgs.names import one_line
from cxowner.orgs.versions import versioned_update
from ownership.engine.vocabulary import rule_text
from ownership.gaps.signals import gap_assigned, gap_commented
from ownership.models import Gap, GapComment, GapEvent, GapStatus, InboxPreference

RISK_REASON_MAX_CHARS = 2000


COMMENT_MAX_CHARS = 5000


RESOLVED = "The matrix no longer has this gap: it is resolved, nothing is left to decide."


NOT_A_MEMBER = "Only a member of this organization can be asked to fix its gaps."


def gap_overdue(gap: Gap, *, today: date) -> bool:
    """Past its due date and still waiting for a fix (an accepted risk waits for its expiry)."""
    return (
        gap.resolved_at is None
        and gap.due_on is not None
        and gap.due_on < today
        and gap.workflow_status != GapStatus.ACCEPTED
    )


def gap_live_record(*, gap: Gap, kind: str, **extra) -> None:
    """The live event of a decision on a gap (which writes no change set): its pages are told."""
    live_record(
        organization_id=gap.organization_id,
        kind=kind,
        journey_ids=[gap.journey_id],
        touchpoint_ids=[gap.touchpoint_id, gap.next_touchpoint_id],
        gap_ids=[gap.pk],
        **extra,
    )


def _versioned(*, gap: Gap, version: int | None, live: str, **changes) -> Gap:
    """Write `changes` to an open gap still at `version` (None: whatever its version); `live` is
    the kind of the event every open page of the gap hears of."""
    with transaction.atomic():
        # The decision before this one, read under the row's lock: whether a risk was accepted.
        locked = rows_locked(Gap.objects.filter(pk=gap.pk), no_key=True)
        before = locked.values_list("workflow_status", flat=True).first()
        gap = versioned_update(
            gap, version=version, where={"resolved_at__isnull": True}, refuse=_refuse_resolved, **changes
        )
        _decision_record(gap=gap, before=before)
        gap_live_record(gap=gap, kind=live)
    return gap


def _refuse_resolved(current: Gap) -> None:
    if current.resolved_at is not None:
        raise ValidationError(RESOLVED, code="resolved")


def _decision_record(*, gap: Gap, before: str, cause: str = "decision") -> None:
    """A GapEvent when the gap became, or stopped being, an accepted risk."""
    accepted = GapStatus.ACCEPTED
    if (before == accepted) == (gap.workflow_status == accepted):
        return
    kind = GapEvent.Kind.ACCEPTED if gap.workflow_status == accepted else GapEvent.Kind.RISK_ENDED
    GapEvent.objects.create(organization_id=gap.organization_id, gap=gap, kind=kind, at=timezone.now(), cause=cause)


def gap_assign(*, gap: Gap, assignee, due_on: date | None, version: int | None) -> Gap:
    """Ask a member of the gap's organization to fix it, optionally by a date; None unassigns.

    Once the change is committed it is announced (gap_assigned): the new assignee is told by
    e-mail, and the organization's webhooks get a gap.assigned event (ownership.automation).
    """
    members = Membership.objects.filter(organization_id=gap.organization_id)
    if assignee is not None and not members.filter(user=assignee).exists():
        raise ValidationError({"assignee": NOT_A_MEMBER})
    previous = gap.assignee_id
    gap = _versioned(gap=gap, version=version, live="gap.assigned", assignee=assignee, due_on=due_on)
    if assignee is not None and assignee.pk != previous:
        transaction.on_commit(lambda: gap_assigned.send(sender=Gap, gap_id=gap.pk))
    return gap


def gap_acknowledge(*, gap: Gap, version: int | None) -> Gap:
    """Someone has seen the gap and it is being dealt with."""
    return _versioned(
        gap=gap,
        version=version,
        live="gap.acknowledged",
        workflow_status=GapStatus.ACKNOWLEDGED,
        risk_reason="",
        risk_expires_on=None,
    )


def gap_accept_risk(*, gap: Gap, reason: str, expires_on: date | None, version: int | None, today: date) -> Gap:
    """Decide to live with the gap until `expires_on`, for a stated reason; it reopens that day."""
    reason = risk_acceptance_check(reason=reason, expires_on=expires_on, today=today)
    return _versioned(
        gap=gap,
        version=version,
        live="gap.accepted",
        workflow_status=GapStatus.ACCEPTED,
        risk_reason=reason,
        risk_expires_on=expires_on,
    )


def risk_acceptance_check(*, reason: str, expires_on: date | None, today: date) -> str:
    """The reason, stripped, when it and the expiry date make an acceptable risk; ValidationError if not."""
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = "Say why the risk is accepted: the next reader will want to know."
    elif len(reason) > RISK_REASON_MAX_CHARS:
        errors["reason"] = f"Keep the reason under {RISK_REASON_MAX_CHARS} characters."
    if expires_on is None:
        errors["expires_on"] = "An accepted risk needs an expiry date, when it is looked at again."
    elif expires_on <= today:
        errors["expires_on"] = "The expiry date must be in the future."
    if errors:
        raise ValidationError(errors)
    return reason


def gap_reopen(*, gap: Gap, version: int | None) -> Gap:
    """Back to open: an acknowledgement or an accepted risk withdrawn (the reason is kept)."""
    return _versioned(gap=gap, version=version, live="gap.reopened", workflow_status=GapStatus.OPEN)


def accepted_risks_reopen(*, today: date) -> int:
    """Reopen every accepted risk whose expiry date has come; the number reopened.

    Resolved gaps are left alone: the rules already closed them.
    """
    expired = Gap.objects.filter(
        workflow_status=GapStatus.ACCEPTED, risk_expires_on__lte=today, resolved_at__isnull=True
    )
    with transaction.atomic():
        rows = list(expired.select_for_update().values_list("id", "organization_id"))
        reopened = Gap.objects.filter(pk__in=[gap_id for gap_id, _ in rows]).update(
            workflow_status=GapStatus.OPEN, version=F("version") + 1
        )
        now = timezone.now()
        GapEvent.objects.bulk_create(
            [
                GapEvent(organization_id=org_id, gap_id=gap_id, kind=GapEvent.Kind.RISK_ENDED, at=now, cause="expiry")
                for gap_id, org_id in rows
            ],
            batch_size=1000,
        )
    return reopened


@transaction.atomic
def gap_comment_add(*, gap: Gap, author, body: str, integration: str = "") -> GapComment:
    """A note on a gap, open or resolved (the discussion stays with its history).

    `author` is the member who wrote it; an API token has no user row, so its comment keeps
    `integration`, the token's name, and reads "Jira sync (integration)".
    """
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something: an empty comment says nothing."})
    if len(body) > COMMENT_MAX_CHARS:
        raise ValidationError({"body": f"Keep a comment under {COMMENT_MAX_CHARS} characters."})
    integration = "" if author is not None else one_line(integration or "")[:100]
    comment = GapComment.objects.create(
        organization_id=gap.organization_id, gap=gap, author=author, integration=integration, body=body
    )
    gap_commented.send(sender=GapComment, comment=comment)
    gap_live_record(gap=gap, kind="comment", comment_id=comment.pk)
    return comment


COMMENT_NOT_YOURS = "Only the comment's author or an admin of the organization can delete it."


@transaction.atomic
def gap_comment_delete(*, comment: GapComment, user, role: str) -> None:
    """Delete a comment for everyone. Its author may, and an admin (a person or an admin token);
    the comment, with its text, stays in the organization's history as deleted."""
    is_author = user is not None and comment.author_id is not None and comment.author_id == user.pk
    if not (is_author or role == Membership.Role.ADMIN):
        raise PermissionDenied(COMMENT_NOT_YOURS)
    object_record(obj=comment, action="delete", changes=[object_deleted(comment)])
    comment.delete()


def gap_assignee_notify(*, gap_id: int) -> bool:
    """E-mail the gap's assignee what is asked of them; False when there is nobody to tell."""
    gap = Gap.objects.select_related("assignee", "organization").filter(pk=gap_id).first()
    if gap is None or gap.assignee is None or not gap.assignee.email:
        return False
    # The member chose their inbox in the app only (ownership.inbox keeps the assignment there).
    in_app_only = InboxPreference.objects.filter(
        membership__organization_id=gap.organization_id, membership__user_id=gap.assignee_id, email=False
    )
    if in_app_only.exists():
        return False
    text = rule_text(gap.rule)
    due = f"\nDue: {gap.due_on:%Y-%m-%d}" if gap.due_on else ""
    body = (
        f"You were asked to fix a gap in {gap.organization.name}'s customer experience.\n\n"
        f"[{text.severity_text.label}] {text.title}: {gap.finding.get('message', text.meaning)}{due}\n\n"
        f"Why it matters: {text.why}\nHow to fix: {text.fix}\n"
    )
    mail_send(
        subject=organization_subject(gap.organization.name, f"{text.title} assigned to you"),
        body=body,
        to=gap.assignee.email,
    )
    return True
