"""The fix panel: a gap explained in the rules' words, with the fixes its rule allows, one click each.

The panel opens as a dialog (an htmx-loaded partial) from the gaps page, the gap's own page, a
matrix badge and the dashboard's top ten; without JavaScript its link is a page of its own.
Views are thin: ownership.fixes.services lists and applies the fixes, with the `seen` value the
panel showed, so a fix on a matrix someone changed meanwhile is refused with the current value.

From the matrix editor the answer also carries the touchpoint rows the fix changed, in the
editor's own <template data-swap> pieces (static/js/matrix.js puts them in place), so the
row's letters and badges update without a reload.
"""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from cxowner.orgs.errors import StaleCells, StaleVersion
from cxowner.orgs.models import Membership
from cxowner.views import org_object, org_view, render_org
from journeys.models import Touchpoint
from ownership.editor.matrix import journey_summary, rows_after_change
from ownership.editor.undo import undo_stacks
from ownership.engine.vocabulary import rule_text
from ownership.fixes import offers
from ownership.fixes import services as gap_fixes
from ownership.models import Function, Gap, Role

EDITOR = Membership.Role.EDITOR


# Where the panel was opened: the answer to a fix fits that page.
SURFACES = ("matrix", "gaps", "dashboard", "page")


UP_TO_DATE = "The fixes below are up to date."


def _letters_text(letters: frozenset[str]) -> str:
    return "".join(x for x in "RACI" if x in letters) or "empty"


def _stale_message(error: Exception) -> str:
    """The current value a refused fix ran into, in words."""
    if isinstance(error, StaleCells):
        touchpoints = dict(Touchpoint.objects.filter(pk__in={t for t, _ in error.current}).values_list("pk", "name"))
        functions = dict(Function.objects.filter(pk__in={f for _, f in error.current}).values_list("pk", "name"))
        now = "; ".join(
            f"{functions.get(f, '?')} on {touchpoints.get(t, '?')} now holds {_letters_text(letters)}"
            for (t, f), letters in sorted(error.current.items())
        )
        return f"Not saved: someone else changed the matrix since this panel opened ({now}). {UP_TO_DATE}"
    obj = error.obj
    what = f"{obj.title} is now held by {obj.holder_name or 'nobody'}" if isinstance(obj, Role) else f"“{obj}” changed"
    return f"Not saved: {error.message('this')} ({what}). {UP_TO_DATE}"


def fix_groups(gap: Gap) -> list[tuple[str, list[offers.Fix]]]:
    """The gap's fixes under their headings, in the order offered (the gap's page lists them too)."""
    return [(group, list(items)) for group, items in groupby(offers.fixes_for(gap), key=lambda fix: fix.group)]


def _panel(request, membership, gap: Gap, surface: str, *, message="", level="ok", status=200, swap=None):
    context = {
        "gap": gap,
        "text": rule_text(gap.rule),
        "groups": fix_groups(gap),
        "surface": surface,
        "dialog": surface != "page" and bool(request.htmx),
        "message": message,
        "level": level,
        "done": gap.resolved_at is not None and level == "ok" and bool(message),
        **(swap or {}),
    }
    template = "ownership/_fix_panel.html" if request.htmx else "ownership/gap_fix.html"
    context.setdefault("nav", "gaps")
    return render_org(request, membership, template, context, status)


def _matrix_pieces(gap: Gap, touchpoint_ids, request) -> dict:
    """The editor's rows the fix changed, its summary and undo area, as the cell edit answers them."""
    journey = gap.journey
    if journey is None:
        return {}
    touchpoint_id = next(iter(touchpoint_ids), None) or gap.touchpoint_id
    touchpoint = Touchpoint.objects.select_related("stage").filter(pk=touchpoint_id, journey=journey).first()
    changed = rows_after_change(journey=journey, touchpoint=touchpoint) if touchpoint is not None else None
    return {
        "swap_rows": changed.rows if changed else [],
        "matrix": changed,
        "journey": journey,
        "summary": journey_summary(journey=journey),
        "undo": undo_stacks(journey=journey, user=request.user),
    }


@org_view(EDITOR, "GET", "POST")
def gap_fix(request: HttpRequest, membership: Membership, org: str, gap_id: int) -> HttpResponse:
    """GET: the panel. POST: apply one of its fixes (`fix`, `seen`, and a holder's name and e-mail)."""
    gap = org_object(membership, Gap.objects.select_related("journey"), gap_id)
    surface = request.GET.get("from") or request.POST.get("from") or "page"
    surface = surface if surface in SURFACES else "page"
    if request.method == "GET":
        return _panel(request, membership, gap, surface)
    values = {name: request.POST.get(name, "") for name in ("holder_name", "holder_email")}
    try:
        key, seen = request.POST.get("fix", ""), request.POST.get("seen", "")
        result = gap_fixes.fix_apply(gap=gap, key=key, seen=seen, values=values, user=request.user)
    except (StaleCells, StaleVersion) as error:
        gap.refresh_from_db()
        return _answer(request, membership, gap, surface, _stale_message(error), "error", 409)
    except ValidationError as error:
        gap.refresh_from_db()
        return _answer(request, membership, gap, surface, " ".join(error.messages), "error", 400)
    swap = _matrix_pieces(result.gap, result.touchpoint_ids, request) if surface == "matrix" else None
    return _answer(request, membership, result.gap, surface, result.message, "ok", 200, swap)


def _answer(request, membership, gap, surface, message, level, status, swap=None) -> HttpResponse:
    if request.htmx:
        return _panel(request, membership, gap, surface, message=message, level=level, status=status, swap=swap)
    # Without JavaScript the panel is a form on the gap's page: back there, with the outcome.
    (messages.success if level == "ok" else messages.error)(request, message)
    return redirect("ownership:gap", membership.organization.slug, gap.pk)
