"""API throttles, rates from settings (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]).

Kept apart from the views: DRF imports the throttle classes while it defines APIView.
"""

from rest_framework import exceptions, throttling

from cxowner.orgs.authentication import TokenUser


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """Per token, for integrations (scope `token`)."""

    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.user, TokenUser):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.token.prefix}


class AnonRateThrottle(throttling.AnonRateThrottle):
    """Per address, for anonymous callers and failed authentications (scope `anon`).

    Views throttle before they authenticate (see OrganizationScopedMixin.initial), so guessed
    keys are counted too; the authentication error is kept and raised afterwards.
    """

    def get_cache_key(self, request, view):
        try:
            authenticated = request.user.is_authenticated
        except exceptions.AuthenticationFailed as error:
            request.authentication_error = error
            authenticated = False
        if authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class UserRateThrottle(throttling.UserRateThrottle):
    """Per signed-in user, for sessions (scope `user`); tokens have their own."""

    def get_cache_key(self, request, view):
        if isinstance(request.user, TokenUser):
            return None
        return super().get_cache_key(request, view)
