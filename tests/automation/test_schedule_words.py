"""The audit schedule in words: chosen as "every weekday at 06:00", stored as cron, read back in words."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from cxowner.orgs.history import ChangeSet
from ownership.automation.schedules import audit_schedule_get, audit_schedule_set, audit_schedule_version, crontab_text
from ownership.engine.schedule_words import ScheduleWordsError, cron_in_words, cron_of, schedule_from_words


@pytest.mark.parametrize(
    ("words", "cron"),
    [
        ("every day at 02:00", "0 2 * * *"),
        ("every weekday at 06:00", "0 6 * * 1-5"),
        ("Every Monday at 9", "0 9 * * 1"),
        ("every week on sunday at 23:30", "30 23 * * 0"),
        ("every month on day 1 at 02:15", "15 2 1 * *"),
        ("every month on the 15th at 7pm", "0 19 15 * *"),
    ],
)
def test_a_schedule_in_words_is_stored_as_its_cron(words, cron):
    assert cron_of(words) == cron


def test_cron_typed_as_cron_stays_as_typed():
    assert cron_of(" */15 * * * * ") == "*/15 * * * *"
    assert schedule_from_words("0 6 * * 1-5") is None


@pytest.mark.parametrize("words", ["every fortnight at 06:00", "every day at 25:00", "every month on day 32"])
def test_words_that_are_no_schedule_say_why(words):
    with pytest.raises(ScheduleWordsError):
        cron_of(words)


@pytest.mark.parametrize(
    ("cron", "words"),
    [
        ("0 6 * * 1-5", "every weekday at 06:00"),
        ("0 2 * * *", "every day at 02:00"),
        ("30 9 * * 1", "every week on Monday at 09:30"),
        ("0 9 * * 7", "every week on Sunday at 09:00"),
        ("0 2 1 * *", "every month on day 1 at 02:00"),
        ("*/15 * * * *", "*/15 * * * *"),
        ("0 6 1 * 1-5", "0 6 1 * 1-5"),
    ],
)
def test_a_stored_cron_reads_in_words_where_it_matches_a_form_and_as_cron_otherwise(cron, words):
    assert cron_in_words(cron) == words


@pytest.mark.django_db
def test_the_command_accepts_a_schedule_in_words(organization):
    out = StringIO()
    call_command("audit_schedule", organization.slug, "every weekday at 06:00", stdout=out)

    assert crontab_text(audit_schedule_get(organization=organization).crontab) == "0 6 * * 1-5"
    assert "every weekday at 06:00" in out.getvalue()


@pytest.mark.django_db
def test_the_history_records_the_schedule_in_words(organization):
    audit_schedule_set(organization=organization, minute="0", hour="6", day_of_week="1-5")

    assert "every weekday at 06:00" in ChangeSet.objects.get(kind="auditschedule.update").summary


def _settings(organization, name="settings"):
    return reverse(f"ownership:{name}", args=[organization.slug])


def _chosen(organization, **fields):
    version = audit_schedule_version(audit_schedule_get(organization=organization))
    return {"version": version, "enabled": "on", "time": "06:00", "cron": "", **fields}


@pytest.mark.django_db
def test_an_admin_chooses_every_week_on_a_day_and_it_is_stored_as_cron(organization, client_as):
    admin = client_as("admin")

    response = admin.post(
        _settings(organization, "settings_schedule"), _chosen(organization, frequency="week", weekday="3")
    )

    assert response.status_code == 302
    assert crontab_text(audit_schedule_get(organization=organization).crontab) == "0 6 * * 3"
    assert "every week on Wednesday at 06:00" in admin.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_a_choice_missing_its_day_is_explained_and_nothing_is_saved(organization, client_as):
    response = client_as("admin").post(
        _settings(organization, "settings_schedule"), _chosen(organization, frequency="month", day_of_month="")
    )

    assert response.status_code == 400 and "Choose a day of the month" in response.content.decode()
    assert crontab_text(audit_schedule_get(organization=organization).crontab) == "0 2 * * *"


@pytest.mark.django_db
def test_the_settings_page_shows_a_stored_schedule_as_its_choice(organization, client_as):
    audit_schedule_set(organization=organization, minute="0", hour="6", day_of_week="1-5")

    html = client_as("viewer").get(_settings(organization)).content.decode()

    assert '<option value="weekday" selected>' in html and 'value="06:00"' in html
    assert "Every weekday at 06:00" in html


@pytest.mark.django_db
def test_a_cron_matching_no_form_shows_as_the_advanced_cron(organization, client_as):
    audit_schedule_set(organization=organization, minute="*/15", hour="*")

    html = client_as("viewer").get(_settings(organization)).content.decode()

    assert '<option value="cron" selected>' in html and 'value="*/15 * * * *"' in html


@pytest.mark.django_db
def test_the_preview_follows_the_choice_being_made(organization, client_as):
    html = (
        client_as("viewer")
        .get(_settings(organization, "schedule_preview"), {"frequency": "month", "day_of_month": "1", "time": "02:00"})
        .content.decode()
    )

    assert "Every month on day 1 at 02:00" in html and html.count("<li>") == 5


@pytest.mark.django_db
def test_the_api_takes_a_schedule_in_words_and_answers_with_them(organization, member):
    client = APIClient()
    client.force_login(member("admin"))
    url = f"/api/v1/orgs/{organization.slug}/audit-schedule/"
    version = client.get(url).json()["version"]

    body = client.put(url, {"cron": "every monday at 9", "version": version}, format="json").json()

    assert (body["cron"], body["words"]) == ("0 9 * * 1", "every week on Monday at 09:00")
    assert client.get(url, {"cron": "every fortnight"}).status_code == 400
