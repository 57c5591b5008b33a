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


@pytest.mark.django_db
def test_the_members_at_the_start_are_the_periods_own_not_the_same_in_both_columns(login, users, tree):
    """The walk saw "Đảng viên đầu kỳ" with one value for the period and for the one it is
    compared with: each is counted at its own start (01/01/2022 and 01/01/2021 here)."""
    from tests.members.factories import admit

    for i in range(3):
        admit(tree.CXA, datetime.date(2020, 5, 4), full_name=f"Lò Văn Cũ {i}")
    for i in range(2):
        admit(tree.CXA, datetime.date(2021, 5, 4), full_name=f"Lò Văn Mới {i}")
    response = login(users.province).get(f"/dashboard/{tree.P.code}/?from=2022-01-01&to=2022-12-31")
    totals = response.context["result"].totals
    assert (totals.members_at_start, totals.prev_members_at_start) == (5, 3)
    html = response.content.decode()
    footer = html.split('data-testid="achievement"')[1].split("<tfoot>")[1].split("</tfoot>")[0]
    assert 'data-label="Đảng viên đầu kỳ">5<' in footer
