"""Run the tests' SAML identity provider: python -m tests.saml_provider.server PORT FOLDER.

Everything lives in memory (users, the SPs' metadata, log-ins under way) and goes with the process.
"""

from __future__ import annotations

import base64
import html
import json
import secrets
import sys
from pathlib import Path
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from defusedxml import ElementTree
from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NAMEID_FORMAT_TRANSIENT, NameID
from saml2.server import Server
from saml2.sigver import get_xmlsec_binary

from .keys import key_pair_write

USERS: dict[str, dict] = {}  # username -> {password, attributes, name_id}
# The attributes sent by default: Entra ID's claim URIs (names pysaml2's own attribute maps leave as they are).
EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
NAME = "http://schemas.microsoft.com/identity/claims/displayname"
LOGINS: dict[str, dict] = {}  # the log-in form's token -> the AuthnRequest it answers
# The SPs' metadata by entity ID: registering one again replaces it (the tests' databases reuse IDs).
SP_METADATA: dict[str, str] = {}
SERVERS: dict[str, Server] = {}  # the variant -> its IdP (the same entity ID; another key for "wrong_key")


def config(base: str, folder: Path, *, key: str = "idp", lifetime_minutes: int = 5) -> IdPConfig:
    policy = {"default": {"lifetime": {"minutes": lifetime_minutes}, "attribute_restrictions": None}}
    idp = {
        "name": "Loopback SAML IdP",
        "endpoints": {"single_sign_on_service": [(f"{base}/sso/redirect", BINDING_HTTP_REDIRECT)]},
        "name_id_format": [NAMEID_FORMAT_PERSISTENT],
        "want_authn_requests_signed": True,
        "sign_response": False,
        "sign_assertion": True,
        "policy": policy,
    }
    settings = {
        "entityid": f"{base}/metadata",
        "xmlsec_binary": get_xmlsec_binary(),
        "service": {"idp": idp},
        "key_file": str(folder / f"{key}.key"),
        "cert_file": str(folder / f"{key}.crt"),
        "metadata": {"inline": list(SP_METADATA.values())},
        "accepted_time_diff": 60,
    }
    idp_config = IdPConfig()
    idp_config.load(settings)
    return idp_config


def servers_load(base: str, folder: Path) -> None:
    """The IdPs, again with every SP's metadata (pysaml2 reads the metadata when configured)."""
    SERVERS["ok"] = Server(config=config(base, folder))
    SERVERS["wrong_key"] = Server(config=config(base, folder, key="other"))
    SERVERS["expired"] = Server(config=config(base, folder, lifetime_minutes=-10))


def response_made(user: dict, request: dict, variant: str = "ok") -> str:
    """A SAMLResponse (base64) for `user`, answering `request` ({id, sp, acs}), wrong as `variant` says."""
    server = SERVERS.get(variant, SERVERS["ok"])
    name_format = NAMEID_FORMAT_TRANSIENT if variant == "transient" else NAMEID_FORMAT_PERSISTENT
    name_id = NameID(format=name_format, text=user["name_id"] if variant != "transient" else secrets.token_hex(8))
    identity = {name: [value] for name, value in user["attributes"].items()}
    signed = variant != "unsigned"
    response = server.create_authn_response(
        identity,
        in_response_to=request["id"],
        destination=request["acs"],
        sp_entity_id="https://elsewhere.example/sp" if variant == "wrong_audience" else request["sp"],
        name_id=name_id,
        authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
        sign_assertion=signed,
        sign_response=variant == "encrypted",
        encrypt_assertion=variant == "encrypted",
        encrypt_assertion_self_contained=True,
        best_effort=True,
    )
    return base64.b64encode(str(response).encode()).decode()


def _page(body: str, status: str = "200 OK", content_type: str = "text/html; charset=utf-8"):
    return status, [("Content-Type", content_type)], body.encode()


def _login_form(token: str, error: str = "") -> str:
    alert = f'<p role="alert">{html.escape(error)}</p>' if error else ""
    return (
        (Path(__file__).parent / "login.html").read_text().replace("{{ token }}", token).replace("{{ alert }}", alert)
    )


def _post_back(acs: str, saml_response: str, relay_state: str) -> str:
    return (
        (Path(__file__).parent / "post.html")
        .read_text()
        .format(acs=html.escape(acs), response=saml_response, relay_state=html.escape(relay_state))
    )


def sso_redirect(query: dict) -> tuple:
    """The SP's AuthnRequest (signature checked against the SP's metadata), answered with the log-in form."""
    server = SERVERS["ok"]
    try:
        request = server.parse_authn_request(
            query["SAMLRequest"],
            BINDING_HTTP_REDIRECT,
            relay_state=query.get("RelayState"),
            sigalg=query.get("SigAlg"),
            signature=query.get("Signature"),
        )
    except Exception as error:  # unknown SP, unsigned or badly signed request
        return _page(f"Bad request: {html.escape(repr(error))}", "400 Bad Request")
    message = request.message
    token = secrets.token_urlsafe(16)
    LOGINS[token] = {
        "id": message.id,
        "sp": message.issuer.text,
        "acs": message.assertion_consumer_service_url,
        "relay_state": query.get("RelayState", ""),
    }
    return _page(_login_form(token))


def sso_login(form: dict) -> tuple:
    request = LOGINS.get(form.get("token", ""))
    if request is None:
        return _page("Unknown log-in", "400 Bad Request")
    user = USERS.get(form.get("username", ""))
    if user is None or user["password"] != form.get("password"):
        return _page(_login_form(form["token"], "Wrong username or password."))
    del LOGINS[form["token"]]
    return _page(_post_back(request["acs"], response_made(user, request), request["relay_state"]))


def test_user_add(data: dict) -> dict:
    username = data["username"]
    USERS[username] = {
        "password": data["password"],
        "attributes": data.get("attributes") or {EMAIL: data["email"], NAME: data.get("name") or username},
        "name_id": data.get("name_id") or f"persistent-{secrets.token_hex(8)}",
    }
    return {"username": username, "name_id": USERS[username]["name_id"]}


def app_for(base: str, folder: Path):
    def app(environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        query = {key: values[0] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if path == "/metadata":
            answer = _page(str(entity_descriptor(SERVERS["ok"].config)), content_type="application/samlmetadata+xml")
        elif path == "/sso/redirect":
            answer = sso_redirect(query)
        elif path == "/sso/login" and method == "POST":
            answer = sso_login({key: values[0] for key, values in parse_qs(body.decode()).items()})
        elif path == "/test/users/" and method == "POST":
            answer = _page(json.dumps(test_user_add(json.loads(body))), content_type="application/json")
        elif path == "/test/sps/" and method == "POST":
            SP_METADATA[ElementTree.fromstring(body).get("entityID")] = body.decode()
            servers_load(base, folder)
            answer = _page("{}", content_type="application/json")
        elif path == "/test/respond/" and method == "POST":
            data = json.loads(body)
            made = response_made(USERS[data["username"]], data["request"], data.get("variant", "ok"))
            answer = _page(json.dumps({"SAMLResponse": made}), content_type="application/json")
        else:
            answer = _page("Not found", "404 Not Found")
        status, headers, content = answer
        start_response(status, headers)
        return [content]

    return app


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def main() -> None:
    port, folder = int(sys.argv[1]), Path(sys.argv[2])
    key_pair_write(folder, "idp")
    key_pair_write(folder, "other")
    base = f"http://127.0.0.1:{port}"
    servers_load(base, folder)
    make_server("127.0.0.1", port, app_for(base, folder), ThreadingServer, QuietHandler).serve_forever()


if __name__ == "__main__":
    main()
