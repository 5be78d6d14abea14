"""An admin puts a whole change set back (an import, a paste): a preview of what it will do,
then one change set on confirm. The work is ownership.editor.reverts', shared with the API and undo."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect

from cxowner.orgs.history import ChangeSet
from cxowner.orgs.models import Membership
from cxowner.views import org_view, render_org
from ownership.editor.reverts import (
    PREVIEW_ROWS,
    RevertPlan,
    RevertRefused,
    change_set_revert,
    listed,
    revert_gaps,
    revert_plan,
)
from ownership.engine.vocabulary import rule_text


@org_view(Membership.Role.ADMIN, "GET", "POST")
def change_set_revert_page(request: HttpRequest, membership: Membership, org: str, change_set_id: int) -> HttpResponse:
    organization = membership.organization
    change_set = get_object_or_404(ChangeSet, pk=change_set_id, organization=organization)
    error = ""
    if request.method == "POST":
        try:
            done = change_set_revert(organization=organization, change_set=change_set, all_or_nothing=False)
        except (RevertRefused, ValidationError) as refused:
            error = getattr(refused, "message", None) or " ".join(refused.messages)
        else:
            messages.success(request, _done_message(done.plan))
            return redirect("ownership:change_set", org=organization.slug, change_set_id=done.change_set.pk)
    plan = revert_plan(organization=organization, change_set=change_set)
    gaps = revert_gaps(organization=organization, plan=plan)
    context = {
        "nav": "activity",
        "change_set": change_set,
        "plan": plan,
        "cells": plan.cells[:PREVIEW_ROWS],
        "changed_since": plan.changed_since[:PREVIEW_ROWS],
        "gone": plan.gone[:PREVIEW_ROWS],
        "kept": plan.kept[:PREVIEW_ROWS],
        "gaps": gaps,
        "opened": [{"finding": finding, "text": rule_text(finding.rule)} for finding in gaps.opened],
        "closed": [{"finding": finding, "text": rule_text(finding.rule)} for finding in gaps.closed],
        "preview_rows": PREVIEW_ROWS,
        "error": error,
    }
    return render_org(request, membership, "ownership/change_set_revert.html", context, 409 if error else 200)


def _done_message(plan: RevertPlan) -> str:
    count = len(plan.cells)
    message = f"Reverted: {count} cell{'s' if count != 1 else ''} put back."
    if plan.changed_since:
        kept = listed(cell.describe_now() for cell in plan.changed_since)
        message += f" Left as they are, because someone changed them since: {kept}."
    return message
