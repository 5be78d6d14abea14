"""The REST API, mounted at /api/v1/: organizations, and everything else under /orgs/{org}/."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from cxowner.orgs.api.base import ID_PATTERN
from cxowner.orgs.api.views import (
    ApiTokenViewSet,
    InvitationViewSet,
    MembershipViewSet,
    NotFoundView,
    OrganizationViewSet,
    PingView,
)
from journeys.api.views import StageViewSet, TouchpointViewSet
from ownership.automation.api import AuditScheduleView, WebhookViewSet
from ownership.editor.api import AssignmentViewSet, MatrixView
from ownership.editor.api_journeys import JourneyViewSet
from ownership.gaps.api import AuditRunViewSet, GapViewSet
from ownership.gaps.api_rules import RuleListView
from ownership.history.api import ChangeSetViewSet
from ownership.imports.api import ImportJobViewSet, MatrixExportView, MatrixImportView
from ownership.reports.api import ReportPdfView, ReportScheduleView
from ownership.reviews.api import ReviewCampaignViewSet
from ownership.scenarios.api import ScenarioViewSet
from ownership.structure.api import FunctionViewSet, RoleViewSet

app_name = "api"

router = SimpleRouter()
router.register("members", MembershipViewSet, basename="member")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("functions", FunctionViewSet, basename="function")
router.register("roles", RoleViewSet, basename="role")
router.register("journeys", JourneyViewSet, basename="journey")
router.register("stages", StageViewSet, basename="stage")
router.register("touchpoints", TouchpointViewSet, basename="touchpoint")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("audits", AuditRunViewSet, basename="audit-run")
router.register("gaps", GapViewSet, basename="gap")
router.register("imports", ImportJobViewSet, basename="import-job")
router.register("changes", ChangeSetViewSet, basename="change-set")
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("campaigns", ReviewCampaignViewSet, basename="review-campaign")
router.register("scenarios", ScenarioViewSet, basename="scenario")

organization_urls = [
    path("", OrganizationViewSet.as_view({"get": "retrieve", "patch": "partial_update"}), name="organization-detail"),
    re_path(rf"^journeys/(?P<pk>{ID_PATTERN})/matrix/$", MatrixView.as_view(), name="journey-matrix"),
    path("import/", MatrixImportView.as_view(), name="matrix-import"),
    path("export/", MatrixExportView.as_view(), name="matrix-export"),
    path("audit-schedule/", AuditScheduleView.as_view(), name="audit-schedule"),
    path("report.pdf", ReportPdfView.as_view(), name="report-pdf"),
    path("report/schedule/", ReportScheduleView.as_view(), name="report-schedule"),
    *router.urls,
]

urlpatterns = [
    path("ping/", PingView.as_view(), name="ping"),
    path("rules/", RuleListView.as_view(), name="rules"),
    path("orgs/", OrganizationViewSet.as_view({"get": "list"}), name="organization-list"),
    path("orgs/<str:org>/", include(organization_urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    # Anything else under /api/v1/ is a JSON 404, never the browser's HTML page.
    re_path(r"^", NotFoundView.as_view(), name="not-found"),
]
