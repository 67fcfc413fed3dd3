"""Segment membership: each rule kind on known customers, the built-ins, and the query budget."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from customers import services
from customers.models import BuiltinSegment, Customer, Segment
from customers.segment_rules import rules_validate
from customers.selectors import segment_customers, segment_includes, segments_member_counts
from customers.services.segments import segments_create_builtin
from sellercenter.errors import Conflict, InvalidInput
from tests.customers.factories import AddressFactory, ConsentFactory, CustomerFactory, EventFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 5, 0, tzinfo=UTC)  # 12:00 in Hồ Chí Minh City


def members(shop, *rules, match="all"):
    segment = Segment(shop=shop, name="test", match=match, rules=rules_validate(list(rules), match=match))
    return set(segment_customers(segment=segment, now=NOW))


def buy(customer, amount, days_ago, discounted=False):
    services.customer_record_purchase(
        customer=customer, amount=Decimal(amount), ordered_at=NOW - timedelta(days=days_ago), discounted=discounted
    )
    customer.refresh_from_db()


def did(customer, event_type, days_ago=0, hours_ago=0):
    EventFactory(
        customer=customer,
        shop=customer.shop,
        type=event_type,
        occurred_at=NOW - timedelta(days=days_ago, hours=hours_ago),
    )


def test_attribute_rules(shop):
    lan = CustomerFactory(shop=shop, gender="female", full_name="Nguyễn Thị Lan", utm_source="facebook")
    minh = CustomerFactory(shop=shop, gender="male", full_name="Trần Văn Minh", email="")
    buy(lan, "6000000", 10)
    buy(lan, "100000", 5)

    assert members(shop, {"kind": "attribute", "field": "orders_count", "op": "gte", "value": 2}) == {lan}
    assert members(shop, {"kind": "attribute", "field": "total_spent", "op": "gt", "value": "5000000"}) == {lan}
    assert members(shop, {"kind": "attribute", "field": "gender", "op": "eq", "value": "male"}) == {minh}
    assert members(shop, {"kind": "attribute", "field": "gender", "op": "ne", "value": "male"}) == {lan}
    assert members(shop, {"kind": "attribute", "field": "full_name", "op": "contains", "value": "văn"}) == {minh}
    assert members(shop, {"kind": "attribute", "field": "utm_source", "op": "eq", "value": "Facebook"}) == {lan}
    assert members(shop, {"kind": "attribute", "field": "email", "op": "is_not_set"}) == {minh}
    assert members(shop, {"kind": "attribute", "field": "journey_stage", "op": "in", "value": ["retention"]}) == {lan}


def test_datetime_windows_are_cut_at_midnight_in_the_shop_time_zone(shop):
    # 60 days before 15 June is 16 April; the window starts at 00:00 on 16 April in Asia/Ho_Chi_Minh,
    # which is 17:00 UTC on 15 April.
    inside = CustomerFactory(shop=shop)
    outside = CustomerFactory(shop=shop)
    buy(inside, "100000", 0)
    services.customer_record_purchase(
        customer=inside, amount=Decimal("1"), ordered_at=datetime(2026, 4, 15, 17, 0, tzinfo=UTC), discounted=False
    )
    services.customer_record_purchase(
        customer=outside, amount=Decimal("1"), ordered_at=datetime(2026, 4, 15, 16, 59, tzinfo=UTC), discounted=False
    )

    older = {"kind": "attribute", "field": "first_order_at", "op": "older_than_days", "value": 60}
    within = {"kind": "attribute", "field": "first_order_at", "op": "within_days", "value": 60}
    assert members(shop, older) == {outside}
    assert members(shop, within) == {inside}


def test_last_order_older_than_60_days(shop):
    lapsed, recent, never = CustomerFactory(shop=shop), CustomerFactory(shop=shop), CustomerFactory(shop=shop)
    buy(lapsed, "100000", 75)
    buy(recent, "100000", 75)
    buy(recent, "100000", 3)

    rule = {"kind": "attribute", "field": "last_order_at", "op": "older_than_days", "value": 60}
    assert members(shop, rule) == {lapsed}
    assert members(shop, {**rule, "not": True}) == {recent, never}


def test_added_to_cart_in_the_last_day_and_no_order_since(shop):
    abandoned = CustomerFactory(shop=shop)
    bought_after = CustomerFactory(shop=shop)
    bought_before = CustomerFactory(shop=shop)
    old_cart = CustomerFactory(shop=shop)
    did(abandoned, "add_to_cart", hours_ago=3)
    did(bought_after, "add_to_cart", hours_ago=3)
    buy(bought_after, "200000", 0)  # ordered at NOW, after the cart
    buy(bought_before, "200000", 20)
    did(bought_before, "add_to_cart", hours_ago=1)
    did(old_cart, "add_to_cart", days_ago=5)

    rule = {"kind": "event", "type": "add_to_cart", "within_days": 1, "after_last_order": True}
    assert members(shop, rule) == {abandoned, bought_before}


def test_event_counts_and_never(shop):
    researcher, browser, stranger = CustomerFactory(shop=shop), CustomerFactory(shop=shop), CustomerFactory(shop=shop)
    for day in range(4):
        did(researcher, "search", days_ago=day)
    did(researcher, "product_view", days_ago=40)
    did(browser, "product_view", days_ago=2)

    many = {"kind": "event", "type": ["product_view", "search"], "within_days": 30, "min_count": 4}
    assert members(shop, many) == {researcher}
    never_viewed = {"kind": "event", "type": "product_view", "within_days": 30, "not": True}
    assert members(shop, never_viewed) == {researcher, stranger}


def test_spent_over_five_million_in_90_days(shop):
    big_recent, big_old, small = CustomerFactory(shop=shop), CustomerFactory(shop=shop), CustomerFactory(shop=shop)
    buy(big_recent, "3000000", 10)
    buy(big_recent, "2500000", 80)
    buy(big_old, "9000000", 120)
    buy(small, "4000000", 1)

    rule = {"kind": "purchases", "metric": "amount", "within_days": 90, "op": "gt", "value": "5000000"}
    assert members(shop, rule) == {big_recent}
    count_rule = {"kind": "purchases", "metric": "count", "within_days": 90, "op": "eq", "value": 0}
    assert members(shop, count_rule) == {big_old}


def test_reversed_purchases_do_not_count(shop):
    customer = CustomerFactory(shop=shop)
    buy(customer, "6000000", 1)
    services.customer_reverse_purchase(customer=customer, amount=Decimal("6000000"), discounted=False)

    rule = {"kind": "purchases", "metric": "amount", "within_days": 90, "op": "gt", "value": "5000000"}
    assert members(shop, rule) == set()


def test_consented_to_email(shop):
    granted, withdrawn, silent = CustomerFactory(shop=shop), CustomerFactory(shop=shop), CustomerFactory(shop=shop)
    ConsentFactory(customer=granted, shop=shop, recorded_at=NOW - timedelta(days=3))
    ConsentFactory(customer=withdrawn, shop=shop, recorded_at=NOW - timedelta(days=3))
    ConsentFactory(customer=withdrawn, shop=shop, granted=False, recorded_at=NOW - timedelta(days=1))
    ConsentFactory(customer=silent, shop=shop, channel="sms", recorded_at=NOW - timedelta(days=1))

    assert members(shop, {"kind": "consent", "channel": "email"}) == {granted}
    assert members(shop, {"kind": "consent", "channel": "email", "not": True}) == {withdrawn, silent}


def test_discount_share_tag_and_address(shop):
    hunter, payer = CustomerFactory(shop=shop), CustomerFactory(shop=shop)
    for discounted in (True, True, False):
        buy(hunter, "100000", 5, discounted=discounted)
    buy(payer, "100000", 5, discounted=True)
    buy(payer, "100000", 5)
    buy(payer, "100000", 5)
    services.customer_tags_set(customer=payer, tags=["VIP"])
    AddressFactory(customer=hunter, shop=shop, province="Đà Nẵng")

    assert members(shop, {"kind": "discount_share", "op": "gte", "value": 60}) == {hunter}
    assert members(shop, {"kind": "tag", "any": ["vip", "sỉ"]}) == {payer}
    assert members(shop, {"kind": "address", "province": ["Đà Nẵng", "Huế"]}) == {hunter}


def test_any_combines_with_or_and_no_rules_match_nobody(shop):
    a, b = CustomerFactory(shop=shop, gender="female"), CustomerFactory(shop=shop, gender="male")
    CustomerFactory(shop=shop)

    female = {"kind": "attribute", "field": "gender", "op": "eq", "value": "female"}
    male = {"kind": "attribute", "field": "gender", "op": "eq", "value": "male"}
    assert members(shop, female, male, match="any") == {a, b}
    assert members(shop, female, male, match="all") == set()
    assert members(shop) == set()


def test_members_are_the_segment_shops_current_profiles_only(shop, other_shop):
    mine = CustomerFactory(shop=shop)
    CustomerFactory(shop=other_shop)
    erased = CustomerFactory(shop=shop)
    merged = CustomerFactory(shop=shop)
    services.customer_erase(customer=erased)
    services.customer_merge(source=merged, target=mine)

    assert members(shop, {"kind": "attribute", "field": "orders_count", "op": "eq", "value": 0}) == {mine}


def test_builtin_segments(shop):
    browser, researcher, one_time, repeat, lapsed, hunter = (CustomerFactory(shop=shop) for _ in range(6))
    did(browser, "product_view", days_ago=2)
    for _ in range(10):
        did(researcher, "search", days_ago=1)
    buy(one_time, "100000", 3)
    buy(repeat, "100000", 30)
    buy(repeat, "100000", 2)
    buy(lapsed, "100000", 90)
    for _ in range(3):
        buy(hunter, "100000", 5, discounted=True)

    segments = {s.builtin: s for s in Segment.objects.filter(shop=shop).exclude(builtin="")}
    found = {key: set(segment_customers(segment=segments[key], now=NOW)) for key in segments}

    assert set(segments) == set(BuiltinSegment.values)  # created with the shop
    assert found["browsers"] == {browser}
    assert found["researchers"] == {researcher}
    assert found["buyers"] == {one_time, repeat, lapsed, hunter}
    assert found["repeat_buyers"] == {repeat, hunter}
    assert found["at_risk"] == {lapsed}
    assert found["bargain_hunters"] == {hunter}


def test_builtins_are_created_once(shop):
    assert segments_create_builtin(shop=shop) == []
    assert Segment.objects.filter(shop=shop).exclude(builtin="").count() == len(BuiltinSegment.values)


def test_includes_and_counts_take_one_query(shop, django_assert_num_queries):
    buyer, other = CustomerFactory(shop=shop), CustomerFactory(shop=shop)
    buy(buyer, "100000", 1)
    segments = list(Segment.objects.filter(shop=shop).select_related("shop"))
    buyers = next(s for s in segments if s.builtin == "buyers")

    with django_assert_num_queries(1):
        assert segment_includes(segment=buyers, customer=buyer, now=NOW) is True
    with django_assert_num_queries(1):
        assert segment_includes(segment=buyers, customer=other, now=NOW) is False
    with django_assert_num_queries(1):
        counts = segments_member_counts(segments=segments, now=NOW)
    # A rule with a window needs the shop's time zone: the customer's copy of the shop will do.
    researchers = Segment.objects.get(shop=shop, builtin="researchers")
    customer = Customer.objects.select_related("shop").get(pk=buyer.pk)
    with django_assert_num_queries(1):
        assert segment_includes(segment=researchers, customer=customer, now=NOW) is False

    assert counts[buyers.pk] == 1
    assert counts == {s.pk: segment_customers(segment=s, now=NOW).count() for s in segments}


def test_a_customer_of_another_shop_is_never_included(shop, other_shop):
    stranger = CustomerFactory(shop=other_shop)
    buy(stranger, "100000", 1)
    buyers = Segment.objects.get(shop=shop, builtin="buyers")

    assert segment_includes(segment=buyers, customer=stranger) is False


def test_segment_create_checks_rules_and_names(shop):
    rule = {"kind": "consent", "channel": "email"}
    segment = services.segment_create(shop=shop, name="Nhận e-mail", rules=[rule])

    assert segment.rules == [rule]
    with pytest.raises(Conflict):
        services.segment_create(shop=shop, name="Nhận e-mail", rules=[rule])
    with pytest.raises(InvalidInput) as error:
        services.segment_update(segment=segment, rules=[{"kind": "consent", "channel": "fax"}])
    assert "rules.0.channel" in error.value.fields
    assert Segment.objects.get(pk=segment.pk).rules == [rule]
