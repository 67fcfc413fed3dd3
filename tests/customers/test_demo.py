import io

import pytest

from customers import demo
from customers.models import (
    Address,
    BuiltinSegment,
    ConsentRecord,
    Customer,
    CustomerEvent,
    CustomerPurchase,
    JourneyStage,
    Segment,
)
from customers.selectors import segment_customers
from tests.sellercenter.factories import ShopFactory

pytestmark = pytest.mark.django_db


def test_demo_data_is_vietnamese_consistent_and_seeded_once(django_assert_max_num_queries):
    shops = [ShopFactory(slug="hoa-mai"), ShopFactory(slug="sen-viet")]
    out = io.StringIO()

    with django_assert_max_num_queries(400):
        demo.seed(shops=shops, stdout=out)

    first = Customer.objects.filter(shop=shops[0])
    assert first.filter(external_id__startswith="demo-").exclude(external_id__endswith="-pos").count() == 500
    assert Customer.objects.filter(shop=shops[1], external_id__startswith="demo-").count() >= 150
    assert first.filter(phone__startswith="+84").count() == first.count()
    assert Address.objects.filter(shop=shops[0], province="TP. Hồ Chí Minh").exists()
    assert ConsentRecord.objects.filter(shop=shops[0], granted=True).exists()
    # Purchases come from the orders demo (through the checkout), so the customers' part alone reaches
    # the stages before a purchase; tests/sellercenter/test_demo_story.py checks the whole demo.
    stages = set(first.values_list("journey_stage", flat=True))
    assert {JourneyStage.AWARENESS, JourneyStage.CONSIDERATION} <= stages <= set(JourneyStage.values)
    # The purchase facts agree with the purchases.
    for customer in first.filter(orders_count__gt=0)[:20]:
        purchases = CustomerPurchase.objects.filter(customer=customer, reversed_at__isnull=True)
        assert purchases.count() == customer.orders_count
        assert sum(p.amount for p in purchases) == customer.total_spent
    assert CustomerEvent.objects.filter(shop=shops[0], customer__isnull=True).exists()  # anonymous visitors
    for segment in Segment.objects.filter(
        shop=shops[0], builtin__in=[BuiltinSegment.BROWSERS, BuiltinSegment.RESEARCHERS]
    ):
        assert segment_customers(segment=segment).exists(), segment.builtin

    events = CustomerEvent.objects.count()
    demo.seed(shops=shops, stdout=out)

    assert CustomerEvent.objects.count() == events
    assert "already has its demo customers" in out.getvalue()
