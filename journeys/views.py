"""The journeys app's own page: creating a journey. The editor that fills it (stages,
touchpoints and their RACI letters) is the ownership app's, under the same URLs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from cxowner.orgs.models import Membership
from cxowner.views import form_write, membership_for, render_org

from . import services
from .forms import DUPLICATE_NAME, JourneyForm


@login_required
@require_http_methods(["GET", "POST"])
def journey_create(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org, Membership.Role.EDITOR)
    form = JourneyForm(request.POST or None)
    if request.method == "POST":
        journey = form_write(
            form,
            lambda data: services.journey_create(organization=membership.organization, **data),
            duplicate_name=DUPLICATE_NAME,
        )
        if journey is not None:
            messages.success(request, f"Journey “{journey.name}” created. Add its first stage.")
            return redirect("journeys:matrix", org=org, journey_id=journey.id)
    status = 400 if form.errors else 200
    return render_org(request, membership, "journeys/journey_form.html", {"nav": "journeys", "form": form}, status)
