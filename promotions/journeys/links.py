"""The signed links every journey message carries: click, open pixel, one-click unsubscribe."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "promotions.journeys.message"
KINDS = ("click", "open", "unsubscribe")


def message_link(token: str, kind: str) -> str:
    """The absolute URL of `kind` for the message with `token`, signed so it cannot be guessed or forged."""
    signed = signing.Signer(salt=f"{SALT}.{kind}").sign(token)
    return settings.PUBLIC_BASE_URL + reverse(f"journey-{kind}", kwargs={"signed": signed})


def token_from_link(signed: str, kind: str) -> str | None:
    """The message token inside a signed link, or None when the signature does not match."""
    try:
        return signing.Signer(salt=f"{SALT}.{kind}").unsign(signed)
    except signing.BadSignature:
        return None
