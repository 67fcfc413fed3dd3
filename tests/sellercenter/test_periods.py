from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sellercenter.periods import local_days_bounds, local_midnight

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def test_local_midnight_is_the_shops_midnight():
    assert local_midnight(date(2026, 11, 23), HCM) == datetime(2026, 11, 22, 17, 0, tzinfo=UTC)


def test_days_bounds_cover_every_instant_of_the_local_days():
    start, end = local_days_bounds(date(2026, 11, 1), date(2026, 11, 30), HCM)

    assert start == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
