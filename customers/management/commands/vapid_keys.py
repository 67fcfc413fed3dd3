"""Create a VAPID key pair for Web Push (RFC 8292) and print it as environment variables."""

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def vapid_key_pair() -> tuple[str, str]:
    """A new P-256 key pair: (private key as 32 raw bytes, public key as the uncompressed point), base64url."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    private = private_key.private_numbers().private_value.to_bytes(32, "big")
    public = private_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(private), _b64url(public)


class Command(BaseCommand):
    help = "Print a new VAPID key pair for Web Push, as VAPID_PRIVATE_KEY and VAPID_PUBLIC_KEY lines."

    def handle(self, *args, **options):
        private, public = vapid_key_pair()
        self.stdout.write(f"VAPID_PRIVATE_KEY={private}\nVAPID_PUBLIC_KEY={public}\n")
        self.stderr.write("Keep the private key secret; changing the pair makes every browser subscribe again.")
