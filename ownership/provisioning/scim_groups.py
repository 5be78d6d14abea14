"""The SCIM Group resource: groups as JSON, and what a provider's POST, PUT or PATCH asks of one.

Members are the organization's SCIM users, by id. The PATCH shapes both big providers send are
read: Entra ID's `members` with a list of values to add or remove ("op": "Add"/"Remove"), Okta's
`members[value eq "…"]` to remove one and a path-less replace of displayName.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from ownership.models import ScimGroup
from ownership.provisioning.scim_protocol import (
    GROUP_SCHEMA,
    Comparison,
    Operation,
    ScimError,
    attribute_path,
    invalid_value,
    text,
)

FILTER_PATHS = {"displayname", "externalid", "id"}
_MEMBER_PATH = re.compile(r'^members\[value eq "(?P<value>[^"]*)"\]$')


def group_resource(group: ScimGroup, *, base: str, with_members: bool = True) -> dict:
    resource = {
        "schemas": [GROUP_SCHEMA],
        "id": str(group.scim_id),
        "displayName": group.display_name,
        "meta": {
            "resourceType": "Group",
            "created": group.created_at.isoformat(),
            "lastModified": group.created_at.isoformat(),
            "location": f"{base}Groups/{group.scim_id}",
        },
    }
    if with_members:
        # In the order they joined (the first holds the group's role); the views prefetch them.
        members = [link.user for link in group.memberships.all()]
        resource["members"] = [
            {
                "value": str(member.scim_id),
                "display": member.user.get_username(),
                "$ref": f"{base}Users/{member.scim_id}",
            }
            for member in members
        ]
    if group.external_id:
        resource["externalId"] = group.external_id
    return resource


def member_ids(value: Any) -> list[str]:
    """The user ids of a members value: [{"value": id}, …] (a single object is read as a list of one)."""
    items = value if isinstance(value, list) else [value]
    ids = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            raise invalid_value("members is a list of objects with the value of a user's id.")
        ids.append(item["value"])
    return ids


@dataclass
class GroupChange:
    """What a request asks of a group: attributes to set and members to add, remove or replace."""

    attributes: dict[str, str] = field(default_factory=dict)  # display_name, external_id
    add: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    replace: list[str] | None = None

    def members_changed(self, op: str, ids: list[str]) -> None:
        """Operations apply in order: after a replace, adds and removes change the new list."""
        if op == "replace":
            self.replace, self.add, self.remove = list(ids), [], []
        elif self.replace is not None:
            kept = [member for member in self.replace if member not in ids]
            self.replace = kept + ids if op == "add" else kept
        else:
            (self.add if op == "add" else self.remove).extend(ids)


def group_parse(body: Any) -> GroupChange:
    """A POST's or PUT's body."""
    if not isinstance(body, dict):
        raise invalid_value("The body is a SCIM Group object.")
    display_name = text(body.get("displayName"), "displayName")
    if not display_name:
        raise invalid_value("displayName is required.")
    if len(display_name) > 255:
        raise invalid_value("displayName has at most 255 characters.")
    return GroupChange(
        attributes={"display_name": display_name, "external_id": text(body.get("externalId"), "externalId")},
        replace=member_ids(body.get("members") or []),
    )


def _apply(change: GroupChange, op: str, path: str, value: Any) -> None:
    member = _MEMBER_PATH.match(path)
    if member and op == "remove":
        change.members_changed("remove", [member["value"]])
    elif path == "members":
        if op == "remove" and value is None:  # every member goes
            change.members_changed("replace", [])
        else:
            change.members_changed(op, member_ids(value))
    elif path in ("displayname", "externalid"):
        if path == "displayname" and (op == "remove" or not text(value, "displayName")):
            raise ScimError(400, "displayName cannot be removed.", "mutability")
        change.attributes["display_name" if path == "displayname" else "external_id"] = (
            "" if op == "remove" else text(value, path)
        )
    elif path in ("id", "schemas", "meta") or path.startswith("urn:"):
        return
    else:
        raise ScimError(400, f"The Group has no attribute “{path}”.", "invalidPath")


def group_patched(operations: list[Operation]) -> GroupChange:
    change = GroupChange()
    for operation in operations:
        if operation.path is None:
            for key, value in operation.value.items():
                _apply(change, operation.op, attribute_path(key, GROUP_SCHEMA), value)
        else:
            _apply(change, operation.op, operation.path, operation.value)
    return change


def groups_filtered(groups: QuerySet[ScimGroup], comparison: Comparison | None) -> QuerySet[ScimGroup]:
    if comparison is None:
        return groups
    value = str(comparison.value)
    if comparison.path == "displayname":
        return groups.filter(display_name__iexact=value)
    if comparison.path == "externalid":
        return groups.filter(external_id=value)
    try:
        return groups.filter(scim_id=uuid.UUID(value))
    except ValueError:
        return groups.none()
