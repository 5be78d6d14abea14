"""SCIM groups: their members, the membership role they give, and the role whose holder follows them.

A provisioned member's role in the organization is the strongest role of their groups (an admin
maps each group to viewer, editor or admin); a member in no group is a viewer. It is set again
whenever their groups change; the organization's last admin is never demoted this way.

A group an admin maps to a role of the organization (a CMO, a journey manager) names its holder:
- one active member: they hold the role;
- two or more: the holder stays if they are one of them, else the member who joined the group
  first holds it (a role has one holder: the admins choose by keeping one person in the group);
- none: the role is vacant (its vacant-owner gaps open, like a leaver's).
"""

from __future__ import annotations

import contextlib

from django.core.exceptions import ValidationError
from django.db import transaction

from cxowner.orgs.history import object_changes, object_created, object_deleted, object_record
from cxowner.orgs.models import Membership, Organization
from cxowner.orgs.selectors import ROLE_RANK
from cxowner.orgs.services import membership_set_role
from ownership.models import Role, ScimGroup, ScimGroupMember, ScimUser
from ownership.structure.services import role_update


def membership_role_sync(scim_user: ScimUser) -> None:
    """Give an active provisioned member the strongest role of their groups (viewer with none)."""
    membership = Membership.objects.filter(organization_id=scim_user.organization_id, user_id=scim_user.user_id).first()
    if membership is None or not scim_user.active:
        return
    roles = ScimGroup.objects.filter(memberships__user=scim_user).values_list("role", flat=True)
    role = max(roles, key=lambda name: ROLE_RANK[Membership.Role(name)], default=Membership.Role.VIEWER)
    if role != membership.role:
        # The last admin stays admin until another group makes someone admin.
        with contextlib.suppress(ValidationError):
            membership_set_role(membership=membership, role=role)


def holders_follow(group: ScimGroup) -> None:
    """The mapped role's holder follows the group's active members (see the module)."""
    if group.holds_id is None:
        return
    role = Role.objects.select_related("holder_member").get(pk=group.holds_id)
    members = [
        link.user
        for link in ScimGroupMember.objects.filter(group=group, user__active=True).select_related("user").order_by("id")
    ]
    memberships = list(
        Membership.objects.filter(organization_id=group.organization_id, user__in=[m.user_id for m in members])
    )
    by_user = {membership.user_id: membership for membership in memberships}
    candidates = [by_user[member.user_id] for member in members if member.user_id in by_user]
    if not candidates:
        if not role.is_vacant:
            role_update(role=role, version=None, holder_name="")
        return
    if role.holder_member_id in {candidate.pk for candidate in candidates}:
        return
    role_update(role=role, version=None, holder_member=candidates[0], holder_name="", holder_email="")


def groups_changed_for(scim_user: ScimUser) -> None:
    """After a user's state or groups changed: their membership role, and the roles their groups hold."""
    membership_role_sync(scim_user)
    for group in ScimGroup.objects.filter(memberships__user=scim_user, holds__isnull=False):
        holders_follow(group)


def _members_of(organization_id: int, scim_ids: list[str]) -> list[ScimUser]:
    """The organization's SCIM users by their ids; an id of nobody here is a 400 (no other
    organization's user is ever found)."""
    found = {
        str(user.scim_id): user
        for user in ScimUser.objects.filter(organization_id=organization_id, scim_id__in=scim_ids)
    }
    missing = [scim_id for scim_id in scim_ids if scim_id not in found]
    if missing:
        raise ValidationError(f"No user of this organization has the id {', '.join(missing)}.")
    return [found[scim_id] for scim_id in scim_ids]


@transaction.atomic
def scim_group_create(*, organization: Organization, display_name: str, external_id: str = "", members=()) -> ScimGroup:
    group = ScimGroup(organization=organization, display_name=display_name.strip(), external_id=external_id)
    group.full_clean()
    group.save()
    object_record(obj=group, action="create", changes=[object_created(group)])
    scim_group_members_set(group=group, add=list(members))
    return group


@transaction.atomic
def scim_group_update(*, group: ScimGroup, **changes) -> ScimGroup:
    """Rename the group, change its externalId, or (an admin) its membership role and the role it holds."""
    before = {name: getattr(group, name) for name in changes}
    for name, value in changes.items():
        setattr(group, name, value)
    if group.holds_id is not None and group.holds.organization_id != group.organization_id:
        raise ValidationError({"holds": "The role must be one of this organization's."})
    group.full_clean()
    group.save()
    after = {name: getattr(group, name) for name in changes}
    object_record(
        obj=group,
        action="update",
        changes=object_changes(object_type="scimgroup", object_id=group.pk, before=before, after=after),
    )
    if {"role", "holds"} & set(changes):
        for scim_user in group.members.all():
            membership_role_sync(scim_user)
        holders_follow(group)
    return group


@transaction.atomic
def scim_group_members_set(*, group: ScimGroup, add=(), remove=(), replace=None) -> ScimGroup:
    """Add and remove members by their SCIM ids, or `replace` them all."""
    current = {str(scim_id) for scim_id in group.members.values_list("scim_id", flat=True)}
    wanted = set(replace) if replace is not None else (current | set(add)) - set(remove)
    added = _members_of(group.organization_id, sorted(wanted - current))
    gone = list(ScimUser.objects.filter(organization_id=group.organization_id, scim_id__in=sorted(current - wanted)))
    if not added and not gone:
        return group
    ScimGroupMember.objects.bulk_create([ScimGroupMember(group=group, user=user) for user in added])
    ScimGroupMember.objects.filter(group=group, user__in=gone).delete()
    before = {"members": sorted(current)}
    after = {"members": sorted(wanted)}
    object_record(
        obj=group,
        action="update",
        changes=object_changes(object_type="scimgroup", object_id=group.pk, before=before, after=after),
    )
    for scim_user in [*added, *gone]:
        membership_role_sync(scim_user)
    holders_follow(group)
    return group


@transaction.atomic
def scim_group_delete(*, group: ScimGroup) -> None:
    """Delete the group: its members' roles are set again without it; the role it held keeps its holder."""
    members = list(group.members.all())
    object_record(obj=group, action="delete", changes=[object_deleted(group)])
    group.delete()
    for scim_user in members:
        membership_role_sync(scim_user)
