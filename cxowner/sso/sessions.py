"""Ending the password sessions of an organization's members when it turns "SSO only" on.

The gate (cxowner/sso/password.py) refuses new password log-ins; a member logged in with their
password before would otherwise keep working until the session expires. Sessions live in the
database (Django's default engine), each with the backend that logged it in: those of
ModelBackend belong to passwords; the provider's sessions are kept.
"""

from __future__ import annotations

from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.utils import timezone

from cxowner.orgs.models import Membership

PASSWORD_BACKENDS = {"django.contrib.auth.backends.ModelBackend"}


def password_sessions_end(*, organization_id: int) -> int:
    """Delete the live password sessions of the organization's members (superusers' aside); how many."""
    members = {
        str(user_id)
        for user_id in Membership.objects.filter(organization_id=organization_id, user__is_superuser=False).values_list(
            "user_id", flat=True
        )
    }
    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = session.get_decoded()
        if data.get(BACKEND_SESSION_KEY) in PASSWORD_BACKENDS and str(data.get(SESSION_KEY)) in members:
            ended.append(session.session_key)
    Session.objects.filter(session_key__in=ended).delete()
    return len(ended)
