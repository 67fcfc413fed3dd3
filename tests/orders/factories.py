"""Orders test data: products as rows, orders placed through the checkout and moved along the
pipeline by the real transition services, so every order is in a state production could reach."""

import csv
import io
from decimal import Decimal

import factory

from orders import services
from orders.models import Carrier, Order, OrderStatus, PaymentGateway, PaymentMethod, PaymentProvider, Product
from orders.pipeline import Actor
from orders.pricing import CartLine
from tests.sellercenter.factories import UserFactory

ADDRESS = {
    "recipient_name": "Nguyễn Thị Lan",
    "phone": "0912 345 678",
    "street": "12 Hàng Bạc",
    "ward": "Phường Hoàn Kiếm",
    "district": "",
    "province": "Hà Nội",
}


class ProductFactory(factory.django.DjangoModelFactory):
    """A product for sale with 10 units on hand at 150.000 ₫."""

    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"AO-{n:04d}")
    name = factory.Sequence(lambda n: f"Áo dài lụa {n}")
    price = Decimal("150000")
    stock_on_hand = 10


class PaymentGatewayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentGateway

    provider = PaymentProvider.VNPAY
    merchant_code = factory.Sequence(lambda n: f"HOAMAI{n:03d}")
    secret = "bi-mat-cua-cong-thanh-toan"


def staff_actor(**fields) -> Actor:
    return Actor.staff(UserFactory(**fields))


def place(
    shop,
    *,
    lines=None,
    payment_method=PaymentMethod.COD,
    customer_id="KH-001",
    email="lan.nguyen@example.vn",
    actor=None,
    **kwargs,
) -> Order:
    """An order placed through the checkout: by default one unit of a new product, paid COD."""
    if lines is None:
        lines = [(ProductFactory(shop=shop).sku, 1)]
    return services.order_place(
        shop=shop,
        customer={"external_id": customer_id, "full_name": "Nguyễn Thị Lan", "email": email},
        channel=kwargs.pop("channel", "website"),
        lines=[CartLine(sku, quantity) for sku, quantity in lines],
        shipping_address=kwargs.pop("shipping_address", ADDRESS),
        payment_method=payment_method,
        actor=actor or Actor(kind="customer"),
        **kwargs,
    )


# The services that move an order one step along the happy path, from each status.
S = OrderStatus
FORWARD = {
    S.PENDING_PAYMENT: lambda order, actor: services.order_confirm_payment(order=order, actor=actor),
    S.CONFIRMED: lambda order, actor: services.order_allocate(order=order, actor=actor),
    S.ALLOCATED: lambda order, actor: services.order_start_picking(order=order, actor=actor),
    S.PICKING: lambda order, actor: services.order_send_to_quality_check(order=order, actor=actor),
    S.QUALITY_CHECK: lambda order, actor: services.order_pack(order=order, actor=actor),
    S.PACKED: lambda order, actor: services.order_mark_ready_to_ship(
        order=order, actor=actor, carrier="GHN", tracking_number=f"GHN{order.pk:08d}"
    ),
    S.READY_TO_SHIP: lambda order, actor: services.order_ship(order=order, actor=actor),
    S.SHIPPED: lambda order, actor: services.order_deliver(order=order, actor=actor),
}
HAPPY_PATH = [*FORWARD, S.DELIVERED]


def advance(order: Order, to: str, actor: Actor | None = None) -> Order:
    """Move `order` along the happy path until it reaches `to` (up to delivered)."""
    actor = actor or staff_actor()
    while order.status != to:
        order = FORWARD[order.status](order, actor)
    return order


def reach(shop, status: str, **place_kwargs) -> Order:
    """A prepaid order of `shop` brought to `status` by the services, side exits included."""
    order = place(shop, payment_method=PaymentMethod.VNPAY, **place_kwargs)
    actor = staff_actor()
    if status in HAPPY_PATH:
        return advance(order, status, actor)
    if status == S.CANCELLED:
        return services.order_cancel(order=advance(order, S.CONFIRMED, actor), actor=actor, reason="Hết hàng")
    if status == S.COMPLETED:
        order = advance(order, S.DELIVERED, actor)
        return_window_closed(order)
        return services.order_complete(order=order, actor=Actor.system())
    order = services.order_fail_delivery(order=advance(order, S.SHIPPED, actor), actor=actor, reason="Vắng nhà")
    if status == S.DELIVERY_FAILED:
        return order
    return services.order_return_to_sender(order=order, actor=actor)


def return_window_closed(order: Order) -> None:
    from datetime import timedelta

    from django.utils import timezone

    Order.objects.filter(pk=order.pk).update(return_window_ends_at=timezone.now() - timedelta(days=1))


def snapshot(order: Order) -> dict:
    """Everything a refused operation must leave as it was: the order row, its timeline, payments,
    and the stock of its products with their movements."""
    from orders.models import OrderEvent, OrderLine, Payment, ReturnRequest, StockMovement

    # Six reads, none of them a model instance: a refusal matrix takes a snapshot after every call.
    products = OrderLine.objects.filter(order_id=order.pk).values("product_id")
    return {
        "order": Order.objects.filter(pk=order.pk).values().get(),
        "events": list(OrderEvent.objects.filter(order_id=order.pk).values_list("pk", flat=True).order_by("pk")),
        "payments": list(Payment.objects.filter(order_id=order.pk).values_list("pk", flat=True).order_by("pk")),
        "stock": list(
            Product.objects.filter(pk__in=products).values_list("pk", "stock_on_hand", "stock_reserved").order_by("pk")
        ),
        "movements": list(
            StockMovement.objects.filter(product_id__in=products).values_list("pk", flat=True).order_by("pk")
        ),
        "returns": list(ReturnRequest.objects.filter(order_id=order.pk).values_list("pk", "status").order_by("pk")),
    }


def carrier_account(shop, carrier: str, *, token: str = "", webhook_secret: str = "", **fields):
    """A shop's carrier account picking up in Phường Bến Thành, saved through the service that
    seals its credentials."""
    from orders.models import Ward

    fields.setdefault("name", dict(Carrier.choices)[carrier].split(" (")[0])
    fields.setdefault("pickup_ward", Ward.objects.filter(name="Phường Bến Thành").first())
    return services.carrier_account_save(
        shop=shop,
        carrier=carrier,
        credentials={"token": token, "webhook_secret": webhook_secret},
        pickup_name="Kho Hoa Mai",
        pickup_phone="0283 822 1234",
        pickup_street="45 Lê Thánh Tôn",
        **fields,
    )


def catalogue_product(
    shop,
    name="Áo dài lụa",
    *,
    options=("Màu sắc", "Kích cỡ"),
    variants=None,
    category=None,
    stock=10,
    price="450000",
    sku_prefix="AO-LUA",
):
    """A catalogue product built by the service: by default Đỏ/Trắng × M/L, each with `stock` units
    (one variant without options when `options` is empty)."""
    if variants is None:
        values = [("Đỏ", "M"), ("Đỏ", "L"), ("Trắng", "M"), ("Trắng", "L")] if options else [()]
        variants = [
            services.VariantData(
                sku=f"{sku_prefix}-{index}",
                price=Decimal(price),
                cost_price=Decimal(price) / 2,
                options=dict(zip(options, value, strict=True)),
                initial_stock=stock,
            )
            for index, value in enumerate(values)
        ]
    return services.catalogue_product_create(
        shop=shop,
        actor=Actor.system("tests"),
        name=name,
        category=category,
        option_names=list(options),
        variants=variants,
    )


def picture_file(name="ao-dai.png", size=(900, 600), image_format="PNG", colour="#b91c1c"):
    """An uploaded picture made with Pillow, in memory."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, image_format)
    return SimpleUploadedFile(name, out.getvalue(), content_type=f"image/{image_format.lower()}")


def marketplace_catalogue(shop, stock: int = 20) -> dict[str, Product]:
    """The products the sample marketplace reports sell (orders.marketplaces.samples), at their prices,
    with `stock` units of each."""
    from orders.marketplaces.samples import PRICES

    return {sku: ProductFactory(shop=shop, sku=sku, price=price, stock_on_hand=stock) for sku, price in PRICES.items()}


def marketplace_file(channel: str):
    """The committed sample report of the marketplace `channel`, as an upload the import takes."""
    from orders.marketplaces.samples import sample_path

    path = sample_path(channel)
    return services.MarketplaceFile(content=path.read_bytes(), file_name=path.name)


def marketplace_order(shop, *, sku: str, quantity: int = 1, phone: str = "0983456783", order_id="250301SP0003"):
    """A confirmed Shopee order of `quantity` units of `sku` at the product's price, with 30.000 ₫ of
    shipping, imported through the marketplace import by a staff member. Shopee's report has no ward
    column, so the order has no ward (as every order imported from Shopee or Lazada)."""
    row = {
        "Mã đơn hàng": order_id,
        "Trạng thái Đơn hàng": "Chờ xác nhận",
        "SKU phân loại hàng": sku,
        "Số lượng": quantity,
        "Giá gốc": Product.objects.get(shop=shop, sku=sku).price,
        "Phí vận chuyển mà người mua trả": "30000",
        "Người Mua": "hoa.le",
        "Tên Người nhận": "Lê Thị Hoa",
        "Số điện thoại": phone,
        "Tỉnh/Thành phố": "Đà Nẵng",
        "Quận/Huyện": "Hải Châu",
        "Địa chỉ nhận hàng": "8 Trần Phú, Phường Hải Châu",
    }
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    file = services.MarketplaceFile(content=out.getvalue().encode(), file_name="shopee.csv")
    services.marketplace_orders_import(shop=shop, channel="shopee", file=file, actor=staff_actor())
    return Order.objects.get(shop=shop, channel="shopee", external_id=order_id)
