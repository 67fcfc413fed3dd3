"""Statement periods, cut in the shop's time zone: weeks run Monday 00:00 to the next Monday 00:00,
months from the first of the month. Every range is half-open: [start, end)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from finance.models import StatementPeriod
from sellercenter.periods import local_midnight


def period_bounds(at: datetime, tz: ZoneInfo, kind: str) -> tuple[datetime, datetime]:
    """The period of `kind` that contains the instant `at`, as aware datetimes in `tz`."""
    day = at.astimezone(tz).date()
    if kind == StatementPeriod.MONTHLY:
        first = day.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return local_midnight(first, tz), local_midnight(following, tz)
    monday = day - timedelta(days=day.weekday())
    return local_midnight(monday, tz), local_midnight(monday + timedelta(days=7), tz)


def local_day(at: datetime, tz: ZoneInfo) -> date:
    return at.astimezone(tz).date()
