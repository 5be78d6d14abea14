"""The `oidc_provider` fixture: the tests' identity provider, started once per test session.

It runs as a real server process on a free loopback port (python -m tests.oidc_provider.server),
with its SQLite file and RSA key in a temporary folder; every test gets it as it was left, so tests
make their own users and clients with names of their own.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from tests.loopback_server import free_port, server_running

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Provider:
    url: str

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    def user_add(self, *, email: str, password: str = "provider-pass", email_verified: bool = True) -> dict:
        username = f"u{secrets.token_hex(4)}"
        data = {"username": username, "email": email, "password": password, "email_verified": email_verified}
        answer = requests.post(f"{self.url}/test/users/", json=data, timeout=10)
        answer.raise_for_status()
        return {**data, "sub": answer.json()["sub"]}

    def user_deactivate(self, user: dict) -> None:
        """Disable the user at the provider (their refresh tokens revoked, as Entra ID and Okta do)."""
        requests.post(f"{self.url}/test/users/{user['sub']}/deactivate/", timeout=10).raise_for_status()

    def client_add(self, *redirect_uris: str) -> tuple[str, str]:
        client_id, client_secret = f"cxowner-{secrets.token_hex(4)}", secrets.token_urlsafe(24)
        data = {"client_id": client_id, "client_secret": client_secret, "redirect_uris": list(redirect_uris)}
        requests.post(f"{self.url}/test/clients/", json=data, timeout=10).raise_for_status()
        return client_id, client_secret

    def sign(self, **claims) -> str:
        """An ID token with these claims, signed with the provider's key (exp_offset/iat_offset: seconds from now)."""
        answer = requests.post(f"{self.url}/test/sign/", json=claims, timeout=10)
        answer.raise_for_status()
        return answer.json()["token"]

    def sign_in(self, authorize_url: str, user: dict) -> str:
        """Follow the authorization request at the provider as `user` would in a browser: its log-in
        page, then back; returns the address the provider sends the browser back to (the callback)."""
        browser = requests.Session()
        url = authorize_url
        for _ in range(10):
            answer = browser.get(url, allow_redirects=False, timeout=10)
            if answer.status_code == 200 and "csrfmiddlewaretoken" in answer.text:
                form = {"csrfmiddlewaretoken": CSRF.search(answer.text)[1], "username": user["username"]}
                form |= {"password": user["password"], "next": _next_of(url)}
                answer = browser.post(url, data=form, headers={"Referer": url}, allow_redirects=False, timeout=10)
            location = urljoin(url, answer.headers.get("Location", ""))
            if not location.startswith(self.url):
                return location
            url = location
        raise AssertionError("The provider kept redirecting")


def _next_of(url: str) -> str:
    return parse_qs(urlsplit(url).query).get("next", [""])[0]


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    port = free_port()
    provider = Provider(url=f"http://127.0.0.1:{port}")
    folder = tmp_path_factory.mktemp("oidc-provider")
    # Its migrations take 10-20 s on a busy 2-core machine; CI runs two test processes beside browsers.
    ready = f"{provider.issuer}/.well-known/openid-configuration"
    with server_running("tests.oidc_provider.server", port, folder, ready, name="test identity provider", wait=120):
        yield provider
