"""The change feed after a cursor: what a page that lost its connection missed (docs/live.md)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from cxowner.views import org_view

from .live import live_cursor, live_events_after
from .models import Membership


@org_view()
def live_changes(request: HttpRequest, membership: Membership, org: str) -> JsonResponse:
    """GET ?after=<cursor>: {"cursor": N, "messages": [...]} oldest first, in the socket's shapes;
    {"cursor": N, "reload": true} when more than LIVE_CATCH_UP_MAX happened (the page reloads
    what it shows instead). Another organization's changes are never among them."""
    try:
        after = int(request.GET.get("after", ""))
        if after < 0:
            raise ValueError
    except ValueError:
        return JsonResponse({"error": "after must be a cursor: a whole number, 0 or more."}, status=400)
    organization_id = membership.organization_id
    messages, more = live_events_after(organization_id=organization_id, cursor=after, limit=settings.LIVE_CATCH_UP_MAX)
    if more:
        return JsonResponse({"cursor": live_cursor(organization_id=organization_id), "reload": True})
    cursor = messages[-1]["cursor"] if messages else max(after, 0)
    return JsonResponse({"cursor": cursor, "messages": messages})
