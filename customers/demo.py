"""Customers demo data: Vietnamese customers with addresses, consent, tags, referrals, a few duplicate
profiles to merge, and four months of behaviour (sessions of views, searches, carts, checkouts,
e-mails opened, reviews) plus anonymous visitors, so that stages, segments and metrics show something
real. The orders, their `order_placed` events and the purchase facts come from the orders demo,
through the checkout.

Everything is written with bulk inserts; the journey stages are then computed by the same set-based
services production uses. Deterministic (seeded per shop) and idempotent: a shop
that already has demo customers is left alone.
"""

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from customers.models import (
    AcquisitionChannel,
    Address,
    AnonymousIdentity,
    Channel,
    ConsentRecord,
    Customer,
    CustomerEvent,
    CustomerPurchase,
    CustomerTag,
    EventType,
    Gender,
    MarketingChannel,
)
from customers.services import (
    customers_last_seen_refresh,
    journey_stages_refresh,
    purchase_facts_rebuild,
    segments_create_builtin,
)
from sellercenter.text import fold_accents

DEMO_PREFIX = "demo-"
CUSTOMERS_PER_SHOP = (500, 150)  # the first demo shop, then every other one
ANONYMOUS_VISITORS = 300
HISTORY_DAYS = 120
# Some customers compare a lot before they buy: many views and searches lately, no order yet.
RESEARCHER_SHARE = 0.06
RESEARCH_DAYS = 25
BATCH = 2000

SURNAMES = (
    ["Nguyễn"] * 8
    + ["Trần"] * 3
    + ["Lê"] * 3
    + ["Phạm"] * 2
    + ["Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"]
)
FEMALE_MIDDLE = ["Thị", "Thị", "Thu", "Ngọc", "Thanh", "Kim", "Phương", "Bảo"]
MALE_MIDDLE = ["Văn", "Văn", "Hữu", "Minh", "Đức", "Quốc", "Hoàng", "Thành", "Gia"]
FEMALE_NAMES = ["Lan", "Hương", "Linh", "Trang", "Hà", "Phương", "Thảo", "Ngọc", "Mai", "Yến", "Vy", "Hạnh", "Nhung",
                "Chi", "Anh", "Hằng", "Loan", "Trâm", "My", "Quỳnh"]  # fmt: skip
MALE_NAMES = ["Minh", "Dũng", "Hùng", "Tuấn", "Nam", "Hải", "Huy", "Long", "Quân", "Khánh", "Trung", "Sơn", "Phúc",
              "Bảo", "Đạt", "Hiếu", "Thắng", "Tùng", "Khoa", "Vinh"]  # fmt: skip
MOBILE_PREFIXES = ["90", "91", "93", "94", "96", "97", "98", "32", "33", "34", "35", "36", "37", "38", "39", "70",
                   "76", "77", "78", "79", "81", "82", "83", "84", "85", "86", "88", "89", "56", "58"]  # fmt: skip
MAIL_DOMAINS = ["gmail.com", "gmail.com", "gmail.com", "yahoo.com", "outlook.com", "icloud.com"]

# Province -> wards, with the old district for the addresses written before the 2025 reform.
PLACES = {
    "Hà Nội": [("Phường Hoàn Kiếm", "Quận Hoàn Kiếm"), ("Phường Ba Đình", "Quận Ba Đình"),
               ("Phường Cầu Giấy", "Quận Cầu Giấy"), ("Phường Đống Đa", "Quận Đống Đa"),
               ("Phường Hai Bà Trưng", "Quận Hai Bà Trưng"), ("Phường Long Biên", "Quận Long Biên")],
    "TP. Hồ Chí Minh": [("Phường Bến Thành", "Quận 1"), ("Phường Sài Gòn", "Quận 1"), ("Phường Tân Định", "Quận 1"),
                        ("Phường Bình Thạnh", "Quận Bình Thạnh"), ("Phường Phú Nhuận", "Quận Phú Nhuận"),
                        ("Phường Thủ Đức", "TP. Thủ Đức"), ("Phường Gò Vấp", "Quận Gò Vấp")],
    "Đà Nẵng": [("Phường Hải Châu", "Quận Hải Châu"), ("Phường Sơn Trà", "Quận Sơn Trà"),
                ("Phường Thanh Khê", "Quận Thanh Khê")],
    "Hải Phòng": [("Phường Lê Chân", "Quận Lê Chân"), ("Phường Ngô Quyền", "Quận Ngô Quyền")],
    "Cần Thơ": [("Phường Ninh Kiều", "Quận Ninh Kiều"), ("Phường Cái Răng", "Quận Cái Răng")],
    "Huế": [("Phường Thuận Hóa", "Quận Thuận Hóa"), ("Phường Phú Xuân", "Quận Phú Xuân")],
    "Khánh Hòa": [("Phường Nha Trang", "TP. Nha Trang")],
    "Lâm Đồng": [("Phường Xuân Hương - Đà Lạt", "TP. Đà Lạt")],
    "Quảng Ninh": [("Phường Hạ Long", "TP. Hạ Long")],
    "Nghệ An": [("Phường Vinh Phú", "TP. Vinh")],
}  # fmt: skip
# Where demo customers first came from, and how many in a hundred.
ACQUISITION_MIX = {
    AcquisitionChannel.WEBSITE: 35,
    AcquisitionChannel.APP: 15,
    AcquisitionChannel.FANPAGE: 25,
    AcquisitionChannel.MARKETPLACE: 15,
    AcquisitionChannel.POS: 7,
    AcquisitionChannel.REFERRAL: 3,
}
PROVINCE_WEIGHTS = [30, 34, 8, 5, 5, 4, 4, 3, 3, 4]
STREETS = ["Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Lý Thường Kiệt", "Nguyễn Trãi", "Hùng Vương",
           "Phan Chu Trinh", "Quang Trung", "Điện Biên Phủ", "Pasteur", "Lê Duẩn", "Bạch Đằng", "Hàng Bạc"]  # fmt: skip

PRODUCTS = [
    ("AO-THUN-01", "Áo thun cotton basic", 199000),
    ("AO-SOMI-02", "Áo sơ mi linen", 459000),
    ("VAY-HOA-03", "Váy hoa nhí", 529000),
    ("QUAN-JEAN-04", "Quần jean ống suông", 489000),
    ("AO-DAI-05", "Áo dài cách tân", 1250000),
    ("TUI-XACH-06", "Túi xách da", 890000),
    ("KHAN-LUA-07", "Khăn lụa tơ tằm", 350000),
    ("GIAY-08", "Giày sneaker trắng", 690000),
    ("SERUM-09", "Serum vitamin C", 420000),
    ("SON-10", "Son kem lì", 259000),
]
SEARCHES = ["áo thun", "váy đi biển", "áo dài tết", "quần jean nữ", "túi da", "quà tặng mẹ", "son đỏ", "giày trắng"]
UTM = [
    ("facebook", "cpc", "tet-2026"),
    ("google", "organic", ""),
    ("zalo", "oa", "khach-moi"),
    ("tiktok", "video", "kol-thang-3"),
]


# A smaller demo (seed_demo --size) still has enough customers for every segment and journey stage.
MIN_CUSTOMERS = 30


def seed(*, shops, stdout, scale: float = 1.0) -> None:
    """`scale` multiplies the number of customers per shop (seed_demo's orders per shop against its
    default), so that a smaller demo keeps the same mix of customers to orders."""
    visitors = round(ANONYMOUS_VISITORS * min(scale, 1.0))
    for index, shop in enumerate(shops):
        segments_create_builtin(shop=shop)
        if Customer.objects.filter(shop=shop, external_id__startswith=DEMO_PREFIX).exists():
            stdout.write(f"Customers: {shop.name} already has its demo customers.")
            continue
        count = max(MIN_CUSTOMERS, round(CUSTOMERS_PER_SHOP[min(index, 1)] * scale))
        with transaction.atomic():
            summary = _DemoShop(shop, random.Random(f"customers-{shop.slug}")).build(count, visitors)
        stdout.write(f"Customers: {shop.name}: {summary}.")


class _DemoShop:
    def __init__(self, shop, dice: random.Random):
        self.shop = shop
        self.dice = dice
        self.now = timezone.now()
        self.events: list[CustomerEvent] = []
        self.purchases: list[CustomerPurchase] = []

    def build(self, count: int, visitors: int) -> str:
        customers = Customer.objects.bulk_create([self._customer(number) for number in range(1, count + 1)])
        self._duplicates(customers)
        self._referrals(customers)
        Address.objects.bulk_create([a for c in customers for a in self._addresses(c)], batch_size=BATCH)
        ConsentRecord.objects.bulk_create([r for c in customers for r in self._consents(c)], batch_size=BATCH)
        CustomerTag.objects.bulk_create(self._tags(customers), batch_size=BATCH)
        identities = []
        for customer in customers:
            anonymous_id = f"anon-{self.shop.pk}-{customer.pk}"
            identities.append(AnonymousIdentity(shop=self.shop, anonymous_id=anonymous_id, customer=customer))
            if self.dice.random() < RESEARCHER_SHARE:
                for _ in range(5):
                    self._session(customer, anonymous_id, days=RESEARCH_DAYS, may_order=False)
                continue
            for _ in range(self.dice.choice([0, 1, 1, 2, 3, 4, 6])):
                self._session(customer, anonymous_id)
        for visitor in range(visitors):
            self._session(None, f"anon-{self.shop.pk}-visitor-{visitor}")
        AnonymousIdentity.objects.bulk_create(identities, batch_size=BATCH)
        CustomerEvent.objects.bulk_create(self.events, batch_size=BATCH)
        CustomerPurchase.objects.bulk_create(self.purchases, batch_size=BATCH)
        ids = [c.pk for c in customers]
        purchase_facts_rebuild(shop_id=self.shop.pk, customer_ids=ids)
        customers_last_seen_refresh(shop_id=self.shop.pk, customer_ids=ids)
        journey_stages_refresh(shop_id=self.shop.pk)
        return f"{count} customers, {len(self.events)} events"

    def _customer(self, number: int) -> Customer:
        dice = self.dice
        female = dice.random() < 0.62
        middle = dice.choice(FEMALE_MIDDLE if female else MALE_MIDDLE)
        given = dice.choice(FEMALE_NAMES if female else MALE_NAMES)
        surname = dice.choice(SURNAMES)
        channel = dice.choices(list(ACQUISITION_MIX), weights=list(ACQUISITION_MIX.values()))[0]
        utm = dice.choice(UTM) if channel in (Channel.WEBSITE, Channel.FANPAGE) else ("", "", "")
        mail_name = fold_accents(f"{given}.{surname}").lower()
        return Customer(
            shop=self.shop,
            external_id=f"{DEMO_PREFIX}{number:05d}",
            full_name=f"{surname} {middle} {given}",
            email=f"{mail_name}{dice.randint(1, 999)}@{dice.choice(MAIL_DOMAINS)}" if dice.random() < 0.8 else "",
            phone=f"+84{dice.choice(MOBILE_PREFIXES)}{dice.randint(0, 9_999_999):07d}",
            gender=Gender.FEMALE if female else Gender.MALE,
            birth_date=(self.now - timedelta(days=dice.randint(18 * 365, 55 * 365))).date()
            if dice.random() < 0.6
            else None,
            acquisition_channel=channel,
            acquisition_source={"marketplace": "Shopee", "fanpage": "Facebook"}.get(channel, ""),
            utm_source=utm[0],
            utm_medium=utm[1],
            utm_campaign=utm[2],
        )

    def _duplicates(self, customers: list[Customer]) -> None:
        """A few customers signed up twice (at the counter and online): same phone, new profile."""
        twins = [
            Customer(
                shop=self.shop,
                external_id=f"{original.external_id}-pos",
                full_name=original.full_name.split()[-1],
                phone=original.phone,
                acquisition_channel=Channel.POS,
            )
            for original in self.dice.sample(customers, 5)
        ]
        customers.extend(Customer.objects.bulk_create(twins))

    def _referrals(self, customers: list[Customer]) -> None:
        referred = self.dice.sample(customers[10:], 12)
        for customer in referred:
            customer.referred_by = self.dice.choice(customers[:10])
            customer.acquisition_channel = AcquisitionChannel.REFERRAL
        Customer.objects.bulk_update(referred, ["referred_by", "acquisition_channel"])

    def _addresses(self, customer: Customer) -> list[Address]:
        addresses = []
        for number in range(self.dice.choice([0, 1, 1, 1, 2])):
            province = self.dice.choices(list(PLACES), weights=PROVINCE_WEIGHTS)[0]
            ward, district = self.dice.choice(PLACES[province])
            addresses.append(
                Address(
                    shop=self.shop,
                    customer=customer,
                    label=["Nhà riêng", "Công ty"][number],
                    recipient_name=customer.full_name,
                    phone=customer.phone,
                    street=f"{self.dice.randint(1, 250)} {self.dice.choice(STREETS)}",
                    ward=ward,
                    # Addresses written before the 2025 reform still carry the district.
                    district=district if self.dice.random() < 0.4 else "",
                    province=province,
                    is_default=number == 0,
                )
            )
        return addresses

    def _consents(self, customer: Customer) -> list[ConsentRecord]:
        records = []
        for channel, share in (
            (MarketingChannel.EMAIL, 0.6),
            (MarketingChannel.ZALO, 0.45),
            (MarketingChannel.SMS, 0.25),
        ):
            if self.dice.random() >= share:
                continue
            granted_at = self.now - timedelta(days=self.dice.randint(30, HISTORY_DAYS + 60))
            records.append(self._consent(customer, channel, True, granted_at, "checkout_form"))
            if self.dice.random() < 0.1:
                withdrawn_at = granted_at + timedelta(days=self.dice.randint(1, 25))
                records.append(self._consent(customer, channel, False, withdrawn_at, "unsubscribe_link"))
        return records

    def _consent(self, customer, channel, granted, at, source) -> ConsentRecord:
        return ConsentRecord(
            shop=self.shop,
            customer=customer,
            channel=channel,
            granted=granted,
            recorded_at=at,
            source=source,
            wording_version="2025-01" if granted else "",
            evidence={"ip": f"113.161.{self.dice.randint(0, 255)}.{self.dice.randint(1, 254)}"},
        )

    def _tags(self, customers: list[Customer]) -> list[CustomerTag]:
        tags = []
        for customer in customers:
            for name, share in (("khách sỉ", 0.04), ("thích khuyến mãi", 0.1), ("hay đổi trả", 0.03)):
                if self.dice.random() < share:
                    tags.append(CustomerTag(shop=self.shop, customer=customer, name=name))
        return tags

    def _event(self, customer, anonymous_id, session_id, event_type, at: datetime, channel, **properties):
        self.events.append(
            CustomerEvent(
                shop=self.shop,
                customer=customer,
                customer_external_id=customer.external_id if customer else "",
                anonymous_id=anonymous_id,
                session_id=session_id,
                event_id=f"demo-{self.shop.pk}-{len(self.events) + 1}",
                type=event_type,
                channel=channel,
                properties=properties,
                occurred_at=at,
                received_at=at + timedelta(seconds=2),
            )
        )

    def _session(self, customer: Customer | None, anonymous_id: str, days=HISTORY_DAYS, may_order=True) -> None:
        """One visit in the last `days`: a landing page, then deeper the more interested the visitor is."""
        dice = self.dice
        at = self.now - timedelta(days=dice.uniform(0, days))
        session_id = f"s-{self.shop.pk}-{len(self.events) + 1}"
        channel = dice.choices([Channel.WEBSITE, Channel.APP, Channel.FANPAGE], weights=[60, 30, 10])[0]

        def step(event_type, **properties):
            nonlocal at
            at += timedelta(seconds=dice.randint(10, 240))
            self._event(customer, anonymous_id, session_id, event_type, at, channel, **properties)

        step(EventType.PAGE_VIEW, url="/")
        if dice.random() < (0.35 if may_order else 0.9):
            step(EventType.SEARCH, query=dice.choice(SEARCHES))
        viewed = dice.sample(PRODUCTS, dice.choice([0, 1, 2, 3, 4] if may_order else [2, 3, 4]))
        for sku, name, price in viewed:
            step(EventType.PRODUCT_VIEW, sku=sku, name=name, price=price, url=f"/san-pham/{sku.lower()}")
        cart = [product for product in viewed if dice.random() < 0.45]
        for sku, _name, price in cart:
            step(EventType.ADD_TO_CART, sku=sku, price=price, quantity=dice.choice([1, 1, 1, 2]))
        if cart and may_order and dice.random() < 0.6:
            step(EventType.CHECKOUT_STARTED)
            if dice.random() < 0.7:
                self._order(customer, step, cart, at)
        if customer is not None and dice.random() < 0.15:
            step(EventType.EMAIL_OPENED, campaign="ban-tin-thang")
        if customer is not None and dice.random() < 0.04:
            step(EventType.CHAT_STARTED)

    def _order(self, customer, step, cart, at: datetime) -> None:
        # The order itself is placed by the orders demo through the checkout, which records the
        # purchase and the `order_placed` event; a visit here only gets as far as the checkout.
        if customer is not None and self.dice.random() < 0.2:
            step(EventType.REVIEW_POSTED, rating=self.dice.choice([4, 5, 5, 5]))
