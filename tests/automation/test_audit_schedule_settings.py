"""The audit schedule as admins edit it: in words, its next runs, versioned, on the record."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from cxowner.orgs.errors import StaleVersion
from cxowner.orgs.history import ChangeItem, ChangeSet
from ownership.automation.schedules import (
    audit_schedule_get,
    audit_schedule_set,
    audit_schedule_version,
    crontab_text,
    schedule_preview,
)

NOW = datetime(2026, 11, 29, 22, 13, tzinfo=UTC)


def test_a_nightly_schedule_reads_in_words_with_its_next_five_nights():
    preview = schedule_preview(cron="0 2 * * *", now=NOW)

    assert preview.description == "At 02:00"
    assert preview.timezone == "UTC"
    assert [run.isoformat() for run in preview.next_runs] == [
        "2026-11-30T02:00:00+00:00",
        "2026-12-01T02:00:00+00:00",
        "2026-12-02T02:00:00+00:00",
        "2026-12-03T02:00:00+00:00",
        "2026-12-04T02:00:00+00:00",
    ]


def test_weekday_ranges_and_steps_follow_beats_reading():
    preview = schedule_preview(cron="*/30 9-10 * * 1-5", now=datetime(2026, 12, 4, 10, 10, tzinfo=UTC))  # a Friday

    assert "Monday through Friday" in preview.description
    assert [run.strftime("%a %H:%M") for run in preview.next_runs] == [
        "Fri 10:30",
        "Mon 09:00",
        "Mon 09:30",
        "Mon 10:00",
        "Mon 10:30",
    ]


def test_a_leap_day_schedule_skips_to_the_leap_years():
    preview = schedule_preview(cron="0 0 29 2 *", now=NOW)

    assert [run.year for run in preview.next_runs] == [2028, 2032, 2036, 2040, 2044]


@pytest.mark.parametrize(
    ("cron", "reason"),
    [
        ("0 2 * *", "five fields"),
        ("61 2 * * *", "not a valid minute"),
        ("0 25 * * *", "not a valid hour"),
        ("0 0 31 2 *", "never occurs"),
        ("", "five fields"),
    ],
)
def test_an_invalid_schedule_is_refused_under_cron_with_the_reason(cron, reason):
    with pytest.raises(ValidationError) as refused:
        schedule_preview(cron=cron, now=NOW)

    assert reason in " ".join(refused.value.message_dict["cron"])


@pytest.mark.django_db
def test_changing_the_schedule_is_recorded_with_before_and_after(organization):
    audit_schedule_get(organization=organization)

    audit_schedule_set(organization=organization, minute="30", hour="6", day_of_week="1", enabled=False)

    change = ChangeSet.objects.get(organization=organization, kind="auditschedule.update")
    assert "every week on Monday at 06:30" in change.summary
    items = {item.field: (item.before, item.after) for item in ChangeItem.objects.filter(change_set=change)}
    assert items == {"schedule": ("0 2 * * *", "30 6 * * 1"), "enabled": (True, False)}


@pytest.mark.django_db
def test_saving_the_same_schedule_records_nothing(organization):
    audit_schedule_get(organization=organization)

    audit_schedule_set(organization=organization, minute="0", hour="2")

    assert not ChangeSet.objects.filter(organization=organization).exists()


@pytest.mark.django_db
def test_a_schedule_changed_since_it_was_read_is_refused_and_kept(organization):
    read = audit_schedule_version(audit_schedule_get(organization=organization))
    audit_schedule_set(organization=organization, hour="4", version=read)

    with pytest.raises(StaleVersion):
        audit_schedule_set(organization=organization, hour="5", version=read)

    assert crontab_text(audit_schedule_get(organization=organization).crontab) == "0 4 * * *"


@pytest.mark.django_db
def test_a_date_that_never_comes_is_refused_and_nothing_is_saved(organization):
    audit_schedule_get(organization=organization)

    with pytest.raises(ValidationError):
        audit_schedule_set(organization=organization, day_of_month="31", month_of_year="2")

    assert crontab_text(audit_schedule_get(organization=organization).crontab) == "0 2 * * *"


@pytest.mark.django_db
def test_the_command_records_its_change_as_made_on_the_command_line(organization):
    call_command("audit_schedule", organization.slug, "0 7 * * *", stdout=StringIO())

    change = ChangeSet.objects.get(organization=organization, kind="auditschedule.update")
    assert change.surface == "cli" and "every day at 07:00" in change.summary
