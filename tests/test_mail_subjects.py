"""A mail's subject says what the mail is about, whatever the organization is called."""

from cxowner.orgs.mail import SUBJECT_NAME_MAX_CHARS, mail_subject, organization_subject


def test_a_long_organization_name_is_cut_so_that_what_the_mail_says_still_shows():
    subject = mail_subject(organization_subject("Acme " * 200, "3 gap(s) opened, 1 resolved"))
    assert subject.endswith(": 3 gap(s) opened, 1 resolved")
    assert subject.startswith("[cxowner] Acme")
    assert len(subject) < SUBJECT_NAME_MAX_CHARS + 60


def test_a_name_with_line_breaks_is_one_line_in_the_subject():
    subject = mail_subject(organization_subject("Inj\rBcc: victim@example.test", "ownership report for May 2026"))
    assert "\r" not in subject and "\n" not in subject
    assert subject == "[cxowner] Inj Bcc: victim@example.test: ownership report for May 2026"
