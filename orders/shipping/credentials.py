"""Carrier credentials at rest: Fernet-encrypted with SHIPPING_CREDENTIALS_KEY.

The key comes from the environment; in development it is derived from SECRET_KEY so the demo needs
no setting. Rotating the key makes stored credentials unreadable: they must be entered again.
"""

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


def _fernet() -> Fernet:
    key = settings.SHIPPING_CREDENTIALS_KEY
    if not key:
        key = base64.urlsafe_b64encode(hashlib.sha256(f"shipping:{settings.SECRET_KEY}".encode()).digest())
    return Fernet(key)


def credentials_seal(values: dict) -> str:
    """`values` (token, webhook secret, ...) as an encrypted string for CarrierAccount.credentials."""
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def credentials_open(sealed: str) -> dict:
    """The credentials sealed by `credentials_seal`; {} when none were saved or the key changed."""
    if not sealed:
        return {}
    try:
        return json.loads(_fernet().decrypt(sealed.encode()))
    except InvalidToken:
        return {}
