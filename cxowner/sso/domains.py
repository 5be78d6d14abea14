"""An organization proving it owns an e-mail domain, with a DNS TXT record.

Whoever claims a domain gets its people: the log-in page sends an address of it to the claimant's
provider, and that provider may link existing accounts of the domain and create new ones. So a
claim counts only once proven, the way Slack, Okta or Google prove one: the organization's admin
publishes `cxowner-domain-verification=<challenge>` as a TXT record of `_cxowner.<domain>`, and
cxowner reads it. Only the domain's owner can publish there; one organization can prove a domain,
and the proof holds (removing the record later changes nothing: re-reading it would lock people
out the day a DNS change loses it).
"""

from __future__ import annotations

import dns.exception
import dns.resolver
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cxowner.orgs.history import change_set_record, object_changes
from cxowner.orgs.locks import rows_locked

from .models import SsoDomain

PREFIX = "_cxowner"
VALUE = "cxowner-domain-verification="


def record_name(domain: SsoDomain) -> str:
    return f"{PREFIX}.{domain.domain}"


def record_value(domain: SsoDomain) -> str:
    return f"{VALUE}{domain.challenge}"


def _resolver() -> dns.resolver.Resolver:
    """The system's resolver, or SSO_DNS_SERVER ("host:port") when set."""
    server = settings.SSO_DNS_SERVER
    resolver = dns.resolver.Resolver(configure=not server)
    if server:
        host, _, port = server.rpartition(":")
        resolver.nameservers, resolver.port = [host], int(port)
    resolver.lifetime = settings.SSO_HTTP_TIMEOUT_SECONDS
    return resolver


def txt_values(name: str) -> list[str]:
    """The TXT strings published at `name`; ValidationError when DNS gives no answer at all."""
    try:
        answer = _resolver().resolve(name, "TXT")
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.DNSException as error:
        raise ValidationError(
            f"DNS did not answer for {name} ({error.__class__.__name__}); try again later."
        ) from error
    return [b"".join(record.strings).decode(errors="replace").strip() for record in answer]


@transaction.atomic
def sso_domain_verify(*, domain: SsoDomain) -> SsoDomain:
    """Mark the domain proven if its TXT record is published; ValidationError saying what is missing."""
    domain = rows_locked(SsoDomain.objects.filter(pk=domain.pk).select_related("single_sign_on__organization")).get()
    if domain.verified_at is not None:
        return domain
    if SsoDomain.objects.filter(domain=domain.domain, verified_at__isnull=False).exists():
        raise ValidationError(f"Another organization has proven it owns {domain.domain}.")
    published = txt_values(record_name(domain))
    if record_value(domain) not in published:
        found = f" (found: {', '.join(v[:80] for v in published[:3])})" if published else ""
        raise ValidationError(
            f"No TXT record {record_value(domain)} at {record_name(domain)} yet{found}. "
            "DNS changes can take a while to appear."
        )
    domain.verified_at = timezone.now()
    try:
        with transaction.atomic():
            domain.save(update_fields=["verified_at"])
    except IntegrityError:  # proven by another organization since the check above
        raise ValidationError(f"Another organization has proven it owns {domain.domain}.") from None
    changes = object_changes(
        object_type="ssodomain",
        object_id=domain.pk,
        before={"domain": domain.domain, "verified": False},
        after={"domain": domain.domain, "verified": True},
    )
    organization = domain.single_sign_on.organization
    change_set_record(
        organization_id=organization.pk,
        kind="sso.domain_verify",
        summary=f"E-mail domain “{domain.domain}” proven to belong to {organization.name}",
        changes=changes,
    )
    return domain
