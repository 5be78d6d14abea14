"""The SCIM User resource: cxowner's users as JSON, and a provider's JSON as UserFields.

What is kept: userName, name.givenName, name.familyName, one e-mail (the work one, else the
primary, else the first), externalId and active. The other attributes of RFC 7643's User (title,
phoneNumbers, addresses …) and of extensions (Entra ID sends its enterprise extension) are
accepted and not stored, so a provider's default mappings never fail; an attribute the core
schema does not know is a 400 invalidPath.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from ownership.models import ScimUser
from ownership.provisioning.scim_protocol import (
    USER_SCHEMA,
    Comparison,
    Operation,
    ScimError,
    attribute_path,
    boolean,
    invalid_value,
    text,
)
from ownership.provisioning.users import UserFields

FILTER_PATHS = {"username", "externalid", "id", "emails.value", 'emails[type eq "work"].value', "emails"}
# RFC 7643 §4.1's attributes that cxowner does not keep: accepted, not stored.
NOT_KEPT = {
    "displayname",
    "nickname",
    "profileurl",
    "title",
    "usertype",
    "preferredlanguage",
    "locale",
    "timezone",
    "password",
    "phonenumbers",
    "addresses",
    "ims",
    "photos",
    "entitlements",
    "roles",
    "x509certificates",
    "groups",
    "name.formatted",
    "name.middlename",
    "name.honorificprefix",
    "name.honorificsuffix",
    "schemas",
    "id",
    "meta",
}


def user_resource(scim_user: ScimUser, *, base: str) -> dict:
    user = scim_user.user
    resource = {
        "schemas": [USER_SCHEMA],
        "id": str(scim_user.scim_id),
        "userName": user.get_username(),
        "active": scim_user.active,
        "groups": [
            {"value": str(group.scim_id), "display": group.display_name, "$ref": f"{base}Groups/{group.scim_id}"}
            for group in scim_user.groups.all()
        ],
        "meta": {
            "resourceType": "User",
            "created": scim_user.created_at.isoformat(),
            "lastModified": scim_user.updated_at.isoformat(),
            "location": f"{base}Users/{scim_user.scim_id}",
        },
    }
    # What is empty is unassigned, and an unassigned attribute is not returned (RFC 7643 §2.5).
    name = {key: value for key, value in (("givenName", user.first_name), ("familyName", user.last_name)) if value}
    if name:
        resource["name"] = name
    if user.email:
        resource["emails"] = [{"value": user.email, "type": "work", "primary": True}]
    if scim_user.external_id:
        resource["externalId"] = scim_user.external_id
    return resource


def _email(emails: Any) -> str:
    if emails is None:
        return ""
    if not isinstance(emails, list) or not all(isinstance(item, dict) for item in emails):
        raise invalid_value("emails is a list of objects with a value.")
    chosen = next((e for e in emails if e.get("type") == "work"), None) or next(
        (e for e in emails if e.get("primary") is True), emails[0] if emails else {}
    )
    return text(chosen.get("value"), "emails.value")


def user_parse(body: Any) -> UserFields:
    """A POST's or PUT's body as the fields kept; what is absent is empty (PUT replaces)."""
    if not isinstance(body, dict):
        raise invalid_value("The body is a SCIM User object.")
    name = body.get("name") or {}
    if not isinstance(name, dict):
        raise invalid_value("name is an object.")
    return UserFields(
        user_name=text(body.get("userName"), "userName"),
        given_name=text(name.get("givenName"), "name.givenName"),
        family_name=text(name.get("familyName"), "name.familyName"),
        email=_email(body.get("emails")),
        external_id=text(body.get("externalId"), "externalId"),
        active=boolean(body.get("active", True), "active"),
    )


def _flatten(value: dict) -> dict[str, Any]:
    """A path-less operation's attributes as paths: {"name": {"givenName": …}} → {"name.givenname": …}."""
    flat = {}
    for key, item in value.items():
        path = attribute_path(key, USER_SCHEMA)
        if path == "name" and isinstance(item, dict):
            flat.update({f"name.{attribute_path(inner, USER_SCHEMA)}": v for inner, v in item.items()})
        else:
            flat[path] = item
    return flat


def _apply(state: dict[str, Any], op: str, path: str, value: Any) -> None:
    removing = op == "remove"
    if path == "active":
        if removing:
            raise ScimError(400, "active cannot be removed; set it to false.", "mutability")
        state["active"] = boolean(value, "active")
    elif path == "username":
        if removing:
            raise ScimError(400, "userName cannot be removed.", "mutability")
        state["user_name"] = text(value, "userName")
    elif path in ("externalid", "name.givenname", "name.familyname"):
        key = {"externalid": "external_id", "name.givenname": "given_name", "name.familyname": "family_name"}[path]
        state[key] = "" if removing else text(value, path)
    elif path == "name" and removing:
        state["given_name"] = state["family_name"] = ""
    elif path == "name":
        for inner, item in (value or {}).items() if isinstance(value, dict) else ():
            _apply(state, op, f"name.{attribute_path(inner, USER_SCHEMA)}", item)
    elif path in ('emails[type eq "work"].value', "emails.value"):
        state["email"] = "" if removing else text(value, "emails.value")
    elif path == "emails" or path.startswith("emails["):
        state["email"] = "" if removing else _email(value if isinstance(value, list) else [value])
    elif path.startswith("urn:") or path in NOT_KEPT:
        return  # an extension's or an attribute not kept: accepted, not stored
    else:
        raise ScimError(400, f"The User has no attribute “{path}”.", "invalidPath")


def user_patched(fields: UserFields, operations: list[Operation]) -> UserFields:
    """The fields after the operations, applied in order."""
    state = dict(fields.__dict__)
    for operation in operations:
        if operation.path is None:
            for path, value in _flatten(operation.value).items():
                _apply(state, operation.op, path, value)
        else:
            _apply(state, operation.op, operation.path, operation.value)
    return UserFields(**state)


def users_filtered(users: QuerySet[ScimUser], comparison: Comparison | None) -> QuerySet[ScimUser]:
    if comparison is None:
        return users
    value = comparison.value
    if comparison.path == "username":
        return users.filter(user__username__iexact=str(value))
    if comparison.path == "externalid":
        return users.filter(external_id=str(value))
    if comparison.path == "id":
        try:
            return users.filter(scim_id=uuid.UUID(str(value)))
        except ValueError:
            return users.none()
    return users.filter(user__email__iexact=str(value))
