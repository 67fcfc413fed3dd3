"""Browsers' Web Push subscriptions, as the storefront registers and removes them."""

from django.db import transaction
from django.utils.translation import gettext as _

from customers.models import AnonymousIdentity, Customer, PushSubscription
from sellercenter.errors import InvalidInput, NotFound
from sellercenter.models import Shop


def push_subscription_register(
    *,
    shop: Shop,
    endpoint: str,
    p256dh: str,
    auth: str,
    customer: Customer | None = None,
    anonymous_id: str = "",
    user_agent: str = "",
) -> PushSubscription:
    """Register (or refresh) a browser's push subscription for a customer, or for an anonymous id; an
    anonymous id already identified as a customer is that customer's at once. The same endpoint again
    updates its keys and owner. Refuses a subscription with neither customer nor anonymous id."""
    if customer is None and not anonymous_id:
        raise InvalidInput(fields={"anonymous_id": [_("Give the customer_id or the anonymous_id of the browser.")]})
    if customer is None:
        identity = AnonymousIdentity.objects.filter(shop=shop, anonymous_id=anonymous_id).first()
        customer = identity.customer if identity else None
    with transaction.atomic():
        subscription, _created = PushSubscription.objects.update_or_create(
            shop=shop,
            endpoint=endpoint,
            defaults={
                "p256dh": p256dh,
                "auth": auth,
                "customer": customer,
                "anonymous_id": anonymous_id,
                "user_agent": user_agent[:300],
            },
        )
    return subscription


def push_subscription_remove(*, shop: Shop, endpoint: str) -> None:
    """Forget a browser's subscription (the visitor turned notifications off). NotFound if unknown."""
    deleted, _by_model = PushSubscription.objects.filter(shop=shop, endpoint=endpoint).delete()
    if not deleted:
        raise NotFound(code="push_subscription_not_found")
