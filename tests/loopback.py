"""Real protocol servers on 127.0.0.1 for the message channels: an SMTP inbox (aiosmtpd), a Web Push
service that checks the VAPID signature and decrypts the payload with the browser's keys (RFC 8291),
and a webhook receiver that checks the HMAC signature. Used by the tests and the journeys benchmark."""

import base64
import hashlib
import hmac
import json
import os
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import http_ece
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

# How often a server's loop looks at its stop flag: shutdown() waits for it (0.5 s by default).
POLL_SECONDS = 0.05


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- SMTP ------------------------------------------------------------------------------------------


class Inbox:
    def __init__(self):
        self.envelopes = []
        self.peers = []  # the client's (address, port) of each message: one port per connection
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.envelopes.append(envelope)
            self.peers.append(session.peer)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int | None = None, inbox: Inbox | None = None):
        self.port = port or free_port()
        self.inbox = inbox or Inbox()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


# --- Web Push --------------------------------------------------------------------------------------


@dataclass
class Browser:
    """A browser's side of a push subscription: its P-256 key pair and auth secret."""

    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(public)

    @property
    def auth_b64(self) -> str:
        return b64url(self.auth)

    def decrypt(self, body: bytes) -> dict:
        return json.loads(http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth))


def _vapid_valid(authorization: str, audience: str) -> bool:
    """Check `vapid t=<JWT>, k=<public key>` (RFC 8292): ES256 signature and audience."""
    parts = dict(part.strip().split("=", 1) for part in authorization.removeprefix("vapid ").split(","))
    header, claims, signature = parts["t"].split(".")
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64url_decode(parts["k"]))
    raw = b64url_decode(signature)
    der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    except Exception:
        return False
    return json.loads(b64url_decode(claims))["aud"] == audience


class PushService:
    """A push service on loopback: one endpoint per browser (`/push/<id>`); a request is accepted (201)
    only with a valid VAPID signature, and its payload is decrypted with that browser's keys.
    Endpoints in `gone` answer 410. It keeps connections open between requests (HTTP/1.1), as push
    services do; once stopped it answers none, kept connections included."""

    def __init__(self):
        self.port = free_port()
        self.browsers: dict[str, Browser] = {}
        self.received: list[dict] = []
        self.gone: set[str] = set()
        self.lock = threading.Lock()
        self.stopped = False
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())

    def subscribe(self, name: str) -> tuple[str, Browser]:
        browser = Browser()
        self.browsers[name] = browser
        return f"http://127.0.0.1:{self.port}/push/{name}", browser

    def payloads(self, name: str | None = None) -> list[dict]:
        return [r["payload"] for r in self.received if name is None or r["browser"] == name]

    def _handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self):
                if service.stopped:
                    self.close_connection = True
                    return
                name = urlsplit(self.path).path.rsplit("/", 1)[-1]
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if name in service.gone or name not in service.browsers:
                    self.answer(410)
                    return
                audience = f"http://127.0.0.1:{service.port}"
                if not _vapid_valid(self.headers.get("Authorization", ""), audience):
                    self.answer(401)
                    return
                payload = service.browsers[name].decrypt(body)
                with service.lock:
                    service.received.append(
                        {
                            "browser": name,
                            "payload": payload,
                            "topic": self.headers.get("Topic"),
                            "ttl": self.headers.get("TTL"),
                            "encoding": self.headers.get("Content-Encoding"),
                            "peer": self.client_address,
                        }
                    )
                self.answer(201)

        return Handler

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.stopped = True
        self.server.shutdown()
        self.server.server_close()


# --- Webhook ---------------------------------------------------------------------------------------


class WebhookReceiver:
    """An SMS / Zalo gateway on loopback: checks the X-Signature HMAC with `secret`, then answers with
    the next status in `answers` (200 once they run out)."""

    def __init__(self, secret: str, answers: list[int] | None = None):
        self.secret = secret
        self.answers = list(answers or [])
        self.port = free_port()
        self.requests: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/messages"

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fields = dict(part.split("=", 1) for part in self.headers.get("X-Signature", "").split(","))
                expected = hmac.new(
                    receiver.secret.encode(), f"{fields.get('t')}.".encode() + body, hashlib.sha256
                ).hexdigest()
                valid = hmac.compare_digest(expected, fields.get("v1", ""))
                status = (receiver.answers.pop(0) if receiver.answers else 200) if valid else 401
                receiver.requests.append(
                    {"body": json.loads(body), "valid": valid, "key": self.headers.get("Idempotency-Key")}
                )
                answer = json.dumps({"accepted": status == 200, "gateway_id": f"gw-{len(receiver.requests)}"})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(answer.encode())

        return Handler

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
