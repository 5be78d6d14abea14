"""seed_demo builds the demo once; a newcomer's changes survive `make run`; --reset starts over."""

import os

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from cxowner.orgs.models import ApiToken, Organization
from cxowner.orgs.services import token_create
from journeys.models import Touchpoint
from journeys.services import touchpoint_update
from ownership.automation.schedules import audit_schedule_get, crontab_text
from ownership.gaps.audits import audit_organization
from ownership.imports.services import matrix_export
from ownership.models import AuditRun

pytestmark = pytest.mark.django_db


def seed(*args: str) -> None:
    call_command("seed_demo", *args, stdout=open(os.devnull, "w"))  # noqa: SIM115


def demo() -> Organization:
    return Organization.objects.get(slug="demo")


def demo_csv() -> bytes:
    return b"".join(matrix_export(organization=demo(), fmt="csv").chunks)


def edit_the_demo() -> None:
    """What a newcomer does in the first hour: renames a touchpoint, makes a token, audits."""
    cashier = Touchpoint.objects.get(organization=demo(), name="Cashier")
    touchpoint_update(touchpoint=cashier, version=None, name="Checkout desk")
    token_create(organization=demo(), name="BI export", role="viewer")
    audit_organization(organization=demo(), trigger=AuditRun.Trigger.MANUAL)
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("my-own-password")
    admin.save()


def test_seed_demo_keeps_an_existing_demo_with_its_edits_tokens_and_history(capsys):
    seed()
    edit_the_demo()
    organization_id = demo().pk

    call_command("seed_demo")

    assert "kept as it is" in capsys.readouterr().out
    assert demo().pk == organization_id
    assert Touchpoint.objects.filter(organization=demo(), name="Checkout desk").exists()
    assert ApiToken.objects.filter(organization=demo(), name="BI export").exists()
    assert AuditRun.objects.filter(organization=demo()).count() == 2
    assert get_user_model().objects.get(username="admin").check_password("my-own-password")


def test_seed_demo_reset_builds_the_demo_anew():
    seed()
    edit_the_demo()

    seed("--reset")

    assert Organization.objects.filter(slug="demo").count() == 1
    assert Touchpoint.objects.filter(organization=demo(), name="Cashier").exists()
    assert not Touchpoint.objects.filter(name="Checkout desk").exists()
    assert not ApiToken.objects.exists()
    assert AuditRun.objects.filter(organization=demo()).count() == 1
    assert get_user_model().objects.get(username="admin").check_password("cxowner-admin")


def test_seed_demo_builds_the_same_demo_every_time():
    seed()
    first_matrix = demo_csv()
    first_counts = AuditRun.objects.get(organization=demo()).counts_by_rule

    seed("--reset")

    assert demo_csv() == first_matrix
    assert AuditRun.objects.get(organization=demo()).counts_by_rule == first_counts


def test_seed_demo_sets_the_audit_schedule_of_the_demo_it_builds():
    seed("--audit-schedule", "* * * * *")
    assert crontab_text(audit_schedule_get(organization=demo()).crontab) == "* * * * *"


def test_a_kept_demo_keeps_the_audit_schedule_its_admins_chose():
    seed("--audit-schedule", "* * * * *")
    call_command("audit_schedule", "demo", "30 6 * * 1", stdout=open(os.devnull, "w"))  # noqa: SIM115

    seed("--audit-schedule", "* * * * *")

    assert crontab_text(audit_schedule_get(organization=demo()).crontab) == "30 6 * * 1"


def test_a_reset_demo_keeps_the_audit_schedule_it_was_given():
    seed("--audit-schedule", "* * * * *")

    seed("--reset")

    assert crontab_text(audit_schedule_get(organization=demo()).crontab) == "* * * * *"


def test_a_reset_demo_stays_paused_if_it_was():
    seed("--audit-schedule", "* * * * *")
    call_command("audit_schedule", "demo", "--pause", stdout=open(os.devnull, "w"))  # noqa: SIM115

    seed("--reset")

    schedule = audit_schedule_get(organization=demo())
    assert (crontab_text(schedule.crontab), schedule.enabled) == ("* * * * *", False)


def test_a_reset_with_a_schedule_takes_the_new_one():
    seed("--audit-schedule", "* * * * *")

    seed("--reset", "--audit-schedule", "0 6 * * 1-5")

    assert crontab_text(audit_schedule_get(organization=demo()).crontab) == "0 6 * * 1-5"


@pytest.mark.parametrize("cron", ["every minute", "99 * * * *"])
def test_seed_demo_refuses_a_bad_schedule_and_builds_nothing(cron):
    with pytest.raises(CommandError):
        seed("--audit-schedule", cron)
    assert not Organization.objects.exists()
