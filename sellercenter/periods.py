"""Days, weeks, months and years as the shop lives them: cut at midnight in the shop's time zone,
every range half-open [start, end). The one place the apps cut calendar periods (finance's statement
periods, loyalty's tier years, the metrics' day ranges)."""

from datetime import date, datetime, time, timedelta, tzinfo

from dateutil.relativedelta import relativedelta

# The kinds of period `period_bounds` cuts; finance's StatementPeriod uses the same values.
WEEKLY = "weekly"
MONTHLY = "monthly"
YEARLY = "yearly"


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """00:00 of `day` in `tz`, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=tz)


def local_day(at: datetime, tz: tzinfo) -> date:
    """The day of `tz` the instant `at` falls on."""
    return at.astimezone(tz).date()


def local_days_bounds(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """[00:00 of `first`, 00:00 of the day after `last`) in `tz`: every instant of those local days."""
    return local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz)


def period_bounds(at: datetime, tz: tzinfo, kind: str) -> tuple[datetime, datetime]:
    """The period of `kind` (weekly: Monday to Monday, monthly: from the first of the month, yearly:
    the calendar year) that contains the instant `at`, as aware datetimes in `tz`."""
    day = local_day(at, tz)
    if kind == YEARLY:
        return local_midnight(date(day.year, 1, 1), tz), local_midnight(date(day.year + 1, 1, 1), tz)
    if kind == MONTHLY:
        first = day.replace(day=1)
        return local_midnight(first, tz), local_midnight(first + relativedelta(months=1), tz)
    if kind == WEEKLY:
        monday = day - timedelta(days=day.weekday())
        return local_midnight(monday, tz), local_midnight(monday + timedelta(days=7), tz)
    raise ValueError(f"unknown period kind {kind!r}")


def add_months(at: datetime, months: int, tz: tzinfo) -> datetime:
    """`at` plus whole months on the shop's calendar (31 January + 1 month = 28/29 February)."""
    return at.astimezone(tz) + relativedelta(months=months)
