from django.apps import AppConfig
from django.db.models.signals import post_delete


class OwnershipConfig(AppConfig):
    name = "ownership"
    verbose_name = "Ownership"

    def ready(self):
        # Importing the tasks connects the audit-after-change receiver and beat's start-up hook.
        from cxowner.orgs.models import Organization
        from ownership.automation import tasks

        post_delete.connect(
            tasks._schedule_dropped_with_organization, sender=Organization, dispatch_uid="ownership.schedule_dropped"
        )
