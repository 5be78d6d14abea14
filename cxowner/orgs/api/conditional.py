"""Conditional reads for integrations: ETag and Last-Modified from the organization's change
counter, and 304 Not Modified when nothing changed.

Every write to the matrix bumps Organization.matrix_version in its transaction (the live gap
refresh does), so a list of journeys, functions, letters or gaps cannot change without it. A
poller sends the ETag back in If-None-Match and gets an empty 304 for the cost of the
organization lookup the permission check does anyway.
"""

from __future__ import annotations

import hashlib

from django.utils.http import http_date
from rest_framework import status
from rest_framework.response import Response


def list_etag(request) -> str:
    """Weak: the same list in another encoding is still the same list."""
    organization = request.organization
    query = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:12]
    return f'W/"{organization.matrix_version}-{query}"'


def etag_matches(request, tag: str) -> bool:
    wanted = request.headers.get("If-None-Match", "")
    # Weak comparison (RFC 9110 §13.1.2): W/ prefixes do not matter.
    bare = tag.removeprefix("W/")
    return any(
        candidate.strip() in ("*", tag, bare) or candidate.strip().removeprefix("W/") == bare
        for candidate in wanted.split(",")
    )


def conditional_headers(request, tag: str) -> dict[str, str]:
    headers = {"ETag": tag}
    organization = request.organization
    # An organization nothing was written to since it was made was last modified when made.
    changed_at = organization.matrix_changed_at or organization.created_at
    headers["Last-Modified"] = http_date(changed_at.timestamp())
    return headers


class _NotModified(Exception):
    pass


class ConditionalListMixin:
    """For organization-scoped list endpoints whose rows only matrix writes change.

    Works around whatever `list` the view has: the check runs once the caller is authenticated
    and allowed (initial), the headers are added to the finished response.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.conditional_tag = list_etag(request) if getattr(self, "action", None) == "list" else None
        if self.conditional_tag and etag_matches(request, self.conditional_tag):
            raise _NotModified

    def handle_exception(self, exc):
        if isinstance(exc, _NotModified):
            headers = conditional_headers(self.request, self.conditional_tag)
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        tag = getattr(self, "conditional_tag", None)
        if tag and response.status_code == status.HTTP_200_OK:
            for name, value in conditional_headers(request, tag).items():
                response[name] = value
        return response
