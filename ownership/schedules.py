"""Audit schedules: one django-celery-beat PeriodicTask per organization, editable by its admins.

Beat's DatabaseScheduler reads these rows, so a changed schedule takes effect without a restart.
An organization without a row gets the default (settings.AUDIT_SCHEDULE_DEFAULT, nightly at
02:00 UTC) the first time anything asks for it, and beat creates the missing ones when it starts
and every hour (audit_schedules_ensure).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_celery_beat.validators import (
    day_of_month_validator,
    day_of_week_validator,
    hour_validator,
    minute_validator,
    month_of_year_validator,
)

from cxowner.orgs.models import Organization

AUDIT_TASK = "ownership.tasks.audit_scheduled_task"
CRON_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
_VALIDATORS = {
    "minute": minute_validator,
    "hour": hour_validator,
    "day_of_month": day_of_month_validator,
    "month_of_year": month_of_year_validator,
    "day_of_week": day_of_week_validator,
}


def audit_schedule_name(*, organization_id: int) -> str:
    # By id, not slug: a renamed organization keeps its schedule.
    return f"Audit of organization {organization_id}"


def crontab_fields(text: str) -> dict[str, str]:
    """`"0 2 * * *"` -> {"minute": "0", "hour": "2", …}, in the order cron writes them."""
    parts = text.split()
    if len(parts) != len(CRON_FIELDS):
        raise ValidationError(f"A schedule has five fields (minute hour day month weekday), not “{text}”.")
    return dict(zip(CRON_FIELDS, parts, strict=True))


def crontab_text(schedule: CrontabSchedule) -> str:
    return " ".join(str(getattr(schedule, field)) for field in CRON_FIELDS)


def audit_schedule_get(*, organization: Organization) -> PeriodicTask:
    """The organization's audit schedule, created with the default if it has none yet."""
    task = (
        PeriodicTask.objects.select_related("crontab")
        .filter(name=audit_schedule_name(organization_id=organization.pk))
        .first()
    )
    if task is not None:
        return task
    return _schedule_create(organization_id=organization.pk, **crontab_fields(settings.AUDIT_SCHEDULE_DEFAULT))


@transaction.atomic
def audit_schedule_set(
    *,
    organization: Organization,
    minute: str = "0",
    hour: str = "2",
    day_of_month: str = "*",
    month_of_year: str = "*",
    day_of_week: str = "*",
    enabled: bool = True,
) -> PeriodicTask:
    """Change when the organization is audited (cron fields, UTC); enabled=False pauses it."""
    fields = {
        "minute": minute,
        "hour": hour,
        "day_of_month": day_of_month,
        "month_of_year": month_of_year,
        "day_of_week": day_of_week,
    }
    crontab = _crontab_get(**fields)
    task = PeriodicTask.objects.select_for_update().filter(name=audit_schedule_name(organization_id=organization.pk))
    task = task.first()
    if task is None:
        task = _schedule_create(organization_id=organization.pk, **fields)
    # save(), not update(): django-celery-beat's signals tell a running beat to reload.
    task.crontab, task.enabled = crontab, enabled
    task.save()
    return task


def audit_schedules_ensure() -> int:
    """Give every organization without an audit schedule the default one; returns how many."""
    names = set(PeriodicTask.objects.filter(task=AUDIT_TASK).values_list("name", flat=True))
    missing = [
        pk
        for pk in Organization.objects.order_by("pk").values_list("pk", flat=True)
        if audit_schedule_name(organization_id=pk) not in names
    ]
    fields = crontab_fields(settings.AUDIT_SCHEDULE_DEFAULT)
    for pk in missing:
        _schedule_create(organization_id=pk, **fields)
    return len(missing)


def audit_schedule_delete(*, organization_id: int) -> None:
    """Drop the schedule of an organization that no longer exists."""
    PeriodicTask.objects.filter(name=audit_schedule_name(organization_id=organization_id)).delete()


def _schedule_create(*, organization_id: int, **fields: str) -> PeriodicTask:
    task, _ = PeriodicTask.objects.get_or_create(
        name=audit_schedule_name(organization_id=organization_id),
        defaults={
            "task": AUDIT_TASK,
            "crontab": _crontab_get(**fields),
            "args": json.dumps([organization_id]),
            "description": "Gap audit of one organization; its admins choose when.",
        },
    )
    return task


def _crontab_get(**fields: str) -> CrontabSchedule:
    errors = {}
    for name, value in fields.items():
        value = str(value).strip()
        fields[name] = value
        try:
            _VALIDATORS[name](value)
        except ValidationError as exc:
            errors[name] = f"“{value}” is not a valid {name.replace('_', ' ')}: {'; '.join(exc.messages)}"
    if errors:
        raise ValidationError(errors)
    # Organizations with the same schedule share one crontab row.
    crontab = CrontabSchedule.objects.filter(timezone="UTC", **fields).order_by("pk").first()
    return crontab or CrontabSchedule.objects.create(timezone="UTC", **fields)
