"""The journeys list: every journey of the organization with its figures."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from cxowner.views import membership_for, render_org
from journeys.selectors import journeys_overview


@login_required
@require_GET
def journey_list(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org)
    journeys = journeys_overview(organization=membership.organization)
    return render_org(request, membership, "journeys/journey_list.html", {"nav": "journeys", "journeys": journeys})
