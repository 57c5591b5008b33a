"""The working-day calendar: the decreed swaps of the pinned ``holidays`` package, Lunar New
Year, and the days the provincial office declares, which win over the package at once."""

import datetime

import holidays
import pytest

from partydev.models import CalendarDay
from partydev.workdays import (
    WorkCalendar,
    add_working_days,
    calendar_scope,
    is_working_day,
    working_days_between,
)

D = datetime.date
pytestmark = pytest.mark.django_db


def test_the_package_is_the_pinned_version():
    # The dates below are those of this version; a new one must pass them before it is pinned.
    assert holidays.__version__ == "0.109"


@pytest.mark.parametrize(
    "day, working",
    [
        (D(2025, 4, 26), True),  # Saturday worked in exchange for Friday 02/05/2025
        (D(2025, 5, 2), False),
        (D(2026, 8, 22), True),  # Saturday worked in exchange for Monday 31/08/2026
        (D(2026, 8, 31), False),
        (D(2025, 4, 19), False),  # an ordinary Saturday
        (D(2025, 4, 25), True),
    ],
)
def test_decreed_swaps(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(
    "first, last",
    [
        (D(2025, 1, 27), D(2025, 1, 31)),  # Tết Ất Tỵ: Monday 27/01 to Friday 31/01/2025
        (D(2026, 2, 16), D(2026, 2, 20)),  # Tết Bính Ngọ: Monday 16/02 to Friday 20/02/2026
    ],
)
def test_lunar_new_year_is_off(first, last):
    day = first
    while day <= last:
        assert not is_working_day(day), day
        day += datetime.timedelta(days=1)
    assert is_working_day(first - datetime.timedelta(days=3))  # the Friday before
    assert is_working_day(last + datetime.timedelta(days=3))  # the Monday after


def test_thirty_working_days_from_1_april_2025_end_on_16_may():
    # Hùng Kings 07/04, 30/04, 01/05 and 02/05 off; Saturday 26/04 worked.
    assert add_working_days(D(2025, 4, 1), 30) == D(2025, 5, 16)
    assert working_days_between(D(2025, 4, 1), D(2025, 5, 16)) == 30


def test_a_declared_day_off_wins_over_the_package_at_once():
    day = D(2027, 3, 10)  # a Wednesday the package knows nothing about
    assert is_working_day(day)
    assert add_working_days(D(2027, 3, 9), 1) == day
    CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.DAY_OFF, decree_number="15/TB-VPCP")
    # No cache to clear: the next computation reads the table.
    assert not is_working_day(day)
    assert add_working_days(D(2027, 3, 9), 1) == D(2027, 3, 11)
    assert working_days_between(D(2027, 3, 9), D(2027, 3, 11)) == 1


def test_a_declared_working_saturday_and_a_withdrawn_package_day():
    saturday = D(2027, 3, 13)
    CalendarDay.objects.create(date=saturday, kind=CalendarDay.Kind.WORKING_DAY, decree_number="16/TB-VPCP")
    holiday = D(2027, 4, 30)
    CalendarDay.objects.create(date=holiday, kind=CalendarDay.Kind.WORKING_DAY, decree_number="17/TB-VPCP")
    assert is_working_day(saturday) and is_working_day(holiday)
    assert WorkCalendar({}).is_working_day(holiday) is False  # the package alone


def test_one_scope_reads_the_table_once(django_assert_num_queries):
    with django_assert_num_queries(1), calendar_scope():
        add_working_days(D(2025, 1, 2), 60)
        working_days_between(D(2025, 1, 2), D(2025, 6, 2))
        is_working_day(D(2026, 2, 17))


def test_a_nested_scope_sees_a_change_the_outer_one_does_not():
    day = D(2027, 3, 10)
    with calendar_scope() as outer:
        assert outer.is_working_day(day)
        CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.DAY_OFF, decree_number="15/TB-VPCP")
        assert is_working_day(day)  # the outer calendar was read before the change
        with calendar_scope(WorkCalendar.load()):
            assert not is_working_day(day)
