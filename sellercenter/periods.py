"""Days as the shop lives them: ranges cut at midnight in the shop's time zone, half-open [start, end)."""

from datetime import date, datetime, time, timedelta, tzinfo


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """00:00 of `day` in `tz`, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=tz)


def local_days_bounds(first: date, last: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """[00:00 of `first`, 00:00 of the day after `last`) in `tz`: every instant of those local days."""
    return local_midnight(first, tz), local_midnight(last + timedelta(days=1), tz)
