"""SCIM 2.0's protocol (RFC 7644) as far as identity providers use it: errors, filters, PATCH.

Written here rather than taken from a library: django-scim2 (0.23) serves one tenant with one
global configuration (SCIM_SERVICE_PROVIDER settings, its own user-model adapter and
authentication check), where cxowner needs a provider per organization, authenticated by that
organization's SCIM token, writing through the services that keep the history and the live gaps.
Its filter and PATCH handling would still have to be bent to Entra ID's and Okta's shapes.
scim2-tester (tests/provisioning) checks what is here against the RFCs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"

# Pages: what a provider gets when it asks for no count, and the most it may ask for.
DEFAULT_COUNT = 100
MAX_COUNT = 200
MAX_OPERATIONS = 100


class ScimError(Exception):
    """An answer in SCIM's error schema (RFC 7644 §3.12)."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type

    def body(self) -> dict:
        body = {"schemas": [ERROR_SCHEMA], "status": str(self.status), "detail": self.detail}
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body


def invalid_value(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidValue")


# -- filters (RFC 7644 §3.4.2.2): one comparison with eq, which is what providers send ----------------
_COMPARISON = re.compile(r'^\s*(?P<path>.+?)\s+(?P<op>[A-Za-z]{2})\s+(?P<value>"(?:[^"\\]|\\.)*"|true|false)\s*$')
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Comparison:
    path: str  # lower case, without the core schema's URN and without spaces: emails[type eq "work"].value
    value: Any


def attribute_path(path: str, schema: str) -> str:
    """An attribute path as compared here: case-insensitive, the core schema's URN dropped."""
    path = path.strip()
    if path.lower().startswith(schema.lower() + ":"):
        path = path[len(schema) + 1 :]
    return _SPACES.sub(" ", path).lower()


def filter_parse(text: str | None, *, schema: str, paths: set[str]) -> Comparison | None:
    """The one comparison of `filter`, or None without one; 400 invalidFilter for anything else."""
    if text is None or not text.strip():
        return None
    match = _COMPARISON.match(text)
    if match is None or " and " in text.lower() or " or " in text.lower():
        raise ScimError(
            400, f'Filters here are one comparison, like userName eq "bjensen"; not “{text}”.', "invalidFilter"
        )
    if match["op"].lower() != "eq":
        raise ScimError(400, f"Only the eq operator is supported, not “{match['op']}”.", "invalidFilter")
    path = attribute_path(match["path"], schema)
    if path not in paths:
        names = ", ".join(sorted(paths))
        raise ScimError(400, f"Filtering by “{match['path']}” is not supported; use one of: {names}.", "invalidFilter")
    return Comparison(path=path, value=json.loads(match["value"]))


SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def search_parse(body) -> dict:
    """A POST …/.search body (RFC 7644 §3.4.3) as the query parameters a GET would carry."""
    if not isinstance(body, dict) or SEARCH_SCHEMA not in body.get("schemas", []):
        raise invalid_value(f"A search names the schema {SEARCH_SCHEMA}.")
    names = ("filter", "startIndex", "count", "attributes", "excludedAttributes")
    return {name: body[name] for name in names if body.get(name) is not None}


def page_parse(query) -> tuple[int, int]:
    """startIndex (1-based; less than 1 is 1) and count (0 to MAX_COUNT) of a list request."""
    try:
        start = max(int(query.get("startIndex", 1)), 1)
        count = int(query.get("count", DEFAULT_COUNT))
    except (TypeError, ValueError):
        raise invalid_value("startIndex and count are whole numbers.") from None
    return start, min(max(count, 0), MAX_COUNT)


def list_response(resources: list[dict], *, total: int, start: int) -> dict:
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


# -- which attributes an answer carries (RFC 7644 §3.4.2.5, §3.9) ------------------------------------
ALWAYS_RETURNED = {"id", "schemas", "meta"}


def _names(text: str | list | None, schema: str) -> set[str]:
    if not text:
        return set()
    items = text.split(",") if isinstance(text, str) else text
    return {attribute_path(str(item), schema) for item in items if str(item).strip()}


def projected(resource: dict, *, attributes=None, excluded=None, schema: str) -> dict:
    """The resource with only the `attributes` asked for (and what is always returned), or
    without the `excluded` ones; "name.givenName" keeps or drops one sub-attribute."""
    wanted, dropped = _names(attributes, schema), _names(excluded, schema)
    if not wanted and not dropped:
        return resource
    shaped = {}
    for key, value in resource.items():
        name = key.lower()
        if name in ALWAYS_RETURNED:
            shaped[key] = value
        elif wanted:
            subs = {path.split(".", 1)[1] for path in wanted if path.startswith(name + ".")}
            if name in wanted:
                shaped[key] = value
            elif subs and isinstance(value, dict):
                shaped[key] = {k: v for k, v in value.items() if k.lower() in subs}
        elif name not in dropped:
            subs = {path.split(".", 1)[1] for path in dropped if path.startswith(name + ".")}
            if isinstance(value, dict):
                value = {k: v for k, v in value.items() if k.lower() not in subs}
            shaped[key] = value
    return shaped


# -- PATCH (RFC 7644 §3.5.2), with the shapes Entra ID and Okta send -----------------------------------
@dataclass(frozen=True)
class Operation:
    op: str  # add, replace or remove
    path: str | None  # as attribute_path gives it; None when the value carries the attributes
    value: Any


def operations_parse(body: Any, *, schema: str) -> list[Operation]:
    """The operations of a PATCH body: Entra ID writes "Replace" and "Add" capitalised, either
    provider may leave `path` out and send the attributes as the value."""
    if not isinstance(body, dict) or PATCH_SCHEMA not in body.get("schemas", []):
        raise invalid_value(f"A PATCH body names the schema {PATCH_SCHEMA}.")
    raw = body.get("Operations")
    if not isinstance(raw, list) or not raw:
        raise invalid_value("A PATCH body has a list of Operations.")
    if len(raw) > MAX_OPERATIONS:
        raise invalid_value(f"At most {MAX_OPERATIONS} operations per request.")
    operations = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("op"), str):
            raise invalid_value("Each operation is an object with an op.")
        op = item["op"].lower()
        if op not in ("add", "replace", "remove"):
            raise invalid_value(f"The op “{item['op']}” is not add, replace or remove.")
        path = item.get("path")
        if path is not None and not isinstance(path, str):
            raise ScimError(400, "An operation's path is text.", "invalidPath")
        if path is None and op == "remove":
            raise ScimError(400, "A remove names the path it removes.", "noTarget")
        if path is None and not isinstance(item.get("value"), dict):
            raise invalid_value("An operation without a path carries an object of attributes as its value.")
        operations.append(
            Operation(op=op, path=attribute_path(path, schema) if path else None, value=item.get("value"))
        )
    return operations


def boolean(value: Any, name: str) -> bool:
    """A SCIM boolean; Entra ID sends active as the strings "True" and "False"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise invalid_value(f"{name} is true or false, not {json.dumps(value)}.")


def text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid_value(f"{name} is text, not {json.dumps(value)}.")
    return value.strip()
