"""Every e-mail the product sends is built here, so that no stored value can break one.

A subject is a mail header: a CR or LF in it (an organization once named "Inj\\rBcc: …") made
Django raise BadHeaderError and stopped invitations, digests and webhooks. Names are stored clean
(cxowner.orgs.names), but a subject also holds other texts (a finding's message, a campaign's
name written before the rule): `mail_subject` makes any text one header line, whatever it holds.
Bodies keep their line breaks and lose only the control characters no mail reader shows.
"""

from __future__ import annotations

import logging
import re
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from .names import one_line

logger = logging.getLogger(__name__)

# Longer subjects are folded or cut by mail clients anyway; the organization's name comes first.
SUBJECT_MAX_CHARS = 200
SUBJECT_NAME_MAX_CHARS = 60
_SPACES = re.compile(r" {2,}")
_BODY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# What a mail server or the network answers when sending fails for now: worth another try later.
MAIL_ERRORS = (smtplib.SMTPException, OSError)


def mail_subject(text: str) -> str:
    """`text` as one header line: no control characters, single spaces, at most SUBJECT_MAX_CHARS."""
    subject = _SPACES.sub(" ", one_line(str(text))).strip()
    return subject if len(subject) <= SUBJECT_MAX_CHARS else subject[: SUBJECT_MAX_CHARS - 1] + "…"


def subject_name(name: object) -> str:
    """A name as a subject shows it: one line, cut to SUBJECT_NAME_MAX_CHARS, so that what the mail
    is about still shows after a long organization name."""
    text = _SPACES.sub(" ", one_line(str(name))).strip()
    return text if len(text) <= SUBJECT_NAME_MAX_CHARS else text[: SUBJECT_NAME_MAX_CHARS - 1] + "…"


def organization_subject(organization: object, what: str) -> str:
    """ "[cxowner] Acme: 3 gap(s) opened, 1 resolved": the product, whose mail it is, what it says."""
    return f"[cxowner] {subject_name(organization)}: {what}"


def mail_body(text: str) -> str:
    """`text` with its lines kept, without the control characters (NUL, escapes) no reader shows."""
    return _BODY_CONTROLS.sub("", str(text).replace("\r\n", "\n").replace("\r", "\n"))


def mail_message(*, subject: str, body: str, to: str) -> EmailMessage:
    """One message to one address (colleagues never see each other's addresses).

    The address is a header too: one written past the e-mail checks (a holder's address from an
    old import) loses its line breaks, so the server refuses it rather than it adding headers."""
    address = _SPACES.sub(" ", one_line(to)).strip()
    return EmailMessage(mail_subject(subject), mail_body(body), settings.DEFAULT_FROM_EMAIL, [address])


def mails_send(messages: list[EmailMessage]) -> int:
    """Send the messages over one connection; raises MAIL_ERRORS when the server fails."""
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0


def mail_send(*, subject: str, body: str, to: str) -> int:
    return mails_send([mail_message(subject=subject, body=body, to=to)])


def mail_error_text(error: BaseException) -> str:
    """A failure in words for the log and the admins' page: the exception's class and message."""
    return mail_subject(f"{type(error).__name__}: {error}") or type(error).__name__
