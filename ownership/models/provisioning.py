"""What an identity provider keeps in an organization through SCIM (ownership.provisioning).

A SCIM user is a cxowner user as one organization's identity provider knows them: its id in
SCIM's URLs, the provider's own id (externalId) and whether the provider has them active. Their
membership comes and goes with `active`; the user row stays, since the same person may belong
to other organizations. A SCIM group maps to a membership role and, where an admin chooses, to a
role of the organization, whose holder follows the group's member.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from cxowner.orgs.models import MemberRole, Organization, role_rule
from ownership.models.structure import Role


class ScimUser(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim_identities")
    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    external_id = models.CharField(max_length=255, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="scimuser_one_per_user"),
            models.UniqueConstraint(
                fields=["organization", "external_id"], condition=~Q(external_id=""), name="scimuser_external_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization_id} ({'active' if self.active else 'inactive'})"

    @property
    def history_name(self) -> str:
        return self.user.get_username()


class ScimGroup(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(max_length=255)
    external_id = models.CharField(max_length=255, blank=True)
    role = models.CharField(
        max_length=10,
        choices=MemberRole.choices,
        default=MemberRole.VIEWER,
        help_text="The membership role the group's members get (the strongest of their groups').",
    )
    holds = models.ForeignKey(
        Role,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="scim_groups",
        help_text="The organization's role whose holder follows the group's member.",
    )
    members = models.ManyToManyField(ScimUser, through="ScimGroupMember", related_name="groups")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization", "display_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "display_name"], name="scimgroup_unique_name"),
            role_rule("scimgroup"),
        ]

    def __str__(self) -> str:
        return self.display_name


class ScimGroupMember(models.Model):
    """One user in one group; the lowest id is the member who joined first (who holds the role
    when the group has several)."""

    group = models.ForeignKey(ScimGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(ScimUser, on_delete=models.CASCADE, related_name="group_memberships")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="scimgroupmember_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id}"
