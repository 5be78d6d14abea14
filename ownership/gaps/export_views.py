"""The gaps list downloaded as CSV or XLSX, with the gaps page's filters (any member may)."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone

from cxowner.orgs.models import Membership
from cxowner.views import org_view
from ownership.gaps.export import gap_rows, gaps_csv, gaps_for_export, gaps_xlsx
from ownership.gaps.filtersets import gap_filter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@org_view()
def gaps_export(request: HttpRequest, membership: Membership, org: str, fmt: str) -> HttpResponse:
    gaps, _ = gap_filter(request, membership.organization)
    if not gaps.is_valid():
        # A hand-edited link: say which filter is wrong rather than export something else.
        problems = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in gaps.errors.items())
        return HttpResponseBadRequest(f"These filters cannot be used: {problems}", content_type="text/plain")
    rows = gap_rows(gaps_for_export(gaps.qs))
    filename = f"{membership.organization.slug}-gaps-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "xlsx":
        return FileResponse(gaps_xlsx(rows), as_attachment=True, filename=filename, content_type=XLSX)
    response = StreamingHttpResponse(gaps_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
