"""cxowner's URLs: the browser's pages, the REST API under /api/v1/, SCIM under /scim/v2/, the
admin and /healthz.

The apps' pages are mounted by the name of their URL module: the project imports no app.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from cxowner import views as web
from cxowner.health import healthz
from cxowner.login import LoginView, PasswordResetConfirmView, PasswordResetView
from cxowner.orgs.live_views import live_changes
from cxowner.orgs.views import invitation
from cxowner.sso import saml_views as saml
from cxowner.sso import views as sso

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", web.favicon),
    path("api/v1/", include("cxowner.api_urls", namespace="api")),
    # The browser: every page of an organization lives under /o/<slug>/.
    path("", web.home, name="home"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/password-reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Single sign-on: the provider of a typed e-mail, the way to it and back (cxowner/sso/).
    path("accounts/sso/find/", sso.sso_find, name="sso_find"),
    path("accounts/sso/<int:sso_id>/start/", sso.sso_start, name="sso_start"),
    path("accounts/sso/callback/", sso.sso_callback, name="sso_callback"),
    # SAML 2.0 (cxowner/sso/saml_views.py): each organization's SP has its own metadata (its entity ID) and ACS.
    path("accounts/sso/<int:sso_id>/saml/metadata/", saml.saml_metadata, name="saml_metadata"),
    path("accounts/sso/saml/<int:sso_id>/acs/", saml.saml_acs, name="saml_acs"),
    path("switch/", web.switch_organization, name="switch_organization"),
    path("invitations/<str:token>/", invitation, name="invitation"),
    # What a page that lost its live socket missed (docs/live.md).
    path("o/<slug:org>/live/changes", live_changes, name="live_changes"),
    path("o/<slug:org>/settings/sso/", sso.sso_settings, name="sso_settings"),
    path("o/<slug:org>/settings/sso/domains/<int:domain_id>/verify/", sso.sso_domain_check, name="sso_domain_check"),
    path("o/<slug:org>/", include("ownership.urls")),
    # SCIM 2.0 for identity providers (docs/sso-scim.md); its own root, outside the REST API.
    path("scim/v2/o/<slug:org>/", include("ownership.provisioning.urls", namespace="scim")),
]

handler400 = "cxowner.views.bad_request"
handler403 = "cxowner.views.permission_denied"
handler404 = "cxowner.views.page_not_found"
handler500 = "cxowner.views.server_error"
