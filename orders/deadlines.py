"""Deadlines counted in the shop's time zone: ship-by, deliver-by, end of the return window.

A deadline is the end of a local day (23:59:59), as sellers read it: "ship by Thursday". Working
days run Monday to Saturday, as Vietnamese carriers pick up; public holidays are not modelled.
"""

from datetime import date, datetime, time, timedelta

from sellercenter.models import Shop

SUNDAY = 6
END_OF_DAY = time(23, 59, 59)
# Days a carrier is expected to take after handover; sets the deliver-by date of on-time delivery.
TRANSIT_WORKING_DAYS = 3


def add_working_days(day: date, days: int) -> date:
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() != SUNDAY:
            days -= 1
    return day


def _end_of_local_day(shop: Shop, day: date) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=shop.tzinfo)


def ship_by_deadline(*, shop: Shop, confirmed_at: datetime) -> datetime:
    """End of the `handling_days`-th working day after the day the order was confirmed."""
    local_day = confirmed_at.astimezone(shop.tzinfo).date()
    return _end_of_local_day(shop, add_working_days(local_day, shop.handling_days))


def deliver_by_deadline(*, shop: Shop, confirmed_at: datetime) -> datetime:
    local_day = confirmed_at.astimezone(shop.tzinfo).date()
    return _end_of_local_day(shop, add_working_days(local_day, shop.handling_days + TRANSIT_WORKING_DAYS))


def return_window_end(*, shop: Shop, delivered_at: datetime) -> datetime:
    """End of the `return_window_days`-th calendar day after delivery."""
    local_day = delivered_at.astimezone(shop.tzinfo).date()
    return _end_of_local_day(shop, local_day + timedelta(days=shop.return_window_days))
