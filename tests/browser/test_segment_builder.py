"""Marketing builds a segment with the rule builder in a real browser: rows instead of JSON, and the
count of matching customers moving as the conditions change."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from customers import services
from customers.models import Segment
from sellercenter.models import Role
from tests.customers.factories import ConsentFactory, CustomerFactory
from tests.sellercenter.factories import staff_user

# One worker drives the one browser: the tests of tests/browser share its session (conftest.chrome).
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("browser")]


def _buyer(shop, orders: int, *, email_consent=False):
    customer = CustomerFactory(shop=shop)
    for day in range(1, orders + 1):
        services.customer_record_purchase(
            customer=customer, amount=Decimal("350000"), ordered_at=datetime(2026, 3, day, tzinfo=UTC), discounted=False
        )
    if email_consent:
        ConsentFactory(customer=customer, shop=shop, channel="email", recorded_at=datetime(2026, 1, 1, tzinfo=UTC))
    return customer


def _matching(person, count: int):
    person.wait_for_text(f"Số khách hàng khớp hiện tại: {count}")


def test_build_a_segment_with_the_builder(person, shop, other_shop):
    staff_user(shop, Role.MARKETING, username="tiep.thi")
    _buyer(shop, 1)
    _buyer(shop, 2)
    _buyer(shop, 3, email_consent=True)
    _buyer(other_shop, 3, email_consent=True)  # never counted
    marketing = person("segment-builder").login("tiep.thi")

    marketing.go("/admin/customers/segment/add/")
    _matching(marketing, 0)
    assert "Chưa có điều kiện" in marketing.text()
    assert not marketing.find('textarea[name="rules"]').is_displayed()  # the JSON is the advanced view
    marketing.find('input[name="name"]').send_keys("Khách mua lại nhận e-mail")
    marketing.shot("new-segment")

    marketing.click("[data-builder-add]")
    _matching(marketing, 3)  # the new row: at least one order
    value = marketing.find('[data-builder-row="1"] input[data-key="value"]')
    value.clear()
    value.send_keys("2")
    _matching(marketing, 2)
    marketing.shot("first-condition")

    marketing.click("[data-builder-add]")
    marketing.choose('[data-builder-row="2"] select[data-key="kind"]', "Đồng ý nhận tin tiếp thị qua")
    _matching(marketing, 1)
    marketing.shot("second-condition")

    marketing.choose('select[name="match"]', "một điều kiện bất kỳ")
    _matching(marketing, 2)
    marketing.choose('select[name="match"]', "tất cả điều kiện")
    _matching(marketing, 1)
    marketing.click("[data-builder-toggle]")
    assert marketing.find('textarea[name="rules"]').is_displayed()
    marketing.shot("json-view")

    marketing.click('[name="_save"]')
    marketing.wait_for_text("Khách mua lại nhận e-mail")
    marketing.shot("saved")
    segment = Segment.objects.get(shop=shop, name="Khách mua lại nhận e-mail")
    assert segment.match == "all"
    assert segment.rules == [
        {"kind": "attribute", "field": "orders_count", "op": "gte", "value": 2},
        {"kind": "consent", "channel": "email"},
    ]

    marketing.go(f"/admin/customers/segment/{segment.pk}/change/")
    _matching(marketing, 1)
    assert len(marketing.find_all("[data-builder-row]")) == 2
    marketing.shot("reopened")
