"""The browser's frame: who is looking at which organization, the home page (the dashboard),
and the error pages. The pages of each app live in its views.py and use the helpers here."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from cxowner.orgs.models import Membership
from cxowner.orgs.selectors import membership_get, organizations_for, role_at_least
from ownership.constants import Severity
from ownership.dashboard import Dashboard, dashboard_load
from ownership.selectors import rule_title

SEVERITIES = [s.value for s in Severity]


def membership_for(request: HttpRequest, slug: str, minimum: str = Membership.Role.VIEWER) -> Membership:
    """The user's membership of the organization in the URL: 404 for outsiders (who may not learn
    the organization exists), 403 for members whose role is below `minimum`."""
    membership = membership_get(user=request.user, organization_slug=slug)
    if not role_at_least(membership.role, minimum):
        raise PermissionDenied(f"This needs the {minimum} role.")
    return membership


def render_org(
    request: HttpRequest, membership: Membership, template: str, context: dict | None = None, status: int = 200
) -> HttpResponse:
    """Render a page of one organization, with what the header needs: the organization switcher
    and a navigation that shows only what the user's role may do."""
    full = {
        "membership": membership,
        "organization": membership.organization,
        "organizations": organizations_for(user=request.user) if not request.htmx else [],
        "can_edit": membership.can_edit,
        "can_manage": membership.can_manage,
        **(context or {}),
    }
    return render(request, template, full, status=status)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send the user to the dashboard of their first organization."""
    if not request.user.is_authenticated:
        return redirect("login")
    organization = organizations_for(user=request.user).first()
    if organization is None:
        return render(request, "no_organization.html", status=200)
    return redirect("dashboard", org=organization.slug)


@login_required
@require_GET
def switch_organization(request: HttpRequest) -> HttpResponse:
    """The header's organization switcher submits here (it works without JavaScript)."""
    slug = request.GET.get("org", "")
    membership = membership_for(request, slug)
    return redirect("dashboard", org=membership.organization.slug)


@login_required
@require_GET
def dashboard(request: HttpRequest, org: str) -> HttpResponse:
    membership = membership_for(request, org)
    data = dashboard_load(organization=membership.organization)
    return render_org(
        request,
        membership,
        "dashboard/dashboard.html",
        {
            "nav": "dashboard",
            "data": data,
            "trend": trend_chart(data),
            "severity_bars": severity_bars(data),
            "rule_bars": [
                {**bar, "code": code}
                for bar, (code, _) in zip(
                    bars([(rule_title(r), n) for r, n in data.open_by_rule]), data.open_by_rule, strict=True
                )
            ],
            "top_gaps": [{"gap": gap, "touchpoint_id": tp, "title": rule_title(gap.rule)} for gap, tp in data.top_gaps],
            "share_bars": bars(data.accountable_share, total=data.accountable_total),
            "heat_rows": heat_rows(data),
        },
    )


# Charts, drawn on the server as SVG: no JavaScript library, nothing to load, readable without
# scripts. Geometry is computed here and the templates only place it.

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 640, 200, 28


def trend_chart(data: Dashboard) -> dict | None:
    """Stacked areas of open gaps by severity over the audit runs, oldest first."""
    points = data.trend
    if not points:
        return None
    top = max(max(point.total for point in points), 1)
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD
    step = inner_w / (len(points) - 1) if len(points) > 1 else 0

    def x(index: int) -> float:
        return round(CHART_PAD + (index * step if len(points) > 1 else inner_w / 2), 1)

    def y(value: float) -> float:
        return round(CHART_PAD + inner_h - value / top * inner_h, 1)

    layers = []
    below = [0] * len(points)
    for severity in reversed(SEVERITIES):  # info at the bottom, errors on top
        above = [below[i] + points[i].counts.get(severity, 0) for i in range(len(points))]
        upper = [f"{x(i)},{y(v)}" for i, v in enumerate(above)]
        lower = [f"{x(i)},{y(v)}" for i, v in reversed(list(enumerate(below)))]
        if len(points) == 1:  # one run: a bar rather than an invisible area
            half = 14
            layers.append(
                {
                    "severity": severity,
                    "points": f"{x(0) - half},{y(above[0])} {x(0) + half},{y(above[0])} "
                    f"{x(0) + half},{y(below[0])} {x(0) - half},{y(below[0])}",
                }
            )
        else:
            layers.append({"severity": severity, "points": " ".join(upper + lower)})
        below = above
    ticks = sorted({0, top, round(top / 2)})
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "layers": layers,
        "dots": [{"x": x(i), "y": y(point.total), "point": point, "label": point.at} for i, point in enumerate(points)],
        "line": " ".join(f"{x(i)},{y(point.total)}" for i, point in enumerate(points)),
        "ticks": [{"y": y(t), "value": t} for t in ticks],
        "left": CHART_PAD,
        "right": CHART_WIDTH - CHART_PAD,
        "first": points[0].at,
        "last": points[-1].at,
        "runs": len(points),
    }


def severity_bars(data: Dashboard) -> list[dict]:
    total = max(data.open_total, 1)
    return [
        {
            "severity": s,
            "count": data.open_by_severity.get(s, 0),
            "pct": round(100 * data.open_by_severity.get(s, 0) / total),
        }
        for s in SEVERITIES
    ]


def bars(rows: list[tuple[str, int]], total: int | None = None) -> list[dict]:
    """Horizontal bars scaled to the largest value; `pct` is the share of `total` when given."""
    top = max((count for _, count in rows), default=0) or 1
    return [
        {
            "label": label,
            "count": count,
            "width": round(100 * count / top, 1),
            "pct": round(100 * count / total) if total else None,
        }
        for label, count in rows
    ]


def heat_rows(data: Dashboard) -> list[dict]:
    """The function × stage heatmap: a shade of 0–5 per cell, scaled to the busiest cell."""
    top = data.heat_max or 1
    return [
        {
            "row": row,
            "cells": [
                {
                    "count": count,
                    "shade": 0 if not count else max(1, round(5 * count / top)),
                    "gaps": gaps,
                    "function": f,
                }
                for count, gaps, f in zip(row.counts, row.gap_functions, data.functions, strict=True)
            ],
        }
        for row in data.heatmap
    ]


# Error pages in the site's style. The 500 page gets no context: it must render even when the
# database is what failed.


# Under /api/ every error is JSON, whatever raised it (Django's routing, a middleware, a crash).


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        if _is_api(request):
            return JsonResponse({"detail": "The request body is too large."}, status=413)
        return render(request, "400.html", {"reason": "The upload is too large."}, status=413)
    if _is_api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    reason = str(exception) if str(exception) else ""
    if _is_api(request):
        return JsonResponse({"detail": reason or "You do not have permission to perform this action."}, status=403)
    return render(request, "403.html", {"reason": reason}, status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    from django.template import loader

    if _is_api(request):
        return JsonResponse({"detail": "Something went wrong on our side; the error has been logged."}, status=500)
    return HttpResponse(loader.get_template("500.html").render({}), status=500)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name none (the API docs)."""
    return redirect(static("img/favicon.svg"), permanent=True)


def form_errors(form, error: ValidationError, *, duplicate_name: str = "") -> None:
    """Put a service's ValidationError next to the form's fields where it names one.

    A unique constraint on a name arrives as a form-wide error; the person typed the name, so
    with `duplicate_name` (the message to show) it goes next to the name field instead.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, field_errors in error.error_dict.items():
        target = field if field in form.fields else None
        duplicate = any("already exists" in str(e) for e in field_errors)
        if target is None and duplicate_name and "name" in form.fields and duplicate:
            form.add_error("name", duplicate_name)
            continue
        for item in field_errors:
            form.add_error(target, item.messages)
