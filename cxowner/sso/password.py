"""The gate before Django's password backend: members of an "SSO only" organization may not use a password.

Listed in AUTHENTICATION_BACKENDS before ModelBackend, it authenticates nobody itself. For an
"SSO only" member it raises PermissionDenied, which makes Django stop at once (no later backend
is asked): the log-in form, the Django admin's log-in and anything else that checks a password
are all refused alike. Only when the password was right does it leave the provider on the
request, so the form can say to use it without telling a guesser who uses single sign-on.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from .selectors import sso_only_for_user


class SsoOnlyGate:
    # No get_user: no session is ever this backend's, and the test client's force_login takes
    # the first backend that has one.
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        model = get_user_model()
        user = model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()
        single_sign_on = sso_only_for_user(user)
        if single_sign_on is None:
            return None
        if request is not None and user.check_password(password):
            request.sso_only = single_sign_on
        raise PermissionDenied("This member signs in with single sign-on only.")
