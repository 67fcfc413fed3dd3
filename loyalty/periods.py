"""Tier periods and qualification windows, cut in the shop's time zone.

A tier period is a calendar year of the shop's time zone. The qualification window decides which
spend counts: the calendar year itself, or the 365 days before the moment that matters.
Every range is half-open: [start, end).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from loyalty.models import QualificationWindow
from sellercenter.periods import YEARLY, period_bounds

ROLLING_DAYS = timedelta(days=365)
INSTANT = timedelta(microseconds=1)


def period_after_end(at: datetime, tz: ZoneInfo) -> datetime:
    """The end of the period after the one containing `at`: how long a tier reached at `at` is kept."""
    _start, end = period_bounds(at, tz, YEARLY)
    return period_bounds(end, tz, YEARLY)[1]


def window_at(at: datetime, tz: ZoneInfo, window: str) -> tuple[datetime, datetime]:
    """The window whose spend counts at the instant `at` (including what happened at `at`)."""
    if window == QualificationWindow.CALENDAR_YEAR:
        return period_bounds(at, tz, YEARLY)
    end = at + INSTANT
    return end - ROLLING_DAYS, end


def window_ending(boundary: datetime, tz: ZoneInfo, window: str) -> tuple[datetime, datetime]:
    """The window evaluated at a period end `boundary`: the period just over, or the 365 days before it."""
    if window == QualificationWindow.CALENDAR_YEAR:
        return period_bounds(boundary - INSTANT, tz, YEARLY)[0], boundary
    return boundary - ROLLING_DAYS, boundary
