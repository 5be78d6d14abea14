"""The monthly report mail: an organization's admins switch it on and name who receives it; at
the start of every month the report goes out as a PDF attachment.

Beat asks every hour which organizations are due (the mail is on and this month's report has
not gone out) and hands each to its own task. A ReportDelivery row per organization and month,
written in the transaction that sends, makes the mail go once however often beat asks or a task
is redelivered; if sending fails the row is not kept and the next hour tries again.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Exists, OuterRef

from cxowner.orgs.history import object_changes, object_record
from cxowner.orgs.mail import mail_message, mails_send, organization_subject
from cxowner.orgs.models import Membership, Organization
from cxowner.orgs.versions import version_check, versioned_update
from ownership.models import ReportDelivery, ReportSchedule
from ownership.reports.render import report_filename, report_pdf
from ownership.reports.selectors import Report, report_build

MAX_RECIPIENTS = 50


def report_schedule_get(*, organization: Organization) -> ReportSchedule:
    """The organization's report mail setting; off (and not yet saved) until an admin sets it."""
    schedule = ReportSchedule.objects.filter(organization=organization).first()
    return schedule or ReportSchedule(organization=organization)


def recipients_parse(text: str) -> list[str]:
    """Addresses separated by commas, semicolons, spaces or lines -> a sorted list without
    duplicates; every address that is not one is named in the error."""
    addresses = sorted({part.lower() for part in re.split(r"[\s,;]+", text) if part})
    wrong = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            wrong.append(address)
    if wrong:
        raise ValidationError({"recipients": [f"Not an e-mail address: {', '.join(wrong)}."]})
    if len(addresses) > MAX_RECIPIENTS:
        raise ValidationError({"recipients": [f"At most {MAX_RECIPIENTS} recipients, not {len(addresses)}."]})
    return addresses


@transaction.atomic
def report_schedule_set(
    *, organization: Organization, monthly: bool, recipients: list[str], version: int | None
) -> ReportSchedule:
    """Switch the monthly mail on or off and set its recipients, if the setting is still at
    `version` (None: unconditionally); the change is on the organization's record."""
    schedule, _ = ReportSchedule.objects.get_or_create(organization=organization)
    recipients = recipients_parse(",".join(recipients))
    before = {"monthly": schedule.monthly, "recipients": schedule.recipients}
    after = {"monthly": monthly, "recipients": recipients}
    changes = object_changes(object_type="reportschedule", object_id=schedule.pk, before=before, after=after)
    if not changes:
        # Nothing to write, but a page drawn before someone else's change must still reload.
        return version_check(schedule, version=version)
    schedule = versioned_update(schedule, version=version, **after)
    object_record(obj=schedule, action="update", changes=changes)
    return schedule


def report_recipients(*, organization: Organization, schedule: ReportSchedule) -> list[str]:
    """The named recipients, or the e-mail addresses of the organization's active admins."""
    if schedule.recipients:
        return list(schedule.recipients)
    emails = Membership.objects.filter(
        organization=organization, role=Membership.Role.ADMIN, user__is_active=True
    ).values_list("user__email", flat=True)
    return sorted({email for email in emails if email})


def _changed(change: int | None, unit: str, days: int) -> str:
    # No earlier figure for an organization younger than the period (docs/figures.md).
    return "no earlier figure" if change is None else f"{change:+d}{unit} in {days} days"


def report_mail_figures(report: Report) -> str:
    """The mail's line of figures, the report's own: "Coverage: 40% of 5 in-scope touchpoints
    (+3 points in 30 days); 7 open gap(s) (+2 in 30 days), 1 accepted risk(s)."."""
    days = report.change.days
    return (
        f"Coverage: {report.coverage.in_words} "
        f"({_changed(report.coverage_change_points, ' points', days)}); "
        f"{report.open_total} open gap(s) ({_changed(report.open_change.change, '', days)}), "
        f"{report.accepted_total} accepted risk(s)."
    )


def month_of(day: date) -> date:
    return day.replace(day=1)


def report_mails_due(*, today: date) -> list[int]:
    """The organizations whose monthly report has not gone out this month (one query)."""
    sent = ReportDelivery.objects.filter(organization_id=OuterRef("organization_id"), month=month_of(today))
    return list(
        ReportSchedule.objects.filter(monthly=True)
        .filter(~Exists(sent))
        .order_by("organization_id")
        .values_list("organization_id", flat=True)
    )


@transaction.atomic
def report_mail_send(*, organization: Organization, today: date) -> ReportDelivery | None:
    """Mail this month's report, once; None when the mail is off or already went out this month."""
    schedule = report_schedule_get(organization=organization)
    if not schedule.monthly:
        return None
    delivery, created = ReportDelivery.objects.get_or_create(organization=organization, month=month_of(today))
    if not created:
        return None
    recipients = report_recipients(organization=organization, schedule=schedule)
    report = report_build(organization=organization, today=today)
    if recipients:
        attachment = report_pdf(report=report)
        subject = organization_subject(organization.name, f"ownership report for {today:%B %Y}")
        body = (
            f"The ownership report of {organization.name} on {today:%d %B %Y} is attached.\n\n"
            f"{report_mail_figures(report)}\n\n"
            "You get this because the organization's admins send its report monthly to you in cxowner.\n"
        )
        filename = report_filename(report=report)
        messages = []
        # One message per person: recipients do not see each other's addresses.
        for email in recipients:
            message = mail_message(subject=subject, body=body, to=email)
            message.attach(filename, attachment, "application/pdf")
            messages.append(message)
        mails_send(messages)
    delivery.recipients = recipients
    delivery.coverage = report.coverage.share
    delivery.save(update_fields=["recipients", "coverage"])
    return delivery
