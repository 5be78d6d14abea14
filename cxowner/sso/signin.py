"""A person the organization's provider has signed in: which user they are, and whether they may enter.

The provider's subject (`sub`) finds a user it has signed in before. The first time, its e-mail
address must be in one of the organization's proven domains (cxowner/sso/domains.py) and marked
verified by the provider (`email_verified`): an existing user with that address is linked, or, where the organization
allows it, a new user joins with the default role. A provider speaks for its own organization
only: it may not take over an account that belongs to other organizations and not to its own.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cxowner.orgs.change_context import change_context
from cxowner.orgs.history import change_set_record, object_changes, object_created, object_record
from cxowner.orgs.models import Membership

from .errors import SsoRefused
from .models import SingleSignOn, SsoIdentity
from .secrets import secret_encrypt
from .selectors import email_domain


def _verified(claims: dict) -> bool:
    """The provider vouches for the address: `email_verified`, or Entra ID's `xms_edov` (the
    address's domain is verified by the tenant; Entra ID sends no `email_verified`). Some send
    the claim as the string "true"; anything else is no verification."""
    return any(claims.get(name) in (True, "true") for name in ("email_verified", "xms_edov"))


def _allowed_email(single_sign_on: SingleSignOn, claims: dict) -> str:
    email = str(claims.get("email") or "").strip()
    domain = email_domain(email)
    if not domain:
        raise SsoRefused(f"{single_sign_on.name} did not give an e-mail address, so you cannot be signed in.")
    claim = single_sign_on.domains.filter(domain=domain).first()
    if claim is None:
        raise SsoRefused(
            f"Addresses at {domain} may not sign in to {single_sign_on.organization.name}; "
            "ask its admin to allow the domain."
        )
    if claim.verified_at is None:
        # Until it is proven, another organization's provider could vouch for anyone's address.
        raise SsoRefused(
            f"{single_sign_on.organization.name} has not yet proven that it owns {domain}; "
            "its admin can do so on the single sign-on settings page."
        )
    if not _verified(claims):
        raise SsoRefused(
            f"{single_sign_on.name} does not say that {email} is verified, so it cannot be used to sign you in."
        )
    return email


def _username_for(email: str) -> str:
    base = re.sub(r"[^\w.@+-]", "", email)[:140] or "member"
    users = get_user_model().objects
    username, number = base, 1
    while users.filter(username__iexact=username).exists():
        number += 1
        username = f"{base}-{number}"
    return username


def _user_found_or_made(single_sign_on: SingleSignOn, email: str):
    """The user with this address, when the provider may speak for them; else a new one if allowed."""
    organization = single_sign_on.organization
    users = list(get_user_model().objects.filter(email__iexact=email)[:2])
    if len(users) > 1:
        raise SsoRefused(f"Several accounts use {email}; ask an admin of {organization.name} to sort them out.")
    if users:
        user = users[0]
        memberships = Membership.objects.filter(user=user)
        if memberships.exists() and not memberships.filter(organization=organization).exists():
            raise SsoRefused(
                f"The account of {email} belongs to other organizations; an admin of {organization.name} "
                "can invite it, then it can sign in here."
            )
        return user
    if not single_sign_on.allow_jit:
        raise SsoRefused(f"You are not a member of {organization.name}; ask one of its admins to invite you.")
    # No password: they sign in through the provider ("Forgot your password?" can give them one).
    return get_user_model().objects.create_user(username=_username_for(email), email=email)


def _member(single_sign_on: SingleSignOn, user) -> Membership:
    membership = Membership.objects.filter(organization=single_sign_on.organization, user=user).first()
    if membership is not None:
        return membership
    if not single_sign_on.allow_jit:
        raise SsoRefused(
            f"You are not a member of {single_sign_on.organization.name}; ask one of its admins to invite you."
        )
    membership = Membership.objects.create(
        organization=single_sign_on.organization, user=user, role=single_sign_on.default_role
    )
    object_record(obj=membership, action="join", changes=[object_created(membership)])
    return membership


@transaction.atomic
def sso_sign_in(*, single_sign_on: SingleSignOn, claims: dict, refresh_token: str = "") -> Membership:
    """The membership of the person `claims` describe (the provider's verified ID token and
    userinfo); SsoRefused, saying why, when they may not enter. Recorded as the provider's doing.
    The provider's `refresh_token`, if it gave one, is kept (encrypted) for cxowner/sso/recheck.py."""
    if not single_sign_on.enabled:
        raise SsoRefused(f"Single sign-on with {single_sign_on.name} is turned off.")
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SsoRefused(f"{single_sign_on.name} did not say who you are (no subject).")
    with change_context(surface="browser", actor=single_sign_on.name):
        identity = (
            SsoIdentity.objects.select_related("user").filter(single_sign_on=single_sign_on, subject=subject).first()
        )
        if identity is None:
            user = _user_found_or_made(single_sign_on, _allowed_email(single_sign_on, claims))
            if SsoIdentity.objects.filter(single_sign_on=single_sign_on, user=user).exists():
                raise SsoRefused(f"The account of {user.email} is linked to another identity at {single_sign_on.name}.")
            identity = SsoIdentity.objects.create(single_sign_on=single_sign_on, subject=subject, user=user)
            _record(
                identity, "link", f"“{user.get_username()}” linked to {single_sign_on.name}", [object_created(identity)]
            )
        if not identity.user.is_active:
            raise SsoRefused("This account is deactivated.")
        membership = _member(single_sign_on, identity.user)
        before = {"last_sign_in_at": identity.last_sign_in_at}
        identity.last_sign_in_at = timezone.now()
        identity.refresh_token_encrypted = secret_encrypt(refresh_token) if refresh_token else ""
        identity.save(update_fields=["last_sign_in_at", "refresh_token_encrypted"])
        after = {"last_sign_in_at": identity.last_sign_in_at}
        signed_in = object_changes(object_type="ssoidentity", object_id=identity.pk, before=before, after=after)
        _record(
            identity, "sign_in", f"“{identity.user.get_username()}” signed in with {single_sign_on.name}", signed_in
        )
    return membership


def _record(identity: SsoIdentity, action: str, summary: str, changes) -> None:
    change_set_record(
        organization_id=identity.single_sign_on.organization_id, kind=f"sso.{action}", summary=summary, changes=changes
    )
