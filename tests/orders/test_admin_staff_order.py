"""The staff order page (the order admin's add page): lines added by SKU, name or scan, the customer
found by phone typed any way or created, the checkout's preview and the checkout itself, errors as
messages with nothing changed, the role check and the shop's bounds."""

from decimal import Decimal

import pytest

from customers.models import Customer
from orders.models import Order, OrderStatus, Payment, PaymentMethod, PaymentOutcome, Product, StockMovement
from promotions.models import CodeMode
from sellercenter.models import Role
from tests.customers.factories import CustomerFactory
from tests.loyalty.factories import member, with_available_points
from tests.orders.factories import ADDRESS, ProductFactory, catalogue_product
from tests.promotions.factories import CampaignFactory
from tests.sellercenter.factories import staff_user

pytestmark = pytest.mark.django_db
PAGE = "/admin/orders/order/add/"


@pytest.fixture
def dress(shop):
    return ProductFactory(shop=shop, sku="AO-DAI", name="Áo dài lụa", price=Decimal("400000"), stock_on_hand=5)


@pytest.fixture
def scarf(shop):
    return ProductFactory(shop=shop, sku="KHAN", name="Khăn lụa", price=Decimal("100000"), stock_on_hand=5)


@pytest.fixture
def lan(shop):
    return CustomerFactory(shop=shop, external_id=None, full_name="Nguyễn Thị Lan", phone="+84912345678")


def _form(shop, lines=(), **fields) -> dict:
    data = {
        "shop": shop.pk,
        "channel": "phone",
        "payment_method": "cod",
        "shipping_fee": "25000",
        "points": "0",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        **{name: ADDRESS[name] for name in ("recipient_name", "phone", "street", "ward", "province")},
    }
    for index, (sku, quantity) in enumerate(lines):
        data[f"lines-{index}-sku"], data[f"lines-{index}-quantity"] = sku, str(quantity)
    data.update(fields)
    return data


def _errors(response) -> list[str]:
    return [str(message) for message in response.context["messages"] if message.level_tag == "error"]


def _state() -> tuple:
    return (
        Order.objects.count(),
        Customer.objects.count(),
        StockMovement.objects.count(),
        list(Product.objects.order_by("pk").values_list("stock_on_hand", "stock_reserved")),
    )


def test_a_scan_adds_its_line_and_a_second_scan_adds_a_unit(owner_client, shop, dress):
    first = owner_client.post(PAGE, _form(shop, add_text="ao-dai", do="add"))
    data = _form(shop, [("AO-DAI", 1)], add_text="AO-DAI")  # Enter after the scan: no button named

    second = owner_client.post(PAGE, data)

    assert first.status_code == second.status_code == 200
    assert [(line["sku"].value(), line["quantity"].value()) for line, _name in second.context["lines"]] == [
        ("AO-DAI", "2")
    ]
    assert second.context["form"]["add_text"].value() == ""
    assert second.context["pricing"]["total"] == first.context["pricing"]["total"].replace("425", "825")
    assert Order.objects.count() == 0


def test_a_name_finds_the_products_to_choose_from(owner_client, shop, dress, scarf):
    response = owner_client.post(PAGE, _form(shop, add_text="lụa", do="add"))
    chosen = owner_client.post(PAGE, _form(shop, add_sku="KHAN"))

    assert [product.sku for product in response.context["product_matches"]] == ["AO-DAI", "KHAN"]
    assert [line["sku"].value() for line, _name in chosen.context["lines"]] == ["KHAN"]


@pytest.mark.parametrize("typed", ["0912 345 678", "+84912345678", "84-912-345-678"])
def test_the_customer_is_found_by_phone_however_it_is_typed(owner_client, shop, lan, typed):
    response = owner_client.post(PAGE, _form(shop, customer_query=typed, do="search"))

    assert response.context["customer_matches"] == [lan]


def test_the_customer_is_found_by_name_typed_without_accents(owner_client, shop, lan):
    response = owner_client.post(PAGE, _form(shop, customer_query="nguyen thi lan", do="search"))

    assert response.context["customer_matches"] == [lan]


def test_the_preview_is_the_checkouts_price_with_voucher_and_points(owner_client, shop, dress, scarf):
    account = member(shop, external_id="KH-001", phone="+84912345678")
    with_available_points(account, 5000, order_ref="SC-SEED")
    CampaignFactory(shop=shop, code_mode=CodeMode.SHARED, code="GIAM10", budget=Decimal("1000000"))
    data = _form(
        shop,
        [("AO-DAI", 2), ("KHAN", 1)],
        customer=account.customer.pk,
        voucher_codes="giam10",
        points="3000",
        do="preview",
    )

    response = owner_client.post(PAGE, data)

    pricing = response.context["pricing"]
    assert (pricing["subtotal"], pricing["discount_total"], pricing["points_discount"]) == (
        "900.000 ₫",
        "90.000 ₫",
        "30.000 ₫",
    )
    assert pricing["total"] == "805.000 ₫"
    assert "805.000 ₫" in response.content.decode()
    assert Order.objects.count() == 0


def test_create_places_the_order_for_a_new_customer_through_the_checkout(owner_client, owner, shop, dress):
    data = _form(shop, [("AO-DAI", 1)], new_full_name="Trần Văn Minh", new_phone="0987 654 321", do="create")

    response = owner_client.post(PAGE, data)

    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{order.pk}/change/")
    customer = Customer.objects.get(phone="+84987654321")
    assert customer.external_id == f"SC-{customer.pk}"
    assert (order.customer, order.channel, order.status, order.total) == (
        customer,
        "phone",
        OrderStatus.CONFIRMED,
        Decimal("425000"),
    )
    assert order.events.get(type="placed").user == owner
    assert Product.objects.get(pk=dress.pk).stock_reserved == 1


def test_a_new_customers_phone_already_known_orders_for_that_customer(owner_client, shop, dress, lan):
    data = _form(shop, [("AO-DAI", 1)], new_full_name="Lan", new_phone="84-912-345-678", do="create")

    owner_client.post(PAGE, data)

    assert Order.objects.get().customer == lan
    assert Customer.objects.count() == 1
    lan.refresh_from_db()
    assert lan.external_id == f"SC-{lan.pk}"


def test_cash_at_the_counter_is_paid_at_once_without_an_address(owner_client, shop, dress, lan):
    data = _form(shop, [("AO-DAI", 1)], customer=lan.pk, channel="pos", payment_method="cash", shipping_fee="0")
    for name in ("recipient_name", "phone", "street", "ward", "province"):
        data[name] = ""
    data["do"] = "create"

    owner_client.post(PAGE, data)

    order = Order.objects.get()
    payment = Payment.objects.get(order=order)
    assert (order.status, order.payment_method, order.total) == (
        OrderStatus.CONFIRMED,
        PaymentMethod.CASH,
        Decimal("400000"),
    )
    assert order.paid_at == payment.received_at
    assert (payment.method, payment.amount, payment.outcome) == (
        PaymentMethod.CASH,
        Decimal("400000"),
        PaymentOutcome.CONFIRMED,
    )
    assert (order.recipient_name, order.recipient_phone, order.street) == ("Nguyễn Thị Lan", "+84912345678", "")


def test_a_bank_transfer_waits_for_its_payment(owner_client, shop, dress, lan):
    owner_client.post(PAGE, _form(shop, [("AO-DAI", 1)], customer=lan.pk, payment_method="bank_transfer", do="create"))

    order = Order.objects.get()
    assert order.status == OrderStatus.PENDING_PAYMENT and order.payment_due_at is not None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lines-0-quantity": "9"}, None),  # out of stock: the checkout's Conflict
        ({"voucher_codes": "KHONGCO"}, "voucher_codes"),
        ({"points": "100"}, "points"),
        ({"phone": "12"}, "phone"),
        ({"customer": ""}, "customer"),
    ],
)
def test_a_refusal_is_shown_and_changes_nothing(owner_client, shop, dress, lan, changes, field):
    before = _state()
    data = {**_form(shop, [("AO-DAI", 1)], customer=lan.pk, do="create"), **changes}

    response = owner_client.post(PAGE, data)

    assert response.status_code == 200
    assert _errors(response)
    if field:
        assert response.context["form"].errors[field]
    assert _state() == before
    lan.refresh_from_db()
    assert lan.external_id is None


def test_a_staff_user_cannot_pick_another_shops_customer_or_sku(owner_client, shop, other_shop, dress):
    stranger = CustomerFactory(shop=other_shop, phone="+84909000111")
    ProductFactory(shop=other_shop, sku="SON-MOI", name="Son môi", stock_on_hand=5)
    before = _state()

    search = owner_client.post(PAGE, _form(shop, customer_query="0909 000 111", do="search"))
    picked = owner_client.post(PAGE, _form(shop, [("AO-DAI", 1)], customer=stranger.pk, do="create"))
    scanned = owner_client.post(PAGE, _form(shop, add_text="SON-MOI", do="add"))
    typed = owner_client.post(
        PAGE, _form(shop, [("SON-MOI", 1)], new_full_name="A", new_phone="0912 000 111", do="create")
    )
    other = owner_client.post(PAGE, _form(other_shop, [("SON-MOI", 1)], customer=stranger.pk, do="create"))

    assert search.context["customer_matches"] == []
    assert picked.context["form"].errors["customer"]
    assert scanned.context["lines"] == [] and _errors(scanned) == []
    assert any("SON-MOI" in error for error in _errors(typed))
    assert other.context["form"].errors["shop"]
    assert _state() == before


def test_the_accountant_can_neither_see_nor_submit_the_page(client, shop, dress, lan):
    client.force_login(staff_user(shop, Role.ACCOUNTANT))
    before = _state()

    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, _form(shop, [("AO-DAI", 1)], customer=lan.pk, do="create")).status_code == 403
    assert _state() == before


def test_operations_staff_open_the_page(client, shop):
    client.force_login(staff_user(shop, Role.OPERATIONS))

    response = client.get(PAGE)

    assert response.status_code == 200
    assert "Tạo đơn" in response.content.decode() or "Create the order" in response.content.decode()


@pytest.mark.parametrize(
    "changes",
    [
        {"lines-TOTAL_FORMS": "abc", "add_text": "AO-DAI"},
        {"lines-TOTAL_FORMS": "99999999", "add_text": "AO-DAI"},
        {"lines-0-quantity": "nhiều", "do": "create"},
        {"add_quantity": "-3", "add_text": "AO-DAI"},
        {"shop": "x", "do": "create"},
        {"shipping_fee": "1e999", "do": "preview"},
    ],
)
def test_tampered_input_is_refused_without_a_server_error(owner_client, shop, dress, lan, changes):
    before = _state()

    response = owner_client.post(PAGE, {**_form(shop, [("AO-DAI", 1)], customer=lan.pk), **changes})

    assert response.status_code == 200
    assert _state() == before


def test_a_name_typed_without_accents_offers_the_variants_and_a_scanned_barcode_adds_its_line(owner_client, shop):
    catalogue_product(shop, "Áo thun Đà Lạt", sku_prefix="AT")
    ProductFactory(shop=shop, sku="NON", name="Nón lá", barcode="8931234567890", stock_on_hand=5)

    typed = owner_client.post(PAGE, _form(shop, add_text="ao thun da lat", do="add"))
    scanned = owner_client.post(PAGE, _form(shop, add_text="8931234567890", do="add"))

    assert [product.sku for product in typed.context["product_matches"]] == ["AT-0", "AT-1", "AT-2", "AT-3"]
    assert [line["sku"].value() for line, _name in scanned.context["lines"]] == ["NON"]
    assert Order.objects.count() == 0
