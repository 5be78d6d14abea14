"""A real OpenID Connect provider for the tests, on loopback: django-oauth-toolkit with OIDC on.

Its own Django project (settings, URLs, an SQLite file and an RSA key in a folder of its own),
started as a server process by tests/sso/conftest.py. cxowner talks to it over HTTP exactly as it
talks to Entra ID or Okta: discovery, authorization code with PKCE, token, userinfo, JWKS.
"""
