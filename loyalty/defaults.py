"""The five tiers a new shop starts with (the data migration for existing shops uses them too).

Names and benefits are shop data in Vietnamese, as the shop's customers read them; staff rename them
in the admin.
"""

from decimal import Decimal

DEFAULT_TIERS = [
    {
        "rank": 1,
        "name": "Thành viên",
        "threshold": Decimal("0"),
        "earn_multiplier": Decimal("1.00"),
        "benefits": "Tích điểm trên mọi đơn hàng hoàn thành, dùng điểm để giảm giá đơn sau.",
    },
    {
        "rank": 2,
        "name": "Bạc",
        "threshold": Decimal("2000000"),
        "earn_multiplier": Decimal("1.25"),
        "benefits": "Tích điểm x1,25; quà tặng sinh nhật.",
    },
    {
        "rank": 3,
        "name": "Vàng",
        "threshold": Decimal("5000000"),
        "earn_multiplier": Decimal("1.50"),
        "benefits": "Tích điểm x1,5; miễn phí vận chuyển 2 đơn mỗi tháng; ưu đãi riêng hạng Vàng.",
    },
    {
        "rank": 4,
        "name": "Bạch kim",
        "threshold": Decimal("15000000"),
        "earn_multiplier": Decimal("1.75"),
        "benefits": "Tích điểm x1,75; miễn phí vận chuyển mọi đơn; mua sớm bộ sưu tập mới.",
    },
    {
        "rank": 5,
        "name": "Kim cương",
        "threshold": Decimal("40000000"),
        "earn_multiplier": Decimal("2.00"),
        "benefits": "Tích điểm x2; miễn phí vận chuyển hỏa tốc; chăm sóc khách hàng riêng; quà tri ân cuối năm.",
    },
]
