"""Reads of the organization's webhooks and their deliveries, and of its digests that failed."""

from __future__ import annotations

from django.db.models import Prefetch

from cxowner.orgs.models import Organization
from ownership.models import (
    AuditNotice,
    Webhook,
    WebhookDelivery,
)


def webhooks_with_deliveries(*, organization: Organization, deliveries: int = 10) -> list[Webhook]:
    """The organization's webhooks, each with its latest deliveries as `recent_deliveries`.

    Two queries however many webhooks: the deliveries come per webhook, newest first, cut at
    `deliveries` each by the database (a window function), not in Python.
    """
    recent = WebhookDelivery.objects.order_by("-id")[:deliveries]
    return list(
        Webhook.objects.filter(organization=organization)
        .order_by("id")
        .prefetch_related(Prefetch("deliveries", queryset=recent, to_attr="recent_deliveries"))
    )


def digests_failed(*, organization: Organization, shown: int = 5) -> list[AuditNotice]:
    """The latest audit digests that could not be e-mailed after their last try, newest first."""
    failed = AuditNotice.objects.filter(run__organization=organization, mail_state=AuditNotice.MailState.FAILED)
    return list(failed.order_by("-sent_at", "-id")[:shown])
