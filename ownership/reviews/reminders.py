"""Review campaign reminders: once a day, each person with A's waiting in an open review gets one e-mail.

Beat runs campaign_reminders_send hourly (ownership.reviews.tasks); a campaign's first round goes out as
soon as it starts. The holder of the role that carries an A is asked for it; A's that no role
with an e-mail carries go to the organization's admins.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date

from django.db.models import Q, QuerySet

from cxowner.orgs.mail import MAIL_ERRORS, mail_error_text, mail_send, organization_subject
from cxowner.orgs.models import Membership
from ownership.models import ReviewCampaign, ReviewOutcome
from ownership.reviews.selectors import campaign_items

logger = logging.getLogger(__name__)


def campaigns_to_remind(*, today: date) -> QuerySet[ReviewCampaign]:
    """Open campaigns within their dates that have not had today's reminders."""
    return ReviewCampaign.objects.filter(status="open", ends_on__gte=today).filter(
        Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=today)
    )


def campaign_remind(*, campaign_id: int, today: date) -> int:
    """Today's reminders of one campaign: one e-mail per person with A's not yet reviewed.

    The holder of the role carrying an A is asked for it; A's carried by no role with an
    e-mail go to the organization's admins. At most one round a day, and none after the end
    date: the day is claimed with one conditional UPDATE, so two workers never both send.
    Returns the number of e-mails sent.
    """
    claimed = campaigns_to_remind(today=today).filter(pk=campaign_id).update(last_reminded_on=today)
    if not claimed:
        return 0
    campaign = ReviewCampaign.objects.select_related("organization").get(pk=campaign_id)
    waiting: dict[str, list[str]] = defaultdict(list)
    unowned: list[str] = []
    # Plain rows, not model instances: a whole organization's review can hold 100k A's.
    pending = campaign_items(campaign=campaign).filter(state=ReviewOutcome.PENDING)
    fields = ("function__name", "touchpoint__journey__name", "touchpoint__name", "assignment__role__holder_email")
    for function, journey, touchpoint, email in pending.values_list(*fields):
        line = f"- {function}: {journey} › {touchpoint}"
        (waiting[email] if email else unowned).append(line)
    if unowned:
        admins = Membership.objects.filter(organization=campaign.organization, role=Membership.Role.ADMIN)
        for email in admins.exclude(user__email="").values_list("user__email", flat=True):
            waiting[email] += unowned
    return sum(_reminder_send(campaign=campaign, email=email, lines=lines) for email, lines in waiting.items())


# One e-mail lists at most this many A's; the page lists them all.
REMINDER_LINES = 50


def _reminder_send(*, campaign: ReviewCampaign, email: str, lines: list[str]) -> bool:
    """One person's reminder; a failing mail server is logged and never stops the others' reminders."""
    organization = campaign.organization.name
    more = len(lines) - REMINDER_LINES
    listed = "\n".join(lines[:REMINDER_LINES]) + (f"\n… and {more} more" if more > 0 else "")
    body = (
        f"{organization} is reviewing who owns its customer experience (“{campaign.name}”).\n\n"
        f"Please confirm that these accountabilities still hold, or change them, by {campaign.ends_on:%d %B %Y}:\n\n"
        f"{listed}\n\nIn cxowner, open Functions › Ownership reviews › {campaign.name}, then your function's "
        "list: “Confirm all” confirms them in one go.\n"
    )
    plural = "y" if len(lines) == 1 else "ies"
    what = f"please confirm {len(lines)} accountabilit{plural} by {campaign.ends_on:%d %b}"
    subject = organization_subject(organization, what)
    try:
        mail_send(subject=subject, body=body, to=email)
    except MAIL_ERRORS as error:
        logger.error(
            "Review campaign %s: the reminder to %s could not be sent: %s", campaign.pk, email, mail_error_text(error)
        )
        return False
    return True


def campaign_reminders_send(*, today: date) -> int:
    """Beat's round: today's reminders of every campaign that is due one; the e-mails sent."""
    ids = list(campaigns_to_remind(today=today).filter(started_at__date__lte=today).values_list("pk", flat=True))
    return sum(campaign_remind(campaign_id=pk, today=today) for pk in ids)
