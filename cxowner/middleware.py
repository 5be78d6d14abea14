"""Content Security Policy for every response.

Our pages load scripts and styles only from our own static files (htmx is told not to inject
its indicator styles), so the policy forbids inline code outright. drf-spectacular's Swagger UI
and ReDoc pages, DRF's browsable API and Django's admin start with small inline scripts and
styles of their own: under /api/ and /admin/ inline code is allowed, nothing else is loosened.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

COMMON = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
STRICT = f"{COMMON}; script-src 'self'; style-src 'self'"
WITH_INLINE = f"{COMMON}; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; worker-src 'self' blob:"
INLINE_PREFIXES = ("/api/", "/admin/")


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = WITH_INLINE if request.path.startswith(INLINE_PREFIXES) else STRICT
        if settings.LIVE_SOCKET_ORIGIN:
            # The live sockets served from another address (cxowner/asgi.py) may be reached.
            policy += f"; connect-src 'self' {settings.LIVE_SOCKET_ORIGIN}"
        response.headers.setdefault("Content-Security-Policy", policy)
        return response


class LockConflictMiddleware:
    """A lock wait that timed out (or a deadlock PostgreSQL broke) is a conflict, not a bug: 409.

    The transaction was rolled back, so nothing was half-saved; the person or the client can
    simply try again. The API's exception handler answers the same for DRF views.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.http import JsonResponse
        from django.template import loader

        from cxowner.orgs.locks import LOCK_CONFLICT_MESSAGE, is_lock_conflict

        if not is_lock_conflict(exception):
            return None
        headers = {"Retry-After": "2"}
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": LOCK_CONFLICT_MESSAGE}, status=409, headers=headers)
        page = loader.get_template("409.html").render({"message": LOCK_CONFLICT_MESSAGE})
        return HttpResponse(page, status=409, headers=headers)
