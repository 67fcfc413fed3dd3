"""The sample order report of each marketplace, made from the demo catalogue's SKUs and prices, for
the tests and the demo (`manage.py marketplace_samples` writes them to orders/marketplaces/samples/).

The same few orders are written through each marketplace's declaration: its headers, its words for
the statuses, its date format, its way of giving the seller's discount (a price after it, or the
discount itself), and one row per unit where the marketplace writes that.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from orders.marketplaces import MARKETPLACES, Marketplace
from orders.marketplaces.base import FEES
from orders.models import OrderStatus as S
from sellercenter.spreadsheet import xlsx_write

# The demo shops' time zone: the reports write local times.
SHOP_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
PRICES = {
    "AO-DAI-03": Decimal(690000),
    "SM-LINEN": Decimal(320000),
    "VAY-MAXI": Decimal(520000),
    "SM-CONG-SO": Decimal(280000),
    "AO-DAI-02": Decimal(1150000),
    "VAY-HOA-NHI": Decimal(450000),
}
ID_FORMATS = {"shopee": "250301SP{n:04d}", "lazada": "5120030{n:06d}", "tiktok_shop": "5768210{n:011d}"}


@dataclass(frozen=True)
class SampleOrder:
    status: str  # ours, or "" for an unpaid order the import leaves out
    lines: tuple[tuple[str, int, int], ...]  # (sku, quantity, seller's discount per unit)
    buyer: str
    recipient: str
    phone: str
    street: str
    district: str
    province: str
    placed_at: datetime
    shipping_fee: int = 30000
    fees: tuple[tuple[str, int], ...] = ()
    platform_discount: int = 0
    tracking_number: str = ""


SAMPLE_ORDERS = (
    SampleOrder(
        S.DELIVERED,
        (("AO-DAI-03", 1, 0), ("SM-LINEN", 2, 20000)),
        "lan.nguyen88",
        "Nguyễn Thị Lan",
        "0901234561",
        "12 Lý Thường Kiệt, Phường Hoàn Kiếm",
        "Hoàn Kiếm",
        "Hà Nội",
        datetime(2025, 3, 1, 9, 15, tzinfo=SHOP_TIME),
        fees=(("commission", 52000), ("service_fee", 39000), ("payment_fee", 38000)),
        platform_discount=15000,
        tracking_number="SPXVN0412345671",
    ),
    SampleOrder(
        S.SHIPPED,
        (("VAY-MAXI", 1, 0),),
        "minhthu.tran",
        "Trần Minh Thư",
        "0912345672",
        "45 Nguyễn Huệ, Phường Sài Gòn",
        "Quận 1",
        "Hồ Chí Minh",
        datetime(2025, 3, 2, 20, 40, tzinfo=SHOP_TIME),
        fees=(("commission", 21000), ("service_fee", 15600), ("payment_fee", 14000)),
        tracking_number="SPXVN0412345672",
    ),
    SampleOrder(
        S.CONFIRMED,
        (("SM-CONG-SO", 1, 30000),),
        "hoa.le",
        "Lê Thị Hoa",
        "0983456783",
        "8 Trần Phú, Phường Hải Châu",
        "Hải Châu",
        "Đà Nẵng",
        datetime(2025, 3, 3, 11, 5, tzinfo=SHOP_TIME),
        shipping_fee=0,
    ),
    SampleOrder(
        S.CANCELLED,
        (("AO-DAI-02", 1, 0),),
        "quang.pham",
        "Phạm Văn Quang",
        "0934567894",
        "101 Hai Bà Trưng, Phường Cầu Ông Lãnh",
        "Quận 1",
        "Hồ Chí Minh",
        datetime(2025, 3, 3, 15, 30, tzinfo=SHOP_TIME),
    ),
    SampleOrder(
        "",
        (("VAY-HOA-NHI", 1, 0),),
        "an.vo",
        "Võ Thị An",
        "0945678905",
        "3 Lê Lợi, Phường Vĩnh Ninh",
        "Huế",
        "Huế",
        datetime(2025, 3, 4, 8, 0, tzinfo=SHOP_TIME),
    ),
)


def _status_text(marketplace: Marketplace, status: str) -> str:
    if not status:
        return marketplace.ignored_statuses[0]
    return next(theirs for theirs, ours in marketplace.statuses.items() if ours == status)


def _split(amount: int, parts: int) -> list[int]:
    """`amount` over `parts` rows in whole dong, the remainder on the first."""
    share = amount // parts
    return [amount - share * (parts - 1), *[share] * (parts - 1)]


def _order_rows(marketplace: Marketplace, number: int, order: SampleOrder) -> list[dict]:
    units = [(sku, 1, discount) for sku, quantity, discount in order.lines for _unit in range(quantity)]
    items = units if marketplace.one_unit_per_row else list(order.lines)
    total = sum(PRICES[sku] * quantity - discount * quantity for sku, quantity, discount in order.lines)
    fees = dict(order.fees)
    per_order = {"shipping_fee": order.shipping_fee, **{kind: fees.get(kind, 0) for kind in FEES}}
    platform = _split(order.platform_discount, len(items))
    rows = []
    for index, (sku, quantity, discount) in enumerate(items):
        price = PRICES[sku]
        values = {
            "order_id": ID_FORMATS[marketplace.channel].format(n=number),
            "status": _status_text(marketplace, order.status),
            "placed_at": order.placed_at.strftime(marketplace.date_formats[0]),
            "sku": sku,
            "quantity": quantity,
            "unit_price": price,
            "sale_price": price - discount,
            "line_discount": discount * quantity,
            "platform_discount": platform[index],
            "order_total": total + order.shipping_fee,
            "buyer": order.buyer,
            "recipient_name": order.recipient,
            "phone": order.phone,
            "street": order.street,
            "district": order.district,
            "province": order.province,
            "carrier": {"shopee": "SPX Express", "lazada": "LEX VN", "tiktok_shop": "J&T Express"}[marketplace.channel],
            "tracking_number": order.tracking_number,
        }
        for name, value in per_order.items():
            values[name] = _split(value, len(items))[index] if name in marketplace.summed else value
        rows.append(values)
    return rows


def sample_table(marketplace: Marketplace) -> tuple[list[str], list[list]]:
    """The header and rows of the marketplace's sample report."""
    names = list(marketplace.columns)
    rows = [
        [values.get(name, "") for name in names]
        for number, order in enumerate(SAMPLE_ORDERS, start=1)
        for values in _order_rows(marketplace, number, order)
    ]
    return [marketplace.columns[name] for name in names], rows


def sample_path(channel: str) -> Path:
    return SAMPLES_DIR / f"{channel}.xlsx"


def samples_write(directory: Path = SAMPLES_DIR) -> list[Path]:
    """Write every marketplace's sample report as XLSX into `directory`; returns the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for channel, marketplace in MARKETPLACES.items():
        header, rows = sample_table(marketplace)
        path = directory / f"{channel}.xlsx"
        xlsx_write(path, str(marketplace.label), header, rows)
        paths.append(path)
    return paths
