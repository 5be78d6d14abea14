"""Managing an organization's webhooks: add, change, delete, rotate the secret, send a test.

The settings page and the API call these, and nothing else writes a webhook. Each change is
recorded in the organization's history (cxowner.orgs.history) in its own transaction — but
never the secret: it is shown to the admin once, when it is made, and exists afterwards only
in the webhook's row, where deliveries read it to sign.

Changes are compare-and-set on the webhook's `version`, so an admin who toggles a webhook that
a colleague just pointed elsewhere is told, not overwritten. Webhooks do not take part in the
gap rules: no change here refreshes live gaps.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from cxowner.orgs.history import Change, object_changes, object_created, object_deleted, object_record
from cxowner.orgs.models import Organization
from cxowner.orgs.versions import versioned_lock, versioned_update
from ownership.automation.notifications import webhook_ping
from ownership.models import Webhook, WebhookDelivery

# What an admin may change on a webhook after adding it; the secret changes only by rotation.
WEBHOOK_FIELDS = ("url", "description", "active")


# 32 random bytes, URL-safe: as strong as the HMAC-SHA256 key it is.
SECRET_BYTES = 32


def webhook_secret_new() -> str:
    return "whsec_" + secrets.token_urlsafe(SECRET_BYTES)


@transaction.atomic
def webhook_create(
    *, organization: Organization, url: str, description: str = "", active: bool = True
) -> tuple[Webhook, str]:
    """Add a webhook; returns it with its secret, which cannot be shown again."""
    secret = webhook_secret_new()
    webhook = Webhook(
        organization=organization, url=url.strip(), description=description.strip(), active=active, secret=secret
    )
    # full_clean runs the URL checks of ownership.models.webhook_targets: public http(s) addresses only.
    webhook.full_clean()
    webhook.save()
    object_record(obj=webhook, action="create", changes=[object_created(webhook)])
    return webhook, secret


@transaction.atomic
def webhook_update(*, webhook: Webhook, version: int | None, **changes: Any) -> Webhook:
    """Change the URL, description or whether it is active, if it is still at `version`."""
    unknown = set(changes) - set(WEBHOOK_FIELDS)
    if unknown:
        raise ValidationError(f"Not a webhook setting: {', '.join(sorted(unknown))}.")
    changes = {name: value.strip() if isinstance(value, str) else value for name, value in changes.items()}
    before = {name: getattr(webhook, name) for name in changes}
    for name, value in changes.items():
        setattr(webhook, name, value)
    if "url" in changes:
        webhook.full_clean()  # with the URL checks (Webhook.clean)
    else:
        webhook.clean_fields()  # the URL is not resolved again to flip a switch
    webhook = versioned_update(webhook, version=version, **changes)
    after = {name: getattr(webhook, name) for name in changes}
    history = object_changes(object_type="webhook", object_id=webhook.pk, before=before, after=after)
    object_record(obj=webhook, action="update", changes=history)
    return webhook


@transaction.atomic
def webhook_delete(*, webhook: Webhook, version: int | None = None) -> None:
    """Delete a webhook with its delivery log."""
    current = versioned_lock(webhook, version=version)
    object_record(obj=current, action="delete", changes=[object_deleted(current)])
    current.delete()


@transaction.atomic
def webhook_secret_rotate(*, webhook: Webhook, version: int | None = None) -> tuple[Webhook, str]:
    """Give the webhook a new secret; returns it with the secret, shown once.

    Deliveries sign with the new secret from now on. The history says the secret was rotated,
    and by whom, but holds neither the old secret nor the new one.
    """
    secret = webhook_secret_new()
    webhook = versioned_update(webhook, version=version, secret=secret)
    rotated = Change("webhook", webhook.pk, "secret", "(not recorded)", "(rotated; not recorded)")
    object_record(obj=webhook, action="rotate", changes=[rotated])
    return webhook, secret


def webhook_test_send(*, webhook: Webhook) -> WebhookDelivery:
    """Send a signed `ping` through the delivery code audits use; recorded in the delivery log.

    Not in a transaction: the request may take WEBHOOK_TIMEOUT_SECONDS, and no row is locked
    while a receiver answers.
    """
    return webhook_ping(webhook=webhook)
