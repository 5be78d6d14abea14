"""What every organization-scoped API view shares: who may do what, versions, errors, paging.

- The organization comes from the URL (`/api/v1/orgs/{org}/…`). A session user must be a
  member of it, a token must belong to it; anyone else gets 404, never 403, so outsiders cannot
  even learn that it exists.
- Views say the least role for reading and for writing; a weaker role gets 403.
- Writes name the version they change (If-Match or a `version` field); the services compare and
  set, and the exception handler turns their refusals into 412/409 with the current state.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response
from rest_framework.views import exception_handler

from cxowner.orgs.authentication import TokenUser
from cxowner.orgs.change_context import change_context_enter, change_context_exit
from cxowner.orgs.errors import StaleCells, StaleVersion
from cxowner.orgs.locks import LOCK_CONFLICT_MESSAGE, is_lock_conflict, organization_locked
from cxowner.orgs.models import Membership, Organization
from cxowner.orgs.selectors import membership_get, role_at_least
from cxowner.orgs.versions import versioned_lock

from .pagination import IdCursorPagination, PagePagination
from .versions import VersionField

__all__ = ["IdCursorPagination", "PagePagination"]

API_VERSION = "1"
# Ids in URLs and filters stay inside a signed 64-bit integer: larger ones are 404/400, not overflows.
MAX_ID = 2**63 - 1
ID_PATTERN = "[0-9]{1,18}"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The object was changed by someone else; reload it and try again."
    default_code = "stale_version"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "Say which version you change: an If-Match header or a `version` field."
    default_code = "version_required"


def api_exception_handler(exc, context):
    """DRF's handler, plus the domain's refusals: invalid data 400, stale writes 412/409."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, StaleVersion):
        body = {
            "detail": str(exc),
            "version": exc.version,
            "changed_by": exc.changed_by or None,
            "changed_at": exc.changed_at,
        }
        return Response(body, status=status.HTTP_412_PRECONDITION_FAILED, headers=etag(exc.version))
    elif is_lock_conflict(exc):
        return Response(
            {"detail": LOCK_CONFLICT_MESSAGE}, status=status.HTTP_409_CONFLICT, headers={"Retry-After": "2"}
        )
    elif isinstance(exc, StaleCells):
        return Response(stale_cells_body(exc), status=status.HTTP_409_CONFLICT)
    return exception_handler(exc, context)


def stale_cells_body(exc: StaleCells) -> dict:
    """409's body: each cell's letters now and, where the history says, who changed it last, when
    and to what (`changed_by`, `changed_at`, `changed_to`); the latest of them also at the top."""
    cells = []
    for cell, letters in sorted(exc.current.items()):
        change = exc.changed.get(cell)
        cells.append(
            {
                "touchpoint": cell[0],
                "function": cell[1],
                "letters": "".join(sorted(letters)),
                "changed_by": (change.by or None) if change else None,
                "changed_at": change.at if change else None,
                "changed_to": change.letters if change else None,
            }
        )
    latest = max((c for c in exc.changed.values() if c.at), key=lambda c: c.at, default=None)
    return {
        "detail": str(exc),
        "changed_by": (latest.by or None) if latest else None,
        "changed_at": latest.at if latest else None,
        "current": cells,
    }


def organization_and_role(request, slug: str) -> tuple[Organization, str]:
    """The organization named in the URL and the caller's role in it; 404 for outsiders."""
    if isinstance(request.user, TokenUser):
        token = request.user.token
        if token.organization.slug != slug:
            raise Http404("No such organization")
        return token.organization, token.role
    membership = membership_get(user=request.user, organization_slug=slug)
    return membership.organization, membership.role


class OrganizationRole(permissions.BasePermission):
    """Members read with `read_role`, write with `write_role` (view attributes); outsiders 404."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        organization, role = organization_and_role(request, view.kwargs["org"])
        request.organization, request.role = organization, role
        safe = request.method in permissions.SAFE_METHODS
        needed = getattr(view, "read_role" if safe else "write_role")
        return role_at_least(role, needed)


class CallerRecorded:
    """DRF's initial() with the throttles first (failed logins and guessed keys count too), then
    the caller recorded as the author of the changes the request makes, until its response."""

    def initial(self, request, *args, **kwargs):
        self.format_kwarg = self.get_format_suffix(**kwargs)
        request.accepted_renderer, request.accepted_media_type = self.perform_content_negotiation(request)
        request.version, request.versioning_scheme = self.determine_version(request, *args, **kwargs)
        self.check_throttles(request)
        self.perform_authentication(request)
        self.check_permissions(request)
        self._change_context = change_context_enter(surface="api", **self.change_author(request))

    def change_author(self, request) -> dict:
        """The caller as change_context takes it: its user, or its token."""
        token = request.user.token if isinstance(request.user, TokenUser) else None
        return {"user": None if token else request.user, "token": token}

    def finalize_response(self, request, response, *args, **kwargs):
        reset = getattr(self, "_change_context", None)
        if reset is not None:
            change_context_exit(reset)
            self._change_context = None
        return super().finalize_response(request, response, *args, **kwargs)

    def perform_authentication(self, request):
        error = getattr(request, "authentication_error", None)
        if error is not None:
            raise error
        super().perform_authentication(request)


class OrganizationScopedMixin(CallerRecorded):
    """For views under /orgs/{org}/: the organization, roles and the version of a write."""

    permission_classes = [OrganizationRole]
    read_role = Membership.Role.VIEWER
    write_role = Membership.Role.EDITOR

    @property
    def organization(self) -> Organization | None:
        # None while drf-spectacular inspects the view without a real request.
        return getattr(self.request, "organization", None)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # The schema generator builds serializers without a request or organization.
        context["organization"] = getattr(self.request, "organization", None)
        return context


def requested_version(request, *, required: bool = True) -> int | None:
    """The version the writer read: If-Match (the ETag) or the body's `version`; 400 if not one.

    `If-Match: *` (and, when not `required`, nothing) writes whatever the version is."""
    header = request.headers.get("If-Match", "").strip()
    if header and header != "*":
        value = header.removeprefix("W/").strip('"')
    else:
        value = request.data.get("version") if hasattr(request.data, "get") else None
    if value in (None, ""):
        if required and header != "*":
            raise PreconditionRequired()
        return None
    try:
        return VersionField().run_validation(value)
    except exceptions.ValidationError as error:
        raise exceptions.ValidationError({"version": error.detail}) from None


def etag(version: object) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


class IdFilter(django_filters.NumberFilter):
    """An id in a query string: a whole number in the database's range, or a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class VersionedViewSet(OrganizationScopedMixin, viewsets.GenericViewSet):
    """List, retrieve, create, PATCH and delete rows that carry a `version`, through services.

    Subclasses implement service_create(data), service_update(obj, version, data) and
    service_delete(obj). GET sends the version as ETag; PATCH needs it back (If-Match or
    `version`) and answers 412 when it is stale; DELETE checks it when it is given.
    """

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = ID_PATTERN
    pagination_class = PagePagination
    filter_backends = [DjangoFilterBackend, OrderingFilter]

    def service_create(self, data: dict):
        raise NotImplementedError

    def service_update(self, obj, version: int, data: dict):
        raise NotImplementedError

    def service_delete(self, obj) -> None:
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        return Response(self.get_serializer(obj).data, headers=etag(obj.version))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            obj = self.service_create(dict(serializer.validated_data))
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED, headers=etag(obj.version))

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        version = requested_version(request)
        serializer = self.get_serializer(obj, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            obj = self.service_update(obj, version, dict(serializer.validated_data))
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, headers=etag(obj.version))

    def destroy(self, request, *args, **kwargs):
        obj = self.get_object()
        version = requested_version(request, required=False)
        with transaction.atomic():
            # Organization first (cxowner/orgs/locks.py): a delete must not hold its row while
            # waiting for an audit that needs a KEY SHARE lock on it.
            organization_locked(self.organization.pk)
            try:
                locked = versioned_lock(obj, version=version)
            except DjangoValidationError:  # deleted meanwhile
                raise Http404 from None
            self.service_delete(locked)
        return Response(status=status.HTTP_204_NO_CONTENT)
