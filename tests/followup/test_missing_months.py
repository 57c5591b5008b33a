import datetime

import pytest

from followup.months import add_months, months_between
from followup.selectors import month_statuses
from tests.followup.factories import AssignmentFactory, MonthlyCheckFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def test_past_months_without_a_check_are_missing_and_this_month_is_due(
    tree, committee_member, django_assert_num_queries
):
    a = AssignmentFactory(committee_member=committee_member, organization=tree.GX, start=D(2022, 2, 15))
    for month in (2, 3, 5):
        MonthlyCheckFactory(assignment=a, month=D(2022, month, 1))
    with django_assert_num_queries(1):
        (status,) = month_statuses([a], today=D(2022, 7, 10))
    assert status.expected == [D(2022, m, 1) for m in range(2, 8)]
    assert status.done == [D(2022, 2, 1), D(2022, 3, 1), D(2022, 5, 1)]
    assert status.missing == [D(2022, 4, 1), D(2022, 6, 1)]
    assert status.due == D(2022, 7, 1)
    assert not status.complete


def test_an_ended_assignment_stops_expecting_checks_and_a_checked_month_is_not_due(tree, committee_member):
    ended = AssignmentFactory(
        committee_member=committee_member, organization=tree.GX, start=D(2022, 1, 1), end=D(2022, 3, 31)
    )
    MonthlyCheckFactory(assignment=ended, month=D(2022, 1, 1))
    current = AssignmentFactory(committee_member=committee_member, organization=tree.GXC, start=D(2022, 7, 1))
    MonthlyCheckFactory(assignment=current, month=D(2022, 7, 1), checked_on=D(2022, 7, 5))
    s_ended, s_current = month_statuses([ended, current], today=D(2022, 7, 10))
    assert s_ended.missing == [D(2022, 2, 1), D(2022, 3, 1)] and s_ended.due is None
    assert s_current.missing == [] and s_current.due is None and s_current.complete


def test_one_year_only(tree, committee_member):
    a = AssignmentFactory(committee_member=committee_member, organization=tree.GX, start=D(2021, 11, 1))
    MonthlyCheckFactory(assignment=a, month=D(2021, 11, 1))
    for m in range(1, 13):
        if m != 9:
            MonthlyCheckFactory(assignment=a, month=D(2022, m, 1))
    (status,) = month_statuses([a], today=D(2023, 2, 1), year=2022)
    assert len(status.expected) == 12 and status.missing == [D(2022, 9, 1)]
    (future,) = month_statuses([a], today=D(2022, 5, 1), year=2023)
    assert future.expected == []


def test_the_query_count_does_not_grow_with_assignments(tree, committee_member, django_assert_num_queries):
    many = [
        AssignmentFactory(
            committee_member=committee_member, organization=tree.GX, start=D(2020 - i, 1, 1), end=D(2020 - i, 12, 31)
        )
        for i in range(6)
    ]
    with django_assert_num_queries(1):
        statuses = month_statuses(many, today=D(2022, 7, 10))
    assert all(len(s.missing) == 12 for s in statuses)


def test_month_helpers():
    assert months_between(D(2022, 11, 30), D(2023, 2, 1)) == [
        D(2022, 11, 1),
        D(2022, 12, 1),
        D(2023, 1, 1),
        D(2023, 2, 1),
    ]
    assert add_months(D(2020, 2, 29), 60) == D(2025, 2, 28)
    assert add_months(D(2022, 1, 31), 1) == D(2022, 2, 28)
