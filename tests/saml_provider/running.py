"""The `saml_provider` fixture: the tests' SAML identity provider, started once per test session.

A real server process on a free loopback port (python -m tests.saml_provider.server), its keys
in a temporary folder; tests make their own users and register their own SPs' metadata.
"""

from __future__ import annotations

import base64
import re
import secrets
import zlib
from dataclasses import dataclass
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from defusedxml import ElementTree

from tests.loopback_server import free_port, server_running

FORM_TOKEN = re.compile(r'name="token" value="([^"]+)"')
POSTED = re.compile(r'<form method="post" action="([^"]+)">\s*<input type="hidden" name="SAMLResponse" value="([^"]+)"')
PROTOCOL = "{urn:oasis:names:tc:SAML:2.0:protocol}"
ASSERTION = "{urn:oasis:names:tc:SAML:2.0:assertion}"


def authn_request(location: str) -> dict:
    """The AuthnRequest an SP's redirect carries: its ID, issuer (the SP's entity ID) and ACS URL."""
    encoded = parse_qs(urlsplit(location).query)["SAMLRequest"][0]
    root = ElementTree.fromstring(zlib.decompress(base64.b64decode(encoded), -15))
    assert root.tag == f"{PROTOCOL}AuthnRequest"
    return {
        "id": root.get("ID"),
        "sp": root.find(f"{ASSERTION}Issuer").text,
        "acs": root.get("AssertionConsumerServiceURL"),
    }


@dataclass
class SamlProvider:
    url: str

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/metadata"

    def metadata(self) -> str:
        answer = requests.get(self.metadata_url, timeout=10)
        answer.raise_for_status()
        return answer.text

    def sp_add(self, metadata_xml: str) -> None:
        """Register a service provider (its metadata), as an admin does at Entra ID or Okta."""
        requests.post(f"{self.url}/test/sps/", data=metadata_xml.encode(), timeout=30).raise_for_status()

    def user_add(self, *, email: str, name: str = "", attributes=None, name_id: str = "") -> dict:
        """A user; the response carries `attributes` ({name: value}), by default Entra ID's e-mail and
        name claims; `name_id`: the persistent NameID (by default a new one)."""
        data = {"username": f"u{secrets.token_hex(4)}", "email": email, "name": name or email}
        data |= {"password": "provider-pass", "attributes": attributes, "name_id": name_id}
        answer = requests.post(f"{self.url}/test/users/", json=data, timeout=10)
        answer.raise_for_status()
        return {**data, **answer.json()}

    def respond(self, user: dict, location: str, variant: str = "ok") -> str:
        """A SAMLResponse for `user` to the AuthnRequest in the SP's redirect `location`, wrong as `variant` says:
        ok, wrong_key, wrong_audience, expired, unsigned, transient, encrypted (to the SP's certificate)."""
        data = {"username": user["username"], "request": authn_request(location), "variant": variant}
        answer = requests.post(f"{self.url}/test/respond/", json=data, timeout=10)
        answer.raise_for_status()
        return answer.json()["SAMLResponse"]

    def sign_in(self, location: str, user: dict) -> tuple[str, str]:
        """Follow the SP's redirect as `user` would in a browser: the provider's form, signed in; the
        ACS URL and the SAMLResponse its page posts back."""
        browser = requests.Session()
        form = browser.get(location, timeout=10)
        assert form.status_code == 200, form.text
        data = {"token": FORM_TOKEN.search(form.text)[1], "username": user["username"], "password": user["password"]}
        page = browser.post(f"{self.url}/sso/login", data=data, timeout=10)
        found = POSTED.search(page.text)
        assert found, page.text
        return unescape(found[1]), found[2]


@pytest.fixture(scope="session")
def saml_provider(tmp_path_factory):
    port = free_port()
    provider = SamlProvider(url=f"http://127.0.0.1:{port}")
    folder = tmp_path_factory.mktemp("saml-provider")
    with server_running(
        "tests.saml_provider.server", port, folder, provider.metadata_url, name="test SAML provider", wait=60
    ):
        yield provider
