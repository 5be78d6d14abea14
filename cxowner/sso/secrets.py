"""The client secret, encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256, from `cryptography`).

It cannot be hashed like an API key: it is sent to the provider with every code exchanged. The key
is SSO_SECRET_KEY when set (so SECRET_KEY can be rotated without losing the secrets), else derived
from SECRET_KEY. A secret that no longer decrypts (the key changed) reads as missing, and the
settings page asks for it again.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    material = settings.SSO_SECRET_KEY or settings.SECRET_KEY
    key = hashlib.sha256(f"cxowner-sso-client-secret:{material}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def secret_encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def secret_decrypt(token: str) -> str | None:
    """The secret, or None when there is none or it was encrypted with another key."""
    if not token:
        return None
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None
