"""Loyalty test data: customers to enrol, and accounts built through the services."""

from datetime import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from customers.models import Customer
from loyalty import services
from loyalty.models import LoyaltyAccount


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"KH{n:05d}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Khách {n}")
    email = factory.Sequence(lambda n: f"khach{n}@example.vn")
    phone = factory.Sequence(lambda n: f"+8490{n:07d}")


def member(shop, **customer_fields) -> LoyaltyAccount:
    """A customer of `shop` enrolled in its programme."""
    return services.account_enrol(customer=CustomerFactory(shop=shop, **customer_fields))


def with_available_points(account: LoyaltyAccount, points: int, *, order_ref: str, at: datetime | None = None) -> None:
    """Give the account `points` available points the way an order does: award, then release.

    At the default programme (1 point per 1.000 ₫) and multiplier 1, `points` x 1.000 ₫ earns them."""
    at = at or timezone.now()
    amount = Decimal(points) * 1000 / account.tier.earn_multiplier
    services.points_award_for_order(customer=account.customer, order_ref=order_ref, amount=amount, at=at)
    services.points_release_for_order(customer=account.customer, order_ref=order_ref, at=at)
