"""The Vietnamese working-day calendar: every legal deadline of the pipeline counts in it.

A working day is Monday to Friday and not a public holiday. Holidays come from the
``holidays`` package (Vietnam), which knows Lunar New Year and the days given in lieu. This
module imports no app.
"""

import calendar
import datetime
from functools import lru_cache

import holidays

WEEKEND = {5, 6}  # Saturday, Sunday


@lru_cache(maxsize=256)
def holidays_in(year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays("VN", years=year).keys())


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() not in WEEKEND and day not in holidays_in(day.year)


@lru_cache(maxsize=65536)
def add_working_days(day: datetime.date, n: int) -> datetime.date:
    """The date ``n`` working days after ``day`` (``day`` itself is not counted).

    "Within 60 working days of the resolution" ends on ``add_working_days(resolution, 60)``.
    ``n`` may be negative (counting back); ``n == 0`` returns ``day``.
    """
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    current = day
    while remaining:
        current += datetime.timedelta(days=step)
        if is_working_day(current):
            remaining -= 1
    return current


@lru_cache(maxsize=65536)
def working_days_between(a: datetime.date, b: datetime.date) -> int:
    """How many working days lie after ``a`` up to and including ``b`` (negative if b < a)."""
    if b < a:
        return -working_days_between(b, a)
    count = 0
    current = a
    while current < b:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, clamped to the end of a shorter month (31/01 + 1 → 28/02)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def full_months_between(start: datetime.date, end: datetime.date) -> int:
    """Completed months from ``start`` to ``end`` (age counted by month: 18 years = 216)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day and add_months(start, months) > end:
        months -= 1
    return months
