"""The monthly report mail: once a month, the PDF attached, to the named recipients or the admins."""

import io
from datetime import date

import pytest
from django.core import mail
from pypdf import PdfReader

from ownership.gaps.audits import audit_organization
from ownership.models import ReportDelivery
from ownership.reports.mail import report_mail_send, report_mails_due, report_schedule_get, report_schedule_set
from ownership.reports.tasks import report_mails_due_task
from tests.factories import MembershipFactory, UserFactory, matrix_build

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("outbox")]
TODAY = date(2026, 12, 1)


@pytest.fixture
def monthly(organization):
    matrix_build(organization=organization, touchpoints=12, functions=3, stages=2)
    audit_organization(organization=organization, trigger="manual")
    return report_schedule_set(organization=organization, monthly=True, recipients=["board@example.com"], version=None)


def test_the_report_goes_out_as_a_pdf_whose_text_has_the_coverage(organization, monthly):
    delivery = report_mail_send(organization=organization, today=TODAY)
    (message,) = mail.outbox
    assert message.to == ["board@example.com"]
    assert message.subject == f"[cxowner] {organization.name}: ownership report for December 2026"
    ((filename, content, mimetype),) = message.attachments
    assert (filename, mimetype) == (f"ownership-report-{organization.slug}-2026-12-01.pdf", "application/pdf")
    coverage = f"{round(100 * delivery.coverage)}%"
    assert coverage in PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert f"Coverage: {coverage}" in message.body


def test_the_report_goes_out_once_a_month(organization, monthly):
    assert report_mail_send(organization=organization, today=TODAY) is not None
    assert report_mail_send(organization=organization, today=date(2026, 12, 15)) is None
    assert report_mail_send(organization=organization, today=date(2027, 1, 1)) is not None
    assert len(mail.outbox) == 2
    assert list(ReportDelivery.objects.values_list("month", flat=True)) == [date(2027, 1, 1), date(2026, 12, 1)]


def test_nothing_goes_out_while_the_mail_is_off(organization):
    assert report_mail_send(organization=organization, today=TODAY) is None
    assert mail.outbox == []
    assert not ReportDelivery.objects.exists()


def test_without_named_recipients_the_admins_receive_it_each_alone(organization, monthly):
    admins = [MembershipFactory(organization=organization, role="admin").user for _ in range(2)]
    MembershipFactory(organization=organization, role="editor")
    MembershipFactory(organization=organization, role="admin", user=UserFactory(is_active=False))
    report_schedule_set(organization=organization, monthly=True, recipients=[], version=None)
    report_mail_send(organization=organization, today=TODAY)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(a.email for a in admins)
    assert all(len(m.to) == 1 for m in mail.outbox)


def test_beat_hands_only_the_due_organizations_to_their_tasks(organization, monthly, monkeypatch):
    other = MembershipFactory(role="admin").organization
    report_schedule_set(organization=other, monthly=False, recipients=[], version=None)
    assert report_mails_due(today=TODAY) == [organization.pk]
    monkeypatch.setattr("ownership.reports.tasks.timezone.localdate", lambda: TODAY)
    assert report_mails_due_task.delay().get() == 1  # eager: the organization's task ran too
    assert len(mail.outbox) == 1
    assert report_mails_due(today=TODAY) == []


def test_a_failed_send_leaves_the_month_to_try_again(organization, monthly, monkeypatch):
    def refuse(self, messages):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with pytest.raises(OSError):
        report_mail_send(organization=organization, today=TODAY)
    assert report_mails_due(today=TODAY) == [organization.pk]


def test_reading_the_setting_writes_nothing(organization):
    schedule = report_schedule_get(organization=organization)
    assert (schedule.monthly, schedule.recipients, schedule.version, schedule.pk) == (False, [], 1, None)
