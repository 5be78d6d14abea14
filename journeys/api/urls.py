"""The journeys' endpoints, under /api/v1/orgs/{org}/ (cxowner.api_urls mounts them in the `api` names)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from journeys.api.views import StageViewSet, TouchpointViewSet

# /journeys/ is served by ownership.api_urls: the journey resource carries its manager, a role,
# which is ownership's (ownership.editor.api_journeys builds on journeys.api.views.JourneyViewSet).
router = SimpleRouter()
router.register("stages", StageViewSet, basename="stage")
router.register("touchpoints", TouchpointViewSet, basename="touchpoint")

urlpatterns = [path("orgs/<str:org>/", include(router.urls))]
