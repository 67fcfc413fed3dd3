from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from sellercenter.periods import MONTHLY, WEEKLY, YEARLY, add_months, local_days_bounds, local_midnight, period_bounds

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def test_local_midnight_is_the_shops_midnight():
    assert local_midnight(date(2026, 11, 23), HCM) == datetime(2026, 11, 22, 17, 0, tzinfo=UTC)


def test_days_bounds_cover_every_instant_of_the_local_days():
    start, end = local_days_bounds(date(2026, 11, 1), date(2026, 11, 30), HCM)

    assert start == datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "kind", "start", "end"),
    [
        # 31 December 18:00 UTC is already 1 January in Hồ Chí Minh City: the next year.
        (datetime(2025, 12, 31, 18, 0, tzinfo=UTC), YEARLY, date(2026, 1, 1), date(2027, 1, 1)),
        (datetime(2026, 2, 14, 9, 0, tzinfo=HCM), MONTHLY, date(2026, 2, 1), date(2026, 3, 1)),
        (datetime(2026, 3, 1, 23, 0, tzinfo=HCM), WEEKLY, date(2026, 2, 23), date(2026, 3, 2)),
    ],
)
def test_periods_are_cut_at_the_shops_midnight(at, kind, start, end):
    assert period_bounds(at, HCM, kind) == (local_midnight(start, HCM), local_midnight(end, HCM))


def test_an_unknown_period_kind_is_refused():
    with pytest.raises(ValueError, match="fortnightly"):
        period_bounds(datetime(2026, 1, 1, tzinfo=UTC), HCM, "fortnightly")


def test_add_months_keeps_to_the_shops_calendar():
    assert add_months(datetime(2026, 1, 31, 12, 0, tzinfo=HCM), 1, HCM) == datetime(2026, 2, 28, 12, 0, tzinfo=HCM)
