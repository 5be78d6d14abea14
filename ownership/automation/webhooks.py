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
from django.db.models import F

from cxowner.orgs.errors import StaleVersion
from cxowner.orgs.history import Change, object_changes, object_created, object_deleted, object_record
from cxowner.orgs.locks import rows_locked
from cxowner.orgs.models import Organization
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
    current = _locked(webhook, version)
    before = {name: getattr(current, name) for name in changes}
    for name, value in changes.items():
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    if "url" in changes:
        current.full_clean()  # with the URL checks (Webhook.clean)
    else:
        current.clean_fields()  # the URL is not resolved again to flip a switch
    current.version = F("version") + 1
    current.save(update_fields=[*changes, "version"])
    current.refresh_from_db()
    after = {name: getattr(current, name) for name in changes}
    history = object_changes(object_type="webhook", object_id=current.pk, before=before, after=after)
    object_record(obj=current, action="update", changes=history)
    return current


@transaction.atomic
def webhook_delete(*, webhook: Webhook, version: int | None = None) -> None:
    """Delete a webhook with its delivery log."""
    current = _locked(webhook, version)
    object_record(obj=current, action="delete", changes=[object_deleted(current)])
    current.delete()


@transaction.atomic
def webhook_secret_rotate(*, webhook: Webhook, version: int | None = None) -> tuple[Webhook, str]:
    """Give the webhook a new secret; returns it with the secret, shown once.

    Deliveries sign with the new secret from now on. The history says the secret was rotated,
    and by whom, but holds neither the old secret nor the new one.
    """
    current = _locked(webhook, version)
    secret = webhook_secret_new()
    Webhook.objects.filter(pk=current.pk).update(secret=secret, version=F("version") + 1)
    current.refresh_from_db()
    rotated = Change("webhook", current.pk, "secret", "(not recorded)", "(rotated; not recorded)")
    object_record(obj=current, action="rotate", changes=[rotated])
    return current, secret


def webhook_test_send(*, webhook: Webhook) -> WebhookDelivery:
    """Send a signed `ping` through the delivery code audits use; recorded in the delivery log.

    Not in a transaction: the request may take WEBHOOK_TIMEOUT_SECONDS, and no row is locked
    while a receiver answers.
    """
    return webhook_ping(webhook=webhook)


def _locked(webhook: Webhook, version: int | None) -> Webhook:
    current = rows_locked(Webhook.objects.select_related("organization").filter(pk=webhook.pk)).first()
    if current is None:
        raise ValidationError("This webhook no longer exists.")
    if version is not None and current.version != version:
        raise StaleVersion(current)
    return current
