"""SAML 2.0 single sign-on with an organization's identity provider, through pysaml2.

pysaml2 parses with defusedxml (no entities, no DTDs: no XXE) and checks signatures with the
xmlsec1 program against the certificates of the provider's metadata, by the signed element's ID
(no signature wrapping). Its service provider is configured per organization here:

- SP-initiated only: `allow_unsolicited` off, and the response's InResponseTo must be one of the
  requests this browser started (the pending ones, in a signed cookie: cxowner/sso/saml_views.py);
- the response or its assertion signed by the provider's key (`want_assertions_or_response_signed`);
- the audience is this organization's SP entity ID, the Destination and Recipient its ACS URL,
  the conditions' NotBefore/NotOnOrAfter within SSO_CLOCK_SKEW_SECONDS;
- each assertion ID is accepted once (the cache remembers it until it expires): no replay.

xmlsec1 reads keys from files: the SP's private key is written, for the length of one request,
to a folder only this process can read, and removed after.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.contrib.auth import get_user_model

from .errors import SsoRefused
from .models import SingleSignOn
from .secrets import secret_decrypt

if TYPE_CHECKING:
    from saml2.client import Saml2Client
    from saml2.config import SPConfig

# pysaml2 takes 0.7 s to import (its XML schemas): it is imported where SAML is used, not by
# every process that loads the URLs (a Celery worker's first task, every management command).

# Tried in this order when the organization names no attribute: Entra ID's claim URIs, then the
# names Okta and Google Workspace are usually given, then the LDAP/eduPerson OIDs.
EMAIL_ATTRIBUTES = (
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "email",
    "mail",
    "urn:oid:0.9.2342.19200300.100.1.3",
)
NAME_ATTRIBUTES = (
    "http://schemas.microsoft.com/identity/claims/displayname",
    "name",
    "displayName",
    "urn:oid:2.16.840.1.113730.3.1.241",
)


def key_pair_new(common_name: str) -> tuple[str, str]:
    """A new RSA key and its self-signed certificate (PEM): the SP's, for signing its requests and
    for the provider to encrypt assertions to. SAML trusts the certificate as pinned in metadata,
    so self-signed is the norm; ten years, since a rotation means re-registering it at the provider."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem.decode(), certificate.public_bytes(serialization.Encoding.PEM).decode()


def idp_entity_id(metadata_xml: str) -> str:
    """The one identity provider the metadata describes; ValueError saying what is wrong with it."""
    from saml2 import BINDING_HTTP_REDIRECT
    from saml2.config import SPConfig
    from saml2.mdstore import MetadataStore

    store = MetadataStore(attrc=None, config=SPConfig())
    try:
        store.load("inline", metadata_xml)
    except Exception as error:  # pysaml2 raises bare exceptions for bad metadata
        raise ValueError(f"This is not SAML metadata ({error.__class__.__name__}).") from error
    providers = list(store.identity_providers())
    if len(providers) != 1:
        raise ValueError(f"The metadata must describe one identity provider; it describes {len(providers)}.")
    entity_id = providers[0]
    if not store.single_sign_on_service(entity_id, BINDING_HTTP_REDIRECT):
        raise ValueError("The identity provider offers no single sign-on service with the HTTP-Redirect binding.")
    if not store.certs(entity_id, "idpsso", "signing"):
        raise ValueError("The metadata has no signing certificate, so its responses could not be checked.")
    return entity_id


def client_idp(client: Saml2Client) -> str:
    """The identity provider of a client made by saml_client: the one its loaded metadata describes
    (checked to be exactly one when saved), without reading the metadata a second time."""
    providers = list(client.metadata.identity_providers())
    if len(providers) != 1:
        raise ValueError(f"The metadata must describe one identity provider; it describes {len(providers)}.")
    return providers[0]


def _config(single_sign_on: SingleSignOn, urls: dict, folder: Path | None, with_idp: bool) -> SPConfig:
    from saml2 import BINDING_HTTP_POST
    from saml2.config import SPConfig
    from saml2.sigver import get_xmlsec_binary
    from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

    sp = {
        "name": f"cxowner: {single_sign_on.organization.name}",
        "endpoints": {"assertion_consumer_service": [(urls["acs"], BINDING_HTTP_POST)]},
        "allow_unsolicited": False,
        "authn_requests_signed": True,
        "want_assertions_or_response_signed": True,
        "want_response_signed": False,
        "want_assertions_signed": False,
        "name_id_format_allow_create": True,
    }
    config = {
        "entityid": urls["entity_id"],
        "xmlsec_binary": get_xmlsec_binary(),
        "service": {"sp": sp},
        "accepted_time_diff": settings.SSO_CLOCK_SKEW_SECONDS,
        "allow_unknown_attributes": True,
        "cert_file": str(folder / "sp.crt") if folder else None,
        "key_file": str(folder / "sp.key") if folder else None,
        "signing_algorithm": SIG_RSA_SHA256,
        "digest_algorithm": DIGEST_SHA256,
    }
    if folder:
        config["encryption_keypairs"] = [{"key_file": config["key_file"], "cert_file": config["cert_file"]}]
    if with_idp:
        config["metadata"] = {"inline": [single_sign_on.saml_metadata_xml]}
    sp_config = SPConfig()
    sp_config.load({key: value for key, value in config.items() if value is not None})
    return sp_config


@contextmanager
def saml_client(single_sign_on: SingleSignOn, urls: dict) -> Iterator[Saml2Client]:
    """pysaml2's client as the organization's SP, its key in a private folder for the request's length."""
    from saml2.client import Saml2Client
    from saml2.sigver import SigverError

    key = secret_decrypt(single_sign_on.saml_key_encrypted)
    if key is None or not single_sign_on.saml_metadata_xml:
        raise SsoRefused(
            f"{single_sign_on.organization.name}'s SAML settings are incomplete; an admin must save them again."
        )
    with tempfile.TemporaryDirectory(prefix="cxowner-saml-") as name:  # mode 0700
        folder = Path(name)
        (folder / "sp.key").touch(mode=0o600)
        (folder / "sp.key").write_text(key)
        (folder / "sp.crt").write_text(single_sign_on.saml_certificate)
        try:
            config = _config(single_sign_on, urls, folder, with_idp=True)
        except SigverError as error:  # no xmlsec1 program: the installation's fault, not the organization's
            raise SsoRefused("SAML sign-in is not available: this server lacks the xmlsec1 program.") from error
        except Exception as error:
            raise SsoRefused(f"{single_sign_on.name}'s metadata cannot be read; an admin must check it.") from error
        yield Saml2Client(config)


def sp_metadata(single_sign_on: SingleSignOn, urls: dict) -> str:
    """The SP's metadata for the provider: entity ID, ACS URL, and the certificate for signing and encryption."""
    from saml2.metadata import entity_descriptor

    with tempfile.TemporaryDirectory(prefix="cxowner-saml-") as name:
        folder = Path(name)
        (folder / "sp.crt").write_text(single_sign_on.saml_certificate)
        config = _config(single_sign_on, urls, None, with_idp=False)
        config.cert_file = str(folder / "sp.crt")
        config.encryption_keypairs = [{"cert_file": config.cert_file}]
        return str(entity_descriptor(config))


def _attribute(attributes: dict, configured: str, defaults: tuple[str, ...]) -> str:
    for name in (configured,) if configured else defaults:
        values = [str(value).strip() for value in attributes.get(name, []) if str(value).strip()]
        if values:
            return values[0]
    return ""


def raw_attributes(response) -> dict[str, list[str]]:
    """The assertion's attributes by their Name exactly as sent (pysaml2's `ava` renames the ones it knows)."""
    attributes: dict[str, list[str]] = {}
    for statement in response.assertion.attribute_statement:
        for attribute in statement.attribute:
            values = [value.text for value in attribute.attribute_value if value.text]
            attributes.setdefault(attribute.name, []).extend(values)
    return attributes


def claims_from(single_sign_on: SingleSignOn, response) -> dict:
    """signin.py's claims from a checked response: the NameID as the subject, e-mail and name from attributes.

    SAML has no `email_verified`. The address is taken as verified because the organization's
    admin chose this provider AND the organization has proven it owns the address's domain (which
    sso_sign_in checks before anything else): for that domain, the provider is its directory."""
    from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NAMEID_FORMAT_TRANSIENT

    name_id = response.assertion.subject.name_id
    if name_id is None or not (name_id.text or "").strip():
        raise SsoRefused(f"{single_sign_on.name} did not say who you are (no NameID).")
    if name_id.format == NAMEID_FORMAT_TRANSIENT:
        # A new one at every sign-in: it cannot find the same person again.
        raise SsoRefused(
            f"{single_sign_on.name} sent a transient NameID; its admin must set the NameID format to persistent."
        )
    attributes = raw_attributes(response)
    email = _attribute(attributes, single_sign_on.saml_email_attribute, EMAIL_ATTRIBUTES)
    if not email and name_id.format == NAMEID_FORMAT_EMAILADDRESS:
        email = name_id.text.strip()
    name = _attribute(attributes, single_sign_on.saml_name_attribute, NAME_ATTRIBUTES)
    return {"sub": name_id.text.strip(), "email": email, "name": name, "email_verified": bool(email)}


class OrganizationSamlBackend:
    """The session's backend for people signed in with SAML: it authenticates nobody (the ACS view
    logs them in once sso_sign_in let them in), and keeps a session only while the user is active."""

    def authenticate(self, request, **kwargs):
        return None

    def get_user(self, user_id):
        user = get_user_model()._default_manager.filter(pk=user_id).first()
        return user if user is not None and user.is_active else None
