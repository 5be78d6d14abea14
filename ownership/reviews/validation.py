"""What a new review campaign must say before anything is read or locked: a name people will
recognise, an end date not in the past, and a journey of its own organization.

Apart from ownership.reviews.services, which holds the campaign's writes."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError

from cxowner.orgs.models import Organization
from cxowner.orgs.names import ONE_LINE_MESSAGE, one_line
from journeys.models import Journey

NAME_MAX_CHARS = 200


def campaign_fields_check(
    *, organization: Organization, name: str, ends_on: date | None, journey: Journey | None, today: date
) -> str:
    """The campaign's name, stripped; every field that is wrong at once, as a ValidationError."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "Give the campaign a name people will recognise in their reminders."
    elif len(name) > NAME_MAX_CHARS:
        errors["name"] = f"A campaign's name has at most {NAME_MAX_CHARS} characters."
    elif name != one_line(name):
        errors["name"] = ONE_LINE_MESSAGE  # it heads every reminder's subject
    if ends_on is None:
        errors["ends_on"] = "A campaign needs an end date: reminders go out until then."
    elif ends_on < today:
        errors["ends_on"] = "The end date cannot be in the past."
    if journey is not None and journey.organization_id != organization.pk:
        errors["journey"] = "The journey must belong to this organization."
    if errors:
        raise ValidationError(errors)
    return name
