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
    context = {"nav": "journeys", "manager_filters": MANAGER_FILTERS.items(), **portfolio_context(request, membership)}
    return render_org(request, membership, "journeys/journey_list.html", context)


@org_view()
def journey_list_live(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    """The portfolio's table for the same sort and filters, as the page draws it: what an open
    journeys list fetches when a change reaches the live gap state."""
    return render_org(request, membership, "journeys/_portfolio_table.html", portfolio_context(request, membership))


def portfolio_context(request: HttpRequest, membership: Membership) -> dict:
    query = PortfolioQuery.from_params(request.GET)
    rows = journey_portfolio(organization=membership.organization, query=query)
    return {
        "rows": rows,
        "query": query,
        "headings": _headings(query, request.GET),
        "has_journeys": bool(rows) or query.active,
    }
