from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import provisioning

urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("test/users/", provisioning.user_add),
    path("test/users/<int:sub>/deactivate/", provisioning.user_deactivate),
    path("test/clients/", provisioning.client_add),
    path("test/sign/", provisioning.sign),
]
