"""Promotions test data. Campaigns are built as rows (any state, e.g. half spent); the services that
create and change them are tested on their own."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from customers.models import Customer, Segment
from loyalty.models import LoyaltyAccount, Tier
from promotions.models import Campaign, CodeMode, Kind, Redemption, Voucher
from tests.loyalty.factories import SYSTEM


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    external_id = factory.Sequence(lambda n: f"KM{n:05d}")
    full_name = factory.Sequence(lambda n: f"Trần Thị Mai {n}")
    email = factory.Sequence(lambda n: f"mai{n}@example.vn")


class CampaignFactory(factory.django.DjangoModelFactory):
    """A published campaign running from yesterday for 30 days: 10 % off the order, budget 10.000.000 ₫."""

    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Khuyến mãi {n}")
    kind = Kind.ORDER_PERCENTAGE
    value = Decimal("10")
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(days=30))
    budget = Decimal("10000000")
    published_at = factory.LazyAttribute(lambda o: o.starts_at - timedelta(days=1))

    @factory.post_generation
    def tiers(self, create, extracted, **kwargs):
        if create and extracted:
            self.tiers.set(extracted)


class VoucherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Voucher

    campaign = factory.SubFactory(CampaignFactory, code_mode=CodeMode.UNIQUE)
    shop = factory.SelfAttribute("campaign.shop")
    code = factory.Sequence(lambda n: f"VC{n:08d}")
    batch = "VC 2025-06-01 09:00:00"


class RedemptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Redemption

    shop = factory.SelfAttribute("campaign.shop")
    order_ref = factory.Sequence(lambda n: f"SC-{n:06d}")
    amount = Decimal("50000")
    order_total = Decimal("500000")
    channel = "website"


def tier_of(shop, rank: int) -> Tier:
    return Tier.objects.get(shop=shop, rank=rank)


def member_in_tier(shop, rank: int, **customer_fields) -> Customer:
    """A customer of `shop` whose loyalty account sits in the tier of `rank`."""
    from loyalty.services import account_enrol

    account = account_enrol(customer=CustomerFactory(shop=shop, **customer_fields), actor=SYSTEM)
    LoyaltyAccount.objects.filter(pk=account.pk).update(tier=tier_of(shop, rank))
    return account.customer


def repeat_buyers_segment(shop) -> Segment:
    """Customers with at least two orders."""
    return Segment.objects.create(
        shop=shop,
        name="Khách mua lại",
        rules=[{"kind": "attribute", "field": "orders_count", "op": "gte", "value": 2}],
    )
