from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "cxowner.orgs"
    label = "orgs"
    verbose_name = "Organizations"
