"""Single sign-on's pages: finding the provider from an e-mail, going to it, coming back, and its settings.

The flow itself is mozilla-django-oidc's (state, nonce, PKCE), with the organization's provider
as its configuration (cxowner/sso/backend.py).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from cxowner.login import brake_hit, client_address
from cxowner.orgs.models import Membership
from cxowner.views import org_view, render_org

from .backend import SSO_STATES, oidc_settings
from .domains import record_name, record_value, sso_domain_verify
from .errors import SsoRefused
from .forms import SsoFindForm, SsoSettingsForm
from .models import SingleSignOn, SsoDomain
from .saml import idp_entity_id
from .saml_views import saml_start, saml_urls
from .secrets import secret_decrypt
from .selectors import sso_for_email, sso_of_organization
from .services import sso_configure

ALREADY_USED = "This sign-in has already been used or has expired. Start again."


def _refused(request: HttpRequest, reason: str, status: int = 403) -> HttpResponse:
    return render(request, "registration/sso_refused.html", {"reason": reason}, status=status)


class SsoStartView(OIDCAuthenticationRequestView):
    """Send the browser to the organization's provider, remembering which provider each state is for."""

    def __init__(self, *args, **kwargs):
        # The library reads its settings here; the provider is known only from the URL.
        self.config: dict = {}

    def get_settings(self, attr, *args):
        return self.config[attr] if attr in self.config else import_from_settings(attr, *args)

    def get(self, request: HttpRequest, sso_id: int) -> HttpResponse:
        single_sign_on = SingleSignOn.objects.select_related("organization").filter(pk=sso_id, enabled=True).first()
        if single_sign_on is None:
            raise Http404("No such single sign-on")
        if single_sign_on.is_saml:
            return saml_start(request, single_sign_on)
        try:
            self.config = oidc_settings(single_sign_on)
        except SsoRefused as refused:
            return _refused(request, refused.message, status=502)
        self.OIDC_OP_AUTH_ENDPOINT = self.config["OIDC_OP_AUTHORIZATION_ENDPOINT"]
        self.OIDC_RP_CLIENT_ID = single_sign_on.client_id
        response = super().get(request)
        state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
        # Only the states still in the library's map: it forgets the oldest past OIDC_MAX_STATES.
        live = request.session.get("oidc_states", {})
        starts = {key: value for key, value in request.session.get(SSO_STATES, {}).items() if key in live}
        request.session[SSO_STATES] = {**starts, state: single_sign_on.pk}
        return response


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """The provider's answer: the library checks it; a refusal is shown, saying why."""

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            return super().get(request)
        except SsoRefused as refused:
            return _refused(request, refused.message)
        except SuspiciousOperation:
            # The state is unknown: this answer was used already, or belongs to another browser.
            return _refused(request, ALREADY_USED, status=400)
        except requests.HTTPError:
            # The token endpoint refused the code: used already, expired, or not issued for this client.
            reason = "The identity provider refused to complete this sign-in (its code was used or has expired)."
            return _refused(request, f"{reason} Start again.", status=403)
        except requests.RequestException as error:
            return _refused(request, f"The identity provider did not answer as expected: {error}.", status=502)
        finally:
            request.session.get(SSO_STATES, {}).pop(request.GET.get("state", ""), None)
            request.session.modified = True

    def login_failure(self) -> HttpResponse:
        reason = self.request.GET.get("error_description") or self.request.GET.get("error")
        if not reason:  # no state of this browser's: a replay, or a session that ended meanwhile
            return _refused(self.request, ALREADY_USED, status=400)
        return _refused(self.request, f"The identity provider did not sign you in. It said: “{reason[:200]}”.")

    @property
    def success_url(self) -> str:
        next_url = self.request.session.get("oidc_login_next")
        membership = getattr(self.request, "sso_membership", None)
        if next_url or membership is None:
            return next_url or settings.LOGIN_REDIRECT_URL
        return reverse("dashboard", kwargs={"org": membership.organization.slug})


@require_POST
def sso_find(request: HttpRequest) -> HttpResponse:
    """Which provider the typed e-mail signs in with: the button to it, or nothing.

    Says nothing but "this domain has single sign-on" (never who is a member), braked per client
    address like the password reset, since it could be used to list the domains of customers."""
    if brake_hit(f"sso-find:addr:{client_address(request)}", settings.SSO_FIND_PER_ADDRESS):
        response = HttpResponse("Too many look-ups; wait a while, or log in with your password.", status=429)
        response["Retry-After"] = str(settings.PASSWORD_RESET_WINDOW_SECONDS)
        return response
    form = SsoFindForm(request.POST)
    single_sign_on = sso_for_email(form.cleaned_data["email"]) if form.is_valid() else None
    next_url = request.POST.get("next", "")
    start = None
    if single_sign_on is not None:
        start = reverse("sso_start", args=[single_sign_on.pk]) + (
            f"?{urlencode({'next': next_url})}" if next_url else ""
        )
    if request.htmx:
        return render(request, "registration/_sso_button.html", {"single_sign_on": single_sign_on, "start": start})
    if start is not None:
        return redirect(start)
    messages.info(request, "No single sign-on is set up for that address: log in with your password.")
    return redirect("login")


def _settings_form(request: HttpRequest, single_sign_on: SingleSignOn | None) -> SsoSettingsForm:
    secret_set = single_sign_on is not None and secret_decrypt(single_sign_on.client_secret_encrypted) is not None
    if request.method == "POST":
        return SsoSettingsForm(request.POST, secret_set=secret_set)
    if single_sign_on is None:
        return SsoSettingsForm(initial={"enabled": True, "default_role": Membership.Role.VIEWER})
    shown = ("name", "protocol", "issuer", "client_id", "default_role", "saml_metadata_url")
    initial = {name: getattr(single_sign_on, name) for name in (*shown, "saml_email_attribute", "saml_name_attribute")}
    flags = {name: getattr(single_sign_on, name) for name in ("allow_jit", "sso_only", "enabled")}
    domains = "\n".join(domain.domain for domain in single_sign_on.domains.all())
    initial = {**initial, **flags, "domains": domains}
    return SsoSettingsForm(initial=initial, secret_set=secret_set, saml=single_sign_on.is_saml)


def _idp_named(single_sign_on: SingleSignOn) -> str:
    try:
        return idp_entity_id(single_sign_on.saml_metadata_xml)
    except ValueError as error:
        return f"its stored metadata is not usable: {error}"


@org_view(Membership.Role.ADMIN, "GET", "POST")
def sso_settings(request: HttpRequest, membership: Membership, org: str) -> HttpResponse:
    """The organization's provider, for its admins."""
    organization = membership.organization
    single_sign_on = sso_of_organization(organization.pk)
    form = _settings_form(request, single_sign_on)
    if request.method == "POST" and form.is_valid():
        try:
            sso_configure(
                organization=organization,
                wanted=form.wanted(),
                admin=request.user,
                sso_only_confirmed=form.cleaned_data["sso_only_confirmed"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Single sign-on saved.")
            return redirect("sso_settings", org=organization.slug)
    callback = request.build_absolute_uri(reverse("sso_callback"))
    context = {"nav": "sso", "form": form, "single_sign_on": single_sign_on, "callback_url": callback}
    if single_sign_on is not None and single_sign_on.is_saml and single_sign_on.saml_certificate:
        context["saml"] = {**saml_urls(request, single_sign_on), "idp": _idp_named(single_sign_on)}
    context["recheck_minutes"] = max(1, settings.SSO_RECHECK_SECONDS // 60)
    context["domains"] = [
        {"domain": domain, "record_name": record_name(domain), "record_value": record_value(domain)}
        for domain in (single_sign_on.domains.all() if single_sign_on else [])
    ]
    return render_org(request, membership, "sso/settings.html", context, status=400 if form.errors else 200)


@org_view(Membership.Role.ADMIN, "POST")
def sso_domain_check(request: HttpRequest, membership: Membership, org: str, domain_id: int) -> HttpResponse:
    """Read the domain's TXT record now; the settings page says what was found."""
    domain = SsoDomain.objects.filter(pk=domain_id, single_sign_on__organization=membership.organization).first()
    if domain is None:
        raise Http404("No such domain")
    limit = settings.SSO_DOMAIN_CHECKS_PER_ORGANIZATION
    if brake_hit(f"sso-domain-check:{membership.organization_id}", limit):
        messages.error(request, "Too many DNS checks for now; wait a while before the next one.")
        return redirect("sso_settings", org=org)
    try:
        sso_domain_verify(domain=domain)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{domain.domain} is proven to be yours: its people can sign in with your provider.")
    return redirect("sso_settings", org=org)


sso_start = require_GET(SsoStartView.as_view())
sso_callback = require_GET(SsoCallbackView.as_view())
