"""A real SAML 2.0 identity provider for the tests, on loopback: pysaml2's IdP (saml2.server.Server).

A small WSGI server in a process of its own (tests/saml_provider/running.py starts it once per test
session), with its own key pair in a temporary folder. cxowner talks to it as to Entra ID or Okta:
a signed AuthnRequest by HTTP-Redirect, the provider's log-in form, a signed response posted back.
Its test admin endpoints make users, register service providers' metadata, and make responses
that are wrong on purpose (another key, another audience, expired, unsigned).
"""
