"""SCIM users of an organization: made, changed, deactivated and deleted by its identity provider.

A SCIM user is a cxowner account as this organization's provider knows it (ScimUser). Active,
they are a member; deactivated or deleted, they leave through member_left (ownership.provisioning
.leavers): their roles fall vacant and their access to this organization ends at once. An
account that no organization has as a member any more is made inactive, so it cannot sign in
anywhere; reactivating them makes it active again.

userName is the account's username, unique across cxowner. The provider may link an account
that already exists only if it is already a member of this organization (an admin let them in);
an account of other organizations only is refused (409), so one organization's provider can
never take over another's person. The account's name and e-mail follow the provider only while
the account belongs to no other organization: they are the person's everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from cxowner.orgs.history import object_changes, object_created, object_deleted, object_record
from cxowner.orgs.models import Membership, Organization
from cxowner.orgs.services import membership_add
from ownership.models import ScimUser
from ownership.provisioning.groups import groups_changed_for, holders_follow, membership_role_sync
from ownership.provisioning.leavers import account_closed_if_member_of_nothing, member_left


class ScimConflict(Exception):
    """The userName, externalId or displayName is someone else's: SCIM's 409 uniqueness."""


@dataclass(frozen=True)
class UserFields:
    """What cxowner keeps of a SCIM user."""

    user_name: str
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    external_id: str = ""
    active: bool = True

    def checked(self) -> UserFields:
        if not self.user_name.strip():
            raise ValidationError("userName is required.")
        if len(self.user_name) > 150:
            raise ValidationError("userName has at most 150 characters.")
        if self.email:
            validate_email(self.email)
        if len(self.given_name) > 150 or len(self.family_name) > 150:
            raise ValidationError("name.givenName and name.familyName have at most 150 characters each.")
        if len(self.external_id) > 255:
            raise ValidationError("externalId has at most 255 characters.")
        return self


def user_fields(scim_user: ScimUser) -> UserFields:
    user = scim_user.user
    return UserFields(
        user_name=user.get_username(),
        given_name=user.first_name,
        family_name=user.last_name,
        email=user.email,
        external_id=scim_user.external_id,
        active=scim_user.active,
    )


def _external_id_free(organization_id: int, external_id: str, *, exclude: int | None = None) -> None:
    if (
        external_id
        and ScimUser.objects.filter(organization_id=organization_id, external_id=external_id)
        .exclude(pk=exclude)
        .exists()
    ):
        raise ScimConflict(f"Another user of this organization has the externalId “{external_id}”.")


def _account(organization: Organization, fields: UserFields):
    """The account for a new SCIM user: a new one, or an existing member of this organization."""
    User = get_user_model()
    user = User.objects.filter(username__iexact=fields.user_name).first()
    if user is None:
        user = User(username=fields.user_name.strip(), email=fields.email, is_active=fields.active)
        user.first_name, user.last_name = fields.given_name, fields.family_name
        user.set_unusable_password()  # they sign in through the provider (single sign-on)
        user.full_clean(exclude=["password"])
        user.save()
        return user
    if ScimUser.objects.filter(organization=organization, user=user).exists():
        raise ScimConflict(f"A user with the userName “{fields.user_name}” exists already.")
    if not Membership.objects.filter(organization=organization, user=user).exists():
        raise ScimConflict(
            f"“{fields.user_name}” is a cxowner account that is not a member of this organization; "
            "an admin invites it first, or the provider uses another userName."
        )
    return user


@transaction.atomic
def scim_user_create(*, organization: Organization, fields: UserFields, actor_label: str = "", token=None) -> ScimUser:
    """A new SCIM user; an existing member sent as inactive leaves at once."""
    fields = fields.checked()
    _external_id_free(organization.pk, fields.external_id)
    user = _account(organization, fields)
    scim_user = ScimUser.objects.create(
        organization=organization, user=user, external_id=fields.external_id, active=fields.active
    )
    object_record(obj=scim_user, action="create", changes=[object_created(scim_user)])
    if fields.active:
        membership_add(organization=organization, user=user, role=Membership.Role.VIEWER)
    else:
        _active_set(scim_user, actor_label=actor_label, token=token)
    return scim_user


def _account_fields_update(scim_user: ScimUser, fields: UserFields) -> None:
    user = scim_user.user
    elsewhere = Membership.objects.filter(user=user).exclude(organization_id=scim_user.organization_id).exists()
    wanted = {"first_name": fields.given_name, "last_name": fields.family_name, "email": fields.email}
    if fields.user_name != user.get_username():
        if get_user_model().objects.filter(username__iexact=fields.user_name).exclude(pk=user.pk).exists():
            raise ScimConflict(f"A user with the userName “{fields.user_name}” exists already.")
        wanted["username"] = fields.user_name
    if elsewhere:
        return  # the person's account is theirs in other organizations too: only ours changes
    for name, value in wanted.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(wanted))


@transaction.atomic
def scim_user_replace(*, scim_user: ScimUser, fields: UserFields, actor_label: str, token=None) -> ScimUser:
    """Make the user what the provider says, deactivating or reactivating them as `active` says."""
    fields = fields.checked()
    _external_id_free(scim_user.organization_id, fields.external_id, exclude=scim_user.pk)
    before = {"external_id": scim_user.external_id, "active": scim_user.active}
    _account_fields_update(scim_user, fields)
    scim_user.external_id = fields.external_id
    if fields.active != scim_user.active:
        scim_user.active = fields.active
        _active_set(scim_user, actor_label=actor_label, token=token)
    scim_user.save()
    after = {"external_id": scim_user.external_id, "active": scim_user.active}
    changes = object_changes(object_type="scimuser", object_id=scim_user.pk, before=before, after=after)
    object_record(obj=scim_user, action="update", changes=changes)
    return scim_user


def _active_set(scim_user: ScimUser, *, actor_label: str, token) -> None:
    """Bring the membership (and the account) in line with `scim_user.active`."""
    user, organization = scim_user.user, scim_user.organization
    membership = Membership.objects.filter(organization=organization, user=user).select_related("user").first()
    if scim_user.active:
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        if membership is None:
            membership_add(organization=organization, user=user, role=Membership.Role.VIEWER)
            membership_role_sync(scim_user)
    elif membership is not None:
        member_left(membership=membership, actor_label=actor_label, surface="api", token=token, even_last_admin=True)
        account_closed_if_member_of_nothing(user)
    groups_changed_for(scim_user)


@transaction.atomic
def scim_user_delete(*, scim_user: ScimUser, actor_label: str, token=None) -> None:
    """The provider deletes the user: they leave as if deactivated, and the SCIM record goes. The
    account stays for the history (and for their other organizations)."""
    if scim_user.active:
        scim_user.active = False
        _active_set(scim_user, actor_label=actor_label, token=token)
    groups = list(scim_user.groups.all())
    object_record(obj=scim_user, action="delete", changes=[object_deleted(scim_user)])
    scim_user.delete()
    for group in groups:
        holders_follow(group)
