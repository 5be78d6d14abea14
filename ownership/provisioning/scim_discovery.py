"""SCIM's discovery documents (RFC 7643 §5–7): what this service provider supports, its resource
types, and the schemas of the attributes it keeps (only those: a provider maps nothing else)."""

from __future__ import annotations

from ownership.provisioning.scim_protocol import GROUP_SCHEMA, MAX_COUNT, USER_SCHEMA

CONFIG_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


def _attribute(name: str, kind: str = "string", *, sub=None, **options) -> dict:
    attribute = {
        "name": name,
        "type": kind,
        "multiValued": options.get("multi", False),
        "description": options.get("description", ""),
        "required": options.get("required", False),
        "caseExact": options.get("case_exact", False),
        "mutability": options.get("mutability", "readWrite"),
        "returned": "default",
        "uniqueness": options.get("uniqueness", "none"),
    }
    if sub:
        attribute["subAttributes"] = sub
    if "references" in options:
        attribute["referenceTypes"] = options["references"]
    return attribute


USER_ATTRIBUTES = [
    _attribute("userName", required=True, uniqueness="server", description="The account's username, unique."),
    _attribute(
        "name",
        "complex",
        sub=[_attribute("givenName"), _attribute("familyName")],
        description="The person's given and family names.",
    ),
    _attribute(
        "emails",
        "complex",
        multi=True,
        sub=[
            _attribute("value"),
            _attribute("type", mutability="readOnly", description="Always work: one address is kept."),
            _attribute("primary", "boolean", mutability="readOnly", description="Always true."),
        ],
        description="One address is kept: the work one, else the primary one, else the first.",
    ),
    _attribute(
        "active",
        "boolean",
        required=True,
        description="False: the person leaves the organization (their roles fall vacant). True when not sent.",
    ),
    _attribute(
        "groups",
        "complex",
        multi=True,
        mutability="readOnly",
        sub=[_attribute("value", mutability="readOnly"), _attribute("display", mutability="readOnly")],
        description="The groups the user belongs to.",
    ),
]
GROUP_ATTRIBUTES = [
    _attribute("displayName", required=True, uniqueness="server", description="The group's name, unique here."),
    _attribute(
        "members",
        "complex",
        multi=True,
        sub=[
            _attribute("value", mutability="immutable"),
            _attribute("$ref", "reference", mutability="immutable", references=["User"]),
            _attribute("display", mutability="readOnly"),
        ],
        description="The users in the group, by id (users only: groups do not nest).",
    ),
]
SCHEMAS = {
    USER_SCHEMA: ("User", "A member of the organization", USER_ATTRIBUTES),
    GROUP_SCHEMA: ("Group", "A group of members, mapped to a membership role and maybe a role", GROUP_ATTRIBUTES),
}
RESOURCE_TYPES = {"User": ("/Users", USER_SCHEMA), "Group": ("/Groups", GROUP_SCHEMA)}


def service_provider_config(*, base: str) -> dict:
    return {
        "schemas": [CONFIG_SCHEMA],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_COUNT},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "A SCIM token of the organization, made by an admin on the members page.",
                "primary": True,
            }
        ],
        "meta": {"resourceType": "ServiceProviderConfig", "location": f"{base}ServiceProviderConfig"},
    }


def resource_type(name: str, *, base: str) -> dict:
    endpoint, schema = RESOURCE_TYPES[name]
    return {
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": name,
        "name": name,
        "endpoint": endpoint,
        "schema": schema,
        "meta": {"resourceType": "ResourceType", "location": f"{base}ResourceTypes/{name}"},
    }


def schema(urn: str, *, base: str) -> dict:
    name, description, attributes = SCHEMAS[urn]
    return {
        "schemas": [SCHEMA_SCHEMA],
        "id": urn,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": f"{base}Schemas/{urn}"},
    }
