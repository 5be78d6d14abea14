"""Celery tasks of the monthly report mail and of the report's PDF jobs (ownership.reports.jobs);
each keeps the name it had in ownership.tasks."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from cxowner.celery import RETRY_OPTIONS
from cxowner.orgs.mail import MAIL_ERRORS, mail_error_text
from cxowner.orgs.models import Organization
from ownership.reports.jobs import report_render_task
from ownership.reports.mail import report_mail_send, report_mails_due

__all__ = ["report_mail_task", "report_mails_due_task", "report_render_task"]

logger = logging.getLogger(__name__)


# -- the monthly report mail --------------------------------------------------------------------
@shared_task(name="ownership.tasks.report_mails_due_task", **RETRY_OPTIONS)
def report_mails_due_task() -> int:
    """Beat, hourly: each organization whose monthly report has not gone out gets its own task."""
    organization_ids = report_mails_due(today=timezone.localdate())
    for organization_id in organization_ids:
        report_mail_task.delay(organization_id)
    return len(organization_ids)


@shared_task(name="ownership.tasks.report_mail_task", acks_late=True, reject_on_worker_lost=True, **RETRY_OPTIONS)
def report_mail_task(organization_id: int) -> bool:
    """Mail one organization's report for this month, once (ownership/reports/mail.py)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return False
    try:
        return report_mail_send(organization=organization, today=timezone.localdate()) is not None
    except MAIL_ERRORS as error:
        # Nothing was kept: beat's next hourly round tries this month's report again.
        logger.error(
            "Monthly report of organization %s not sent, tried again next hour: %s",
            organization_id,
            mail_error_text(error),
        )
        return False
