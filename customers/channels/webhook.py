"""SMS and Zalo ZNS through the shop's gateway: an HTTP POST signed with HMAC-SHA256, retried with
backoff when the gateway is down or busy, every answer kept for the record.

The gateway checks `X-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the shared
secret, refuses old timestamps, and uses `Idempotency-Key` to drop a resend it already took."""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from django.conf import settings

from customers.channels.base import Delivery, Outgoing
from customers.models import Customer

TIMEOUT_SECONDS = 10
# Answers worth retrying: the gateway is overloaded or failing, not refusing this message.
RETRY_STATUSES = {408, 425, 429, 500, 502, 503, 504}


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The X-Signature header value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class WebhookChannel:
    def __init__(self, name: str):
        self.name = name

    def reachable(self, customer: Customer) -> bool:
        return bool(customer.phone) and bool(settings.MESSAGE_WEBHOOK_URL)

    def reachable_among(self, customers: list[Customer]) -> set[int]:
        return {customer.pk for customer in customers if self.reachable(customer)}

    def _body(self, outgoing: Outgoing) -> bytes:
        message = {
            "id": outgoing.key,
            "channel": self.name,
            "to": outgoing.customer.phone,
            "title": outgoing.subject,
            "text": outgoing.text,
            "url": outgoing.url,
            "data": outgoing.data,
        }
        return json.dumps(message, ensure_ascii=False).encode()

    def _post_once(self, body: bytes, key: str) -> dict:
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's configured gateway
            settings.MESSAGE_WEBHOOK_URL,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": key,
                "X-Signature": webhook_signature(
                    secret=settings.MESSAGE_WEBHOOK_SECRET, timestamp=int(time.time()), body=body
                ),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                return {"status": response.status, "body": response.read(1000).decode(errors="replace")}
        except urllib.error.HTTPError as error:
            return {"status": error.code, "body": error.read(1000).decode(errors="replace")}
        except OSError as error:
            return {"status": None, "error": str(error)[:300]}

    def send(self, outgoing: Outgoing) -> Delivery:
        body = self._body(outgoing)
        answers = []
        for attempt in range(settings.MESSAGE_WEBHOOK_ATTEMPTS):
            if attempt:
                time.sleep(settings.MESSAGE_WEBHOOK_BACKOFF_SECONDS * 2 ** (attempt - 1))
            answer = self._post_once(body, outgoing.key)
            answers.append(answer)
            status = answer["status"]
            if status is not None and 200 <= status < 300:
                return Delivery(delivered=True, answers=answers)
            if status is not None and status not in RETRY_STATUSES:
                break
        return Delivery(delivered=False, answers=answers)
