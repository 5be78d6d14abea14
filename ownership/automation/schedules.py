"""Audit schedules: one django-celery-beat PeriodicTask per organization, editable by its admins.

Beat's DatabaseScheduler reads these rows, so a changed schedule takes effect without a restart.
An organization without a row gets the default (settings.AUDIT_SCHEDULE_DEFAULT, nightly at
02:00 UTC) the first time anything asks for it, and beat creates the missing ones when it starts
and every hour (audit_schedules_ensure).

A change an admin makes (settings page, API, command) is recorded in the organization's
history and is a compare-and-set on `audit_schedule_version`. The preview that the settings
page and the API show reads the schedule with the libraries beat itself uses: cron-descriptor
(which django-celery-beat uses for its own descriptions) for the words, and Celery's crontab
for the next runs, so the times shown are the times beat will start the audit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from celery.schedules import ParseException, crontab
from cron_descriptor import FormatException, Options, get_description
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_celery_beat.validators import (
    day_of_month_validator,
    day_of_week_validator,
    hour_validator,
    minute_validator,
    month_of_year_validator,
)

from cxowner.orgs.history import Change, change_set_record
from cxowner.orgs.models import Organization
from cxowner.orgs.versions import version_check, version_fingerprint
from ownership.engine.schedule_words import ScheduleWordsError, cron_in_words, cron_of

AUDIT_TASK = "ownership.tasks.audit_scheduled_task"


CRON_FIELDS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")


_VALIDATORS = {
    "minute": minute_validator,
    "hour": hour_validator,
    "day_of_month": day_of_month_validator,
    "month_of_year": month_of_year_validator,
    "day_of_week": day_of_week_validator,
}


# Schedules are kept in UTC: one clock for every organization, whatever the server's zone.
SCHEDULE_TIMEZONE = "UTC"


PREVIEW_RUNS = 5


# "At 02:00", as the schedule is written: a 24-hour clock, no AM/PM.
_DESCRIPTION_OPTIONS = Options()


_DESCRIPTION_OPTIONS.use_24hour_time_format = True


@dataclass(frozen=True)
class SchedulePreview:
    """A schedule as people read it: the cron text, in words, and when it next runs."""

    cron: str
    description: str  # cron-descriptor's reading of any cron: "At 06:00, Monday through Friday"
    words: str  # as chosen on the forms ("every weekday at 06:00"), or the cron when no form matches
    next_runs: tuple[datetime, ...]
    timezone: str


def audit_schedule_name(*, organization_id: int) -> str:
    # By id, not slug: a renamed organization keeps its schedule.
    return f"Audit of organization {organization_id}"


def crontab_fields(text: str) -> dict[str, str]:
    """`"0 2 * * *"` -> {"minute": "0", "hour": "2", …}, in the order cron writes them; a schedule in
    words ("every weekday at 06:00", ownership.engine.schedule_words) gives its cron's fields."""
    try:
        text = cron_of(text)
    except ScheduleWordsError as exc:
        raise ValidationError(str(exc)) from None
    parts = text.split()
    if len(parts) != len(CRON_FIELDS):
        raise ValidationError(f"A schedule has five fields (minute hour day month weekday), not “{text}”.")
    return dict(zip(CRON_FIELDS, parts, strict=True))


def crontab_text(schedule: CrontabSchedule) -> str:
    return " ".join(str(getattr(schedule, field)) for field in CRON_FIELDS)


def audit_schedule_version(task: PeriodicTask) -> int:
    """The schedule's version: a fingerprint of what an admin can change (beat's row has no counter)."""
    return version_fingerprint(f"{crontab_text(task.crontab)}|{task.enabled}")


def schedule_preview(*, cron: str, now: datetime | None = None, runs: int = PREVIEW_RUNS) -> SchedulePreview:
    """Describe `cron` and list its next runs after `now`; ValidationError({"cron": …}) if invalid."""
    try:
        fields = crontab_fields(cron)
        _crontab_validate(fields)
    except ValidationError as exc:
        raise ValidationError({"cron": exc.messages}) from None
    text = " ".join(fields.values())
    try:
        description = get_description(text, _DESCRIPTION_OPTIONS)
    except (FormatException, ValueError) as exc:
        raise ValidationError({"cron": f"“{text}” cannot be read as a schedule: {exc}"}) from None
    zone = ZoneInfo(SCHEDULE_TIMEZONE)
    schedule = crontab(**fields)
    moment = (now or timezone.now()).astimezone(zone).replace(second=0, microsecond=0)
    next_runs = []
    for _ in range(runs):
        # Beat's own arithmetic: the first run after `moment`, as if the audit had just run then.
        last, delta, _now = schedule.remaining_delta(moment, tz=zone)
        moment = last + delta
        next_runs.append(moment)
    return SchedulePreview(
        cron=text,
        description=description,
        words=cron_in_words(text),
        next_runs=tuple(next_runs),
        timezone=SCHEDULE_TIMEZONE,
    )


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
    version: str | None = None,
) -> PeriodicTask:
    """Change when the organization is audited (cron fields, UTC); enabled=False pauses it.

    With `version` (audit_schedule_version of what the writer read), a schedule changed since
    is refused with StaleVersion. The change is recorded in the organization's history.
    """
    fields = {
        "minute": minute,
        "hour": hour,
        "day_of_month": day_of_month,
        "month_of_year": month_of_year,
        "day_of_week": day_of_week,
    }
    crontab_row = _crontab_get(**fields)
    audit_schedule_get(organization=organization)  # the default, if it has none yet
    task = PeriodicTask.objects.select_for_update().get(name=audit_schedule_name(organization_id=organization.pk))
    version_check(
        task,
        version=version,
        current_version=audit_schedule_version(task),
        subject="The audit schedule",
        recorded_as=("auditschedule", task.pk),
    )
    before = {"schedule": crontab_text(task.crontab), "enabled": task.enabled}
    # save(), not update(): django-celery-beat's signals tell a running beat to reload.
    task.crontab, task.enabled = crontab_row, enabled
    task.save()
    after = {"schedule": crontab_text(crontab_row), "enabled": enabled}
    changes = [
        Change("auditschedule", task.pk, field, before[field], after[field])
        for field in after
        if before[field] != after[field]
    ]
    state = "" if enabled else ", paused"
    change_set_record(
        organization_id=organization.pk,
        kind="auditschedule.update",
        summary=f"Audit schedule set to “{cron_in_words(after['schedule'])}” (UTC){state}",
        changes=changes,
    )
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


def _crontab_validate(fields: dict[str, str]) -> None:
    """Strip and check each field; ValidationError({field: message}) names every bad one."""
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
    try:
        # Each field is valid on its own; Celery also refuses a date that never comes (31 February).
        crontab(**fields)
    except (ValueError, ParseException) as exc:
        raise ValidationError({"day_of_month": str(exc)}) from None


def _crontab_get(**fields: str) -> CrontabSchedule:
    _crontab_validate(fields)
    # Organizations with the same schedule share one crontab row.
    crontab = CrontabSchedule.objects.filter(timezone="UTC", **fields).order_by("pk").first()
    return crontab or CrontabSchedule.objects.create(timezone="UTC", **fields)
