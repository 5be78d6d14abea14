from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "cxowner.sso"
    label = "sso"
    verbose_name = "Single sign-on"
