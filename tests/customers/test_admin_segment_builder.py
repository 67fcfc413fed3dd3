"""The segment builder: the page carries it over the JSON textarea, and its live count answers for the
user's shop only, naming the rule row of every refusal, whatever is posted."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from customers import services
from customers.models import Segment
from sellercenter import services as shop_services
from sellercenter.models import Role
from tests.customers.factories import CustomerFactory
from tests.sellercenter.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db

COUNT = reverse("admin:customers_segment_count")
TWO_ORDERS = [{"kind": "attribute", "field": "orders_count", "op": "gte", "value": 2}]


def _buyer(shop, orders: int, **fields):
    customer = CustomerFactory(shop=shop, **fields)
    for day in range(1, orders + 1):
        services.customer_record_purchase(
            customer=customer,
            amount=Decimal("200000"),
            ordered_at=datetime(2026, 3, day, tzinfo=UTC),
            discounted=False,
        )
    return customer


def _count(client, rules, **data):
    body = {"rules": json.dumps(rules) if not isinstance(rules, str) else rules, **data}
    return client.post(COUNT, body, HTTP_ACCEPT_LANGUAGE="vi")


def test_the_add_page_carries_the_builder_over_the_json_textarea(owner_client):
    page = owner_client.get(reverse("admin:customers_segment_add"), HTTP_ACCEPT_LANGUAGE="vi")

    html = page.content.decode()
    assert "data-segment-builder" in html and f'data-count-url="{COUNT}"' in html
    assert "customers/segment_builder.js" in html
    assert '<textarea name="rules"' in html  # what works without the script
    schema = json.loads(html.split('<script type="application/json">')[1].split("</script>")[0])
    fields = {field["value"]: field for field in schema["fields"]}
    assert fields["orders_count"]["label"] == "số đơn hàng"
    assert "within_days" in fields["last_order_at"]["ops"]
    assert (fields["birth_month"]["min"], fields["birth_month"]["max"]) == (1, 12)
    assert (fields["orders_count"]["min"], fields["orders_count"]["max"]) == (0, 2**31 - 1)
    assert "min" not in fields["full_name"]
    assert schema["texts"]["add"] == "Thêm điều kiện"
    assert {kind["value"] for kind in schema["kinds"]} == {
        "attribute",
        "event",
        "purchases",
        "consent",
        "discount_share",
        "tag",
        "address",
    }


def test_the_count_follows_the_rules_and_match_in_the_users_shop_only(owner_client, shop, other_shop):
    _buyer(shop, 2, full_name="Lan")
    _buyer(shop, 1, full_name="Minh")
    _buyer(other_shop, 3)
    tagged = [{"kind": "attribute", "field": "full_name", "op": "eq", "value": "minh"}]

    assert _count(owner_client, TWO_ORDERS).json() == {"count": 1}
    assert _count(owner_client, [*TWO_ORDERS, *tagged], match="all").json() == {"count": 0}
    assert _count(owner_client, [*TWO_ORDERS, *tagged], match="any").json() == {"count": 2}
    assert _count(owner_client, [{**TWO_ORDERS[0], "not": True}]).json() == {"count": 1}
    assert _count(owner_client, [], shop=shop.pk).json() == {"count": 0}  # no rules match nobody
    assert _count(owner_client, TWO_ORDERS, shop=other_shop.pk).status_code == 404


def test_the_superuser_counts_in_the_shop_chosen(client, shop, other_shop):
    _buyer(other_shop, 2)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    refused = _count(client, TWO_ORDERS)
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "shop"
    assert _count(client, TWO_ORDERS, shop=other_shop.pk).json() == {"count": 1}
    assert _count(client, TWO_ORDERS, shop=shop.pk).json() == {"count": 0}


def test_the_count_needs_the_segment_view_permission_in_that_shop(client, shop, other_shop):
    client.force_login(staff_user(shop, Role.OPERATIONS))
    assert _count(client, TWO_ORDERS).status_code == 403

    marketer = staff_user(shop, Role.MARKETING)
    shop_services.membership_set(user=marketer, shop=other_shop, role=Role.OPERATIONS)
    client.force_login(marketer)
    assert _count(client, TWO_ORDERS).status_code == 400  # two shops: which one?
    assert _count(client, TWO_ORDERS, shop=shop.pk).status_code == 200
    assert _count(client, TWO_ORDERS, shop=other_shop.pk).status_code == 403
    assert client.get(COUNT).status_code == 405


def test_a_wrong_rule_is_named_by_its_row(owner_client):
    rules = [TWO_ORDERS[0], {"kind": "attribute", "field": "total_spent", "op": "gt", "value": "nhiều"}]

    response = _count(owner_client, rules)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["row"], e["key"], e["field"]) for e in errors] == [(2, "value", "rules.1.value")]
    assert response.json()["messages"] == ["Điều kiện 2 (value): " + errors[0]["message"]]


@pytest.mark.parametrize(
    "rules",
    [
        "{not json",
        "[" * 100_000 + "]" * 100_000,
        '{"kind": "tag"}',
        "null",
        [None, 1, "x", []],
        [{"kind": "tag", "any": ["vip\u0000"]}],
        [{"kind": "address", "province": ["Hà\u0000Nội"]}],
        [{"kind": "attribute", "field": "email", "op": "contains", "value": "\u0000"}],
        [{"kind": "attribute", "field": "total_spent", "op": "gt", "value": "1e999999999"}],
        [{"kind": "attribute", "field": "total_spent", "op": "gt", "value": "1e-999999999"}],
        [{"kind": "purchases", "metric": "amount", "op": "gt", "value": "NaN"}],
        [{"kind": "attribute", "field": "last_order_at", "op": "before", "value": "99999-01-01"}],
        [{"kind": "attribute", "field": "gender", "op": "in", "value": [["female"]]}],
        [{"kind": "event", "type": [{"a": 1}]}],
        [{"kind": "consent", "channel": "email"}] * 21,
        [{"kind": {"nested": True}}],
    ],
)
def test_hostile_rules_are_refused_never_a_server_error(owner_client, rules):
    response = _count(owner_client, rules)

    assert response.status_code == 400, response.content
    assert response.json()["errors"]


@pytest.mark.parametrize(
    "rules",
    [
        [{"kind": "attribute", "field": "orders_count", "op": "gte", "value": 10**30}],
        [{"kind": "attribute", "field": "birth_month", "op": "in", "value": [1, 10**20]}],
        [{"kind": "event", "type": "add_to_cart", "min_count": 10**25}],
        [{"kind": "purchases", "metric": "count", "op": "lt", "value": 10**40}],
    ],
)
def test_huge_numbers_count_without_a_server_error(owner_client, rules):
    response = _count(owner_client, rules)

    assert response.status_code in (200, 400), response.content


@pytest.mark.parametrize("shop_value", ["abc", "99999999999999999999", "-1", "1.5"])
def test_a_bad_shop_is_not_found(owner_client, shop_value):
    assert _count(owner_client, TWO_ORDERS, shop=shop_value).status_code == 404


def test_saving_the_builders_json_stores_the_rules_in_normal_form(owner_client, shop):
    rules = [
        {"kind": "attribute", "field": "orders_count", "op": "gte", "value": 2},
        {"kind": "event", "type": ["add_to_cart"], "within_days": 7, "not": True},
    ]

    response = owner_client.post(
        reverse("admin:customers_segment_add"),
        {"shop": shop.pk, "name": "Mua lại", "match": "any", "rules": json.dumps(rules)},
    )

    assert response.status_code == 302
    segment = Segment.objects.get(shop=shop, name="Mua lại")
    assert segment.match == "any"
    assert segment.rules == [
        {"kind": "attribute", "field": "orders_count", "op": "gte", "value": 2},
        {
            "kind": "event",
            "type": ["add_to_cart"],
            "within_days": 7,
            "min_count": 1,
            "after_last_order": False,
            "not": True,
        },
    ]


def test_a_wrong_rule_on_save_names_its_row(owner_client, shop):
    rules = [{"kind": "consent", "channel": "email"}, {"kind": "consent", "channel": "fax"}]

    response = owner_client.post(
        reverse("admin:customers_segment_add"),
        {"shop": shop.pk, "name": "Sai", "match": "all", "rules": json.dumps(rules)},
        HTTP_ACCEPT_LANGUAGE="vi",
    )

    errors = response.context["adminform"].form.errors["rules"]
    assert errors[0].startswith("Điều kiện 2 (channel): ")
    assert not Segment.objects.filter(name="Sai").exists()
