"""The journeys' endpoints, under /api/v1/orgs/{org}/ (cxowner.api_urls mounts them in the `api` names)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from journeys.api.views import JourneyViewSet, StageViewSet, TouchpointViewSet

router = SimpleRouter()
router.register("journeys", JourneyViewSet, basename="journey")
router.register("stages", StageViewSet, basename="stage")
router.register("touchpoints", TouchpointViewSet, basename="touchpoint")

urlpatterns = [path("orgs/<str:org>/", include(router.urls))]
