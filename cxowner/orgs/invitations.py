"""Invitations: the one way into an organization.

An admin invites an e-mail address with a role; the address receives a one-time link that
expires after INVITATION_EXPIRY_DAYS. Whoever follows it signs in (or creates an account) and
accepts, and becomes a member with that role. No answer to the admin says whether the address
belongs to an existing user, here or in another organization.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .change_context import change_context, current_change_context
from .history import object_changes, object_created, object_record
from .locks import rows_locked
from .mail import mail_error_text, mail_send, subject_name
from .models import Invitation, Membership, Organization

TOKEN_BYTES = 32

logger = logging.getLogger(__name__)


class InvitationInvalid(Exception):
    """The link is unknown, used, revoked or expired."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(
    *, organization: Organization, email: str, role: str, invited_by=None, accept_url: str
) -> tuple[Invitation, str]:
    """Invite `email` with `role` and send the link; returns the invitation and its one-time token.

    `accept_url` is the link's address with "{token}" where the token goes. Inviting an address
    again replaces its open invitation (the old link stops working).
    """
    email = email.strip()
    invitation = Invitation(
        organization=organization,
        email=email,
        role=role,
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_EXPIRY_DAYS),
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation.token_hash = _hash(token)
    invitation.full_clean()
    # Members are told apart by their account, never by a guess at an address: an existing
    # member invited again simply gets a link, which changes nothing when accepted.
    # Set once the e-mail was tried, after the commit: True sent, False failed (the admin gets the
    # link to pass on instead), None not yet (the caller's own transaction is still open).
    invitation.mail_sent = None
    Invitation.objects.filter(
        organization=organization, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    invitation.save()
    object_record(obj=invitation, action="create", changes=[object_created(invitation)])
    link = accept_url.replace("{token}", token)
    transaction.on_commit(lambda: _invitation_mail(invitation=invitation, link=link))
    return invitation, token


def _invitation_mail(*, invitation: Invitation, link: str) -> None:
    """Send the link, after the commit; a failure is logged and left on `mail_sent`, never raised:
    the invitation is made, and the admin is shown its link to pass on another way."""
    name = invitation.organization.name
    try:
        mail_send(
            subject=f"You are invited to {subject_name(name)} on cxowner",
            body=(
                f"{name} invites you to join as {invitation.role} on cxowner.\n\n"
                f"Open this link to accept; it works once, until {invitation.expires_at:%d %B %Y}:\n{link}\n\n"
                "If you did not expect this, ignore this e-mail."
            ),
            to=invitation.email,
        )
    except Exception as error:
        logger.error("Invitation %s: the e-mail could not be sent: %s", invitation.pk, mail_error_text(error))
        invitation.mail_sent = False
    else:
        invitation.mail_sent = True


def invitation_for_token(*, token: str) -> Invitation:
    """The open invitation behind a link, or InvitationInvalid."""
    invitation = (
        Invitation.objects.select_related("organization").filter(token_hash=_hash(token)).order_by().first()
        if token
        else None
    )
    if invitation is None or not invitation.is_open(timezone.now()):
        raise InvitationInvalid("This invitation link is not valid: it was used, withdrawn or has expired.")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user) -> Membership:
    """Make `user` a member with the invitation's role (someone already a member keeps their role)."""
    invitation = invitation_for_token(token=token)
    invitation = rows_locked(Invitation.objects.filter(pk=invitation.pk)).get()
    if not invitation.is_open(timezone.now()):
        raise InvitationInvalid("This invitation link is not valid: it was used, withdrawn or has expired.")
    membership, created = Membership.objects.get_or_create(
        organization_id=invitation.organization_id, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if created:
        # The invitee acts here, whoever (or no one yet) is signed in.
        with change_context(surface=current_change_context().surface, user=user):
            object_record(obj=membership, action="create", changes=[object_created(membership)])
    return membership


@transaction.atomic
def invitation_accept_as_new_user(*, token: str, username: str, password: str) -> Membership:
    """Create an account for the invitee (with the invited e-mail) and accept."""
    invitation = invitation_for_token(token=token)
    user_model = get_user_model()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "This username is taken; choose another, or sign in if it is yours."})
    user = user_model(username=username, email=invitation.email)
    user.full_clean(exclude=["password"])
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.save()
    return invitation_accept(token=token, user=user)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    now = timezone.now()
    if Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    ):
        revoked = object_changes(
            object_type="invitation", object_id=invitation.pk, before={}, after={"revoked_at": now}
        )
        object_record(obj=invitation, action="revoke", changes=revoked)
