"""Orders demo data: each shop's products with stock, and about 1.000 orders per shop over the last
three months, in every status, channel and payment method, some shipped late, some returned, with
their lines, timelines, payments and stock movements, and a VNPay account to try the payment webhook.

Written with bulk inserts, from the same deadlines and amounts rules as the services, so lists,
filters and metrics show something real. The demo orders are bookkeeping only: they do not feed the
customers' purchase facts, loyalty points or promotion budgets (the other apps' demo data has its
own). Deterministic (seeded per shop) and idempotent: a shop that already has orders is left alone.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from customers.models import Channel, Customer
from customers.services import customer_upsert
from orders.deadlines import deliver_by_deadline, return_window_end, ship_by_deadline
from orders.models import (
    ActorKind,
    CancelledBy,
    Order,
    OrderEvent,
    OrderEventType,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentGateway,
    PaymentMethod,
    PaymentOutcome,
    PaymentProvider,
    Product,
    ReturnKind,
    ReturnLine,
    ReturnOutcome,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
    StockMovement,
    StockMovementKind,
)
from orders.services.checkout import order_number
from sellercenter.money import ZERO, allocate, money_round

S = OrderStatus
ORDERS_PER_SHOP = 1000
HISTORY_DAYS = 90
BATCH = 2000
DEMO_GATEWAY_SECRET = "demo-vnpay-secret"  # noqa: S105 - printed on purpose, to try the webhook

CATALOGUES = {
    "hoa-mai": [
        ("AD-LUA-DO", "Áo dài lụa tơ tằm đỏ", 1250000),
        ("AD-LUA-TRANG", "Áo dài lụa trắng", 1150000),
        ("AD-CACH-TAN", "Áo dài cách tân hoa sen", 690000),
        ("SM-LINEN", "Sơ mi linen nữ", 320000),
        ("SM-CONG-SO", "Sơ mi công sở tay dài", 280000),
        ("VAY-HOA-NHI", "Váy hoa nhí dáng xòe", 450000),
        ("VAY-MAXI", "Váy maxi đi biển", 520000),
        ("QUAN-ONG-RONG", "Quần ống rộng lưng cao", 360000),
        ("QUAN-JEAN", "Quần jean ống đứng", 390000),
        ("CHAN-VAY-XEP-LY", "Chân váy xếp ly", 299000),
        ("AO-THUN-BASIC", "Áo thun cotton basic", 149000),
        ("AO-KHOAC-GIO", "Áo khoác gió hai lớp", 480000),
        ("KHAN-LUA", "Khăn lụa Vạn Phúc", 180000),
        ("NON-LA", "Nón lá Huế", 95000),
        ("TUI-COI", "Túi cói đi biển", 210000),
        ("DEP-QUAI-NGANG", "Dép quai ngang da", 250000),
    ],
    "sen-viet": [
        ("SRM-NGHE", "Sữa rửa mặt nghệ Hưng Yên", 145000),
        ("TONER-HOA-HONG", "Nước hoa hồng Bảo Lộc", 165000),
        ("SERUM-VITC", "Serum vitamin C 15%", 390000),
        ("KEM-CHONG-NANG", "Kem chống nắng SPF50", 285000),
        ("KEM-DUONG-DEM", "Kem dưỡng ẩm ban đêm", 320000),
        ("MAT-NA-BUN", "Mặt nạ bùn khoáng", 120000),
        ("SON-DUONG-GAC", "Son dưỡng dầu gấc", 89000),
        ("SON-KEM-LI", "Son kem lì màu đỏ gạch", 199000),
        ("DAU-GOI-BO-KET", "Dầu gội bồ kết", 135000),
        ("TINH-DAU-SA", "Tinh dầu sả chanh", 99000),
        ("XA-BONG-QUE", "Xà bông quế handmade", 65000),
        ("TAY-TE-BAO-CHET", "Tẩy tế bào chết cà phê Đắk Lắk", 155000),
    ],
}
DEFAULT_CATALOGUE = CATALOGUES["hoa-mai"]

# Final status -> share of a shop's orders.
STATUS_MIX = {
    S.COMPLETED: 34,
    S.DELIVERED: 10,
    S.SHIPPED: 6,
    S.READY_TO_SHIP: 3,
    S.PACKED: 3,
    S.QUALITY_CHECK: 2,
    S.PICKING: 3,
    S.ALLOCATED: 4,
    S.CONFIRMED: 8,
    S.PENDING_PAYMENT: 3,
    S.CANCELLED: 15,
    S.DELIVERY_FAILED: 3,
    S.RETURNED_TO_SENDER: 3,
}
CHANNEL_MIX = {Channel.WEBSITE: 30, Channel.APP: 20, Channel.FANPAGE: 20, Channel.MARKETPLACE: 25, Channel.POS: 5}
PAYMENT_MIX = {
    PaymentMethod.COD: 45,
    PaymentMethod.BANK_TRANSFER: 15,
    PaymentMethod.VNPAY: 15,
    PaymentMethod.MOMO: 20,
    PaymentMethod.CARD: 5,
}
PIPELINE = [S.PENDING_PAYMENT, S.CONFIRMED, S.ALLOCATED, S.PICKING, S.QUALITY_CHECK, S.PACKED, S.READY_TO_SHIP]
AFTER_HANDOVER = {
    S.SHIPPED: [S.SHIPPED],
    S.DELIVERED: [S.SHIPPED, S.DELIVERED],
    S.COMPLETED: [S.SHIPPED, S.DELIVERED, S.COMPLETED],
    S.DELIVERY_FAILED: [S.SHIPPED, S.DELIVERY_FAILED],
    S.RETURNED_TO_SENDER: [S.SHIPPED, S.DELIVERY_FAILED, S.RETURNED_TO_SENDER],
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


@dataclass
class Built:
    """Rows for one shop, inserted together at the end."""

    orders: list[Order] = field(default_factory=list)
    lines: dict[int, list[OrderLine]] = field(default_factory=dict)
    events: dict[int, list[tuple]] = field(default_factory=dict)
    stock: dict[int, list[tuple]] = field(default_factory=dict)


class ShopDemo:
    def __init__(self, shop, stdout):
        self.shop = shop
        self.stdout = stdout
        self.rng = random.Random(f"orders-{shop.slug}")
        self.now = timezone.now()
        self.built = Built()

    def run(self) -> None:
        self.products = self._products()
        self.customers = self._customers()
        for index in range(ORDERS_PER_SHOP):
            self._order(index)
        self._insert()
        self._gateway()

    def _products(self) -> list[Product]:
        catalogue = CATALOGUES.get(self.shop.slug, DEFAULT_CATALOGUE)
        products = [
            Product(shop=self.shop, sku=sku, name=name, price=Decimal(price), stock_on_hand=0, is_active=True)
            for sku, name, price in catalogue
        ]
        return Product.objects.bulk_create(products)

    def _customers(self) -> list[Customer]:
        customers = list(Customer.objects.current().filter(shop=self.shop).order_by("pk")[:400])
        if customers:
            return customers
        return [
            customer_upsert(
                shop=self.shop,
                external_id=f"demo-dh-{index:03d}",
                full_name=f"Khách hàng {index}",
                email=f"khach{index}@example.vn",
            )
            for index in range(40)
        ]

    def _placed_at(self, status: str) -> datetime:
        # Orders still in the warehouse are recent; finished ones spread over the whole history.
        if status in PIPELINE:
            return self.now - timedelta(hours=self.rng.uniform(0.5, 70))
        if status in (S.SHIPPED, S.DELIVERY_FAILED):
            return self.now - timedelta(days=self.rng.uniform(2, 6))
        if status == S.DELIVERED:
            return self.now - timedelta(days=self.rng.uniform(4, self.shop.return_window_days + 2))
        return self.now - timedelta(days=self.rng.uniform(self.shop.return_window_days + 8, HISTORY_DAYS))

    def _lines(self, order: Order) -> list[OrderLine]:
        chosen = self.rng.sample(self.products, k=self.rng.choice([1, 1, 1, 2, 2, 3]))
        lines = []
        for product in chosen:
            quantity = self.rng.choice([1, 1, 1, 2, 3])
            gross = product.price * quantity
            lines.append(
                OrderLine(
                    shop=self.shop,
                    product=product,
                    sku=product.sku,
                    name=product.name,
                    unit_price=product.price,
                    quantity=quantity,
                    total=gross,
                )
            )
        if self.rng.random() < 0.25:  # a 10 % voucher on a quarter of the orders
            gross = [line.total for line in lines]
            discount = money_round(sum(gross, ZERO) / 10, self.shop.currency)
            for line, part in zip(lines, allocate(discount, gross, self.shop.currency), strict=True):
                line.discount = part
                line.total -= part
            order.discount_total = discount
            order.voucher_codes = ["DEMO10"]
        order.subtotal = sum((line.unit_price * line.quantity for line in lines), ZERO)
        order.shipping_fee = Decimal(self.rng.choice([0, 15000, 25000, 30000]))
        order.total = order.subtotal - order.discount_total + order.shipping_fee
        return lines

    def _order(self, index: int) -> None:
        status = _pick(self.rng, STATUS_MIX)
        method = _pick(self.rng, PAYMENT_MIX)
        if status == S.PENDING_PAYMENT and method == PaymentMethod.COD:
            method = PaymentMethod.BANK_TRANSFER
        customer = self.customers[index % len(self.customers)]
        ward, province = self.rng.choice(PROVINCES)
        placed = self._placed_at(status)
        order = Order(
            shop=self.shop,
            customer=customer,
            channel=_pick(self.rng, CHANNEL_MIX),
            payment_method=method,
            currency=self.shop.currency,
            customer_name=customer.full_name,
            customer_email=customer.email,
            recipient_name=customer.full_name or "Khách hàng",
            recipient_phone=customer.phone or f"+8490{self.rng.randrange(10**7):07d}",
            street=f"{self.rng.randint(1, 200)} {self.rng.choice(STREETS)}",
            ward=ward,
            province=province,
            placed_at=placed,
            status=status,
        )
        lines = self._lines(order)
        self._timeline(order, status, lines)
        self.built.orders.append(order)
        self.built.lines[id(order)] = lines

    def _timeline(self, order: Order, status: str, lines: list[OrderLine]) -> None:
        """Walk the order to `status`, setting its dates and collecting its events and stock moves."""
        events = [(OrderEventType.PLACED, "", S.PENDING_PAYMENT, order.placed_at, ActorKind.CUSTOMER, "")]
        moves = [(StockMovementKind.RESERVED, 0, 1, order.placed_at)]
        if order.payment_method != PaymentMethod.COD:
            order.payment_due_at = order.placed_at + timedelta(minutes=self.shop.payment_timeout_minutes)
        if status == S.CANCELLED:
            self._cancel(order, events, moves)
        else:
            self._advance(order, status, events, moves)
        self.built.events[id(order)] = events
        self.built.stock[id(order)] = moves

    @staticmethod
    def _step(events, previous, status, at, actor=ActorKind.STAFF, kind=OrderEventType.STATUS_CHANGED):
        events.append((kind, previous, status, at, actor, ""))

    def _confirm(self, order: Order, events) -> datetime:
        prepaid = order.payment_method != PaymentMethod.COD
        at = order.placed_at + timedelta(minutes=self.rng.uniform(2, 50) if prepaid else 0.05)
        order.confirmed_at = at
        order.paid_at = at if prepaid else None
        order.ship_by_at = ship_by_deadline(shop=self.shop, confirmed_at=at)
        order.deliver_by_at = deliver_by_deadline(shop=self.shop, confirmed_at=at)
        actor = ActorKind.GATEWAY if prepaid else ActorKind.SYSTEM
        self._step(events, S.PENDING_PAYMENT, S.CONFIRMED, at, actor)
        return at

    def _advance(self, order: Order, status: str, events, moves) -> None:
        if status == S.PENDING_PAYMENT:
            order.payment_due_at = self.now + timedelta(minutes=self.rng.uniform(5, 55))
            return
        at = self._confirm(order, events)
        target = PIPELINE.index(status) if status in PIPELINE else len(PIPELINE)
        # Handover happens before the deadline for most orders; a few are late.
        late = self.rng.random() < 0.12
        handover = order.ship_by_at + timedelta(hours=self.rng.uniform(2, 30)) if late else None
        handover = handover or at + (order.ship_by_at - at) * self.rng.uniform(0.15, 0.9)
        for position, step in enumerate(PIPELINE[2 : target + 1]):
            moment = min(at + (handover - at) * (position + 1) / (len(PIPELINE) - 1), self.now)
            self._step(events, PIPELINE[PIPELINE.index(step) - 1], step, moment)
            if step == S.QUALITY_CHECK and status != S.QUALITY_CHECK and self.rng.random() < 0.05:
                # A faulty unit: back to picking, then checked again.
                kind = OrderEventType.QUALITY_CHECK_FAILED
                self._step(events, S.QUALITY_CHECK, S.PICKING, moment + timedelta(minutes=5), kind=kind)
                self._step(events, S.PICKING, S.QUALITY_CHECK, moment + timedelta(minutes=20))
        if status in AFTER_HANDOVER:
            self._deliver(order, status, handover, events, moves)

    def _deliver(self, order: Order, status: str, handover: datetime, events, moves) -> None:
        order.carrier = self.rng.choice(CARRIERS)
        order.tracking_number = f"{order.carrier[:3].upper().replace(' ', '')}{self.rng.randrange(10**9):09d}"
        handover = min(handover, self.now - timedelta(hours=1))
        order.shipped_at = handover
        moves.append((StockMovementKind.SHIPPED, -1, -1, handover))
        previous, moment = S.READY_TO_SHIP, handover
        for step in AFTER_HANDOVER[status]:
            if step == S.DELIVERED:
                moment = min(moment + timedelta(hours=self.rng.uniform(20, 110)), self.now - timedelta(minutes=30))
                order.delivered_at = moment
                order.return_window_ends_at = return_window_end(shop=self.shop, delivered_at=moment)
                if order.payment_method == PaymentMethod.COD:
                    order.paid_at = moment
            elif step == S.COMPLETED:
                moment = order.return_window_ends_at + timedelta(minutes=40)
                order.completed_at = moment
            elif step == S.DELIVERY_FAILED:
                moment = moment + timedelta(hours=self.rng.uniform(20, 60))
            elif step == S.RETURNED_TO_SENDER:
                moment = moment + timedelta(days=self.rng.uniform(2, 5))
                moves.append((StockMovementKind.RETURNED, 1, 0, moment))
            actor = ActorKind.SYSTEM if step == S.COMPLETED else ActorKind.CARRIER
            self._step(events, previous, step, moment, actor)
            previous = step

    def _cancel(self, order: Order, events, moves) -> None:
        prepaid = order.payment_method != PaymentMethod.COD
        if prepaid and self.rng.random() < 0.4:
            at, by, reason = order.payment_due_at, CancelledBy.SYSTEM, "Không thanh toán đúng hạn"
            previous = S.PENDING_PAYMENT
        else:
            self._confirm(order, events)
            at = order.confirmed_at + timedelta(hours=self.rng.uniform(0.5, 20))
            by = self.rng.choice([CancelledBy.CUSTOMER, CancelledBy.CUSTOMER, CancelledBy.SELLER])
            reason = "Khách đổi ý" if by == CancelledBy.CUSTOMER else "Hết hàng"
            previous = S.CONFIRMED
        order.cancelled_at, order.cancelled_by, order.cancel_reason = at, by, reason
        actor = {CancelledBy.SYSTEM: ActorKind.SYSTEM, CancelledBy.CUSTOMER: ActorKind.CUSTOMER}.get(
            by, ActorKind.STAFF
        )
        events.append((OrderEventType.STATUS_CHANGED, previous, S.CANCELLED, at, actor, reason))
        moves.append((StockMovementKind.RELEASED, 0, -1, at))

    @transaction.atomic
    def _insert(self) -> None:
        orders = Order.objects.bulk_create(self.built.orders, batch_size=BATCH)
        for order in orders:
            order.number = order_number(order.pk)
        Order.objects.bulk_update(orders, ["number"], batch_size=BATCH)
        lines, events, movements, counters = [], [], [], Counter()
        for order in orders:
            for line in self.built.lines[id(order)]:
                line.order = order
                lines.append(line)
                for kind, on_hand, reserved, at in self.built.stock[id(order)]:
                    movements.append(
                        StockMovement(
                            shop=self.shop,
                            product=line.product,
                            kind=kind,
                            on_hand_delta=on_hand * line.quantity,
                            reserved_delta=reserved * line.quantity,
                            order=order,
                            actor_kind=ActorKind.SYSTEM,
                            reason=f"Đơn {order.number}",
                            created_at=at,
                        )
                    )
                    counters[(line.product_id, "on_hand")] += on_hand * line.quantity
                    counters[(line.product_id, "reserved")] += reserved * line.quantity
            events += [
                OrderEvent(
                    shop=self.shop,
                    order=order,
                    type=kind,
                    from_status=previous,
                    to_status=status,
                    created_at=at,
                    actor_kind=actor,
                    note=note,
                    data={},
                )
                for kind, previous, status, at, actor, note in self.built.events[id(order)]
            ]
        OrderLine.objects.bulk_create(lines, batch_size=BATCH)
        OrderEvent.objects.bulk_create(events, batch_size=BATCH)
        self._stock(movements, counters)
        self._payments(orders)
        self._returns(orders)
        self.stdout.write(f"  {self.shop.name}: {len(orders)} orders, {len(self.products)} products")

    def _stock(self, movements: list[StockMovement], counters: Counter) -> None:
        """Receive enough stock before the first order that every counter ends where the moves say."""
        first = min((movement.created_at for movement in movements), default=self.now) - timedelta(days=1)
        received = []
        for product in self.products:
            shipped_out = -counters[(product.pk, "on_hand")]
            reserved = counters[(product.pk, "reserved")]
            # The last product runs low, so that an out-of-stock checkout is easy to try.
            spare = 2 if product is self.products[-1] else self.rng.randint(15, 160)
            on_hand = reserved + spare
            product.stock_on_hand, product.stock_reserved = on_hand, reserved
            received.append(
                StockMovement(
                    shop=self.shop,
                    product=product,
                    kind=StockMovementKind.RECEIVED,
                    on_hand_delta=on_hand + shipped_out,
                    actor_kind=ActorKind.STAFF,
                    reason="Nhập kho đầu kỳ",
                    created_at=first,
                )
            )
        StockMovement.objects.bulk_create(received + movements, batch_size=BATCH)
        Product.objects.bulk_update(self.products, ["stock_on_hand", "stock_reserved"])

    def _payments(self, orders: list[Order]) -> None:
        payments = [
            Payment(
                shop=self.shop,
                order=order,
                method=order.payment_method,
                transaction_id=order.number
                if order.payment_method == PaymentMethod.COD
                else f"{self.rng.randrange(10**10)}",
                amount=order.total,
                outcome=PaymentOutcome.COLLECTED
                if order.payment_method == PaymentMethod.COD
                else PaymentOutcome.CONFIRMED,
                received_at=order.paid_at,
            )
            for order in orders
            if order.paid_at
        ]
        Payment.objects.bulk_create(payments, batch_size=BATCH)

    def _returns(self, orders: list[Order]) -> None:
        """About one delivered order in twelve has a return, in every state a return can be in."""
        candidates = [order for order in orders if order.status in (S.DELIVERED, S.COMPLETED)]
        chosen = [order for order in candidates if self.rng.random() < 0.08]
        lines_of = {}
        for line in OrderLine.objects.filter(order__in=chosen).order_by("pk"):
            lines_of.setdefault(line.order_id, line)
        requests, returned = [], []
        for order in chosen:
            line = lines_of[order.pk]
            # Returns of orders still in their window are open; those of completed orders are settled.
            settled = [ReturnStatus.REFUNDED] * 4 + [ReturnStatus.REJECTED, ReturnStatus.EXCHANGED]
            open_ = [ReturnStatus.REQUESTED, ReturnStatus.APPROVED, ReturnStatus.RECEIVED]
            status = self.rng.choice(open_ if order.status == S.DELIVERED else settled)
            kind = ReturnKind.EXCHANGE if status == ReturnStatus.EXCHANGED else ReturnKind.REFUND
            refunded = status in (ReturnStatus.RECEIVED, ReturnStatus.REFUNDED) and kind == ReturnKind.REFUND
            amount = money_round(line.total / line.quantity, self.shop.currency) if refunded else ZERO
            requested = order.delivered_at + timedelta(days=self.rng.uniform(0.2, self.shop.return_window_days - 1))
            requested = max(min(requested, self.now - timedelta(minutes=10)), order.delivered_at)
            requests.append(
                ReturnRequest(
                    shop=self.shop,
                    order=order,
                    kind=kind,
                    reason=self.rng.choice(ReturnReason.values),
                    status=status,
                    evidence_note="Ảnh chụp sản phẩm lỗi đã gửi qua Zalo",
                    refund_amount=amount,
                    requested_at=requested,
                    decided_at=requested + timedelta(hours=5) if status != ReturnStatus.REQUESTED else None,
                    rejection_reason="Sản phẩm đã qua sử dụng" if status == ReturnStatus.REJECTED else "",
                )
            )
            returned.append((line, amount, status))
            if status == ReturnStatus.REFUNDED:
                order.refunded_amount = amount
        requests = ReturnRequest.objects.bulk_create(requests)
        ReturnLine.objects.bulk_create(
            ReturnLine(
                shop=self.shop,
                return_request=request,
                order_line=line,
                quantity=1,
                refund_amount=amount,
                outcome=ReturnOutcome.RESTOCK if status not in (ReturnStatus.REQUESTED, ReturnStatus.APPROVED) else "",
            )
            for request, (line, amount, status) in zip(requests, returned, strict=True)
        )
        Order.objects.bulk_update(chosen, ["refunded_amount"])

    def _gateway(self) -> None:
        code = f"{self.shop.slug.upper().replace('-', '')}-VNPAY"
        PaymentGateway.objects.update_or_create(
            shop=self.shop,
            provider=PaymentProvider.VNPAY,
            defaults={"merchant_code": code, "secret": DEMO_GATEWAY_SECRET, "is_active": True},
        )
        self.stdout.write(f"    VNPay notifications: merchant_code {code}, secret {DEMO_GATEWAY_SECRET}")


def seed(*, shops, stdout) -> None:
    """Products, ~1.000 orders and a VNPay account per shop; shops that have orders are skipped."""
    stdout.write("Orders:")
    for shop in shops:
        if Order.objects.filter(shop=shop).exists() or Product.objects.filter(shop=shop).exists():
            stdout.write(f"  {shop.name}: already has orders, left alone")
            continue
        ShopDemo(shop, stdout).run()
