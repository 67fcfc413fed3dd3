"""Promotions demo data: campaigns of every kind and status, one offer per member tier, unique
voucher codes, a shared code (GIAM50K) with a small budget that the orders demo nearly spends, and
the abandoned-cart journey live (promotions.journeys.demo).

Everything is made through the services (create, publish, pause, end, generate); redemptions come
only from the orders demo's checkouts, so spend always equals the redemptions and the orders.
Idempotent: a campaign whose name the shop already has is left alone.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from customers.models import Channel
from loyalty.models import Tier
from promotions import services
from promotions.journeys import demo as journeys_demo
from promotions.models import Campaign, CodeMode, Kind

D = Decimal
TIER_PERCENT = {1: D("3"), 2: D("5"), 3: D("7"), 4: D("10"), 5: D("15")}
NEARLY_EXHAUSTED = "Giảm 50K đơn từ 400K (sắp hết ngân sách)"
NEARLY_EXHAUSTED_ORDERS = 38
CHANNELS = [Channel.WEBSITE, Channel.APP, Channel.APP, Channel.FANPAGE, Channel.MARKETPLACE]
# Products of each demo shop's catalogue (orders.demo) that campaigns name: published campaigns must
# name real products.
GIFT_SKU = "TUI-VAI-01"
FLASH_SALE = {
    "hoa-mai": ("Flash sale áo dài -20%", ["AO-DAI-01", "AO-DAI-02", "AO-DAI-03"]),
    "sen-viet": ("Flash sale serum và kem dưỡng -20%", ["SERUM-VITC", "KEM-CHONG-NANG", "KEM-DUONG-DEM"]),
}


def _campaigns(shop, now) -> list[tuple[dict, str]]:
    """(terms, what happens after it is created: publish / pause / end / draft)."""
    flash_name, flash_skus = FLASH_SALE.get(shop.slug, FLASH_SALE["hoa-mai"])
    month = {"starts_at": now - timedelta(days=14), "ends_at": now + timedelta(days=16)}
    return [
        (
            {
                "name": "Giảm 10% toàn shop",
                "kind": Kind.ORDER_PERCENTAGE,
                "value": D("10"),
                "min_subtotal": D("300000"),
                "max_discount": D("50000"),
                "budget": D("20000000"),
                **month,
            },
            "publish",
        ),
        (
            {
                "name": "Miễn phí vận chuyển đơn từ 199K",
                "kind": Kind.FREE_SHIPPING,
                "value": D("30000"),
                "min_subtotal": D("199000"),
                "budget": D("5000000"),
                **month,
            },
            "publish",
        ),
        (
            {
                "name": "Quà tặng túi vải cho đơn từ 500K",
                "kind": Kind.FREE_GIFT,
                "value": D("35000"),
                "gift_sku": GIFT_SKU,
                "min_subtotal": D("500000"),
                "budget": D("3500000"),
                "usage_limit_total": 100,
                **month,
            },
            "publish",
        ),
        (
            {
                "name": flash_name,
                "kind": Kind.SKU_PERCENTAGE,
                "value": D("20"),
                "skus": flash_skus,
                "exclusive": True,
                "priority": 10,
                "budget": D("8000000"),
                "starts_at": now - timedelta(days=1),
                "ends_at": now + timedelta(days=2),
            },
            "publish",
        ),
        (
            {
                "name": "Mã TET2026 giảm 50K",
                "kind": Kind.ORDER_AMOUNT,
                "value": D("50000"),
                "min_subtotal": D("350000"),
                "code_mode": CodeMode.SHARED,
                "code": "TET2026",
                "usage_limit_per_customer": 1,
                "exclusive": True,
                "budget": D("10000000"),
                "starts_at": now + timedelta(days=10),
                "ends_at": now + timedelta(days=25),
            },
            "publish",
        ),
        (
            {
                "name": "Chào bạn mới: giảm 30K đơn đầu tiên",
                "kind": Kind.ORDER_AMOUNT,
                "value": D("30000"),
                "code_mode": CodeMode.UNIQUE,
                "first_order_only": True,
                "usage_limit_per_customer": 1,
                "budget": D("3000000"),
                **month,
            },
            "publish",
        ),
        (
            {
                "name": NEARLY_EXHAUSTED,
                "kind": Kind.ORDER_AMOUNT,
                "value": D("50000"),
                "min_subtotal": D("400000"),
                "code_mode": CodeMode.SHARED,
                "code": "GIAM50K",
                "budget": D("2000000"),
                **month,
            },
            "publish",
        ),
        (
            {
                "name": "Ưu đãi fanpage cuối tuần",
                "kind": Kind.ORDER_PERCENTAGE,
                "value": D("8"),
                "channels": [Channel.FANPAGE],
                "budget": D("2000000"),
                **month,
            },
            "pause",
        ),
        (
            {
                "name": "Sale 9.9",
                "kind": Kind.ORDER_PERCENTAGE,
                "value": D("9"),
                "max_discount": D("90000"),
                "budget": D("9000000"),
                "starts_at": now - timedelta(days=40),
                "ends_at": now + timedelta(days=1),
            },
            "end",
        ),
        (
            {
                "name": "Sale 12.12 (bản nháp)",
                "kind": Kind.ORDER_PERCENTAGE,
                "value": D("12"),
                "max_discount": D("120000"),
                "budget": D("12000000"),
                "starts_at": now + timedelta(days=60),
                "ends_at": now + timedelta(days=61),
            },
            "draft",
        ),
    ]


def _tier_campaigns(shop, now) -> list[tuple[dict, str]]:
    return [
        (
            {
                "name": f"Ưu đãi hạng {tier.name}: giảm {TIER_PERCENT[tier.rank]:.0f}%",
                "kind": Kind.ORDER_PERCENTAGE,
                "value": TIER_PERCENT[tier.rank],
                "max_discount": D("30000") * tier.rank,
                "tiers": [tier],
                "budget": D("5000000"),
                "starts_at": now - timedelta(days=30),
                "ends_at": now + timedelta(days=60),
            },
            "publish",
        )
        for tier in Tier.objects.filter(shop=shop).order_by("rank")
    ]


AFTER_CREATE = {
    "publish": [services.campaign_publish],
    "pause": [services.campaign_publish, services.campaign_pause],
    "end": [services.campaign_publish, services.campaign_end],
    "draft": [],
}


def _create(shop, terms: dict, then: str) -> Campaign:
    campaign = services.campaign_create(shop=shop, **terms)
    for step in AFTER_CREATE[then]:
        campaign = step(campaign=campaign)
    return campaign


def seed(*, shops, stdout) -> None:
    now = timezone.now()
    for shop in shops:
        existing = set(Campaign.objects.filter(shop=shop).values_list("name", flat=True))
        created = 0
        for terms, then in _campaigns(shop, now) + _tier_campaigns(shop, now):
            if terms["name"] in existing:
                continue
            campaign = _create(shop, terms, then)
            created += 1
            if campaign.code_mode == CodeMode.UNIQUE:
                services.vouchers_generate(campaign=campaign, count=20, prefix="CHAO")
        stdout.write(f"Promotions: {shop.name}: {created} campaigns created ({len(existing)} were already there).")
    journeys_demo.seed(shops=shops, stdout=stdout)
