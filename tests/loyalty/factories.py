"""Loyalty test data: accounts built through the services (customers come from the customers factories)."""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from loyalty import services
from loyalty.models import LoyaltyAccount
from sellercenter.actor import Actor
from tests.customers.factories import CustomerFactory

# Who the factories and the service tests act as, where who it is does not matter to the test (in
# production an order's points are the order's actor's; tests about who is recorded pass their own).
SYSTEM = Actor.system()


def member(shop, **customer_fields) -> LoyaltyAccount:
    """A customer of `shop` enrolled in its programme."""
    return services.account_enrol(customer=CustomerFactory(shop=shop, **customer_fields), actor=SYSTEM)


def with_available_points(account: LoyaltyAccount, points: int, *, order_ref: str, at: datetime | None = None) -> None:
    """Give the account `points` available points the way an order does: award, then release.

    At the default programme (1 point per 1.000 ₫) and multiplier 1, `points` x 1.000 ₫ earns them."""
    at = at or timezone.now()
    amount = Decimal(points) * 1000 / account.tier.earn_multiplier
    services.points_award_for_order(customer=account.customer, order_ref=order_ref, amount=amount, at=at, actor=SYSTEM)
    services.points_release_for_order(customer=account.customer, order_ref=order_ref, at=at, actor=SYSTEM)
