"""Single sign-on's writes: an admin configuring the provider, and a person signed in through it.

Every one is in the history: configuration changes as the admin's, sign-ins, links and
just-in-time memberships as the identity provider's (its name is the change set's actor).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cxowner.orgs.history import Change, object_changes, object_record
from cxowner.orgs.locks import rows_locked
from cxowner.orgs.models import Membership, Organization

from .models import Protocol, SingleSignOn, SsoDomain, SsoIdentity
from .saml import idp_entity_id, key_pair_new
from .secrets import secret_decrypt, secret_encrypt
from .sessions import password_sessions_end

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
# What the history shows of a configuration; the secret only as "replaced".
RECORDED = ("name", "protocol", "issuer", "client_id", "domains", "default_role", "allow_jit", "sso_only", "enabled")
SAML_RECORDED = ("saml_metadata_url", "saml_email_attribute", "saml_name_attribute")
METADATA_MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class SsoSettings:
    """What an admin sets. A blank `client_secret` keeps the one stored."""

    name: str
    issuer: str
    client_id: str
    client_secret: str
    domains: tuple[str, ...]
    default_role: str = Membership.Role.VIEWER
    allow_jit: bool = False
    sso_only: bool = False
    enabled: bool = True
    protocol: str = Protocol.OIDC
    # SAML: the provider's metadata pasted, or its URL (read when saved); a blank XML with no URL keeps what is stored.
    saml_metadata_xml: str = ""
    saml_metadata_url: str = ""
    saml_email_attribute: str = ""
    saml_name_attribute: str = ""


def domains_parse(text: str) -> tuple[str, ...]:
    """Domains typed one per line or separated by commas or spaces, lower case, each checked."""
    domains = sorted({part.strip().lower().lstrip("@").rstrip(".") for part in re.split(r"[\s,;]+", text) if part})
    bad = [domain for domain in domains if not DOMAIN.match(domain)]
    if bad:
        raise ValidationError(f"Not an e-mail domain: {', '.join(bad)}.")
    return tuple(domains)


def _https_check(url: str, field: str, what: str) -> None:
    """A provider's address is https (or http on loopback, for tests and development)."""
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        raise ValidationError({field: f"{what} must be an https:// address."})


def _issuer_check(issuer: str) -> str:
    _https_check(issuer, "issuer", "The issuer")
    parts = urlsplit(issuer)
    if parts.query or parts.fragment:
        raise ValidationError({"issuer": "The issuer has no query or fragment."})
    return issuer


def _metadata_fetched(url: str) -> str:
    """The provider's metadata read from its URL (https, or loopback http for tests and development)."""
    _https_check(url, "saml_metadata_url", "The metadata URL")
    try:
        answer = requests.get(url, timeout=settings.SSO_HTTP_TIMEOUT_SECONDS, stream=True)
        answer.raise_for_status()
        body = answer.raw.read(METADATA_MAX_BYTES + 1, decode_content=True)
    except requests.RequestException as error:
        raise ValidationError({"saml_metadata_url": f"The metadata could not be read: {error}."}) from None
    if len(body) > METADATA_MAX_BYTES:
        raise ValidationError({"saml_metadata_url": "The metadata is larger than 1 MB."})
    return body.decode("utf-8", errors="replace")


def _saml_check(single_sign_on: SingleSignOn, wanted: SsoSettings) -> None:
    """The SAML settings onto `single_sign_on`: metadata read and checked, and the SP's key pair made once."""
    xml = wanted.saml_metadata_xml.strip()
    if wanted.saml_metadata_url and not xml:
        xml = _metadata_fetched(wanted.saml_metadata_url)
        single_sign_on.saml_metadata_fetched_at = timezone.now()
    xml = xml or single_sign_on.saml_metadata_xml
    if not xml:
        raise ValidationError({"saml_metadata_xml": "Paste the provider's metadata, or give its URL."})
    try:
        idp_entity_id(xml)
    except ValueError as error:
        fetched = wanted.saml_metadata_url and not wanted.saml_metadata_xml
        field = "saml_metadata_url" if fetched else "saml_metadata_xml"
        raise ValidationError({field: str(error)}) from None
    single_sign_on.saml_metadata_xml = xml
    for name in SAML_RECORDED:
        setattr(single_sign_on, name, getattr(wanted, name).strip())
    if secret_decrypt(single_sign_on.saml_key_encrypted) is None:
        key, certificate = key_pair_new(f"cxowner {single_sign_on.organization.slug}")
        single_sign_on.saml_key_encrypted, single_sign_on.saml_certificate = secret_encrypt(key), certificate


def _protocol_check(current: SingleSignOn | None, wanted: SsoSettings) -> None:
    if wanted.protocol == Protocol.SAML:
        return
    if not wanted.issuer:
        raise ValidationError({"issuer": "The issuer is needed."})
    if not wanted.client_id:
        raise ValidationError({"client_id": "The client ID is needed."})
    _issuer_check(wanted.issuer)
    if not wanted.client_secret and (current is None or secret_decrypt(current.client_secret_encrypted) is None):
        # New, or stored under a key that has changed since (SSO_SECRET_KEY, SECRET_KEY).
        raise ValidationError({"client_secret": "The client secret is needed."})


def _domains_free(single_sign_on: SingleSignOn | None, domains: tuple[str, ...]) -> None:
    """Only a domain another organization has proven is taken: a claim alone reserves nothing,
    or anyone could keep a company from its own domain by claiming it first."""
    taken = SsoDomain.objects.filter(domain__in=domains, verified_at__isnull=False)
    if single_sign_on is not None:
        taken = taken.exclude(single_sign_on=single_sign_on)
    claimed = sorted(taken.values_list("domain", flat=True))
    if claimed:
        raise ValidationError({"domains": f"Another organization has proven it owns {', '.join(claimed)}."})


def _lockout_check(single_sign_on: SingleSignOn | None, wanted: SsoSettings, admin, confirmed: bool) -> None:
    """Turning on "SSO only" locks every member's password out, the admin's too: unless the admin
    has signed in through this provider (so it works for them), they must say they mean it."""
    turning_on = wanted.sso_only and not (single_sign_on is not None and single_sign_on.sso_only)
    if not turning_on or confirmed:
        return
    proven = (
        single_sign_on is not None and SsoIdentity.objects.filter(single_sign_on=single_sign_on, user=admin).exists()
    )
    if not proven:
        raise ValidationError(
            {
                "sso_only": "You have not signed in through this provider yet: if it does not work, nobody can "
                "log in, you included. Sign in with it first, or tick the confirmation."
            }
        )


def _recorded(single_sign_on: SingleSignOn, domains: tuple[str, ...]) -> dict:
    values = {name: getattr(single_sign_on, name) for name in (*RECORDED, *SAML_RECORDED) if name != "domains"}
    return {**values, "domains": ", ".join(domains)}


def _domains_save(single_sign_on: SingleSignOn, domains: tuple[str, ...]) -> None:
    kept = SsoDomain.objects.filter(single_sign_on=single_sign_on)
    kept.exclude(domain__in=domains).delete()
    new = sorted(set(domains) - set(kept.values_list("domain", flat=True)))
    try:
        with transaction.atomic():
            SsoDomain.objects.bulk_create([SsoDomain(single_sign_on=single_sign_on, domain=domain) for domain in new])
    except IntegrityError:  # saved twice at once by two admins
        raise ValidationError({"domains": "These domains were just changed by someone else; try again."}) from None


@transaction.atomic
def sso_configure(
    *, organization: Organization, wanted: SsoSettings, admin, sso_only_confirmed: bool = False
) -> SingleSignOn:
    """Create or change the organization's provider, as `admin`; ValidationError naming the field at fault."""
    rows_locked(Organization.objects.filter(pk=organization.pk)).get()
    current = SingleSignOn.objects.filter(organization=organization).first()
    domains = wanted.domains
    if not domains:
        raise ValidationError({"domains": "Name at least one e-mail domain."})
    _protocol_check(current, wanted)
    _domains_free(current, domains)
    _lockout_check(current, wanted, admin, sso_only_confirmed)
    before = _recorded(current, tuple(d.domain for d in current.domains.all())) if current else {}
    was_sso_only = current is not None and current.sso_only and current.enabled
    single_sign_on = current or SingleSignOn(organization=organization)
    for name in RECORDED:
        if name != "domains":
            setattr(single_sign_on, name, getattr(wanted, name))
    if wanted.client_secret:
        single_sign_on.client_secret_encrypted = secret_encrypt(wanted.client_secret)
    if single_sign_on.is_saml:
        _saml_check(single_sign_on, wanted)
    single_sign_on.full_clean(exclude=["client_secret_encrypted", "organization"])
    single_sign_on.save()
    _domains_save(single_sign_on, domains)
    after = _recorded(single_sign_on, domains)
    changes = object_changes(object_type="singlesignon", object_id=single_sign_on.pk, before=before, after=after)
    if wanted.client_secret and current is not None:
        changes.append(Change("singlesignon", single_sign_on.pk, "client_secret", "set", "replaced"))
    object_record(obj=single_sign_on, action="update" if current else "create", changes=changes)
    if single_sign_on.sso_only and single_sign_on.enabled and not was_sso_only:
        # Members logged in with a password before must not keep working with it.
        transaction.on_commit(lambda: password_sessions_end(organization_id=organization.pk))
    return single_sign_on


@transaction.atomic
def sso_only_lift(*, organization: Organization) -> SingleSignOn | None:
    """Let the organization's members use their passwords again: the way back in when the provider
    is down and no admin can sign in (manage.py sso_password_login). None if it had no SSO only."""
    single_sign_on = rows_locked(SingleSignOn.objects.filter(organization=organization, sso_only=True)).first()
    if single_sign_on is None:
        return None
    single_sign_on.sso_only = False
    single_sign_on.save(update_fields=["sso_only", "updated_at"])
    changes = object_changes(
        object_type="singlesignon", object_id=single_sign_on.pk, before={"sso_only": True}, after={"sso_only": False}
    )
    object_record(obj=single_sign_on, action="update", changes=changes)
    return single_sign_on
