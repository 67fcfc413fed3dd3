"""promotions.selectors.quote: a table of carts and campaigns, each with what must apply and why the
rest does not. Campaign names stand for campaigns in the expectations; unknown codes by the code."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from promotions.models import CodeMode, Kind
from promotions.quotes import QuoteLine
from promotions.selectors import quote
from sellercenter.errors import InvalidInput
from tests.orders.factories import ProductFactory
from tests.promotions.factories import (
    CampaignFactory,
    CustomerFactory,
    RedemptionFactory,
    VoucherFactory,
    member_in_tier,
    repeat_buyers_segment,
    tier_of,
)
from tests.sellercenter.factories import ShopFactory

pytestmark = pytest.mark.django_db

D = Decimal
CART = [("AO-THUN", 2, "150000"), ("QUAN-JEAN", 1, "200000")]  # subtotal 500.000 ₫
# 1 June 2025 00:00 in Asia/Ho_Chi_Minh (UTC+7) is 31 May 17:00 UTC.
JUNE_START = datetime(2025, 5, 31, 17, 0, tzinfo=UTC)
JULY_START = datetime(2025, 6, 30, 17, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def _coded(**fields):
    return {"code_mode": CodeMode.SHARED, **fields}


def _june(**fields):
    return _coded(
        code="THANG6", starts_at=JUNE_START, ends_at=JULY_START, published_at=JUNE_START - 10 * SECOND, **fields
    )


CASES = [
    # --- each kind ---
    ("order percentage", [{"name": "10%"}], {}, {"applied": {"10%": "50000"}, "total_discount": "50000"}),
    (
        "order percentage capped by max discount",
        [{"name": "10%", "max_discount": D("30000")}],
        {},
        {"applied": {"10%": "30000"}, "total_discount": "30000"},
    ),
    (
        "fixed amount never exceeds the subtotal",
        [{"name": "800k", "kind": Kind.ORDER_AMOUNT, "value": D("800000")}],
        {},
        {"applied": {"800k": "500000"}, "total_discount": "500000", "total": "0"},
    ),
    (
        "SKU discount on listed SKUs only",
        [{"name": "ao", "kind": Kind.SKU_PERCENTAGE, "value": D("20"), "skus": ["AO-THUN"]}],
        {},
        {"applied": {"ao": "60000"}, "line_discounts": ["60000", "0"], "total_discount": "60000"},
    ),
    (
        "SKU discount capped and spread over its lines",
        [
            {
                "name": "ao+quan",
                "kind": Kind.SKU_PERCENTAGE,
                "value": D("20"),
                "skus": ["AO-THUN", "QUAN-JEAN"],
                "max_discount": D("50000"),
            }
        ],
        {},
        # 60.000 and 40.000 wanted, 50.000 allowed: 30.000 + 20.000.
        {"applied": {"ao+quan": "50000"}, "line_discounts": ["30000", "20000"]},
    ),
    (
        "SKU discount with no listed SKU in the cart",
        [{"name": "giay", "kind": Kind.SKU_PERCENTAGE, "value": D("20"), "skus": ["GIAY"]}],
        {},
        {"rejected": {"giay": "no_matching_items"}, "total_discount": "0"},
    ),
    (
        "free shipping up to its amount",
        [{"name": "ship", "kind": Kind.FREE_SHIPPING, "value": D("30000")}],
        {"shipping_fee": "45000"},
        {"applied": {"ship": "30000"}, "shipping_discount": "30000", "total": "515000"},
    ),
    (
        "free shipping never exceeds the fee",
        [{"name": "ship", "kind": Kind.FREE_SHIPPING, "value": D("30000")}],
        {"shipping_fee": "22000"},
        {"applied": {"ship": "22000"}, "shipping_discount": "22000", "total": "500000"},
    ),
    (
        "free shipping without a fee gives nothing",
        [{"name": "ship", "kind": Kind.FREE_SHIPPING, "value": D("30000")}],
        {},
        {"rejected": {"ship": "no_matching_items"}},
    ),
    (
        "free gift costs the budget, not the customer",
        [{"name": "qua", "kind": Kind.FREE_GIFT, "value": D("45000"), "gift_sku": "TUI-VAI", "gift_quantity": 2}],
        {},
        {"applied": {"qua": "90000"}, "gifts": [("TUI-VAI", 2, "90000")], "total_discount": "0", "total": "500000"},
    ),
    # --- minimums, budget and limits ---
    ("minimum met", [{"name": "min", "min_subtotal": D("500000")}], {}, {"applied": {"min": "50000"}}),
    (
        "minimum not met",
        [{"name": "min", "min_subtotal": D("500001")}],
        {},
        {"rejected": {"min": "minimum_not_met"}, "total_discount": "0"},
    ),
    (
        "budget used up",
        [{"name": "het", "budget": D("1000000"), "spent": D("1000000")}],
        {},
        {"rejected": {"het": "budget_exhausted"}},
    ),
    (
        "remaining budget cannot cover the discount",
        [{"name": "gan-het", "budget": D("1000000"), "spent": D("960000")}],
        {},
        {"rejected": {"gan-het": "budget_exhausted"}},
    ),
    (
        "remaining budget covers the discount exactly",
        [{"name": "vua-du", "budget": D("1000000"), "spent": D("950000")}],
        {},
        {"applied": {"vua-du": "50000"}},
    ),
    (
        "total usage limit reached",
        [{"name": "gioi-han", "usage_limit_total": 3, "uses_count": 3}],
        {},
        {"rejected": {"gioi-han": "usage_limit_reached"}},
    ),
    ("paused", [{"name": "tam-dung", "paused_at": JUNE_START}], {}, {"rejected": {"tam-dung": "paused"}}),
    # --- channels ---
    (
        "channel eligible",
        [{"name": "app", "channels": ["app", "website"]}],
        {"channel": "app"},
        {"applied": {"app": "50000"}},
    ),
    (
        "channel not eligible",
        [{"name": "app", "channels": ["app"]}],
        {"channel": "pos"},
        {"rejected": {"app": "channel_not_eligible"}},
    ),
    # --- customers: first order, per-customer limit ---
    (
        "first order: guest counts as new",
        [{"name": "dau", "first_order_only": True}],
        {},
        {"applied": {"dau": "50000"}},
    ),
    (
        "first order: new customer",
        [{"name": "dau", "first_order_only": True}],
        {"customer": {"orders_count": 0}},
        {"applied": {"dau": "50000"}},
    ),
    (
        "first order: returning customer",
        [{"name": "dau", "first_order_only": True}],
        {"customer": {"orders_count": 3}},
        {"rejected": {"dau": "first_order_only"}},
    ),
    (
        "per-customer limit needs a customer",
        [{"name": "1-lan", "usage_limit_per_customer": 1}],
        {},
        {"rejected": {"1-lan": "customer_required"}},
    ),
    (
        "per-customer limit not reached",
        [{"name": "1-lan", "usage_limit_per_customer": 1}],
        {"customer": {}},
        {"applied": {"1-lan": "50000"}},
    ),
    (
        "per-customer limit reached",
        [{"name": "1-lan", "usage_limit_per_customer": 1}],
        {"customer": {}, "used_by_customer": ["1-lan"]},
        {"rejected": {"1-lan": "customer_limit_reached"}},
    ),
    # --- tiers and segments ---
    (
        "tier eligible",
        [{"name": "vang", "tier_ranks": [3, 4]}],
        {"customer": {"tier": 3}},
        {"applied": {"vang": "50000"}},
    ),
    (
        "tier not eligible",
        [{"name": "vang", "tier_ranks": [3, 4]}],
        {"customer": {"tier": 2}},
        {"rejected": {"vang": "tier_not_eligible"}},
    ),
    (
        "tier campaign and a guest",
        [{"name": "vang", "tier_ranks": [3]}],
        {},
        {"rejected": {"vang": "tier_not_eligible"}},
    ),
    (
        "segment member",
        [{"name": "mua-lai", "segment": "repeat"}],
        {"customer": {"orders_count": 2}},
        {"applied": {"mua-lai": "50000"}},
    ),
    (
        "not a segment member",
        [{"name": "mua-lai", "segment": "repeat"}],
        {"customer": {"orders_count": 1}},
        {"rejected": {"mua-lai": "segment_not_eligible"}},
    ),
    # --- dates, cut in the shop's time zone ---
    (
        "a second before the start: the code reads as unknown, as a guessed one would",
        [_june(name="t6")],
        {"codes": ["THANG6"], "at": JUNE_START - SECOND},
        {"rejected": {"THANG6": "unknown_code"}},
    ),
    ("at the start", [_june(name="t6")], {"codes": ["THANG6"], "at": JUNE_START}, {"applied": {"t6": "50000"}}),
    (
        "a second before the end",
        [_june(name="t6")],
        {"codes": ["THANG6"], "at": JULY_START - SECOND},
        {"applied": {"t6": "50000"}},
    ),
    ("at the end", [_june(name="t6")], {"codes": ["THANG6"], "at": JULY_START}, {"rejected": {"t6": "ended"}}),
    # --- codes ---
    (
        "shared code, any case",
        [_coded(name="tet", code="TET2025")],
        {"codes": [" tet2025 "]},
        {"applied": {"tet": "50000"}},
    ),
    ("code campaign without its code", [_coded(name="tet", code="TET2025")], {}, {"total_discount": "0"}),
    ("unknown code", [], {"codes": ["KHONGCO"]}, {"rejected": {"KHONGCO": "unknown_code"}}),
    (
        "draft campaign's code reads as unknown",
        [_coded(name="nhap", code="NHAP", published_at=None)],
        {"codes": ["NHAP"]},
        {"rejected": {"NHAP": "unknown_code"}},
    ),
    (
        "expired code",
        [_coded(name="cu", code="CU2024", starts_at=JUNE_START, ends_at=JULY_START, published_at=JUNE_START)],
        {"codes": ["CU2024"]},
        {"rejected": {"cu": "ended"}},
    ),
    (
        "ended early",
        [_coded(name="dung", code="DUNG", ended_at=JUNE_START)],
        {"codes": ["dung"]},
        {"rejected": {"dung": "ended"}},
    ),
    (
        "unique voucher code",
        [{"name": "rieng", "code_mode": CodeMode.UNIQUE}],
        {"vouchers": {"rieng": ["RIENG-ABC"]}, "codes": ["rieng-abc"]},
        {"applied": {"rieng": "50000"}},
    ),
    (
        "used voucher code",
        [{"name": "rieng", "code_mode": CodeMode.UNIQUE}],
        {"vouchers": {"rieng": ["RIENG-ABC"]}, "used_vouchers": ["RIENG-ABC"], "codes": ["RIENG-ABC"]},
        {"rejected": {"rieng": "voucher_used"}},
    ),
    (
        "two vouchers of one campaign",
        [{"name": "rieng", "code_mode": CodeMode.UNIQUE}],
        {"vouchers": {"rieng": ["RIENG-A", "RIENG-B"]}, "codes": ["RIENG-A", "RIENG-B"]},
        {"applied": {"rieng": "50000"}, "rejected": {"rieng": "already_applied"}},
    ),
    # --- stacking ---
    (
        "exclusive: higher priority wins over a bigger saving",
        [
            {"name": "uu-tien", "exclusive": True, "priority": 5, "value": D("5")},
            {"name": "lon", "exclusive": True, "priority": 1, "value": D("20")},
        ],
        {},
        {"applied": {"uu-tien": "25000"}, "rejected": {"lon": "not_combinable"}},
    ),
    (
        "exclusive: same priority, bigger saving wins",
        [
            {"name": "nho", "exclusive": True, "value": D("5")},
            {"name": "lon", "exclusive": True, "value": D("20")},
        ],
        {},
        {"applied": {"lon": "100000"}, "rejected": {"nho": "not_combinable"}},
    ),
    (
        "exclusive combines with non-exclusive ones",
        [
            {"name": "doc-quyen", "exclusive": True, "value": D("10")},
            {"name": "ao", "kind": Kind.SKU_PERCENTAGE, "value": D("20"), "skus": ["AO-THUN"]},
            {"name": "ship", "kind": Kind.FREE_SHIPPING, "value": D("30000")},
        ],
        {"shipping_fee": "30000"},
        # SKU discount first (60.000), then 10 % of the 440.000 left (44.000), then shipping.
        {
            "applied": {"ao": "60000", "doc-quyen": "44000", "ship": "30000"},
            "total_discount": "134000",
            "order_discount": "44000",
        },
    ),
    (
        "non-exclusive order discounts stack but never exceed the subtotal",
        [
            {"name": "300k-a", "kind": Kind.ORDER_AMOUNT, "value": D("300000"), "priority": 2},
            {"name": "300k-b", "kind": Kind.ORDER_AMOUNT, "value": D("300000"), "priority": 1},
            {"name": "10%", "priority": 0},
        ],
        {},
        {
            "applied": {"300k-a": "300000", "300k-b": "200000"},
            "rejected": {"10%": "not_combinable"},
            "total_discount": "500000",
            "total": "0",
        },
    ),
    (
        "a code and an automatic campaign together",
        [{"name": "tu-dong"}, _coded(name="tet", code="TET", kind=Kind.ORDER_AMOUNT, value=D("20000"))],
        {"codes": ["TET"]},
        {"applied": {"tu-dong": "50000", "tet": "20000"}, "total_discount": "70000"},
    ),
]


def _campaigns(shop, specs):
    campaigns = {}
    for spec in specs:
        spec = dict(spec)
        ranks = spec.pop("tier_ranks", [])
        if spec.get("segment") == "repeat":
            spec["segment"] = repeat_buyers_segment(shop)
        if spec.get("gift_sku"):
            # A gift is a product of the shop, in stock: a gift that is not is left out of the quote.
            ProductFactory(shop=shop, sku=spec["gift_sku"], stock_on_hand=50)
        campaign = CampaignFactory(shop=shop, **spec)
        campaign.tiers.set([tier_of(shop, rank) for rank in ranks])
        campaigns[campaign.name] = campaign
    return campaigns


def _customer(shop, spec):
    if spec is None:
        return None
    spec = dict(spec)
    rank = spec.pop("tier", None)
    return member_in_tier(shop, rank, **spec) if rank else CustomerFactory(shop=shop, **spec)


def _run(shop, specs, given):
    campaigns = _campaigns(shop, specs)
    for name, codes in given.get("vouchers", {}).items():
        for code in codes:
            used = code in given.get("used_vouchers", [])
            VoucherFactory(
                campaign=campaigns[name],
                code=code,
                used_at=timezone.now() if used else None,
                used_order_ref="SC-000001" if used else "",
            )
    customer = _customer(shop, given.get("customer"))
    for name in given.get("used_by_customer", []):
        RedemptionFactory(campaign=campaigns[name], customer=customer)
    result = quote(
        shop=shop,
        lines=[QuoteLine(sku, qty, D(price)) for sku, qty, price in CART],
        customer=customer,
        channel=given.get("channel", "website"),
        codes=given.get("codes", []),
        at=given.get("at"),
        shipping_fee=D(given.get("shipping_fee", "0")),
    )
    return result, {c.pk: name for name, c in campaigns.items()}


@pytest.mark.parametrize(("specs", "given", "expected"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_quote(shop, specs, given, expected):
    result, names = _run(shop, specs, given)

    applied = {names[a.campaign_id]: a.amount for a in result.applied}
    rejected = {names.get(r.campaign_id, r.code): r.reason for r in result.rejected}
    assert applied == {name: D(amount) for name, amount in expected.get("applied", {}).items()}
    assert rejected == expected.get("rejected", {})
    for field in ("total_discount", "total", "shipping_discount", "order_discount"):
        if field in expected:
            assert getattr(result, field) == D(expected[field]), field
    if "line_discounts" in expected:
        assert [line.discount for line in result.lines] == [D(d) for d in expected["line_discounts"]]
    if "gifts" in expected:
        assert [(g.sku, g.quantity, g.value) for g in result.free_gifts] == [
            (sku, qty, D(value)) for sku, qty, value in expected["gifts"]
        ]
    assert result.total_discount <= result.subtotal + result.shipping_fee
    assert result.total == result.subtotal + result.shipping_fee - result.total_discount


def test_totals_add_up_and_the_order_discount_is_shared_over_the_lines(shop):
    CampaignFactory(shop=shop, kind=Kind.ORDER_AMOUNT, value=D("100000"))

    result = quote(shop=shop, lines=[QuoteLine(s, q, D(p)) for s, q, p in CART], channel="website", codes=[])

    assert result.subtotal == D("500000")
    assert [line.order_discount_share for line in result.lines] == [D("60000"), D("40000")]
    assert [line.total for line in result.lines] == [D("240000"), D("160000")]
    assert result.total == D("400000")


def test_amounts_round_half_up_to_the_currency(shop):
    usd_shop = ShopFactory(currency="USD")
    CampaignFactory(shop=shop, value=D("10"))
    CampaignFactory(shop=usd_shop, value=D("10"))

    dong = quote(shop=shop, lines=[QuoteLine("A", 1, D("12345"))], channel="website", codes=[])
    dollars = quote(shop=usd_shop, lines=[QuoteLine("A", 1, D("10.05"))], channel="website", codes=[])

    assert dong.total_discount == D("1235")  # 1.234,5 ₫
    assert dollars.total_discount == D("1.01")  # $1.005


def test_date_boundaries_follow_the_shop_time_zone(db):
    tokyo = ShopFactory(time_zone="Asia/Tokyo")
    # Midnight 1 June in Tokyo (UTC+9) is 31 May 15:00 UTC.
    start = datetime(2025, 5, 31, 15, 0, tzinfo=UTC)
    CampaignFactory(shop=tokyo, name="tokyo", starts_at=start, ends_at=start + timedelta(days=30), published_at=start)

    def discount(at):
        return quote(
            shop=tokyo, lines=[QuoteLine("A", 1, D("1000"))], channel="website", codes=[], at=at
        ).total_discount

    assert discount(start - SECOND) == 0
    assert discount(start) == D("100")


def test_quote_changes_nothing(shop):
    campaign = CampaignFactory(shop=shop, code_mode=CodeMode.UNIQUE)
    VoucherFactory(campaign=campaign, code="MOTLAN")

    result = quote(shop=shop, lines=[QuoteLine("A", 1, D("100000"))], channel="website", codes=["MOTLAN"])

    campaign.refresh_from_db()
    assert [a.campaign_id for a in result.applied] == [campaign.pk]
    assert (campaign.spent, campaign.uses_count) == (0, 0)
    assert not campaign.vouchers.filter(used_at__isnull=False).exists()


def test_another_shops_codes_and_campaigns_do_not_exist_here(shop, other_shop):
    CampaignFactory(shop=other_shop, name="khac")
    CampaignFactory(shop=other_shop, code_mode=CodeMode.SHARED, code="KHAC")

    result = quote(shop=shop, lines=[QuoteLine("A", 1, D("100000"))], channel="website", codes=["KHAC"])

    assert result.applied == []
    assert [(r.code, r.reason) for r in result.rejected] == [("KHAC", "unknown_code")]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"channel": "tiktok"}, "channel"),
        ({"lines": [QuoteLine("", 1, D("1"))]}, "lines.0.sku"),
        ({"lines": [QuoteLine("A", 0, D("1"))]}, "lines.0.quantity"),
        ({"lines": [QuoteLine("A", 1, D("-1"))]}, "lines.0.unit_price"),
        ({"codes": [f"C{i}" for i in range(11)]}, "codes"),
        ({"shipping_fee": D("-1")}, "shipping_fee"),
    ],
)
def test_bad_input_names_the_field(shop, kwargs, field):
    arguments = {"lines": [QuoteLine("A", 1, D("1"))], "channel": "website", "codes": [], **kwargs}

    with pytest.raises(InvalidInput) as error:
        quote(shop=shop, **arguments)

    assert field in error.value.fields


def test_another_shops_customer_is_refused(shop, other_shop):
    with pytest.raises(InvalidInput) as error:
        quote(
            shop=shop,
            lines=[QuoteLine("A", 1, D("1"))],
            customer=CustomerFactory(shop=other_shop),
            channel="website",
            codes=[],
        )

    assert "customer" in error.value.fields


def test_queries_stay_fixed_however_many_campaigns(shop, django_assert_num_queries):
    customer = member_in_tier(shop, 2)
    for rank in range(1, 6):
        CampaignFactory(shop=shop, tiers=[tier_of(shop, rank)], usage_limit_per_customer=2)
    CampaignFactory(shop=shop, code_mode=CodeMode.SHARED, code="TET")
    lines = [QuoteLine("A", 1, D("100000"))]

    # Shared codes, vouchers, automatic campaigns, their tiers, the customer's uses, the customer's tier.
    with django_assert_num_queries(6):
        result = quote(shop=shop, lines=lines, customer=customer, channel="website", codes=["TET"])

    assert len(result.applied) == 2
