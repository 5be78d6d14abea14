"""Sockets close when their session ends: at log-out, and when the user stops being a member."""

from __future__ import annotations

import logging

from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .live import session_ended
from .models import Membership

logger = logging.getLogger(__name__)


def _ended(**ids) -> None:
    try:
        session_ended(**ids)
    except Exception:
        # A channel layer that is down must not fail a log-out; the sockets' own checks
        # (LIVE_SESSION_CHECK_SECONDS) close them anyway.
        logger.exception("Could not tell the live sockets that a session ended")


@receiver(user_logged_out, dispatch_uid="orgs.live_logged_out")
def _logged_out(sender, user=None, **kwargs) -> None:
    if user is not None and user.pk:
        _ended(user_id=user.pk)


@receiver(post_delete, sender=Membership, dispatch_uid="orgs.live_member_removed")
def _member_removed(sender, instance: Membership, **kwargs) -> None:
    user_id, organization_id = instance.user_id, instance.organization_id
    transaction.on_commit(lambda: _ended(user_id=user_id, organization_id=organization_id))
