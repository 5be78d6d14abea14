"""Many gaps decided at once from the gaps list: assign them, set their due date, or accept their
risk, each through the same workflow service as on the gap's own page (ownership.gaps.workflow).

Each gap comes with the version the list showed. A gap of another organization or gone is not
found; one changed meanwhile (StaleVersion) or resolved since is left as it is, and the outcome
says which and why. What is wrong with the request itself (no reason for a risk, a date in the
past, an assignee who is not a member) refuses the whole request before any gap is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from cxowner.orgs.errors import StaleVersion
from cxowner.orgs.models import Organization
from ownership.engine.vocabulary import rule_text
from ownership.gaps import workflow
from ownership.models import Gap

ASSIGN, DUE, ACCEPT = "assign", "due", "accept"
ACTIONS = {ASSIGN: "Assign", DUE: "Set the due date", ACCEPT: "Accept the risk"}

# One request decides at most this many gaps (a page of the list holds 50).
BULK_MAX_GAPS = 200


@dataclass
class BulkOutcome:
    """What a bulk decision did: how many gaps it changed, and each gap it left alone, with why."""

    done: int = 0
    skipped: list[str] = field(default_factory=list)
    missing: int = 0


def _label(gap: Gap) -> str:
    return f"“{rule_text(gap.rule).title}: {gap.finding.get('message', '')}”"


def _inputs_check(*, action: str, due_on: date | None, reason: str, expires_on: date | None, today: date) -> None:
    if action not in ACTIONS:
        raise ValidationError({"action": "Choose what to do with the selected gaps."})
    if action == DUE and due_on is None:
        raise ValidationError({"due_on": "Choose the due date to set."})
    if action == ACCEPT:
        # The same checks the service makes, before the first gap, so that nothing is half done.
        workflow.risk_acceptance_check(reason=reason, expires_on=expires_on, today=today)


def gaps_bulk_decide(
    *,
    organization: Organization,
    gaps: list[tuple[int, int]],
    action: str,
    assignee=None,
    due_on: date | None = None,
    reason: str = "",
    expires_on: date | None = None,
    today: date,
) -> BulkOutcome:
    """Apply `action` to each (gap id, version) of the organization: ASSIGN (to `assignee`, None
    for nobody; with `due_on` when given, else each keeps its own), DUE (`due_on`), or ACCEPT
    (`reason` until `expires_on`)."""
    if not gaps:
        raise ValidationError({"gaps": "Select at least one gap."})
    if len(gaps) > BULK_MAX_GAPS:
        raise ValidationError({"gaps": f"Select at most {BULK_MAX_GAPS} gaps at once."})
    _inputs_check(action=action, due_on=due_on, reason=reason, expires_on=expires_on, today=today)
    versions = dict(gaps)
    found = Gap.objects.filter(organization=organization, pk__in=versions).select_related("assignee").order_by("id")
    outcome = BulkOutcome(missing=len(versions) - len(found))
    with transaction.atomic():
        for gap in found:
            version = versions[gap.pk]
            try:
                with transaction.atomic():
                    _decide(
                        gap,
                        action,
                        version,
                        assignee=assignee,
                        due_on=due_on,
                        reason=reason,
                        expires_on=expires_on,
                        today=today,
                    )
            except StaleVersion as stale:
                outcome.skipped.append(f"{_label(gap)}: {stale.message('it')}")
                continue
            except ValidationError as error:
                if error.messages != [workflow.RESOLVED]:
                    raise  # about the request, not this gap: nothing is written
                outcome.skipped.append(f"{_label(gap)}: it is resolved, nothing is left to decide")
                continue
            outcome.done += 1
    return outcome


def _decide(gap: Gap, action: str, version: int, *, assignee, due_on, reason, expires_on, today) -> None:
    if action == ASSIGN:
        workflow.gap_assign(gap=gap, assignee=assignee, due_on=due_on or gap.due_on, version=version)
    elif action == DUE:
        workflow.gap_assign(gap=gap, assignee=gap.assignee, due_on=due_on, version=version)
    else:
        workflow.gap_accept_risk(gap=gap, reason=reason, expires_on=expires_on, version=version, today=today)
