"""The gaps list: filtered and sorted by any column (one FilterSet with the API, ?ordering=), each
gap's title opening its own page, and many gaps assigned, given a due date or accepted as risks at
once (ownership.gaps.bulk, through the gap workflow's services)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from cxowner.orgs.models import Membership
from cxowner.views import org_view, render_org
from ownership.engine.vocabulary import rule_text
from ownership.gaps import bulk, workflow
from ownership.gaps.figures import standing_read
from ownership.gaps.filtersets import gap_filter
from ownership.gaps.selectors import touchpoint_locator
from ownership.gaps.views import members_by_name, person_name

GAPS_PER_PAGE = 50

# The list's columns: (heading, the ?ordering= name that sorts it).
COLUMNS = [
    ("Score", "score"),
    ("Severity", "severity"),
    ("Rule", "rule"),
    ("Gap", "gap"),
    ("Journey", "journey"),
    ("Functions", "functions"),
    ("Since", "first_seen_at"),
    ("Status", "workflow_status"),
    ("Assigned", "assignee"),
]


def sort_headers(query: QueryDict, current: list[str]) -> list[dict]:
    """Each column's heading with its sort state (aria-sort) and the query that sorts by it: the
    same column again reverses it; a score starts highest first."""
    base = query.copy()
    for name in ("page", "ordering"):
        base.pop(name, None)
    first = current[0] if current else "-score"
    headers = []
    for label, name in COLUMNS:
        state = "ascending" if first == name else "descending" if first == f"-{name}" else "none"
        if state == "none":
            nxt = f"-{name}" if name == "score" else name
        else:
            nxt = name if state == "descending" else f"-{name}"
        params = base.copy()
        params["ordering"] = nxt
        headers.append({"label": label, "name": name, "state": state, "query": params.urlencode()})
    return headers


class BulkForm(forms.Form):
    action = forms.ChoiceField(label="With the selected gaps", choices=[("", "Choose…"), *bulk.ACTIONS.items()])
    assignee = forms.TypedChoiceField(label="Assign to", coerce=int, empty_value=None, required=False)
    due_on = forms.DateField(label="Due", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label="Why the risk is accepted",
        required=False,
        max_length=workflow.RISK_REASON_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    expires_on = forms.DateField(
        label="Look at it again on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "Nobody")] + [(m.user_id, person_name(m.user)) for m in members]


def _selected(values: list[str]) -> list[tuple[int, int]] | None:
    """The checked rows' "id:version" values; None when one is not of that shape."""
    pairs = []
    for value in values:
        gap_id, _, version = value.partition(":")
        if not (gap_id.isdigit() and version.isdigit() and len(gap_id) < 19 and len(version) < 10):
            return None
        pairs.append((int(gap_id), int(version)))
    return pairs


@org_view()
def gap_list(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    context = {"nav": "gaps", **gap_list_context(request, membership)}
    template = "ownership/_gap_table.html" if request.htmx else "ownership/gap_list.html"
    return render_org(request, membership, template, context)


@org_view()
def gap_list_live(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    """The list's table as the page shows it for the same filters, sort and page: what an open
    list fetches when a change reaches the live gap state (static/js/livepages.js)."""
    return render_org(request, membership, "ownership/_gap_table.html", gap_list_context(request, membership))


def gap_list_context(request: HttpRequest, membership: Membership) -> dict:
    """The table's rows, figures and headings for the filters in the request's query."""
    organization = membership.organization
    gaps, query = gap_filter(request, organization)
    page = Paginator(gaps.qs, GAPS_PER_PAGE).get_page(request.GET.get("page"))
    locate = touchpoint_locator(organization) if page.object_list else {}
    rows = []
    for gap in page.object_list:
        names = gap.finding.get("touchpoints") or []
        located = locate.get((gap.journey_id, names[0])) if names else None
        rows.append({"gap": gap, "touchpoint_id": located[0] if located else None, "text": rule_text(gap.rule)})
    params = query.copy()
    params.pop("page", None)
    # The header's figures are those of the journey or stage filtered on (every surface's, docs/figures.md).
    chosen = gaps.form.cleaned_data if gaps.form.is_valid() else {}
    journey, stage = chosen.get("journey"), chosen.get("stage")
    standing = standing_read(
        organization=organization,
        journey_id=journey.pk if journey is not None and stage is None else None,
        stage_id=stage.pk if stage is not None else None,
    )
    return {
        "filter": gaps,
        "page": page,
        "rows": rows,
        "params": params.urlencode(),
        # Where the bulk form comes back to: the list as shown, also when the live fragment drew it.
        "list_url": reverse("ownership:gaps", args=[organization.slug])
        + (f"?{request.GET.urlencode()}" if request.GET else ""),
        "headers": sort_headers(query, list(chosen.get("ordering") or [])),
        "standing": standing,
        "standing_of": stage or journey,
        "bulk_form": BulkForm(members=members_by_name(organization)) if membership.can_edit and rows else None,
    }


@org_view(Membership.Role.EDITOR, "POST")
def gap_bulk(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    """Decide the checked gaps at once; back to the list as it was shown, with what was done."""
    organization = membership.organization
    members = members_by_name(organization)
    back = _back_to_list(request, org)
    selected = _selected(request.POST.getlist("gaps"))
    form = BulkForm(request.POST, members=members)
    if selected is None or not form.is_valid():
        errors = [
            f"{form.fields[f].label if f in form.fields else 'This form'}: {' '.join(e)}"
            for f, e in form.errors.items()
        ]
        messages.error(request, " ".join(errors) or "The selection could not be read; nothing was changed.")
        return redirect(back)
    data = form.cleaned_data
    people = {m.user_id: m.user for m in members}
    try:
        outcome = bulk.gaps_bulk_decide(
            organization=organization,
            gaps=selected,
            action=data["action"],
            assignee=people.get(data["assignee"]) if data["assignee"] is not None else None,
            due_on=data["due_on"],
            reason=data["reason"],
            expires_on=data["expires_on"],
            today=timezone.localdate(),
        )
    except ValidationError as error:
        messages.error(request, "Nothing was changed: " + " ".join(error.messages))
        return redirect(back)
    _say(request, outcome, data, people)
    return redirect(back)


def _say(request: HttpRequest, outcome: bulk.BulkOutcome, data: dict, people: dict) -> None:
    n = outcome.done
    gaps = f"{n} gap{'' if n == 1 else 's'}"
    if data["action"] == bulk.ASSIGN:
        who = person_name(people[data["assignee"]]) if data["assignee"] is not None else "nobody"
        done = f"{gaps} assigned to {who}" + (f", due {data['due_on']:%d %b %Y}" if data["due_on"] else "")
    elif data["action"] == bulk.DUE:
        done = f"{gaps} now due {data['due_on']:%d %b %Y}"
    else:
        done = f"{gaps} accepted as risks until {data['expires_on']:%d %b %Y}"
    (messages.success if n else messages.warning)(request, f"{done}.")
    if outcome.skipped:
        messages.warning(request, "Left as they are: " + "; ".join(outcome.skipped) + ".")
    if outcome.missing:
        messages.warning(request, f"{outcome.missing} selected gap(s) were not found in this organization.")


def _back_to_list(request: HttpRequest, org: str) -> str:
    """The list as it was shown (its filters, sort and page), never another site."""
    target = request.POST.get("next", "")
    fallback = reverse("ownership:gaps", args=[org])
    if target.startswith(fallback) and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback
