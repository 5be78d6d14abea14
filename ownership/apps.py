from django.apps import AppConfig


class OwnershipConfig(AppConfig):
    name = "ownership"
    verbose_name = "Ownership"

    def ready(self):
        # Importing them connects the receivers: one module per package that has any.
        from ownership.automation import receivers as automation_receivers  # noqa: F401
        from ownership.gaps import receivers as gaps_receivers  # noqa: F401
        from ownership.inbox import receivers as inbox_receivers  # noqa: F401
