"""Reads of the follow-up: assignments in scope and which months have no check yet."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from organizations.models import Organization

from .models import Assignment, AssignmentQuerySet, CheckAction, CheckActionQuerySet, MonthlyCheck
from .months import month_start, months_between


@dataclass
class MonthStatus:
    """Which months of an assignment are checked, missing (past, no check) or due (this month)."""

    assignment: Assignment
    expected: list[datetime.date] = field(default_factory=list)
    done: list[datetime.date] = field(default_factory=list)
    missing: list[datetime.date] = field(default_factory=list)
    due: datetime.date | None = None

    @property
    def complete(self) -> bool:
        return not self.missing


def expected_months(
    assignment: Assignment,
    today: datetime.date,
    year: int | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> list[datetime.date]:
    """The months the assignment covers up to this month (optionally within a year or a period)."""
    if year is not None:
        date_from, date_to = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    first = max(assignment.start, date_from) if date_from else assignment.start
    last = min(assignment.end or today, today)
    if date_to:
        last = min(last, date_to)
    if last < first:
        return []
    return months_between(first, last)


def month_statuses(
    assignments: Iterable[Assignment],
    today: datetime.date | None = None,
    year: int | None = None,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> list[MonthStatus]:
    """The month status of each assignment: one query for all their checks.

    A past month with no check is missing; the current month with no check is due (not yet
    missing: the member still has until the month ends)."""
    today = today or timezone.localdate()
    assignments = list(assignments)
    checks: dict[int, set[datetime.date]] = {a.pk: set() for a in assignments}
    if assignments:
        rows = MonthlyCheck.objects.filter(assignment__in=[a.pk for a in assignments])
        if year is not None:
            rows = rows.filter(month__year=year)
        if date_from is not None:
            rows = rows.filter(month__gte=month_start(date_from))
        if date_to is not None:
            rows = rows.filter(month__lte=date_to)
        for assignment_id, month in rows.values_list("assignment_id", "month"):
            checks[assignment_id].add(month)
    this_month = month_start(today)
    result: list[MonthStatus] = []
    for a in assignments:
        status = MonthStatus(assignment=a, expected=expected_months(a, today, year, date_from, date_to))
        for month in status.expected:
            if month in checks[a.pk]:
                status.done.append(month)
            elif month < this_month:
                status.missing.append(month)
            else:
                status.due = month
        result.append(status)
    return result


def assignments_of(user: Any) -> AssignmentQuerySet:
    """The user's own assignments as a committee member, newest first."""
    return (
        Assignment.objects.filter(committee_member__user=user)
        .select_related("organization", "committee_member")
        .order_by("-start", "organization__path")
    )


def assignments_in_scope(
    user: Any, organization: Organization | None = None, active_on: datetime.date | None = None
) -> AssignmentQuerySet:
    """Assignments of organisations in the user's scope (within ``organization`` if given)."""
    qs = Assignment.objects.for_user(user).select_related("organization", "committee_member__committee")
    if organization is not None:
        qs = qs.filter(organization__path__startswith=organization.path)
    if active_on is not None:
        qs = qs.active_on(active_on)
    return qs.order_by("organization__path", "-start")


def overdue_actions(assignment_ids: Iterable[int], today: datetime.date) -> CheckActionQuerySet:
    """Open actions past their due date, agreed at checks of these assignments."""
    return (
        CheckAction.objects.filter(
            check_record__assignment__in=assignment_ids, done_on__isnull=True, due_date__lt=today
        )
        .select_related("check_record__assignment__organization")
        .order_by("due_date", "id")
    )


def open_actions_for(assignment: Assignment) -> CheckActionQuerySet:
    return (
        CheckAction.objects.filter(check_record__assignment=assignment)
        .filter(Q(done_on__isnull=True))
        .order_by("due_date", "id")
    )
