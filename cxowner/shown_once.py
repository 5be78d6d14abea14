"""Secrets shown once, after the redirect that follows the POST which made them.

A new API key or webhook secret used to be the page answering the POST, so reloading that page
posted again and made a second token. Now the view keeps the secret in the session and
redirects; the page it redirects to takes it out and shows it: once, to the session that made
it, on that organization's page only. It stays in the session no longer than the redirect takes.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .orgs.models import Organization


def _session_key(organization: Organization, kind: str) -> str:
    return f"shown-once:{organization.pk}:{kind}"


def shown_once_keep(request: HttpRequest, *, organization: Organization, kind: str, value: dict[str, Any]) -> None:
    request.session[_session_key(organization, kind)] = value


def shown_once_take(request: HttpRequest, *, organization: Organization, kind: str) -> dict[str, Any] | None:
    """What was kept for this organization's page, removed from the session; None if nothing."""
    return request.session.pop(_session_key(organization, kind), None)
