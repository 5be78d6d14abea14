from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "cxowner.orgs"
    label = "orgs"
    verbose_name = "Organizations"

    def ready(self) -> None:
        from . import live_signals  # noqa: F401  (connects the live sockets' receivers)
