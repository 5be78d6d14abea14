"""What automation does when something happens elsewhere, connected in OwnershipConfig.ready.

- beat starts: every organization gets its default audit schedule before the scheduler reads them;
- an organization is deleted: its schedule goes with it;
- an audit run that opened or resolved gaps is committed (ownership.gaps.signals): the digest
  e-mail and the webhooks' deliveries are handed to the workers;
- a gap gets a new assignee (ownership.gaps.signals): the assignee's e-mail and the webhooks'
  gap.assigned are handed to the workers.
"""

from __future__ import annotations

import logging

from celery.signals import beat_embedded_init, beat_init
from django.db.models.signals import post_delete
from django.dispatch import receiver

from cxowner.orgs.models import Organization
from ownership.automation.schedules import audit_schedule_delete, audit_schedules_ensure
from ownership.automation.tasks import audit_notify_task, gap_assignee_notify_task
from ownership.gaps.signals import audit_changes_committed, gap_assigned

logger = logging.getLogger(__name__)


@beat_init.connect
@beat_embedded_init.connect
def _schedules_on_beat_start(sender=None, **kwargs) -> None:
    # Before the scheduler reads its table, so every organization is on it from the start.
    created = audit_schedules_ensure()
    if created:
        logger.info("Created the default audit schedule for %s organization(s).", created)


@receiver(post_delete, sender=Organization, dispatch_uid="ownership.schedule_dropped")
def _schedule_dropped_with_organization(sender, instance, **kwargs) -> None:
    audit_schedule_delete(organization_id=instance.pk)


@receiver(audit_changes_committed, dispatch_uid="ownership.audit_notify")
def _audit_changes_notified(sender, run, **kwargs) -> None:
    audit_notify_task.delay(run.pk)


@receiver(gap_assigned, dispatch_uid="ownership.gap_assignee_notify")
def _gap_assignee_notified(sender, gap_id: int, **kwargs) -> None:
    gap_assignee_notify_task.delay(gap_id)
