"""The company's side: functions, roles, RACI assignments, and what is built on them (audits and gaps,
webhooks, imports, reports, reviews, scenarios), one module per capability.

Every model is re-exported here, so `from ownership.models import Gap` does not depend on the module
that defines it. webhook_targets holds no model: it is the rule of where a webhook may point, which
Webhook.clean checks when one is saved and the deliveries again when they connect.
"""

from ownership.models.automation import Webhook, WebhookDelivery
from ownership.models.gaps import GAP_LIFE_EVENTS, AuditNotice, AuditRun, Gap, GapComment, GapEvent, GapStatus
from ownership.models.imports import ImportJob
from ownership.models.inbox import InboxItem, InboxPreference
from ownership.models.provisioning import ScimGroup, ScimGroupMember, ScimUser
from ownership.models.reports import ReportDelivery, ReportJob, ReportSchedule
from ownership.models.reviews import ReviewCampaign, ReviewItem, ReviewOutcome
from ownership.models.scenarios import Scenario, ScenarioOperation, ScenarioOperationKind
from ownership.models.structure import Assignment, Function, JourneyOwner, Role

__all__ = [
    "GAP_LIFE_EVENTS",
    "Assignment",
    "AuditNotice",
    "AuditRun",
    "Function",
    "Gap",
    "GapComment",
    "GapEvent",
    "GapStatus",
    "ImportJob",
    "InboxItem",
    "InboxPreference",
    "JourneyOwner",
    "ReportDelivery",
    "ReportJob",
    "ReportSchedule",
    "ReviewCampaign",
    "ReviewItem",
    "ReviewOutcome",
    "Role",
    "Scenario",
    "ScenarioOperation",
    "ScenarioOperationKind",
    "ScimGroup",
    "ScimGroupMember",
    "ScimUser",
    "Webhook",
    "WebhookDelivery",
]
