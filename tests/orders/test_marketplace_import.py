"""Marketplace orders by file: each marketplace's sample report imports, a second import changes
nothing, one bad row applies nothing and names the row, status changes move orders through the
pipeline (a cancellation releases the stock once), other shops' SKUs and orders are never matched,
the marketplace's fees reach the statement, and an imported order is the API order of the same cart."""

import csv
import io

import pytest

from customers.models import Customer
from finance.models import LineKind, StatementLine
from finance.selectors import reconcile_problems
from orders import services
from orders.marketplaces import MARKETPLACES
from orders.marketplaces.samples import sample_table
from orders.models import (
    Order,
    OrderChannelFee,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    Product,
    StockMovement,
    StockMovementKind,
)
from sellercenter.errors import InvalidInput
from sellercenter.spreadsheet import spreadsheet_rows_read
from tests.orders.factories import marketplace_catalogue, marketplace_file, staff_actor

pytestmark = pytest.mark.django_db
S = OrderStatus
CHANNELS = list(MARKETPLACES)


@pytest.fixture
def catalogue(shop):
    return marketplace_catalogue(shop)


@pytest.fixture
def actor():
    return staff_actor()


def _import(shop, channel, actor, file=None):
    return services.marketplace_orders_import(
        shop=shop, channel=channel, file=file or marketplace_file(channel), actor=actor
    )


def _csv(channel: str, change=None) -> services.MarketplaceFile:
    """The channel's sample report as CSV, each row passed through `change(row_number, row_dict)`."""
    header, rows = sample_table(MARKETPLACES[channel])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for number, row in enumerate(rows, start=2):
        values = dict(zip(header, [str(cell) for cell in row], strict=True))
        if change:
            change(number, values)
        writer.writerow([values[name] for name in header])
    return services.MarketplaceFile(content=out.getvalue().encode(), file_name=f"{channel}.csv")


def _counts() -> dict:
    models = (Order, OrderLine, OrderEvent, StockMovement, OrderChannelFee, StatementLine, Customer)
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.parametrize("channel", CHANNELS)
def test_each_sample_report_imports(shop, catalogue, actor, channel):
    plan = _import(shop, channel, actor)

    assert plan.counts == {"new": 4, "status": 0, "unchanged": 0, "skipped": 1}
    orders = Order.objects.filter(shop=shop).order_by("external_id")
    assert [o.status for o in orders] == [S.DELIVERED, S.SHIPPED, S.CONFIRMED, S.CANCELLED]
    assert {(o.channel, o.payment_method) for o in orders} == {(channel, PaymentMethod.MARKETPLACE)}
    first = orders[0]
    assert [(line.sku, line.quantity, line.unit_price, line.discount) for line in first.lines.order_by("sku")] == [
        ("AO-DAI-03", 1, 690000, 0),
        ("SM-LINEN", 2, 320000, 40000),
    ]
    assert (first.subtotal, first.discount_total, first.shipping_fee, first.total) == (1330000, 40000, 30000, 1320000)
    assert first.customer.external_id == f"{channel}:lan.nguyen88"
    assert first.customer.phone == "+84901234561"
    # Stock: the delivered and the shipped orders took their units, the confirmed one holds its
    # reservation, the cancelled one gave it back, the unpaid one is not an order.
    stock = {p.sku: (p.stock_on_hand, p.stock_reserved) for p in Product.objects.filter(shop=shop)}
    assert stock["SM-LINEN"] == (18, 0)
    assert stock["VAY-MAXI"] == (19, 0)
    assert stock["SM-CONG-SO"] == (20, 1)
    assert stock["AO-DAI-02"] == (20, 0)
    assert stock["VAY-HOA-NHI"] == (20, 0)


@pytest.mark.parametrize("channel", CHANNELS)
def test_importing_the_same_report_twice_changes_nothing_the_second_time(shop, catalogue, actor, channel):
    _import(shop, channel, actor)
    before = _counts()

    plan = _import(shop, channel, actor)

    assert plan.counts == {"new": 0, "status": 0, "unchanged": 4, "skipped": 1}
    assert _counts() == before


def _unknown_sku(number, row):
    if number == 3:
        row["SKU phân loại hàng"] = "KHONG-CO"


def _bad_quantity(number, row):
    if number == 4:
        row["Số lượng"] = "hai"


def _bad_money(number, row):
    if number == 4:
        row["Giá gốc"] = "12O.000"


def _huge_quantity(number, row):
    if number == 4:
        row["Số lượng"] = "99999999999"


def _huge_money(number, row):
    if number == 4:
        row["Giá gốc"] = "9" * 20


def _unknown_status(number, row):
    if number == 4:
        row["Trạng thái Đơn hàng"] = "Đang bay"


@pytest.mark.parametrize(
    ("change", "row", "words"),
    [
        (_unknown_sku, 3, "KHONG-CO"),
        (_bad_quantity, 4, "hai"),
        (_bad_money, 4, "12O.000"),
        (_unknown_status, 4, "Đang bay"),
        (_huge_quantity, 4, "99999999999"),
        (_huge_money, 4, "9" * 20),
    ],
)
def test_a_report_with_one_bad_row_applies_nothing_and_names_the_row(shop, catalogue, actor, change, row, words):
    before = _counts()

    with pytest.raises(InvalidInput) as refused:
        _import(shop, "shopee", actor, _csv("shopee", change))

    messages = refused.value.fields["file"]
    assert len(messages) == 1
    assert messages[0].startswith(f"Row {row}:") and words in messages[0]
    assert _counts() == before
    assert set(Product.objects.values_list("stock_reserved", flat=True)) == {0}


def _with_status(status: str):
    def change(number, row):
        if row["Mã đơn hàng"].endswith("0003"):
            row["Trạng thái Đơn hàng"] = status

    return change


def test_a_cancellation_in_a_later_report_releases_the_stock_once(shop, catalogue, actor):
    _import(shop, "shopee", actor)
    order = Order.objects.get(external_id="250301SP0003")
    assert order.status == S.CONFIRMED
    events = order.events.count()

    plan = _import(shop, "shopee", actor, _csv("shopee", _with_status("Đã hủy")))
    again = _import(shop, "shopee", actor, _csv("shopee", _with_status("Đã hủy")))

    order.refresh_from_db()
    assert order.status == S.CANCELLED
    assert plan.counts["status"] == 1 and again.counts["status"] == 0
    released = StockMovement.objects.filter(order=order, kind=StockMovementKind.RELEASED)
    assert [(m.product.sku, m.reserved_delta) for m in released] == [("SM-CONG-SO", -1)]
    assert Product.objects.get(shop=shop, sku="SM-CONG-SO").stock_reserved == 0
    assert order.events.count() == events + 1
    assert not order.refunds_due.exists()  # the marketplace refunds its buyer


def test_a_status_further_on_moves_the_order_through_the_pipeline(shop, catalogue, actor):
    _import(shop, "shopee", actor)
    order = Order.objects.get(external_id="250301SP0003")

    _import(shop, "shopee", actor, _csv("shopee", _with_status("Đang giao")))

    order.refresh_from_db()
    steps = list(order.events.exclude(type="placed").values_list("to_status", flat=True))
    assert steps == [S.CONFIRMED, S.ALLOCATED, S.PICKING, S.QUALITY_CHECK, S.PACKED, S.READY_TO_SHIP, S.SHIPPED]
    assert Product.objects.get(shop=shop, sku="SM-CONG-SO").stock_on_hand == 19
    # An older report (confirmed) leaves the shipped order as it is.
    assert _import(shop, "shopee", actor).counts["unchanged"] == 4


def test_a_status_our_order_cannot_reach_is_the_rows_error(shop, catalogue, actor):
    _import(shop, "shopee", actor)
    before = _counts()

    def cancel_the_shipped(number, row):
        if row["Mã đơn hàng"].endswith("0002"):
            row["Trạng thái Đơn hàng"] = "Đã hủy"

    with pytest.raises(InvalidInput) as refused:
        _import(shop, "shopee", actor, _csv("shopee", cancel_the_shipped))

    assert refused.value.fields["file"][0].startswith("Row 4:")
    assert _counts() == before


def test_other_shops_skus_and_orders_are_never_matched(shop, other_shop, actor):
    marketplace_catalogue(other_shop)
    _import(other_shop, "shopee", actor)

    plan = services.marketplace_orders_plan(shop=shop, channel="shopee", file=marketplace_file("shopee"), actor=actor)

    assert all("no product of the shop" in error for error in plan.errors) and len(plan.errors) == 5
    marketplace_catalogue(shop)
    plan = _import(shop, "shopee", actor)
    assert plan.counts["new"] == 4
    assert Order.objects.filter(shop=other_shop).count() == Order.objects.filter(shop=shop).count() == 4


def test_a_report_of_another_marketplace_is_refused_naming_the_missing_column(shop, catalogue, actor):
    with pytest.raises(InvalidInput) as refused:
        _import(shop, "lazada", actor, marketplace_file("shopee"))

    assert "orderNumber" in refused.value.fields["file"][0]
    assert not Order.objects.exists()


def test_the_marketplace_fees_reach_the_statement_as_the_channels_fee_line(shop, catalogue, actor):
    _import(shop, "shopee", actor)
    order = Order.objects.get(external_id="250301SP0001")

    fee_line = StatementLine.objects.get(order=order, kind=LineKind.CHANNEL_FEE)
    sale = StatementLine.objects.get(order=order, kind=LineKind.SALE)

    assert (fee_line.commission, fee_line.service_fee, fee_line.payment_fee, fee_line.net) == (
        -52000,
        -39000,
        -38000,
        -129000,
    )
    assert (sale.gross, sale.seller_discount, sale.shipping_charged) == (1330000, -40000, 30000)
    assert fee_line.payout_state == sale.payout_state == "pending"
    assert reconcile_problems(shop=shop) == []


def test_the_committed_samples_are_what_the_generator_writes():
    for channel, marketplace in MARKETPLACES.items():
        header, rows = sample_table(marketplace)
        path = marketplace_file(channel)
        table = spreadsheet_rows_read(path.content, path.file_name)
        assert table == [header, *[[str(cell) for cell in row] for row in rows]], channel


# --- The admin page ---------------------------------------------------------------------------------

IMPORT_URL = "/admin/orders/order/import-marketplace/"


def _upload(client, shop, channel="shopee", file=None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = file or marketplace_file(channel)
    upload = SimpleUploadedFile(file.file_name, file.content)
    return client.post(IMPORT_URL, {"shop": shop.pk, "marketplace": channel, "file": upload})


def test_the_admin_previews_the_report_and_applies_it_on_confirmation(owner_client, shop, catalogue):
    preview = _upload(owner_client, shop)

    assert preview.status_code == 200
    assert not Order.objects.exists()
    page = preview.content.decode()
    assert "250301SP0001" in page and preview.context["plan"].counts["new"] == 4
    token = preview.context["token"]

    confirmed = owner_client.post(IMPORT_URL, {"token": token})

    assert confirmed.status_code == 302
    assert Order.objects.filter(shop=shop, channel="shopee").count() == 4
    # The stored file was used once: confirming again finds nothing to import.
    again = owner_client.post(IMPORT_URL, {"token": token})
    assert again.status_code == 200 and again.context["errors"]
    assert Order.objects.count() == 4


def test_the_admin_preview_lists_each_rows_error_and_offers_no_confirmation(owner_client, shop, catalogue):
    preview = _upload(owner_client, shop, file=_csv("shopee", _unknown_sku))

    assert preview.status_code == 200
    assert "Row 3:" in " ".join(preview.context["plan"].errors)
    assert 'name="token"' not in preview.content.decode()


def test_an_unreadable_file_is_named_on_the_page(owner_client, shop, catalogue):
    broken = services.MarketplaceFile(content=b"not a workbook", file_name="shopee.xlsx")

    response = _upload(owner_client, shop, file=broken)

    assert response.status_code == 200
    assert response.context["errors"] == ["This is not a readable XLSX file."]


def test_a_tampered_confirmation_is_refused(owner_client, shop, catalogue):
    response = owner_client.post(IMPORT_URL, {"token": "shop:1:/etc/passwd"})

    assert response.status_code == 403
    assert not Order.objects.exists()


def test_an_accountant_may_not_import(client, shop, catalogue):
    from sellercenter.models import Role
    from tests.sellercenter.factories import staff_user

    client.force_login(staff_user(shop, Role.ACCOUNTANT))

    assert client.get(IMPORT_URL).status_code == 403
    assert _upload(client, shop).status_code == 403
    assert not Order.objects.exists()
    changelist = client.get("/admin/orders/order/")
    assert changelist.status_code == 200 and IMPORT_URL not in changelist.content.decode()


def test_staff_cannot_import_into_another_shop(owner_client, shop, other_shop):
    marketplace_catalogue(other_shop)

    response = _upload(owner_client, other_shop)

    assert response.status_code == 200 and "shop" in response.context["form"].errors
    assert not Order.objects.exists()


# --- An imported order is the API order of the same cart ---------------------------------------------


def _shopee_cart(number, row):
    """One order of the sample: AO-DAI-03 x1 and SM-LINEN x2, no seller discount, delivered."""
    row["Giá ưu đãi"] = row["Giá gốc"]
    row["Trạng thái Đơn hàng"] = "Đã giao"


def test_an_imported_order_equals_the_api_order_of_the_same_cart(shop, catalogue, actor, api):
    from tests.orders.factories import ADDRESS, advance

    file = _csv("shopee", _shopee_cart)
    kept = file.content.decode().splitlines()[:3]  # the header and the first order's two rows
    _import(shop, "shopee", actor, services.MarketplaceFile("\n".join(kept).encode(), "shopee.csv"))
    imported = Order.objects.get(shop=shop, channel="shopee")
    body = {
        "customer": {"external_id": "KH-API", "full_name": "Nguyễn Thị Lan"},
        "channel": "website",
        "lines": [{"sku": "AO-DAI-03", "quantity": 1}, {"sku": "SM-LINEN", "quantity": 2}],
        "shipping_address": ADDRESS,
        "shipping_fee": "30000",
        "payment_method": "marketplace",
    }
    response = api.post("/api/v1/orders", body, format="json")
    assert response.status_code == 201, response.json()
    placed = Order.objects.get(number=response.json()["number"])
    placed = advance(placed, S.DELIVERED, actor)

    def lines(order):
        return list(order.lines.order_by("sku").values_list("sku", "unit_price", "quantity", "discount", "total"))

    def amounts(order):
        names = ("subtotal", "discount_total", "shipping_fee", "shipping_discount", "points_discount", "total")
        return [getattr(order, name) for name in names]

    def movements(order):
        rows = StockMovement.objects.filter(order=order).order_by("product__sku", "pk")
        return list(rows.values_list("product__sku", "kind", "on_hand_delta", "reserved_delta"))

    def sale(order):
        line = StatementLine.objects.get(order=order, kind=LineKind.SALE)
        names = ("gross", "seller_discount", "shipping_charged", "shipping_cost", "commission", "payment_fee", "net")
        return [getattr(line, name) for name in names]

    assert lines(imported) == lines(placed)
    assert amounts(imported) == amounts(placed)
    assert movements(imported) == movements(placed)
    assert sale(imported) == sale(placed)
    # Beyond the sale line, only the imported order carries the marketplace's own fees.
    assert StatementLine.objects.filter(order=imported, kind=LineKind.CHANNEL_FEE).count() == 1
    assert not StatementLine.objects.filter(order=placed, kind=LineKind.CHANNEL_FEE).exists()


def test_the_order_page_shows_the_marketplace_order_id_and_fees(owner_client, shop, catalogue, actor):
    _import(shop, "shopee", actor)
    order = Order.objects.get(external_id="250301SP0001")

    page = owner_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()

    assert "250301SP0001" in page
    assert "52.000" in page or "52,000" in page
