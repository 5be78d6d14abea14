"""OpenAPI generation: every operation also documents the errors the API answers with."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

ERROR_BODY = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="An error: {'detail': message}, or field name → list of messages for a 400.",
)
COMMON_ERRORS = {
    "400": "Invalid body or query parameters: field name → list of messages.",
    "401": "Not authenticated, or an invalid, expired or revoked token.",
    "403": "Authenticated, but the role does not allow this (or the CSRF token is missing).",
    "404": "No such object in this organization, or an organization the caller is not a member of.",
    "429": "Throttled; retry after the Retry-After header's seconds.",
}
WRITE_ERRORS = {
    "409": "The cells changed since they were read; the body carries their current letters and who changed them "
    "last, when and to what (`changed_by`, `changed_at`, `changed_to` per cell, the latest also at the top; null "
    "where not recorded).",
    "412": "Stale version (If-Match or `version`); nothing was changed. The body says the current `version`, "
    "and who changed the object last and when (`changed_by`, `changed_at`; null where not recorded).",
    "428": "Updates must say which version they change: If-Match header or `version` field.",
}


class OrganizationAutoSchema(AutoSchema):
    """AutoSchema that adds the error responses every organization endpoint may give."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = dict(COMMON_ERRORS)
        if self.method in {"POST", "PUT", "PATCH", "DELETE"}:
            errors.update(WRITE_ERRORS)
        for code, description in errors.items():
            if code not in responses:
                body = OpenApiResponse(response=OpenApiTypes.OBJECT, description=description)
                responses[code] = self._get_response_for_code(body, code, direction=direction)
        return responses


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "cxowner.orgs.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token: `Authorization: Bearer cxo_…`."}
