"""The journeys list: every journey of the organization with its figures, worst first."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from cxowner.orgs.models import Membership
from cxowner.views import org_view, render_org
from ownership.editor.portfolio import MANAGER_FILTERS, PortfolioQuery, journey_portfolio

# The table's sortable columns: (GET key, heading, the direction a first click sorts in).
COLUMNS = [
    ("name", "Journey", ""),
    ("coverage", "Coverage", ""),
    ("errors", "Errors", "-"),
    ("warnings", "Warnings", "-"),
    ("handoffs", "Handoff gaps", "-"),
    ("manager", "Journey manager", ""),
    ("touchpoints", "Touchpoints", "-"),
    ("changed", "Last letter change", "-"),
]


def _headings(query: PortfolioQuery, params) -> list[dict]:
    """Each column's link: a first click sorts it its natural way, the next click reverses it."""
    keep = params.copy()
    headings = []
    for key, label, first in COLUMNS:
        current = query.sort == key
        if current:
            direction = "" if query.descending else "-"
            aria = "descending" if query.descending else "ascending"
        else:
            direction, aria = first, ""
        keep["sort"] = f"{direction}{key}"
        headings.append({"key": key, "label": label, "url": f"?{keep.urlencode()}", "aria_sort": aria})
    return headings


@org_view()
def journey_list(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    query = PortfolioQuery.from_params(request.GET)
    rows = journey_portfolio(organization=membership.organization, query=query)
    return render_org(
        request,
        membership,
        "journeys/journey_list.html",
        {
            "nav": "journeys",
            "rows": rows,
            "query": query,
            "headings": _headings(query, request.GET),
            "manager_filters": MANAGER_FILTERS.items(),
            "has_journeys": bool(rows) or query.active,
        },
    )
