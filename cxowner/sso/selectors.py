"""Reads about single sign-on: which provider an e-mail address signs in with, and who must use one."""

from __future__ import annotations

from .models import Protocol, SingleSignOn, SsoIdentity


def email_domain(email: str) -> str:
    """The domain of an address, lower case; "" when it has none."""
    local, at, domain = email.strip().rpartition("@")
    return domain.lower().rstrip(".") if at and local else ""


def sso_for_email(email: str) -> SingleSignOn | None:
    """The enabled provider whose organization has proven it owns the address's domain, if any."""
    domain = email_domain(email)
    if not domain:
        return None
    proven = {"domains__domain": domain, "domains__verified_at__isnull": False}
    return SingleSignOn.objects.select_related("organization").filter(enabled=True, **proven).first()


def sso_of_organization(organization_id: int) -> SingleSignOn | None:
    return SingleSignOn.objects.filter(organization_id=organization_id).prefetch_related("domains").first()


def sso_only_for_user(user) -> SingleSignOn | None:
    """The "SSO only" provider of an organization `user` belongs to: they may not use a password.

    Superusers are exempt: they run the instance, and are how an organization whose provider is
    down gets its password log-in back (docs/sso-scim.md)."""
    if user is None or not user.pk or user.is_superuser:
        return None
    return (
        SingleSignOn.objects.select_related("organization")
        .filter(enabled=True, sso_only=True, organization__memberships__user=user)
        .order_by("organization__name")
        .first()
    )


def sso_to_recheck() -> list[SingleSignOn]:
    """The providers whose members are asked about regularly: enabled, of "SSO only" organizations
    (elsewhere a member the provider refuses can still log in with a password). OpenID Connect only:
    a SAML provider gives no refresh token, and has no way to be asked without the person (its
    leavers are removed by SCIM)."""
    providers = SingleSignOn.objects.select_related("organization").filter(enabled=True, sso_only=True)
    return list(providers.filter(protocol=Protocol.OIDC).order_by("pk"))


def identities_to_recheck(single_sign_on: SingleSignOn) -> list[SsoIdentity]:
    """The provider's identities whose users are active members of its organization, oldest first."""
    identities = SsoIdentity.objects.filter(
        single_sign_on=single_sign_on,
        user__is_active=True,
        user__memberships__organization_id=single_sign_on.organization_id,
    )
    return list(identities.select_related("user").order_by("pk"))
