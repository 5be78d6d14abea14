"""The browser's frame: who is looking at which organization, the home page, and the error
pages. The pages of each app live in its own views modules and use the helpers here; this
module imports no app, so that every app may build on it."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import TypeVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET, require_http_methods

from cxowner.orgs.errors import StaleVersion
from cxowner.orgs.live import live_cursor
from cxowner.orgs.models import Membership
from cxowner.orgs.selectors import membership_get, organizations_for, role_at_least

Written = TypeVar("Written")
Owned = TypeVar("Owned", bound=Model)


def membership_for(request: HttpRequest, slug: str, minimum: str = Membership.Role.VIEWER) -> Membership:
    """The user's membership of the organization in the URL: 404 for outsiders (who may not learn
    the organization exists), 403 for members whose role is below `minimum`."""
    membership = membership_get(user=request.user, organization_slug=slug)
    if not role_at_least(membership.role, minimum):
        raise PermissionDenied(f"This needs the {minimum} role.")
    return membership


def org_view(minimum: str | dict[str, str] = Membership.Role.VIEWER, *methods: str):
    """Make a view a page of the organization in its URL (`org`), open to members of at least
    the `minimum` role, answering only `methods` (GET when none is named; 405 otherwise).
    `minimum` may name a role per method instead ({"GET": viewer, "POST": editor}): those
    methods are the ones answered.

    The checks run in the order every page had them: anonymous users go to the login page,
    whatever the method; then the method; then membership_for (404 for outsiders, 403 below
    the role). The view is called as view(request, membership, org=..., **other URL kwargs).
    """
    roles = minimum if isinstance(minimum, dict) else dict.fromkeys(methods or ["GET"], minimum)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @require_http_methods(list(roles))
        @wraps(view)
        def page(request: HttpRequest, org: str, **kwargs) -> HttpResponse:
            return view(request, membership_for(request, org, roles[request.method]), org=org, **kwargs)

        return page

    return decorate


def org_object(membership: Membership, model: type[Owned] | QuerySet[Owned], pk: int) -> Owned:
    """The `model` (or queryset's) object `pk` of the membership's organization; 404 for any
    other, so that another organization's ids are not found rather than forbidden."""
    return get_object_or_404(model, organization=membership.organization, pk=pk)


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
        # Where the page's live socket starts from: it has seen every change up to this one. Read
        # when the frame (base.html) asks for it: a fragment that does not extend it costs nothing.
        "live_cursor": None
        if request.htmx
        else SimpleLazyObject(partial(live_cursor, organization_id=membership.organization_id)),
        "live_socket_origin": settings.LIVE_SOCKET_ORIGIN,
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


def form_write(form: forms.Form, write: Callable[[dict], Written], *, duplicate_name: str = "") -> Written | None:
    """Pass a valid form's cleaned data to `write` (a service call) and return what it returns.

    None when nothing was written: the form's errors say why, its own or the service's
    ValidationError put next to its fields (form_errors, with `duplicate_name`, in which
    "{name}" stands for the name typed). Every service written through here returns an object.
    """
    if not form.is_valid():
        return None
    try:
        return write(form.cleaned_data)
    except ValidationError as error:
        typed = str(form.cleaned_data.get("name", ""))
        form_errors(form, error, duplicate_name=duplicate_name.replace("{name}", typed))
        return None


def write_and_say(
    request: HttpRequest, write: Callable[[], Written], *, done: str | Callable[[Written], str], stale_subject: str = ""
) -> Written | None:
    """Run `write` (a service call) for a page that then redirects, and leave the message that
    says how it went: `done` (or done(what write returned)), or why nothing was written: a
    change made meanwhile to `stale_subject` (the page shows it as it is now), or the rule the
    service's ValidationError names. None when nothing was written."""
    try:
        written = write()
    except StaleVersion as stale:
        messages.error(request, f"{stale.message(stale_subject)}; it is shown as it is now.")
        return None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None
    messages.success(request, done(written) if callable(done) else done)
    return written
