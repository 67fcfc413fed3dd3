"""Orders demo data: each shop's catalogue (products with variants, categories and pictures) with
stock, then a few months of orders placed through the checkout service (campaign codes and points
redeemed by their services) and moved along the pipeline by the transition and return services,
under the demo clock (sellercenter.clock) that walks from the first order to now. So the customers'
purchase facts, points and tiers, the campaigns' spend, the behaviour events, the statement lines
and the refunds due all come from the same orders.

Orders still in the warehouse are the recent ones: every step is scheduled at its own moment, and
steps that would happen after now have not happened yet. Some orders are cancelled, some shipped
late, some not delivered and returned to the sender, some returned and refunded, a few returns wait
for approval. Deterministic (seeded per shop) and idempotent: a shop that has orders is left alone.
"""

import heapq
import io
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageColor, ImageDraw

from customers.models import Channel, Customer
from loyalty.models import LoyaltyAccount
from orders import services
from orders.models import (
    Carrier,
    CarrierAccount,
    Order,
    OrderStatus,
    PaymentGateway,
    PaymentMethod,
    PaymentProvider,
    Product,
    RefundDue,
    Ward,
)
from orders.pipeline import Actor
from orders.pricing import CartLine
from sellercenter.clock import demo_clock
from sellercenter.errors import Conflict, InvalidInput, NotAllowed
from sellercenter.models import ActorKind, Membership, Role

S = OrderStatus
ORDERS_PER_SHOP = 150
HISTORY_DAYS = 120
STOCK_PER_PRODUCT = 2000
GIFT_STOCK = 40  # the gift runs out during the demo: later carts go through without it
DEMO_GATEWAY_SECRET = "demo-vnpay-secret"  # noqa: S105 - printed on purpose, to try the webhook
GIFT_SKU = "TUI-VAI-01"
SHARED_CODE = "GIAM50K"

# Per shop: catalogue products as (name, category path, option names, variants as (SKU, option values,
# price), picture colour). The SKUs are the ones the promotions and journeys demos name.
COLOUR, SIZE = "Màu sắc", "Kích cỡ"
AO_DAI, SO_MI, VAY = "Thời trang nữ / Áo dài", "Thời trang nữ / Áo sơ mi", "Thời trang nữ / Váy"
CATALOGUES = {
    "hoa-mai": [
        (
            "Áo dài lụa tơ tằm",
            AO_DAI,
            [COLOUR],
            [("AO-DAI-01", ["Đỏ"], 1250000), ("AO-DAI-02", ["Trắng"], 1150000)],
            "#b91c1c",
        ),
        ("Áo dài cách tân hoa sen", AO_DAI, [], [("AO-DAI-03", [], 690000)], "#db2777"),
        ("Sơ mi linen nữ", SO_MI, [], [("SM-LINEN", [], 320000)], "#d6d3d1"),
        ("Sơ mi công sở tay dài", SO_MI, [], [("SM-CONG-SO", [], 280000)], "#93c5fd"),
        ("Váy hoa nhí dáng xòe", VAY, [], [("VAY-HOA-NHI", [], 450000)], "#fda4af"),
        ("Váy maxi đi biển", VAY, [], [("VAY-MAXI", [], 520000)], "#67e8f9"),
        ("Quần ống rộng lưng cao", "Thời trang nữ / Quần", [], [("QUAN-ONG-RONG", [], 360000)], "#78716c"),
        ("Quần jean ống đứng", "Thời trang nữ / Quần", [], [("QUAN-JEAN", [], 390000)], "#1e3a8a"),
        ("Chân váy xếp ly", VAY, [], [("CHAN-VAY-XEP-LY", [], 299000)], "#a78bfa"),
        (
            "Áo thun cotton basic",
            "Thời trang nữ / Áo thun",
            [COLOUR, SIZE],
            [
                ("AO-THUN-BASIC", ["Trắng", "M"], 149000),
                ("AO-THUN-TRANG-L", ["Trắng", "L"], 149000),
                ("AO-THUN-DEN-M", ["Đen", "M"], 159000),
                ("AO-THUN-DEN-L", ["Đen", "L"], 159000),
            ],
            "#f5f5f4",
        ),
        ("Áo khoác gió hai lớp", "Thời trang nữ / Áo khoác", [], [("AO-KHOAC-GIO", [], 480000)], "#166534"),
        ("Khăn lụa Vạn Phúc", "Phụ kiện", [], [("KHAN-LUA", [], 180000)], "#eab308"),
        ("Nón lá Huế", "Phụ kiện", [], [("NON-LA", [], 95000)], "#fde68a"),
        ("Túi cói đi biển", "Phụ kiện / Túi", [], [("TUI-COI", [], 210000)], "#d97706"),
        ("Dép quai ngang da", "Giày dép", [], [("DEP-QUAI-NGANG", [], 250000)], "#92400e"),
        ("Túi vải canvas in hoa mai (quà tặng)", "Phụ kiện / Túi", [], [("TUI-VAI-01", [], 35000)], "#fef3c7"),
    ],
    "sen-viet": [
        ("Sữa rửa mặt nghệ Hưng Yên", "Chăm sóc da", [], [("SRM-NGHE", [], 145000)], "#f59e0b"),
        ("Nước hoa hồng Bảo Lộc", "Chăm sóc da", [], [("TONER-HOA-HONG", [], 165000)], "#f9a8d4"),
        ("Serum vitamin C 15%", "Chăm sóc da", [], [("SERUM-VITC", [], 390000)], "#fb923c"),
        ("Kem chống nắng SPF50", "Chăm sóc da", [], [("KEM-CHONG-NANG", [], 285000)], "#fef9c3"),
        ("Kem dưỡng ẩm ban đêm", "Chăm sóc da", [], [("KEM-DUONG-DEM", [], 320000)], "#c4b5fd"),
        ("Mặt nạ bùn khoáng", "Chăm sóc da", [], [("MAT-NA-BUN", [], 120000)], "#57534e"),
        ("Son dưỡng dầu gấc", "Trang điểm", [], [("SON-DUONG-GAC", [], 89000)], "#dc2626"),
        (
            "Son kem lì",
            "Trang điểm",
            [COLOUR],
            [("SON-KEM-LI", ["Đỏ gạch"], 199000), ("SON-KEM-LI-CAM", ["Cam đất"], 199000)],
            "#9a3412",
        ),
        ("Dầu gội bồ kết", "Chăm sóc tóc", [], [("DAU-GOI-BO-KET", [], 135000)], "#3f6212"),
        ("Tinh dầu sả chanh", "Tinh dầu & xà bông", [], [("TINH-DAU-SA", [], 99000)], "#bef264"),
        ("Xà bông quế handmade", "Tinh dầu & xà bông", [], [("XA-BONG-QUE", [], 65000)], "#b45309"),
        ("Tẩy tế bào chết cà phê Đắk Lắk", "Chăm sóc da", [], [("TAY-TE-BAO-CHET", [], 155000)], "#44403c"),
        ("Túi vải canvas Sen Việt (quà tặng)", "Phụ kiện", [], [("TUI-VAI-01", [], 35000)], "#fef3c7"),
    ],
}
DEFAULT_CATALOGUE = CATALOGUES["hoa-mai"]

# What happens to an order, and how often.
FATES = {
    "kept": 70,
    "cancelled_by_customer": 6,
    "cancelled_after_payment": 3,
    "not_paid": 3,
    "returned_to_sender": 3,
    "returned": 11,
    "return_waiting": 2,
    "late": 2,
}
CHANNEL_MIX = {Channel.WEBSITE: 30, Channel.APP: 20, Channel.FANPAGE: 20, Channel.MARKETPLACE: 25, Channel.POS: 5}
PAYMENT_MIX = {
    PaymentMethod.COD: 45,
    PaymentMethod.BANK_TRANSFER: 15,
    PaymentMethod.VNPAY: 15,
    PaymentMethod.MOMO: 20,
    PaymentMethod.CARD: 5,
}
CARRIERS = ["GHN", "GHTK", "Viettel Post", "J&T Express", "Ninja Van"]
PROVINCES = [
    ("Phường Hoàn Kiếm", "Hà Nội"),
    ("Phường Ba Đình", "Hà Nội"),
    ("Phường Bến Thành", "TP. Hồ Chí Minh"),
    ("Phường Thảo Điền", "TP. Hồ Chí Minh"),
    ("Phường Hải Châu", "Đà Nẵng"),
    ("Phường Ninh Kiều", "Cần Thơ"),
    ("Phường Hồng Bàng", "Hải Phòng"),
    ("Phường Phú Hội", "Huế"),
]
STREETS = ["Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Lý Thường Kiệt", "Phan Chu Trinh", "Hàng Bông"]


def _pick(rng: random.Random, mix: dict):
    return rng.choices(list(mix), weights=list(mix.values()))[0]


def _staff_actor(shop) -> Actor:
    member = Membership.objects.filter(shop=shop, role__in=[Role.OPERATIONS, Role.OWNER]).order_by("role").first()
    return Actor.staff(member.user) if member else Actor(kind=ActorKind.STAFF)


def seed_catalogue(*, shops, stdout) -> None:
    """Each shop's catalogue products with their variants (received into stock through the stock
    service) and a picture, before the promotions that name them are published and the orders that
    take them are placed. A product whose first SKU is there already is left alone."""
    for shop in shops:
        known = set(Product.objects.filter(shop=shop).values_list("sku", flat=True))
        actor = _staff_actor(shop)
        created = 0
        for entry in CATALOGUES.get(shop.slug, DEFAULT_CATALOGUE):
            if entry[3][0][0] not in known:
                _catalogue_product(shop, actor, *entry)
                created += 1
        stdout.write(f"Catalogue: {shop.name}: {created} products with their variants received into stock.")


def _catalogue_product(shop, actor, name, category_path, option_names, variants, colour) -> None:
    group = services.catalogue_product_create(
        shop=shop,
        actor=actor,
        name=name,
        category=services.category_for_path(shop=shop, path=category_path),
        option_names=option_names,
        variants=[
            services.VariantData(
                sku=sku,
                price=Decimal(price),
                cost_price=Decimal(price) * Decimal("0.55"),
                options=dict(zip(option_names, values, strict=True)),
                initial_stock=GIFT_STOCK if sku == GIFT_SKU else STOCK_PER_PRODUCT,
            )
            for sku, values, price in variants
        ],
    )
    services.product_image_add(group=group, upload=_picture(name, colour), actor=actor, alt_text=name)


def _picture(name: str, colour: str) -> SimpleUploadedFile:
    """A product picture drawn on the spot: the product's colour with its initials."""
    picture = Image.new("RGB", (480, 480), colour)
    initials = "".join(word[0] for word in name.split()[:3]).upper()
    red, green, blue = ImageColor.getrgb(colour)
    ink = "#111827" if red * 299 + green * 587 + blue * 114 > 128_000 else "#ffffff"  # dark on light colours
    ImageDraw.Draw(picture).text((40, 380), initials, fill=ink)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=80)
    return SimpleUploadedFile(f"{initials}.jpg", out.getvalue(), content_type="image/jpeg")


@dataclass(order=True)
class Step:
    at: datetime
    seq: int
    plan: "Plan" = field(compare=False)


@dataclass
class Plan:
    index: int
    customer: Customer
    fate: str
    channel: str
    payment: str
    lines: list[CartLine]
    steps: list[tuple[str, float]]  # (what, hours after the previous step)
    order: Order | None = None
    request: object = None  # its return request, once opened


class ShopDemo:
    def __init__(self, shop, stdout, size: int):
        self.shop = shop
        self.stdout = stdout
        self.size = size
        self.rng = random.Random(f"orders-{shop.slug}")
        self.now = timezone.now()
        self.staff = _staff_actor(shop)
        self.counts = Counter()

    def run(self) -> None:
        self.products = list(Product.objects.filter(shop=self.shop, is_active=True).exclude(sku=GIFT_SKU))
        self.customers = self._customers()
        plans = [self._plan(index) for index in range(self.size)]
        queue = [Step(self._placed_at(), plan.index, plan) for plan in plans]
        heapq.heapify(queue)
        seq = len(queue)
        with demo_clock(queue[0].at) as move_to:
            while queue:
                step = heapq.heappop(queue)
                move_to(step.at)
                if not self._do(step.plan) or not step.plan.steps:
                    continue
                _what, hours = step.plan.steps[0]
                later = step.at + timedelta(hours=hours)
                if later < self.now:
                    seq += 1
                    heapq.heappush(queue, Step(later, seq, step.plan))
        self._gateway()
        summary = ", ".join(f"{count} {what}" for what, count in sorted(self.counts.items()))
        self.stdout.write(f"  {self.shop.name}: {summary}")

    def _customers(self) -> list[Customer]:
        customers = list(Customer.objects.current().filter(shop=self.shop).order_by("pk")[:400])
        if customers:
            return customers
        return [
            Customer.objects.create(
                shop=self.shop,
                external_id=f"demo-dh-{n:03d}",
                full_name=f"Khách hàng {n}",
                email=f"khach{n}@example.vn",
            )
            for n in range(40)
        ]

    def _placed_at(self) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(0, HISTORY_DAYS))

    def _plan(self, index: int) -> Plan:
        rng = self.rng
        fate = _pick(rng, FATES)
        payment = _pick(rng, PAYMENT_MIX)
        if fate in ("not_paid", "cancelled_after_payment") and payment == PaymentMethod.COD:
            payment = PaymentMethod.BANK_TRANSFER
        # A few customers come back often: the first fifth of the list buys half of the orders.
        pool = self.customers[: max(1, len(self.customers) // 5)] if rng.random() < 0.5 else self.customers
        chosen = rng.sample(self.products, rng.choice([1, 1, 1, 2, 2, 3]))
        lines = [CartLine(product.sku, rng.choice([1, 1, 1, 2])) for product in chosen]
        return Plan(index, rng.choice(pool), fate, _pick(rng, CHANNEL_MIX), payment, lines, self._steps(fate, payment))

    def _steps(self, fate: str, payment: str) -> list[tuple[str, float]]:
        rng = self.rng
        steps = [("place", 0)]
        if payment != PaymentMethod.COD:
            if fate == "not_paid":
                return [*steps, ("expire", self.shop.payment_timeout_minutes / 60 + 0.1)]
            steps.append(("pay", rng.uniform(0.05, 0.9)))
        if fate == "cancelled_by_customer":
            return [*steps, ("cancel_customer", rng.uniform(0.2, 6))]
        warehouse = [("allocate", rng.uniform(0.5, 8)), ("start_picking", rng.uniform(0.5, 4))]
        warehouse += [("send_to_quality_check", rng.uniform(0.2, 2)), ("pack", rng.uniform(0.2, 1))]
        if fate == "cancelled_after_payment":
            return [*steps, ("allocate", rng.uniform(0.5, 8)), ("cancel_staff", rng.uniform(1, 10)), ("refund", 30)]
        handover = rng.uniform(70, 110) if fate == "late" else rng.uniform(1, 20)
        steps += [*warehouse, ("ready", rng.uniform(0.2, 2)), ("ship", handover)]
        if fate == "returned_to_sender":
            return [*steps, ("fail", rng.uniform(20, 60)), ("return_to_sender", rng.uniform(24, 72))]
        steps.append(("deliver", rng.uniform(20, 96)))
        days = self.shop.return_window_days
        if fate == "returned":
            steps += [("return_open", rng.uniform(12, days * 12)), ("return_approve", rng.uniform(2, 24))]
            steps += [("return_receive", rng.uniform(24, 96)), ("return_refund", rng.uniform(4, 48))]
        elif fate == "return_waiting":
            steps.append(("return_open", rng.uniform(12, days * 12)))
        return [*steps, ("complete", days * 24 + rng.uniform(25, 48))]

    def _do(self, plan: Plan) -> bool:
        """Run the plan's next step now; False ends the plan (a refusal: the order stays as it is)."""
        what, _hours = plan.steps.pop(0)
        try:
            getattr(self, f"_{what}")(plan)
        except (Conflict, NotAllowed, InvalidInput):
            self.counts[f"{what} refused"] += 1
            return False
        self.counts[what] += 1
        return True

    # --- the steps ---

    def _checkout(self, plan: Plan, codes: list[str], points: int) -> Order:
        customer = plan.customer
        ward, province = self.rng.choice(PROVINCES)
        return services.order_place(
            shop=self.shop,
            customer={"external_id": customer.external_id, "full_name": customer.full_name, "email": customer.email},
            channel=plan.channel,
            lines=plan.lines,
            shipping_address={
                "recipient_name": customer.full_name or "Khách hàng",
                "phone": customer.phone or f"+8490{self.rng.randrange(10**7):07d}",
                "street": f"{self.rng.randint(1, 200)} {self.rng.choice(STREETS)}",
                "ward": ward,
                "province": province,
            },
            payment_method=plan.payment,
            shipping_fee=Decimal(self.rng.choice([0, 15000, 30000])),
            voucher_codes=codes,
            points=points,
            actor=Actor(kind=ActorKind.CUSTOMER),
            session={"session_id": f"demo-{self.shop.pk}-{plan.index}"},
        )

    def _place(self, plan: Plan) -> None:
        """A cart with the shop's shared code now and then, and points when the customer has some; a
        cart the promotions or loyalty refuse (budget spent, minimum not met) is placed without them."""
        codes = [SHARED_CODE] if self.rng.random() < 0.6 else []
        account = LoyaltyAccount.objects.filter(customer=plan.customer).only("available_points").first()
        points = 0
        if account is not None and account.available_points >= 100 and self.rng.random() < 0.5:
            points = min(account.available_points, self.rng.choice([100, 200, 500, 1000]))
        try:
            plan.order = self._checkout(plan, codes, points)
        except (Conflict, InvalidInput):
            plan.order = self._checkout(plan, [], 0)
        if plan.order.voucher_codes:
            self.counts["with a code"] += 1
        if plan.order.points_redeemed:
            self.counts["with points"] += 1

    def _pay(self, plan):
        plan.order = services.order_confirm_payment(order=plan.order, actor=self.staff, note="Đã nhận thanh toán")

    def _expire(self, plan):
        services.orders_expire_unpaid()

    def _cancel_customer(self, plan):
        services.order_cancel(order=plan.order, actor=Actor(kind=ActorKind.CUSTOMER), reason="Khách đổi ý")

    def _cancel_staff(self, plan):
        plan.order = services.order_cancel(order=plan.order, actor=self.staff, reason="Hết hàng")

    def _refund(self, plan):
        due = RefundDue.objects.filter(order=plan.order).first()
        if due is not None and self.rng.random() < 0.8:  # the rest are still due, some late
            services.refund_due_complete(refund_due=due, actor=self.staff, reference=f"VCB{plan.order.pk:08d}")

    def _allocate(self, plan):
        plan.order = services.order_allocate(order=plan.order, actor=self.staff)

    def _start_picking(self, plan):
        plan.order = services.order_start_picking(order=plan.order, actor=self.staff)

    def _send_to_quality_check(self, plan):
        plan.order = services.order_send_to_quality_check(order=plan.order, actor=self.staff)

    def _pack(self, plan):
        plan.order = services.order_pack(order=plan.order, actor=self.staff)

    def _ready(self, plan):
        carrier = self.rng.choice(CARRIERS)
        tracking = f"{carrier[:3].upper().replace(' ', '')}{self.rng.randrange(10**9):09d}"
        plan.order = services.order_mark_ready_to_ship(
            order=plan.order, actor=self.staff, carrier=carrier, tracking_number=tracking
        )

    def _ship(self, plan):
        plan.order = services.order_ship(order=plan.order, actor=Actor(kind=ActorKind.CARRIER))

    def _deliver(self, plan):
        plan.order = services.order_deliver(order=plan.order, actor=Actor(kind=ActorKind.CARRIER))

    def _fail(self, plan):
        plan.order = services.order_fail_delivery(
            order=plan.order, actor=Actor(kind=ActorKind.CARRIER), reason="Khách vắng nhà"
        )

    def _return_to_sender(self, plan):
        plan.order = services.order_return_to_sender(order=plan.order, actor=Actor(kind=ActorKind.CARRIER))

    def _return_open(self, plan):
        lines = list(plan.order.lines.filter(is_gift=False))
        returned = lines[: max(1, len(lines) // 2)] if self.rng.random() < 0.5 else lines
        plan.request = services.return_request_open(
            order=plan.order,
            items=[services.ReturnItem(line.sku, line.quantity) for line in returned],
            reason=self.rng.choice(["damaged", "not_as_described", "changed_mind", "wrong_item"]),
            actor=Actor(kind=ActorKind.CUSTOMER),
        )

    def _return_approve(self, plan):
        services.return_approve(return_request=plan.request, actor=self.staff)

    def _return_receive(self, plan):
        services.return_receive(return_request=plan.request, actor=self.staff)

    def _return_refund(self, plan):
        services.return_refund(return_request=plan.request, actor=self.staff, reference=f"HT{plan.request.pk:08d}")

    def _complete(self, plan):
        services.order_complete(order=plan.order, actor=Actor.system())

    def _gateway(self) -> None:
        code = f"{self.shop.slug.upper().replace('-', '')}-VNPAY"
        PaymentGateway.objects.update_or_create(
            shop=self.shop,
            provider=PaymentProvider.VNPAY,
            defaults={"merchant_code": code, "secret": DEMO_GATEWAY_SECRET, "is_active": True},
        )
        self.stdout.write(f"    VNPay notifications: merchant_code {code}, secret {DEMO_GATEWAY_SECRET}")


def seed(*, shops, stdout, size: int | None = None) -> None:
    """About ORDERS_PER_SHOP orders (`size`) and a VNPay account per shop; shops with orders are skipped.
    The first shop ships with GHN and GHTK on loopback (`make demo` starts them)."""
    stdout.write("Orders (placed and moved by the services, under the demo clock):")
    for shop in shops:
        if Order.objects.filter(shop=shop).exists():
            stdout.write(f"  {shop.name}: already has orders, left alone")
            continue
        ShopDemo(shop, stdout, size or ORDERS_PER_SHOP).run()
    if shops:
        carrier_accounts_seed(shop=shops[0], stdout=stdout)
        marketplace_report_seed(shop=shops[0], stdout=stdout)


def marketplace_report_seed(*, shop, stdout, channel: str = "shopee") -> None:
    """The marketplace's sample order report (orders/marketplaces/samples/), imported through the import
    service as the shop's staff would: its orders join the list with their channel, their marketplace
    order id and the marketplace's fees. Idempotent, as the import is; a shop without the sample's
    SKUs is left alone."""
    from orders.marketplaces.samples import PRICES, sample_path

    if Product.objects.filter(shop=shop, sku__in=PRICES).count() < len(PRICES):
        return
    path = sample_path(channel)
    plan = services.marketplace_orders_import(
        shop=shop,
        channel=channel,
        file=services.MarketplaceFile(content=path.read_bytes(), file_name=path.name),
        actor=_staff_actor(shop),
    )
    stdout.write(
        f"  {shop.name}: {path.name} imported ({plan.counts['new']} new marketplace orders); "
        "import it again from Orders → Import orders from a marketplace: nothing changes"
    )


# The loopback carriers of `make demo` (orders.shipping.demo_servers) and the webhook keys in the
# URLs scripts/demo.sh gives them.
DEMO_CARRIERS = [
    (Carrier.GHN, "GHN", "http://127.0.0.1:8701", {"token": "demo-ghn-token"}, "885", "demo-ghn"),
    (
        Carrier.GHTK,
        "GHTK",
        "http://127.0.0.1:8702",
        {"token": "demo-ghtk-token", "webhook_secret": "demo-ghtk-hash"},
        "",
        "demo-ghtk",
    ),
]


def carrier_accounts_seed(*, shop, stdout) -> None:
    """The sample provinces and wards, and the shop's GHN (default) and GHTK accounts on loopback,
    picking up in Phường Bến Thành. Idempotent."""
    from orders.services import carrier_account_save
    from orders.shipping.units import units_load_file

    units_load_file()
    pickup = Ward.objects.get(name="Phường Bến Thành")
    for carrier, name, url, credentials, carrier_shop_id, key in DEMO_CARRIERS:
        account = CarrierAccount.objects.filter(shop=shop, carrier=carrier).first()
        account = carrier_account_save(
            shop=shop,
            carrier=carrier,
            account=account,
            credentials=credentials,
            name=name,
            base_url=url,
            carrier_shop_id=carrier_shop_id,
            service="2" if carrier == Carrier.GHN else "road",
            pickup_name=f"Kho {shop.name}",
            pickup_phone="02838221234",
            pickup_street="45 Lê Thánh Tôn",
            pickup_ward=pickup,
            is_default=carrier == Carrier.GHN,
        )
        CarrierAccount.objects.filter(pk=account.pk).update(webhook_key=key)
        stdout.write(f"    {name} on {url}, webhook /api/v1/carriers/webhooks/{key}")
