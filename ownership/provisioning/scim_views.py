"""The SCIM endpoints of one organization, /scim/v2/o/<org>/…: what an identity provider calls.

Only a SCIM token of the organization in the URL opens them (another organization's token is a
404, as if the organization did not exist; an API token is a 401). They are throttled per token
(scope `scim`), failed keys per address (scope `anon`), and every answer, errors included, is in
SCIM's shapes. Changes are recorded as the provider's: the token's name, as "Okta (SCIM)".
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from rest_framework import exceptions, permissions, throttling
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cxowner.orgs.api.base import CallerRecorded
from cxowner.orgs.api.parsers import BoundedJSONParser
from cxowner.orgs.api.renderers import JSONRenderer
from cxowner.orgs.api.throttles import AnonRateThrottle
from cxowner.orgs.authentication import ScimTokenAuthentication, TokenUser
from ownership.provisioning.scim_protocol import ScimError, invalid_value, projected
from ownership.provisioning.users import ScimConflict

MEDIA_TYPE = "application/scim+json"


class ScimJSONParser(BoundedJSONParser):
    media_type = MEDIA_TYPE


class ScimJSONRenderer(JSONRenderer):
    media_type = MEDIA_TYPE


class ScimRateThrottle(throttling.SimpleRateThrottle):
    """Per SCIM token (scope `scim`)."""

    scope = "scim"

    def get_cache_key(self, request, view):
        if not isinstance(request.user, TokenUser):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.token.prefix}


class OrganizationsOwnToken(permissions.BasePermission):
    """The token belongs to the organization in the URL; any other is told it does not exist."""

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.user, TokenUser):
            return False
        if request.user.token.organization.slug != view.kwargs["org"]:
            raise Http404("No such organization")
        return True


def actor_label(token) -> str:
    """How the history names the identity provider: its token's name, marked as SCIM."""
    return token.name if "scim" in token.name.lower() else f"{token.name} (SCIM)"


_STATUS_TYPES = {400: "invalidSyntax"}


def scim_exception_handler(exc, context):
    """Every error as RFC 7644 §3.12 writes it."""
    headers = {}
    if isinstance(exc, ScimError):
        error = exc
    elif isinstance(exc, ScimConflict):
        error = ScimError(409, str(exc), "uniqueness")
    elif isinstance(exc, IntegrityError):
        # Two requests made the same user or group at once; the second is told as SCIM says.
        error = ScimError(
            409, "The userName, externalId or displayName was just taken by another request.", "uniqueness"
        )
    elif isinstance(exc, ValidationError):
        error = invalid_value(" ".join(exc.messages))
    elif isinstance(exc, Http404):
        error = ScimError(404, str(exc) or "Not found.")
    elif isinstance(exc, exceptions.APIException):
        status = exc.status_code
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        error = ScimError(status, str(detail), _STATUS_TYPES.get(status))
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait) + 1)
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            headers["WWW-Authenticate"] = 'Bearer realm="scim"'
            error.status = 401
    else:
        return None
    return Response(error.body(), status=error.status, headers=headers, content_type=MEDIA_TYPE)


class ScimView(CallerRecorded, APIView):
    schema = None  # not in the REST API's OpenAPI document: SCIM describes itself (/Schemas)
    resource_schema = ""  # the core schema of the view's resource, for attribute paths
    authentication_classes = [ScimTokenAuthentication]
    permission_classes = [OrganizationsOwnToken]
    throttle_classes = [AnonRateThrottle, ScimRateThrottle]
    parser_classes = [ScimJSONParser, BoundedJSONParser, JSONParser]
    renderer_classes = [ScimJSONRenderer, JSONRenderer]

    def get_exception_handler(self):
        return scim_exception_handler

    def change_author(self, request) -> dict:
        token = request.user.token
        return {"token": token, "actor": actor_label(token)}

    @property
    def query(self):
        """The list parameters of this request: its query string, or a search's body."""
        return getattr(self, "_query", None) or self.request.query_params

    @query.setter
    def query(self, value) -> None:
        self._query = value

    def projected(self, resource: dict) -> dict:
        query = self.query
        return projected(
            resource,
            attributes=query.get("attributes"),
            excluded=query.get("excludedAttributes"),
            schema=self.resource_schema,
        )

    @property
    def token(self):
        return self.request.user.token

    @property
    def organization(self):
        return self.token.organization

    @property
    def base(self) -> str:
        """The absolute URL of this organization's SCIM root, ending in a slash."""
        return self.request.build_absolute_uri(f"/scim/v2/o/{self.organization.slug}/")

    def written(self, write):
        """Run a service in one transaction."""
        with transaction.atomic():
            return write()
