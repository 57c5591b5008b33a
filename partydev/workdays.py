"""The Vietnamese working-day calendar: every legal deadline of the pipeline counts in it.

A working day is Monday to Friday and not a day off, where three sources decide, the first that
knows the day winning:

1. ``CalendarDay`` rows (``partydev.calendar_models``): days the provincial office declares, each
   with the decree or notice it comes from — a new day off declared in the year, or a weekend day
   worked in exchange;
2. the ``holidays`` package (pinned in ``pyproject.toml``): the public holidays of the Labour
   Code 2019 Art. 112 (Lunar New Year included), the days given in lieu, and the Saturdays the
   government's swap notices make working days (``weekend_workdays``: 26/04/2025 for 02/05/2025,
   22/08/2026 for 31/08/2026);
3. Saturday and Sunday are days off, every other day is a working day.

No calendar is kept in the process: an edit of the table would leave it stale in every other
worker. A ``WorkCalendar`` reads the table once (one query, when first asked) and lives for one
computation: a request (``WorkCalendarMiddleware`` opens a scope for each), a command, a
service (``calendar_scope()``; ``partydev.middleware.WorkCalendarMiddleware``). Outside any scope each call reads the table afresh.

This module imports no app.
"""

import calendar
import contextlib
import contextvars
import datetime
import functools
from collections.abc import Iterator

import holidays

from .calendar_models import CalendarDay

WEEKEND = {5, 6}  # Saturday, Sunday
COUNTRY = "VN"


class WorkCalendar:
    """The package's calendar with the declared days over it, for one computation."""

    def __init__(self, declared: dict[datetime.date, bool] | None = None):
        # date -> True (a working day) / False (a day off); None: read from the table when first needed.
        self._declared = declared
        self._years: dict[int, tuple[frozenset, frozenset]] = {}

    @classmethod
    def load(cls) -> "WorkCalendar":
        """The calendar as the database holds it now (one query)."""
        return cls(_declared_days())

    @property
    def declared(self) -> dict[datetime.date, bool]:
        if self._declared is None:
            self._declared = _declared_days()
        return self._declared

    def _package_year(self, year: int) -> tuple[frozenset, frozenset]:
        """(days off, weekend days worked) of ``year`` according to the ``holidays`` package."""
        if year not in self._years:
            self._years[year] = package_year(year)
        return self._years[year]

    def stamp(self) -> tuple:
        """What the declared days are, for the key of anything computed with this calendar."""
        return tuple(sorted(self.declared.items()))

    def source(self, day: datetime.date) -> str:
        """Which source decides ``day``: "declared", "package" or "week"."""
        if day in self.declared:
            return "declared"
        off, worked = self._package_year(day.year)
        if day in worked or day in off:
            return "package"
        return "week"

    def is_working_day(self, day: datetime.date) -> bool:
        declared = self.declared.get(day)
        if declared is not None:
            return declared
        off, worked = self._package_year(day.year)
        if day in worked:
            return True
        return day.weekday() not in WEEKEND and day not in off

    def add_working_days(self, day: datetime.date, n: int) -> datetime.date:
        step = 1 if n >= 0 else -1
        remaining = abs(n)
        current = day
        while remaining:
            current += datetime.timedelta(days=step)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, a: datetime.date, b: datetime.date) -> int:
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        current = a
        while current < b:
            current += datetime.timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count

    def days_off(self, year: int) -> list[tuple[datetime.date, str]]:
        """The year's weekday days off and weekend working days, with the source of each."""
        package = holidays.country_holidays(COUNTRY, years=year, language="vi")
        off, worked = self._package_year(year)
        days = {d: package.get(d, "") for d in off | worked}
        days.update({d: "" for d in self.declared if d.year == year})
        return sorted(days.items())


@functools.lru_cache(maxsize=128)
def package_year(year: int) -> tuple[frozenset, frozenset]:
    """(days off, weekend days worked) of ``year`` according to the ``holidays`` package: the
    package's own tables, the same in every process whatever the database holds, so computed
    once per year and process (about a millisecond each time otherwise). The days the database
    declares are read per calendar (``WorkCalendar.declared``) and win over these."""
    days = holidays.country_holidays(COUNTRY, years=year)
    # weekend_workdays also holds the swaps of other years the package always loads.
    worked = frozenset(d for d in getattr(days, "weekend_workdays", ()) if d.year == year)
    return frozenset(days.keys()), worked


def _declared_days() -> dict[datetime.date, bool]:
    return {day: kind == CalendarDay.Kind.WORKING_DAY for day, kind in CalendarDay.objects.values_list("date", "kind")}


_current: contextvars.ContextVar[WorkCalendar | None] = contextvars.ContextVar("partydev_work_calendar", default=None)


@contextlib.contextmanager
def calendar_scope(work_calendar: WorkCalendar | None = None) -> Iterator[WorkCalendar]:
    """Inside the block every working-day computation uses one calendar (by default one read
    from the table when first needed). Nested scopes replace the outer one for their block: a
    service that has just changed the table opens ``calendar_scope(WorkCalendar.load())``."""
    scoped = work_calendar or WorkCalendar()
    token = _current.set(scoped)
    try:
        yield scoped
    finally:
        _current.reset(token)


def current_calendar() -> WorkCalendar:
    """The calendar of the current scope, or one read now when no scope is open."""
    return _current.get() or WorkCalendar()


def is_working_day(day: datetime.date) -> bool:
    return current_calendar().is_working_day(day)


def add_working_days(day: datetime.date, n: int) -> datetime.date:
    """The date ``n`` working days after ``day`` (``day`` itself is not counted).

    "Within 60 working days of the resolution" ends on ``add_working_days(resolution, 60)``.
    ``n`` may be negative (counting back); ``n == 0`` returns ``day``.
    """
    return current_calendar().add_working_days(day, n)


def working_days_between(a: datetime.date, b: datetime.date) -> int:
    """How many working days lie after ``a`` up to and including ``b`` (negative if b < a)."""
    return current_calendar().working_days_between(a, b)


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
