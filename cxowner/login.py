"""Logging in, with django-axes as the brake on password guessing, and the password-reset way out.

- Failed log-ins are counted per (username, client address) pair (AXES_LOCKOUT_PARAMETERS):
  five wrong passwords for one account from one address pause that pair only, so nobody can
  lock out other people, not even from behind the same proxy.
- The client address is the one the trusted proxy saw (client_address): behind a TLS proxy,
  REMOTE_ADDR is the proxy for every user.
- A paused account can still get in through the password reset (Django's views): the reset
  e-mail's link sets a new password, clears the pause for that address and logs the person in.
  Asking for reset e-mails is itself braked per address and per e-mail address.
"""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind trusted proxies the address the outermost one saw.

    Each trusted proxy appends the address it received the request from to TRUSTED_PROXY_HEADER
    (X-Forwarded-For); whatever comes before those entries is the client's own claim and is ignored.
    """
    header, count = settings.TRUSTED_PROXY_HEADER, settings.TRUSTED_PROXY_COUNT
    if header and count > 0:
        hops = [hop.strip() for hop in request.META.get(header, "").split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count][:64]
    return request.META.get("REMOTE_ADDR", "")


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a paused (username, address) pair: 429 with Retry-After."""
    pause = {"minutes": -(-settings.LOGIN_LOCKOUT_SECONDS // 60), "failures": settings.AXES_FAILURE_LIMIT}
    response = render(request, "registration/locked.html", {"pause": pause}, status=429)
    response["Retry-After"] = str(settings.LOGIN_LOCKOUT_SECONDS)
    return response


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True


def _brake_hit(key: str, limit: int) -> bool:
    """Count one use of `key` in the window; True once it has been used more than `limit` times."""
    window = settings.PASSWORD_RESET_WINDOW_SECONDS
    if cache.add(key, 1, window):
        return limit < 1
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, window)
        return False


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, braked: a few e-mails per address and per e-mail address per window.

    The answer is the same whether or not the e-mail belongs to someone (Django's own behaviour),
    and the brake answers alike for known and unknown e-mails.
    """

    success_url = reverse_lazy("password_reset_done")

    def post(self, request, *args, **kwargs) -> HttpResponse:
        email = request.POST.get("email", "").strip().casefold()[:254]
        over_address = _brake_hit(f"password-reset:addr:{client_address(request)}", settings.PASSWORD_RESET_PER_ADDRESS)
        over_email = _brake_hit(f"password-reset:email:{email}", settings.PASSWORD_RESET_PER_EMAIL)
        if over_address or over_email:
            response = render(request, "registration/password_reset_braked.html", status=429)
            response["Retry-After"] = str(settings.PASSWORD_RESET_WINDOW_SECONDS)
            return response
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Set the new password, lift the log-in pause for this address, and log the person in."""

    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form) -> HttpResponse:
        axes_reset(ip=client_address(self.request), username=self.user.get_username())
        return super().form_valid(form)
