"""Telling people what an audit changed: an e-mail digest and signed webhooks.

notice_claim runs once per audit run that opened or resolved gaps (an AuditNotice row marks it,
so a redelivered task never announces twice). Each webhook then gets its own delivery task, so a
slow or failing receiver never holds up the audit or the other receivers; every attempt is
recorded. The digest is sent apart (digest_send): a mail server that fails never keeps the
webhooks of the run from being queued; the mail is retried, and a final failure is kept on the
notice (digest_failed) and shown on the settings page.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cxowner.orgs.locks import rows_locked
from cxowner.orgs.mail import mail_message, mails_send, organization_subject
from cxowner.orgs.models import Membership, Organization
from ownership.engine.vocabulary import rule_text
from ownership.gaps.figures import Standing, standing_read
from ownership.gaps.selectors import audit_run_changes
from ownership.models import AuditNotice, AuditRun, Gap, Webhook, WebhookDelivery
from ownership.models.webhook_targets import webhook_opener

SIGNATURE_HEADER = "X-Cxowner-Signature"


EVENT = "audit.completed"


# A test delivery an admin sends from the settings page or the API.
PING_EVENT = "ping"


GAP_ASSIGNED = "gap.assigned"  # its own event: an integration opens a ticket for the assignee


def webhook_signature(*, secret: str, body: bytes) -> str:
    """What a receiver recomputes to trust the body: sha256=<hex HMAC-SHA256 of it with the secret>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_payload(*, run: AuditRun) -> bytes:
    """The JSON body: the organization, the run and the gaps it opened and resolved."""
    opened, resolved = audit_run_changes(run=run)
    document = {
        "event": EVENT,
        "organization": run.organization.slug,
        "run": run.pk,
        "trigger": run.trigger,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "coverage": run.coverage,
        "opened": [_gap_record(gap) for gap in opened],
        "resolved": [_gap_record(gap) for gap in resolved],
    }
    # Compact and key-sorted: the exact bytes signed are the bytes sent.
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def gap_assigned_payload(*, gap: Gap) -> bytes:
    """The JSON body of gap.assigned: the organization and the gap with its assignee and due date."""
    document = {"event": GAP_ASSIGNED, "organization": gap.organization.slug, "gap": _gap_record(gap)}
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def webhooks_of(*, organization_id: int) -> list[int]:
    """The ids of the organization's active webhooks."""
    return list(Webhook.objects.filter(organization_id=organization_id, active=True).values_list("pk", flat=True))


def digest_recipients(*, organization: Organization) -> list[str]:
    """The e-mail addresses of the organization's active admins and editors."""
    emails = Membership.objects.filter(
        organization=organization,
        role__in=[Membership.Role.ADMIN, Membership.Role.EDITOR],
        user__is_active=True,
    ).values_list("user__email", flat=True)
    return sorted({email for email in emails if email})


@transaction.atomic
def notice_claim(*, run: AuditRun) -> AuditNotice | None:
    """Claim the announcement of the run, once: the notice, with who gets the digest and how many
    webhooks are handed the run; None when the run changed nothing or was already claimed."""
    if run.status != AuditRun.Status.DONE or not (run.opened_count or run.resolved_count):
        return None
    recipients = digest_recipients(organization=run.organization)
    state = AuditNotice.MailState.PENDING if recipients else AuditNotice.MailState.NONE
    notice, created = AuditNotice.objects.get_or_create(
        run=run,
        defaults={
            "recipients": recipients,
            "mail_state": state,
            "webhooks": Webhook.objects.filter(organization_id=run.organization_id, active=True).count(),
        },
    )
    return notice if created else None


def digest_send(*, run: AuditRun) -> bool:
    """Send the digest of a claimed run if it is still waiting; False when there is none to send.

    The notice is locked while sending, so two workers never both send; MAIL_ERRORS from the mail
    server propagate (nothing is marked sent) for the caller to retry.
    """
    with transaction.atomic():
        waiting = AuditNotice.objects.filter(run=run, mail_state=AuditNotice.MailState.PENDING)
        notice = rows_locked(waiting).first()
        if notice is None:
            return False
        opened, resolved = audit_run_changes(run=run)
        subject, body = _digest(run=run, opened=opened, resolved=resolved)
        # One message per person: colleagues' addresses are not shown to each other.
        mails_send([mail_message(subject=subject, body=body, to=email) for email in notice.recipients])
        AuditNotice.objects.filter(pk=notice.pk).update(mail_state=AuditNotice.MailState.SENT, mail_error="")
    return True


def digest_failed(*, run: AuditRun, error: str) -> None:
    """The digest could not be sent after its last try: say so on the notice, for the admins."""
    AuditNotice.objects.filter(run=run, mail_state=AuditNotice.MailState.PENDING).update(
        mail_state=AuditNotice.MailState.FAILED, mail_error=error[:300]
    )


def notice_send(*, run: AuditRun) -> AuditNotice | None:
    """Claim the run's announcement and send its digest now (MAIL_ERRORS propagate; the notice
    then waits, pending); None when the run changed nothing or was already announced."""
    notice = notice_claim(run=run)
    if notice is not None and digest_send(run=run):
        notice.mail_state = AuditNotice.MailState.SENT
    return notice


def webhooks_to_notify(*, run: AuditRun) -> list[int]:
    """The ids of the active webhooks of the run's organization."""
    return webhooks_of(organization_id=run.organization_id)


def webhook_deliver(*, webhook: Webhook, run: AuditRun, attempt: int) -> WebhookDelivery:
    """POST the run's payload to the webhook once and record the attempt, whatever happens."""
    return _post(
        webhook=webhook, body=webhook_payload(run=run), event=EVENT, attempt=attempt, run=run, about={"Run": run.pk}
    )


def webhook_ping_payload(*, webhook: Webhook) -> bytes:
    """The body of a test delivery: says who sends it, carries no gap data."""
    document = {
        "event": PING_EVENT,
        "organization": webhook.organization.slug,
        "webhook": webhook.pk,
        "sent_at": timezone.now().isoformat(),
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def webhook_ping(*, webhook: Webhook) -> WebhookDelivery:
    """Send one signed `ping` to the webhook, the way audits are delivered, and record it.

    Sent even when the webhook is disabled: an admin tests a receiver before switching it on.
    """
    return _post(webhook=webhook, body=webhook_ping_payload(webhook=webhook), event=PING_EVENT, attempt=1, about={})


def gap_assigned_deliver(*, webhook: Webhook, gap: Gap, attempt: int) -> WebhookDelivery:
    """POST gap.assigned for the gap to the webhook once and record the attempt."""
    body = gap_assigned_payload(gap=gap)
    return _post(webhook=webhook, body=body, event=GAP_ASSIGNED, attempt=attempt, gap=gap, about={"Gap": gap.pk})


def event_deliver(
    *, webhook: Webhook, event: str, document: dict, attempt: int, role_id: int | None = None
) -> WebhookDelivery:
    """POST an event another package wrote (`role.vacated`: ownership.provisioning) once and
    record the attempt; the document says what happened, the event and organization are added."""
    document = {**document, "event": event, "organization": webhook.organization.slug}
    body = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    about = {"Role": role_id} if role_id else {}
    return _post(webhook=webhook, body=body, event=event, attempt=attempt, about=about, role_id=role_id)


def _post(*, webhook: Webhook, body: bytes, event: str, attempt: int, about: dict, **subject) -> WebhookDelivery:
    request = urllib.request.Request(
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "cxowner-webhook/1",
            "X-Cxowner-Event": event,
            **{f"X-Cxowner-{name}": str(value) for name, value in about.items()},
            "X-Cxowner-Attempt": str(attempt),
            SIGNATURE_HEADER: webhook_signature(secret=webhook.secret, body=body),
        },
    )
    status_code, error = None, ""
    started = time.monotonic()
    try:
        with _OPENER.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status_code = response.status
    except urllib.error.HTTPError as exc:
        status_code, error = exc.code, f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = str(getattr(exc, "reason", exc)) or type(exc).__name__
    duration_ms = round((time.monotonic() - started) * 1000)
    return WebhookDelivery.objects.create(
        webhook=webhook,
        event=event,
        **subject,
        attempt=attempt,
        status_code=status_code,
        error=error[:2000],
        duration_ms=duration_ms,
        succeeded=status_code is not None and 200 <= status_code < 300,
    )


def webhook_retry_delay(*, attempt: int) -> int:
    """Seconds to wait after failed attempt n: base × 2**(n-1), at most an hour."""
    return min(settings.WEBHOOK_RETRY_BACKOFF_SECONDS * 2 ** (attempt - 1), 3600)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would turn the signed POST into a GET somewhere else: count it as a failure.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# Connects only to public addresses, checked at connection time (ownership.models.webhook_targets).
_OPENER = webhook_opener(_NoRedirect)


def _gap_record(gap: Gap) -> dict:
    """A gap as integrations read it: the finding, its score, and the people's side of it —
    its decision, who was asked to fix it (by e-mail address) and by when."""
    return {
        **gap.finding,
        "score": gap.score,
        "fingerprint": gap.fingerprint,
        "gap": gap.pk,
        "workflow_status": gap.workflow_status,
        "assignee": gap.assignee.email if gap.assignee_id and gap.assignee else None,
        "due_on": gap.due_on.isoformat() if gap.due_on else None,
    }


def _digest_line(gap: Gap) -> str:
    text = rule_text(gap.rule)
    return f"  - [{text.severity_text.label}] {text.title}: {gap.finding.get('message', text.meaning)}"


def _how_to_fix(gaps: list[Gap]) -> list[str]:
    """Each rule among the new gaps once, with why it matters and how to fix it."""
    rules = sorted({gap.rule for gap in gaps})
    if not rules:
        return []
    lines = ["", "How to fix them:"]
    for rule in rules:
        text = rule_text(rule)
        lines += [f"  {text.title}: {text.meaning}", f"    Why it matters: {text.why}", f"    How to fix: {text.fix}"]
    return lines


def _digest_figures(standing: Standing) -> str:
    """The figures as every page shows them (docs/figures.md), read when the digest is written."""
    gaps = standing.gaps
    return f"Coverage: {standing.coverage.in_words}; {gaps.total} gap(s) open, {gaps.accepted_risks} accepted risk(s)."


def _digest(*, run: AuditRun, opened: list[Gap], resolved: list[Gap]) -> tuple[str, str]:
    organization = run.organization
    subject = organization_subject(organization.name, f"{len(opened)} gap(s) opened, {len(resolved)} resolved")
    lines = [
        f"The {run.get_trigger_display().lower()} audit of {organization.name} "
        f"finished at {run.finished_at:%Y-%m-%d %H:%M} UTC.",
        _digest_figures(standing_read(organization=organization)),
    ]
    for title, gaps in (("Opened", opened), ("Resolved", resolved)):
        if not gaps:
            continue
        lines += ["", f"{title} ({len(gaps)}):"]
        shown = gaps[: settings.NOTIFICATION_DIGEST_MAX_GAPS]
        lines += [_digest_line(gap) for gap in shown]
        if len(gaps) > len(shown):
            lines.append(f"  … and {len(gaps) - len(shown)} more.")
    lines += _how_to_fix(opened[: settings.NOTIFICATION_DIGEST_MAX_GAPS])
    lines += ["", "You get this because you are an admin or editor of this organization in cxowner."]
    return subject, "\n".join(lines) + "\n"
