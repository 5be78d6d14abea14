"""SAML 2.0's pages: the request to the organization's provider, its answer (the ACS), and the SP's metadata.

The provider posts its answer from its own site: the session cookie (SameSite=Lax) does not come
with that cross-site POST. The requests this browser started are kept instead in a cookie of
their own, signed, HttpOnly, SameSite=None (over HTTPS), living ten minutes: the answer must be
InResponseTo one of them, so a response made for another browser, an unsolicited one or one
already used is refused — which also keeps anyone from logging a victim in as themselves.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlsplit

from django.contrib.auth import login
from django.core import signing
from django.core.cache import cache
from django.core.signing import BadSignature
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .errors import SsoRefused
from .models import Protocol, SingleSignOn
from .saml import claims_from, client_idp, saml_client, sp_metadata
from .services import LOOPBACK_HOSTS
from .signin import sso_sign_in

logger = logging.getLogger(__name__)
COOKIE = "cxowner_saml"
COOKIE_PATH = "/accounts/sso/"  # the start and the ACS; no other page gets it
COOKIE_SALT = "cxowner.sso.saml.pending"
PENDING_SECONDS = 600
PENDING_KEPT = 5  # sign-ins under way at once in one browser (several tabs)
BACKEND = "cxowner.sso.saml.OrganizationSamlBackend"
ALREADY_USED = "This sign-in has already been used, has expired, or was not started in this browser. Start again."


def saml_urls(request: HttpRequest, single_sign_on: SingleSignOn) -> dict:
    """The SP's entity ID (its metadata's address, as is usual) and ACS URL, per organization."""
    return {
        "entity_id": request.build_absolute_uri(reverse("saml_metadata", args=[single_sign_on.pk])),
        "acs": request.build_absolute_uri(reverse("saml_acs", args=[single_sign_on.pk])),
    }


def _refused(request: HttpRequest, reason: str, status: int = 403) -> HttpResponse:
    return render(request, "registration/sso_refused.html", {"reason": reason}, status=status)


def _pending(request: HttpRequest) -> list[dict]:
    try:
        pending = signing.loads(request.COOKIES.get(COOKIE, ""), salt=COOKIE_SALT, max_age=PENDING_SECONDS)
    except BadSignature:  # none, tampered with, or older than PENDING_SECONDS
        return []
    return pending if isinstance(pending, list) else []


def _pending_set(request: HttpRequest, response: HttpResponse, pending: list[dict]) -> None:
    # SameSite=None needs Secure, which browsers accept over HTTPS and from loopback (a "potentially
    # trustworthy" origin: development and the browser tests); plain HTTP elsewhere gets Lax, and
    # then a provider on another site cannot complete the sign-in.
    secure = request.is_secure() or urlsplit(f"//{request.get_host()}").hostname in LOOPBACK_HOSTS
    response.set_cookie(
        COOKIE,
        signing.dumps(pending[-PENDING_KEPT:], salt=COOKIE_SALT),
        max_age=PENDING_SECONDS,
        path=COOKIE_PATH,
        secure=secure,
        httponly=True,
        samesite="None" if secure else "Lax",
    )


def saml_start(request: HttpRequest, single_sign_on: SingleSignOn) -> HttpResponse:
    """Send the browser to the provider with a signed AuthnRequest (HTTP-Redirect), and remember it."""
    from saml2 import BINDING_HTTP_REDIRECT

    try:
        with saml_client(single_sign_on, saml_urls(request, single_sign_on)) as client:
            request_id, info = client.prepare_for_authenticate(
                entityid=client_idp(client),
                binding=BINDING_HTTP_REDIRECT,
                sign=True,
                sigalg=client.config.signing_algorithm,
                digest_alg=client.config.digest_algorithm,
            )
    except ValueError as error:
        return _refused(request, f"{single_sign_on.name}'s metadata is not usable: {error}", status=502)
    except SsoRefused as refused:
        return _refused(request, refused.message, status=502)
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    response = redirect(dict(info["headers"])["Location"])
    started = {"id": request_id, "sso": single_sign_on.pk, "next": next_url}
    _pending_set(request, response, [*_pending(request), started])
    return response


def _checked(request: HttpRequest, single_sign_on: SingleSignOn, outstanding: dict):
    """pysaml2's checked response; SsoRefused saying what is wrong with it."""
    from saml2 import BINDING_HTTP_POST
    from saml2.response import StatusError, UnsolicitedResponse, VerificationError
    from saml2.sigver import SigverError
    from saml2.validate import ResponseLifetimeExceed, ToEarly

    name = single_sign_on.name
    try:
        with saml_client(single_sign_on, saml_urls(request, single_sign_on)) as client:
            response = client.parse_authn_request_response(
                request.POST.get("SAMLResponse", ""), BINDING_HTTP_POST, outstanding=outstanding
            )
            provider = client_idp(client)
    except UnsolicitedResponse as error:
        raise SsoRefused(ALREADY_USED) from error
    except StatusError as error:
        raise SsoRefused(f"{name} did not sign you in. It said: “{str(error)[:200]}”.") from error
    except SigverError as error:
        raise SsoRefused(f"The answer is not signed by {name}'s key (or not signed at all).") from error
    except (ResponseLifetimeExceed, ToEarly) as error:
        raise SsoRefused(f"{name}'s answer has expired or is not valid yet; sign in again.") from error
    except VerificationError as error:
        if str(error) == "Condition not OK":  # pysaml2's word for NotBefore/NotOnOrAfter not holding now
            raise SsoRefused(f"{name}'s answer has expired or is not valid yet; sign in again.") from error
        raise SsoRefused(f"{name}'s answer is not valid for this organization: {str(error)[:200]}") from error
    except SsoRefused:
        raise
    except Exception as error:  # pysaml2 raises bare exceptions for the audience and other checks
        logger.info("SAML response refused: %r", error)
        raise SsoRefused(f"{name}'s answer is not valid for this organization: {str(error)[:200]}") from error
    if response is None or response.assertion is None:
        raise SsoRefused(f"{name}'s answer is not valid for this organization.")
    if response.issuer() != provider:
        raise SsoRefused(f"The answer was issued by another identity provider than {name}.")
    expires = int(response.not_on_or_after - time.time()) if response.not_on_or_after else 0
    # Each assertion once, remembered as long as it could be valid (past its NotOnOrAfter it is refused anyway).
    if not cache.add(f"saml-assertion:{single_sign_on.pk}:{response.assertion.id}", 1, max(expires, PENDING_SECONDS)):
        raise SsoRefused(ALREADY_USED)
    return response


@csrf_exempt  # the provider posts here from its own site; the pending request in the signed cookie binds it
@require_POST
def saml_acs(request: HttpRequest, sso_id: int) -> HttpResponse:
    single_sign_on = (
        SingleSignOn.objects.select_related("organization")
        .filter(pk=sso_id, enabled=True, protocol=Protocol.SAML)
        .first()
    )
    if single_sign_on is None:
        raise Http404("No such single sign-on")
    pending = _pending(request)
    outstanding = {entry["id"]: entry["next"] for entry in pending if entry.get("sso") == single_sign_on.pk}
    response = None
    try:
        response = _checked(request, single_sign_on, outstanding)
        membership = sso_sign_in(single_sign_on=single_sign_on, claims=claims_from(single_sign_on, response))
    except SsoRefused as refused:
        answer = _refused(request, refused.message)
    else:
        login(request, membership.user, backend=BACKEND)
        dashboard = reverse("dashboard", kwargs={"org": membership.organization.slug})
        answer = redirect(outstanding.get(response.in_response_to) or dashboard)
    if response is not None:  # checked: the request it answered is spent, whether or not they got in
        _pending_set(request, answer, [entry for entry in pending if entry["id"] != response.in_response_to])
    return answer


@require_GET
def saml_metadata(request: HttpRequest, sso_id: int) -> HttpResponse:
    """The SP's metadata, for the organization's admin to give their provider (public, like every SP's)."""
    single_sign_on = SingleSignOn.objects.select_related("organization").filter(pk=sso_id, protocol=Protocol.SAML)
    single_sign_on = single_sign_on.first()
    if single_sign_on is None or not single_sign_on.saml_certificate:
        raise Http404("No such single sign-on")
    xml = sp_metadata(single_sign_on, saml_urls(request, single_sign_on))
    return HttpResponse(xml, content_type="application/samlmetadata+xml")
