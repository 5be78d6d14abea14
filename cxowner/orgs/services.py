"""Write operations on organizations: members, API tokens and the rule settings.

Used by the API and by the admin's "members and tokens" page alike.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .history import object_changes, object_created, object_deleted, object_record
from .locks import organization_locked, rows_locked
from .models import ApiToken, Membership, Organization, TokenScope
from .signals import MatrixScope, matrix_change_announce
from .token_lookup import token_with_organization
from .versions import version_check, version_fingerprint

# Keys look like "cxo_<prefix>_<secret>": the prefix finds the row, the whole key is hashed.
KEY_SCHEME = "cxo"
# last_used_at is written at most this often per token, so reads stay reads.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# The organization's rule thresholds: the settings an admin may change.
ORGANIZATION_SETTINGS = (
    "name",
    "responsible_limit",
    "consult_limit",
    "inform_limit",
    "bottleneck_min_touchpoints",
    "bottleneck_share",
    "review_period_days",
)


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _last_admin(membership: Membership) -> bool:
    return (
        membership.role == Membership.Role.ADMIN
        and not Membership.objects.filter(organization_id=membership.organization_id, role=Membership.Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


# Tokens ------------------------------------------------------------------------------------


def token_create(
    *,
    organization: Organization,
    name: str,
    role: str,
    expires_at: datetime | None = None,
    created_by=None,
    scope: str = TokenScope.API,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its key; the key is not stored and cannot be shown again.

    A SCIM token (scope "scim") acts as the identity provider, with an admin's reach over members."""
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must be in the future."})
    prefix = secrets.token_hex(6)
    key = f"{KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        organization=organization,
        name=name.strip(),
        role=Membership.Role.ADMIN if scope == TokenScope.SCIM else role,
        scope=scope,
        prefix=prefix,
        key_hash=_hash_key(key),
        expires_at=expires_at,
        created_by=created_by,
    )
    token.full_clean()
    token.save()
    object_record(obj=token, action="create", changes=[object_created(token)])
    return token, key


def token_revoke(*, token: ApiToken, at: datetime | None = None) -> ApiToken:
    """Revoke the token at once; revoking twice keeps the first time."""
    if token.revoked_at is None:
        token.revoked_at = at or timezone.now()
        with transaction.atomic():
            token.save(update_fields=["revoked_at"])
            revoked = object_changes(
                object_type="apitoken", object_id=token.pk, before={}, after={"revoked_at": token.revoked_at}
            )
            object_record(obj=token, action="revoke", changes=revoked)
    return token


def token_authenticate(*, key: str, now: datetime | None = None) -> ApiToken | None:
    """The active token with this key, or None (unknown, malformed, revoked or expired)."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_SCHEME:
        return None
    # One query written once (token_lookup): it runs on every token request.
    token = token_with_organization(parts[1])
    now = now or timezone.now()
    if token is None or not hmac.compare_digest(token.key_hash, _hash_key(key)) or not token.is_active(now):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# Members -----------------------------------------------------------------------------------


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str) -> Membership:
    """Change a member's role; the last admin cannot be demoted, or nobody could manage the organization."""
    membership = rows_locked(Membership.objects.filter(pk=membership.pk)).get()
    if role != Membership.Role.ADMIN and _last_admin(membership):
        raise ValidationError({"role": "The organization needs at least one admin."})
    before = {"role": membership.role}
    membership.role = role
    membership.full_clean()
    membership.save(update_fields=["role"])
    changes = object_changes(
        object_type="membership", object_id=membership.pk, before=before, after={"role": membership.role}
    )
    object_record(obj=membership, action="update", changes=changes)
    return membership


@transaction.atomic
def membership_admin_add(*, organization: Organization, user) -> Membership:
    """Make `user` an admin of the organization: how the commands give a new organization its first member."""
    membership, created = Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"role": Membership.Role.ADMIN}
    )
    if created:
        object_record(obj=membership, action="create", changes=[object_created(membership)])
    elif membership.role != Membership.Role.ADMIN:
        membership = membership_set_role(membership=membership, role=Membership.Role.ADMIN)
    return membership


@transaction.atomic
def membership_add(*, organization: Organization, user, role: str) -> Membership:
    """Make `user` a member with `role` (the identity provider's provisioning); a member already keeps their row."""
    membership, created = Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    if created:
        object_record(obj=membership, action="create", changes=[object_created(membership)])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, even_last_admin: bool = False) -> None:
    """Remove a member. The last admin stays, unless `even_last_admin`: a leaver the identity
    provider deactivated loses access even then (ownership.provisioning)."""
    membership = rows_locked(Membership.objects.filter(pk=membership.pk)).get()
    if not even_last_admin and _last_admin(membership):
        raise ValidationError("The organization needs at least one admin.")
    object_record(obj=membership, action="remove", changes=[object_deleted(membership)])
    membership.delete()


# Settings ----------------------------------------------------------------------------------


def organization_settings_version(organization: Organization) -> int:
    """The settings' version: a fingerprint of their values (the organization's row has no counter)."""
    # The share is a Decimal once read back and a float before: format it the same either way.
    values = "|".join(
        f"{float(getattr(organization, name)):.2f}" if name == "bottleneck_share" else str(getattr(organization, name))
        for name in ORGANIZATION_SETTINGS
    )
    return version_fingerprint(values)


def _settings_record(organization: Organization, before: dict[str, Any], after: dict[str, Any]) -> None:
    # A share written as 0.6 reads back as Decimal("0.60"): compare them as the same text.
    if "bottleneck_share" in after:
        before["bottleneck_share"], after["bottleneck_share"] = (
            f"{float(value):.2f}" for value in (before["bottleneck_share"], after["bottleneck_share"])
        )
    changes = object_changes(object_type="organization", object_id=organization.pk, before=before, after=after)
    object_record(obj=organization, action="update", changes=changes, organization_id=organization.pk)


@transaction.atomic
def organization_settings_update(*, organization: Organization, version: int | None, **changes: Any) -> Organization:
    """Change the name or rule thresholds if they are still at `version` (None: unconditionally)."""
    unknown = set(changes) - set(ORGANIZATION_SETTINGS)
    if unknown:
        raise ValidationError(f"Not a setting: {', '.join(sorted(unknown))}.")
    # The exclusive lock before the row (cxowner/orgs/locks.py): thresholds judge every cell.
    organization_locked(organization.pk)
    current = rows_locked(Organization.objects.filter(pk=organization.pk)).get()
    version_check(current, version=version, current_version=organization_settings_version(current))
    before = {name: getattr(current, name) for name in changes}
    for name, value in changes.items():
        setattr(current, name, value)
    current.full_clean()
    current.save(update_fields=list(changes) or None)
    after = {name: getattr(current, name) for name in changes}
    _settings_record(current, before, after)
    if set(changes) - {"name"}:
        # Thresholds apply to every touchpoint and function: the whole gap state is recomputed.
        matrix_change_announce(organization_id=current.pk, scope=MatrixScope.of("settings", organization_wide=True))
        current.refresh_from_db()
    return current
