"""The REST API, mounted at /api/v1/: organizations, and each app's endpoints under /orgs/{org}/.

The project names the apps' URL modules and imports none of them: journeys.api.urls and
ownership.api_urls list their own endpoints, in the same `api` names.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from cxowner.api_docs import redoc_bundle
from cxowner.orgs.api.views import (
    ApiTokenViewSet,
    InvitationViewSet,
    MembershipViewSet,
    NotFoundView,
    OrganizationViewSet,
    PingView,
)

app_name = "api"

router = SimpleRouter()
router.register("members", MembershipViewSet, basename="member")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("tokens", ApiTokenViewSet, basename="token")

organization_urls = [
    path("", OrganizationViewSet.as_view({"get": "retrieve", "patch": "partial_update"}), name="organization-detail"),
    *router.urls,
]

urlpatterns = [
    path("ping/", PingView.as_view(), name="ping"),
    path("orgs/", OrganizationViewSet.as_view({"get": "list"}), name="organization-list"),
    path("orgs/<str:org>/", include(organization_urls)),
    path("", include("journeys.api.urls")),
    path("", include("ownership.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("redoc/redoc.standalone.js", redoc_bundle, name="redoc-bundle"),
    # Anything else under /api/v1/ is a JSON 404, never the browser's HTML page.
    re_path(r"^", NotFoundView.as_view(), name="not-found"),
]
