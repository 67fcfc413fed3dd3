from datetime import UTC, datetime

import pytest

from orders.deadlines import deliver_by_deadline, return_window_end, ship_by_deadline
from sellercenter.models import Shop

HCM = "Asia/Ho_Chi_Minh"


def _shop(**fields) -> Shop:
    return Shop(name="Hoa Mai", slug="hoa-mai", time_zone=HCM, **fields)


@pytest.mark.parametrize(
    ("confirmed_utc", "handling_days", "ship_by_local"),
    [
        # Friday 23:30 in Hồ Chí Minh City: Saturday counts, Sunday does not.
        (datetime(2026, 6, 5, 16, 30, tzinfo=UTC), 2, "2026-06-08 23:59:59"),
        # 18:00 UTC on Friday is already Saturday 01:00 there: the count starts from Saturday.
        (datetime(2026, 6, 5, 18, 0, tzinfo=UTC), 2, "2026-06-09 23:59:59"),
        # No handling days: the end of the day it was confirmed.
        (datetime(2026, 6, 3, 2, 0, tzinfo=UTC), 0, "2026-06-03 23:59:59"),
    ],
)
def test_ship_by_is_the_end_of_the_nth_working_day_in_the_shops_time_zone(confirmed_utc, handling_days, ship_by_local):
    shop = _shop(handling_days=handling_days)

    deadline = ship_by_deadline(shop=shop, confirmed_at=confirmed_utc)

    assert f"{deadline.astimezone(shop.tzinfo):%Y-%m-%d %H:%M:%S}" == ship_by_local
    assert deadline.utcoffset().total_seconds() == 7 * 3600


def test_deliver_by_adds_three_working_days_of_transit():
    shop = _shop(handling_days=1)

    deadline = deliver_by_deadline(shop=shop, confirmed_at=datetime(2026, 6, 1, 3, 0, tzinfo=UTC))  # Monday

    assert f"{deadline:%Y-%m-%d}" == "2026-06-05"


def test_the_return_window_closes_at_the_end_of_a_local_day():
    shop = _shop(return_window_days=7)

    end = return_window_end(shop=shop, delivered_at=datetime(2026, 6, 1, 20, 0, tzinfo=UTC))  # 2 June, 03:00 local

    assert f"{end.astimezone(shop.tzinfo):%Y-%m-%d %H:%M:%S}" == "2026-06-09 23:59:59"
