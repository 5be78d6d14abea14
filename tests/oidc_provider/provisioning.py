"""The provider's claims, and how the tests provision it: users, clients, and ID tokens it signs.

The provisioning endpoints are this test provider's admin API (a real provider has one too):
they make users and clients, and sign claims with the provider's own key, the one its JWKS
publishes, so that tests can hand cxowner tokens with a wrong issuer, audience or expiry.
"""

import json
import time

from django.contrib.auth.models import Group, User
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from jwcrypto import jwk, jwt
from oauth2_provider.models import RefreshToken, get_application_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings

UNVERIFIED = "email-unverified"


class ClaimsValidator(OAuth2Validator):
    def get_additional_claims(self, request):
        user = request.user
        return {
            "email": user.email,
            "email_verified": not user.groups.filter(name=UNVERIFIED).exists(),
            "name": user.get_full_name() or user.username,
        }


@csrf_exempt
def user_add(request: HttpRequest) -> JsonResponse:
    data = json.loads(request.body)
    user = User.objects.create_user(data["username"], email=data["email"], password=data["password"])
    if not data.get("email_verified", True):
        user.groups.add(Group.objects.get_or_create(name=UNVERIFIED)[0])
    return JsonResponse({"sub": str(user.pk)})


@csrf_exempt
def user_deactivate(request: HttpRequest, sub: int) -> JsonResponse:
    """The user's account disabled, as an administrator does at Entra ID or Okta: the account is
    off and every refresh token it holds revoked, so the token endpoint answers `invalid_grant`."""
    user = User.objects.get(pk=sub)
    user.is_active = False
    user.save(update_fields=["is_active"])
    for refresh_token in RefreshToken.objects.filter(user=user, revoked__isnull=True):
        refresh_token.revoke()
    return JsonResponse({"sub": str(user.pk), "active": False})


@csrf_exempt
def client_add(request: HttpRequest) -> JsonResponse:
    data = json.loads(request.body)
    model = get_application_model()
    model.objects.create(
        client_id=data["client_id"],
        client_secret=data["client_secret"],
        name=data["client_id"],
        redirect_uris=" ".join(data["redirect_uris"]),
        client_type=model.CLIENT_CONFIDENTIAL,
        authorization_grant_type=model.GRANT_AUTHORIZATION_CODE,
        algorithm=model.RS256_ALGORITHM,
        skip_authorization=True,
    )
    return JsonResponse({"client_id": data["client_id"]})


@csrf_exempt
def sign(request: HttpRequest) -> JsonResponse:
    """The claims given, signed with the provider's key; `exp`/`iat` relative to now when given as offsets."""
    claims = json.loads(request.body)
    now = int(time.time())
    claims = {**claims, "iat": now + claims.pop("iat_offset", 0), "exp": now + claims.pop("exp_offset", 300)}
    key = jwk.JWK.from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY.encode())
    token = jwt.JWT(header={"alg": "RS256", "kid": key.thumbprint()}, claims=claims)
    token.make_signed_token(key)
    return JsonResponse({"token": token.serialize()})
