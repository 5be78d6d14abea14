"""The Django admin covers every model of cxowner, and each list page loads."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from .factories import UserFactory

pytestmark = pytest.mark.django_db

OUR_APPS = ("orgs", "journeys", "ownership")


def test_every_model_is_registered_in_the_admin():
    models = [model for label in OUR_APPS for model in apps.get_app_config(label).get_models()]
    assert [model.__name__ for model in models if model not in admin.site._registry] == []


@pytest.mark.parametrize(
    "model", [m for label in OUR_APPS for m in apps.get_app_config(label).get_models()], ids=lambda m: m.__name__
)
def test_admin_list_page_loads(client, model):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200
