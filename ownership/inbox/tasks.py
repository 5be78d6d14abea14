"""Celery tasks of the inbox: thin wrappers that pass ids and call the services. Their names are
`ownership.tasks.<task>`, as every task of the app (beat calls them by name)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from cxowner.celery import RETRY_OPTIONS
from cxowner.orgs.mail import MAIL_ERRORS, mail_error_text
from ownership.inbox.mail import inbox_item_mail

logger = logging.getLogger(__name__)


@shared_task(name="ownership.tasks.inbox_mail_task", **RETRY_OPTIONS)
def inbox_mail_task(item_ids: list[int]) -> int:
    """E-mail new inbox items to the recipients who want them; a failing mail server is logged and
    never stops the other mails (the inbox in the app holds every item anyway)."""
    sent = 0
    for item_id in item_ids:
        try:
            sent += inbox_item_mail(item_id=item_id)
        except MAIL_ERRORS as error:
            logger.error("Inbox item %s: the e-mail could not be sent: %s", item_id, mail_error_text(error))
    return sent


@shared_task(name="ownership.tasks.inbox_daily_task", **RETRY_OPTIONS)
def inbox_daily_task() -> int:
    """Beat, hourly: gaps due soon and overdue, and reviews asking members who came to hold a role;
    each told once (the database keeps the items unique). The number of items made."""
    # Imported here: the services enqueue inbox_mail_task, so they import this module first.
    from ownership.inbox.services import inbox_due_reminders_add, inbox_open_reviews_add

    today = timezone.localdate()
    return len(inbox_due_reminders_add(today=today)) + inbox_open_reviews_add(today=today)
