"""The company's side of the REST API, mounted by cxowner.api_urls in the `api` names: the rule
catalogue at /api/v1/rules/, and under /api/v1/orgs/{org}/ the endpoints of every capability."""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from cxowner.orgs.api.base import ID_PATTERN
from ownership.automation.api import AuditScheduleView, WebhookViewSet
from ownership.editor.api import AssignmentViewSet, MatrixView
from ownership.editor.api_journeys import JourneyViewSet
from ownership.editor.api_reverts import ChangeSetRevertViewSet
from ownership.fixes.api import GapFixViewSet
from ownership.gaps.api import AuditRunViewSet, GapViewSet
from ownership.gaps.api_rules import RuleListView
from ownership.history.api import ChangeSetViewSet
from ownership.imports.api import ImportJobViewSet, MatrixExportView, MatrixImportView
from ownership.inbox.api import InboxViewSet
from ownership.reports.api import (
    ReportJobPdfView,
    ReportJobsView,
    ReportJobView,
    ReportPdfView,
    ReportScheduleView,
)
from ownership.reviews.api import ReviewCampaignViewSet
from ownership.scenarios.api import ScenarioViewSet
from ownership.structure.api import FunctionViewSet, RoleViewSet

router = SimpleRouter()
router.register("journeys", JourneyViewSet, basename="journey")
router.register("functions", FunctionViewSet, basename="function")
router.register("roles", RoleViewSet, basename="role")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("audits", AuditRunViewSet, basename="audit-run")
router.register("gaps", GapViewSet, basename="gap")
router.register("imports", ImportJobViewSet, basename="import-job")
router.register("changes", ChangeSetViewSet, basename="change-set")
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("campaigns", ReviewCampaignViewSet, basename="review-campaign")
router.register("scenarios", ScenarioViewSet, basename="scenario")
router.register("inbox", InboxViewSet, basename="inbox")

# Actions that write the matrix on resources read by a lower capability (a gap's fixes, a change
# set's revert) come from the capability that writes it, on a second router: a router takes
# each basename once.
writes = SimpleRouter()
writes.register("gaps", GapFixViewSet, basename="gap")
writes.register("changes", ChangeSetRevertViewSet, basename="change-set")

organization_urls = [
    re_path(rf"^journeys/(?P<pk>{ID_PATTERN})/matrix/$", MatrixView.as_view(), name="journey-matrix"),
    path("import/", MatrixImportView.as_view(), name="matrix-import"),
    path("export/", MatrixExportView.as_view(), name="matrix-export"),
    path("audit-schedule/", AuditScheduleView.as_view(), name="audit-schedule"),
    path("report.pdf", ReportPdfView.as_view(), name="report-pdf"),
    path("report/schedule/", ReportScheduleView.as_view(), name="report-schedule"),
    path("report/jobs/", ReportJobsView.as_view(), name="report-jobs"),
    re_path(rf"^report/jobs/(?P<pk>{ID_PATTERN})/$", ReportJobView.as_view(), name="report-job"),
    re_path(rf"^report/jobs/(?P<pk>{ID_PATTERN})/pdf$", ReportJobPdfView.as_view(), name="report-job-pdf"),
    *router.urls,
    *writes.urls,
]

urlpatterns = [
    path("rules/", RuleListView.as_view(), name="rules"),
    path("orgs/<str:org>/", include(organization_urls)),
]
