"""Log-in with a brake on password guessing.

After LOGIN_MAX_FAILURES failed attempts for one username, or from one address, within
LOGIN_LOCKOUT_SECONDS, further attempts are answered 429 until the window passes. The counts
live in the shared cache (Redis, or the database cache), so every web worker sees them.
"""

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render


def _keys(request) -> list[str]:
    username = request.POST.get("username", "").strip().casefold()[:150]
    address = request.META.get("REMOTE_ADDR", "")
    return [f"login-failures:user:{username}", f"login-failures:addr:{address}"]


class BrakedLoginView(LoginView):
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs) -> HttpResponse:
        keys = _keys(request)
        if any((cache.get(key) or 0) >= settings.LOGIN_MAX_FAILURES for key in keys):
            response = render(request, "registration/locked.html", status=429)
            response["Retry-After"] = str(settings.LOGIN_LOCKOUT_SECONDS)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form) -> HttpResponse:
        for key in _keys(self.request):
            # add() starts the window; incr() counts within it without extending it.
            if not cache.add(key, 1, settings.LOGIN_LOCKOUT_SECONDS):
                try:
                    cache.incr(key)
                except ValueError:  # expired between add() and incr()
                    cache.add(key, 1, settings.LOGIN_LOCKOUT_SECONDS)
        return super().form_invalid(form)
