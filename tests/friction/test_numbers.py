"""Issue 19, numbers: whole people as integers with a dot for thousands; the projection held by
the history and shown as a range; a term compared with the term of the same length before it."""

import datetime
from decimal import Decimal

import pytest

from reports.periods import Period
from reports.projection import ProjectionRow, history_bounds


def test_a_term_is_compared_with_the_term_of_the_same_length_before_it():
    term = Period.years_range(2016, 2022)
    assert term.comparison() == Period.years_range(2009, 2015)
    assert Period.year(2022).comparison() == Period.year(2021)
    half = Period(datetime.date(2023, 1, 1), datetime.date(2023, 6, 30))
    assert half.comparison() == Period(datetime.date(2022, 1, 1), datetime.date(2022, 6, 30))


def test_history_bounds_the_forecast():
    # 1.400 admitted so far; 90–130 followed the same day in the last three years.
    assert history_bounds(1400, 6830, [90, 130, 110]) == (1490, 1400 + 163)
    # No history: the model's own figure.
    assert history_bounds(5, 9, [0, 0, 0]) == (9, 9)


def test_a_row_is_whole_people_held_within_the_range():
    row = ProjectionRow(
        org=None,
        admitted=1400,
        decided=3414,
        by_stage={},
        in_time={},
        expected_from_pipeline=Decimal("2016.4"),
        quota=1500,
        minimum=None,
        history_rest=[90, 130, 110],
    )
    assert row.model_expected == 6830 and row.is_bounded
    assert (row.expected_low, row.expected, row.expected_high) == (1490, 1563, 1563)
    assert isinstance(row.expected, int)
