"""Web Push (RFC 8030) with the payload encrypted for the browser (RFC 8291, aes128gcm) and signed
by the shop's VAPID key (RFC 8292), through pywebpush. A subscription the push service says is gone
(404, 410) is removed.

A worker keeps, per thread, one HTTP session (so its connections to a push service stay open from
one message to the next, as push services expect of a sender) and the parsed VAPID key."""

import json
import threading
from functools import lru_cache

import requests
from django.conf import settings
from django.utils import timezone
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from customers.channels.base import Delivery, Outgoing
from customers.models import Customer, MarketingChannel, PushSubscription

GONE = (404, 410)
# How long the push service keeps a message for a browser that is offline.
TTL_SECONDS = 3 * 24 * 3600
TIMEOUT_SECONDS = 10


_sessions = threading.local()


def _session() -> requests.Session:
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = requests.Session()
    return session


@lru_cache(maxsize=4)
def _vapid_parsed(private_key: str) -> Vapid:
    return Vapid.from_string(private_key=private_key)


def _vapid() -> Vapid | None:
    """The shop's VAPID key, parsed once (None without one: pywebpush then refuses the send)."""
    return _vapid_parsed(settings.VAPID_PRIVATE_KEY) if settings.VAPID_PRIVATE_KEY else None


def push_payload(outgoing: Outgoing) -> dict:
    """What the storefront's service worker receives and shows (title, body, link, image)."""
    return {
        "title": outgoing.subject,
        "body": outgoing.text,
        "url": outgoing.url,
        "image": outgoing.image,
        "tag": outgoing.key,
    }


class WebPushChannel:
    name = MarketingChannel.WEB_PUSH

    def reachable(self, customer: Customer) -> bool:
        return PushSubscription.objects.filter(customer=customer).exists()

    def reachable_among(self, customers: list[Customer]) -> set[int]:
        subscribed = PushSubscription.objects.filter(customer__in=[customer.pk for customer in customers])
        return set(subscribed.values_list("customer_id", flat=True).distinct())

    def _post(self, subscription: PushSubscription, data: str, topic: str) -> dict:
        try:
            response = webpush(
                subscription_info={
                    "endpoint": subscription.endpoint,
                    "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                },
                data=data,
                vapid_private_key=_vapid(),
                # A fresh dict: pywebpush writes `aud` and `exp` into it.
                vapid_claims={"sub": settings.VAPID_SUBJECT},
                ttl=TTL_SECONDS,
                # Same topic, same message: a push service replaces an undelivered one instead of adding.
                headers={"Topic": topic},
                timeout=TIMEOUT_SECONDS,
                requests_session=_session(),
            )
        except WebPushException as error:
            status = error.response.status_code if error.response is not None else None
            if status in GONE:
                subscription.delete()
            return {"endpoint": subscription.endpoint[:200], "status": status, "error": str(error)[:300]}
        except OSError as error:
            return {"endpoint": subscription.endpoint[:200], "status": None, "error": str(error)[:300]}
        PushSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=timezone.now())
        return {"endpoint": subscription.endpoint[:200], "status": response.status_code}

    def send(self, outgoing: Outgoing) -> Delivery:
        """Push to every browser the customer subscribed; delivered when one push service accepted it."""
        data = json.dumps(push_payload(outgoing), ensure_ascii=False)
        topic = outgoing.key[:32]
        answers = [
            self._post(subscription, data, topic)
            for subscription in PushSubscription.objects.filter(customer=outgoing.customer).order_by("pk")
        ]
        delivered = any(answer["status"] is not None and 200 <= answer["status"] < 300 for answer in answers)
        return Delivery(delivered=delivered, answers=answers)
