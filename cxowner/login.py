"""Logging in, with django-axes as the brake on password guessing, and the password-reset way out.

- Failed log-ins are counted per (username, client address) pair (AXES_LOCKOUT_PARAMETERS):
  five wrong passwords for one account from one address pause that pair only, so nobody can
  lock out other people, not even from behind the same proxy.
- The client address is the one the trusted proxy saw (client_address): behind a TLS proxy,
  REMOTE_ADDR is the proxy for every user.
- A paused account can still get in through the password reset (Django's views): the reset
  e-mail's link sets a new password, clears the pause for that address and logs the person in.
  Asking for reset e-mails is itself braked per address and per e-mail address.
- Members of an "SSO only" organization (cxowner/sso/) may not use a password: a backend before
  Django's refuses them (cxowner/sso/password.py) (the form then says to use the organization's provider), no reset
  e-mail is sent to them, and a reset link they already had does not set a password.
"""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy

from cxowner.sso.selectors import sso_only_for_user


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


class LoginForm(AuthenticationForm):
    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            # Set by cxowner/sso/password.py, only when the password was right: nobody learns from
            # this message who uses single sign-on without knowing their password.
            single_sign_on = getattr(self.request, "sso_only", None)
            if single_sign_on is None:
                raise
            raise ValidationError(
                f"{single_sign_on.organization.name} signs in with {single_sign_on.name} only: type your "
                f"work e-mail under “Signing in with your company?” and use “Sign in with {single_sign_on.name}”.",
                code="sso_only",
            ) from None


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True
    authentication_form = LoginForm


def brake_hit(key: str, limit: int, window: int | None = None) -> bool:
    """Count one use of `key` in the window (PASSWORD_RESET_WINDOW_SECONDS unless given); True once
    it has been used more than `limit` times."""
    window = window or settings.PASSWORD_RESET_WINDOW_SECONDS
    if cache.add(key, 1, window):
        return limit < 1
    try:
        return cache.incr(key) > limit
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, window)
        return False


class ResetForm(PasswordResetForm):
    def get_users(self, email):
        """Django's users for the address, less those who must sign in with their organization's provider."""
        return (user for user in super().get_users(email) if sso_only_for_user(user) is None)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, braked: a few e-mails per address and per e-mail address per window.

    The answer is the same whether or not the e-mail belongs to someone (Django's own behaviour),
    and the brake answers alike for known and unknown e-mails.
    """

    success_url = reverse_lazy("password_reset_done")
    form_class = ResetForm

    def post(self, request, *args, **kwargs) -> HttpResponse:
        email = request.POST.get("email", "").strip().casefold()[:254]
        over_address = brake_hit(f"password-reset:addr:{client_address(request)}", settings.PASSWORD_RESET_PER_ADDRESS)
        over_email = brake_hit(f"password-reset:email:{email}", settings.PASSWORD_RESET_PER_EMAIL)
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
        single_sign_on = sso_only_for_user(self.user)
        if single_sign_on is not None:
            reason = f"{single_sign_on.organization.name} signs in with {single_sign_on.name} only: no password is set."
            return render(self.request, "registration/sso_refused.html", {"reason": reason}, status=403)
        axes_reset(ip=client_address(self.request), username=self.user.get_username())
        return super().form_valid(form)
