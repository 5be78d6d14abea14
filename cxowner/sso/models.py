"""An organization's single sign-on (OpenID Connect or SAML 2.0), and the identities it has linked to users."""

import secrets

from django.conf import settings
from django.db import models

from cxowner.orgs.models import MemberRole, Organization
from cxowner.orgs.names import OneLine, OneLineQuerySet, one_line_validator


class Protocol(models.TextChoices):
    OIDC = "oidc", "OpenID Connect"
    SAML = "saml", "SAML 2.0"


class SingleSignOn(OneLine, models.Model):
    """One organization's identity provider: where its members sign in instead of typing a password.

    OpenID Connect: issuer, client ID and secret. The client secret is stored encrypted
    (cxowner/sso/secrets.py) because it must be sent to the provider as it is; it is never shown
    again after it is saved. SAML 2.0 (cxowner/sso/saml.py): the provider's metadata, and this
    service provider's own key pair, made when SAML is chosen, its private key encrypted the same way.
    """

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="single_sign_on")
    name = models.CharField(
        max_length=100,
        help_text="The provider as members know it: “Contoso Entra ID”.",
        validators=[one_line_validator],
    )
    protocol = models.CharField(max_length=4, choices=Protocol.choices, default=Protocol.OIDC)
    issuer = models.URLField(
        max_length=500, blank=True, help_text="The issuer's URL, exactly as its discovery document says."
    )
    client_id = models.CharField(max_length=300, blank=True)
    client_secret_encrypted = models.TextField(blank=True, editable=False)
    # SAML: the identity provider's metadata as pasted, or as last read from `saml_metadata_url`.
    saml_metadata_url = models.URLField(max_length=500, blank=True)
    saml_metadata_xml = models.TextField(blank=True)
    saml_metadata_fetched_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The attributes read for the address and the name; blank: the usual names of Entra ID, Okta and Google.
    saml_email_attribute = models.CharField(max_length=300, blank=True)
    saml_name_attribute = models.CharField(max_length=300, blank=True)
    saml_key_encrypted = models.TextField(blank=True, editable=False)
    saml_certificate = models.TextField(blank=True, editable=False)
    default_role = models.CharField(max_length=10, choices=MemberRole.choices, default=MemberRole.VIEWER)
    allow_jit = models.BooleanField(
        default=False, help_text="Someone the provider signs in, with an allowed e-mail, becomes a member."
    )
    sso_only = models.BooleanField(default=False, help_text="Members may not log in with a password.")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The last time the provider was asked whether it still accepts the members (cxowner/sso/recheck.py),
    # and what it answered, as the settings page shows it.
    rechecked_at = models.DateTimeField(null=True, blank=True, editable=False)
    recheck_summary = models.CharField(max_length=500, blank=True, editable=False)

    objects = OneLineQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(default_role__in=MemberRole.values), name="singlesignon_default_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(protocol__in=Protocol.values), name="singlesignon_protocol_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organization})"

    @property
    def history_name(self) -> str:
        return self.name

    @property
    def is_saml(self) -> bool:
        return self.protocol == Protocol.SAML


def domain_challenge_new() -> str:
    return secrets.token_urlsafe(24)


class SsoDomain(models.Model):
    """An e-mail domain whose people sign in with one organization's provider.

    The log-in page sends whoever types an address of the domain to that provider, and the
    provider may link and create accounts of its addresses: so the domain counts only once the
    organization has proven it owns it, with a DNS TXT record carrying `challenge`
    (cxowner/sso/domains.py). Several organizations may claim a domain; one may prove it."""

    single_sign_on = models.ForeignKey(SingleSignOn, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253)
    challenge = models.CharField(max_length=64, default=domain_challenge_new, editable=False)
    verified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(fields=["single_sign_on", "domain"], name="ssodomain_unique_per_provider"),
            models.UniqueConstraint(
                fields=["domain"], condition=models.Q(verified_at__isnull=False), name="ssodomain_one_proven_owner"
            ),
        ]

    def __str__(self) -> str:
        return self.domain


class SsoIdentity(models.Model):
    """A provider's subject (`sub`) linked to a user: later sign-ins find the user by it, not by e-mail."""

    single_sign_on = models.ForeignKey(SingleSignOn, on_delete=models.CASCADE, related_name="identities")
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities")
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField(null=True, blank=True)
    # The provider's refresh token (encrypted like the client secret): with it cxowner asks the
    # provider, without the person, whether it still accepts them. Blank when it gave none.
    refresh_token_encrypted = models.TextField(blank=True, editable=False)
    rechecked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["single_sign_on", "subject"], name="ssoidentity_unique_subject"),
            models.UniqueConstraint(fields=["single_sign_on", "user"], name="ssoidentity_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.user}"
