"""The range of days a seller asks figures for, in the shop's time zone, and the period before it."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellercenter.errors import InvalidInput
from sellercenter.models import Shop

MAX_DAYS = 366
PRESETS = {"today": 1, "7d": 7, "30d": 30, "90d": 90}
RANGE_LABELS = {
    "today": gettext_lazy("Today"),
    "7d": gettext_lazy("Last 7 days"),
    "30d": gettext_lazy("Last 30 days"),
    "90d": gettext_lazy("Last 90 days"),
    "custom": gettext_lazy("Custom"),
}


@dataclass(frozen=True)
class DayRange:
    key: str
    start: date
    end: date  # included

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> "DayRange":
        """As many days, right before."""
        end = self.start - timedelta(days=1)
        return DayRange(key="previous", start=end - timedelta(days=self.days - 1), end=end)

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=offset) for offset in range(self.days)]


def day_range_parse(
    *, shop: Shop, key: str | None, start: str | None = None, end: str | None = None, now: datetime | None = None
) -> DayRange:
    """`today`, `7d`, `30d`, `90d` (ending today, in the shop's time zone) or `custom` with `start` and
    `end` (YYYY-MM-DD, both included, at most 366 days). Refuses anything else naming the field."""
    key = key or "30d"
    today = (now or timezone.now()).astimezone(shop.tzinfo).date()
    if key in PRESETS:
        return DayRange(key=key, start=today - timedelta(days=PRESETS[key] - 1), end=today)
    if key != "custom":
        choices = ", ".join([*PRESETS, "custom"])
        raise InvalidInput(fields={"range": [_("Choose one of: %(choices)s.") % {"choices": choices}]})
    first, last = _parse_day("start", start), _parse_day("end", end)
    if last < first:
        raise InvalidInput(fields={"end": [_("The end is before the start.")]})
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput(fields={"end": [_("Ask for at most %(days)d days.") % {"days": MAX_DAYS}]})
    return DayRange(key=key, start=first, end=last)


def _parse_day(field: str, value: str | None) -> date:
    if not value:
        raise InvalidInput(fields={field: [_("This field is required for a custom range.")]})
    try:
        day = parse_date(value)
    except ValueError:
        day = None
    if day is None:
        raise InvalidInput(fields={field: [_("Enter a date as YYYY-MM-DD.")]})
    return day
