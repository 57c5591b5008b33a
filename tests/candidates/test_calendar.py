"""The calendar page: the provincial office declares a day off or a working day with its decree;
the stored deadlines move at once and the worklists show the new dates."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from candidates import calendar, facts
from candidates.models import Candidate, DueKind, Stage
from partydev.models import CalendarDay
from partydev.workdays import WorkCalendar, add_working_days

from .factories import candidate_at

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(tree):
    """A candidate the cell voted on 02/03/2026: the decision is due 60 working days later."""
    c = candidate_at(tree.CXA, Stage.CELL_VOTE, start=D(2026, 1, 5))
    assert c.due_kind == DueKind.DECISION and c.next_due == add_working_days(c.cell_vote_date, 60)
    return c


def test_the_office_declares_a_day_off_and_the_deadline_moves(login, users, waiting):
    before = waiting.next_due
    day = before - datetime.timedelta(days=7)
    while not WorkCalendar({}).is_working_day(day):
        day -= datetime.timedelta(days=1)
    client = login(users.province)
    response = client.post(
        reverse("candidates:calendar"),
        {"date": day.isoformat(), "kind": "day_off", "decree_number": "  12/TB-VPCP ", "name": "Nghỉ thử"},
    )
    assert response.status_code == 302
    row = CalendarDay.objects.get(date=day)
    assert row.decree_number == "12/TB-VPCP" and row.recorded_by == users.province
    waiting.refresh_from_db()
    assert waiting.next_due > before and waiting.next_due == add_working_days(waiting.cell_vote_date, 60)
    assert waiting.history.first().history_change_reason == calendar.RECOMPUTE_REASON
    assert facts.rebuild(dry_run=True) == {}  # the worklists' deadline facts moved with it
    # The secretary's worklist shows the new date.
    page = login(users.secretary_a).get(reverse("candidates:worklist") + "?org=" + waiting.cell.code)
    assert waiting.next_due.strftime("%d/%m/%Y") in page.content.decode()
    # Withdrawn: the package decides the day again, the deadline comes back.
    assert login(users.province).post(reverse("candidates:calendar"), {"remove": row.pk}).status_code == 302
    waiting.refresh_from_db()
    assert waiting.next_due == before and not CalendarDay.objects.exists()


def test_a_day_without_its_decree_is_refused_and_nothing_is_written(login, users, waiting):
    client = login(users.province)
    response = client.post(
        reverse("candidates:calendar"), {"date": "2026-03-11", "kind": "day_off", "decree_number": "  "}
    )
    assert response.status_code == 400
    assert "Cần ghi số văn bản" in str(response.context["form"].errors["decree_number"])
    assert not CalendarDay.objects.exists()
    waiting.refresh_from_db()
    assert waiting.history.count() == 2  # created, then back-filled: nothing recomputed


def test_a_declaration_that_changes_nothing_is_refused(users):
    with pytest.raises(ValidationError) as exc:
        calendar.calendar_day_declare(
            date=D(2026, 2, 17), kind="day_off", decree_number="1/TB", user=users.province
        )  # Tết already
    assert "kind" in exc.value.message_dict
    assert not CalendarDay.objects.exists()


def test_only_the_office_or_an_administrator_edits_the_calendar(login, users):
    for user in (users.secretary_a, users.grassroots, users.district_x):
        client = login(user)
        assert client.get(reverse("candidates:calendar")).status_code == 200  # everyone reads it
        post = {"date": "2026-03-11", "kind": "day_off", "decree_number": "12/TB-VPCP"}
        assert client.post(reverse("candidates:calendar"), post).status_code == 403
    assert not CalendarDay.objects.exists()
    assert calendar.can_edit_calendar(users.province)


def test_the_page_lists_the_package_days_with_the_swaps(login, users):
    page = login(users.secretary_a).get(reverse("candidates:calendar") + "?year=2025").content.decode()
    assert "26/04/2025: <strong>làm việc</strong>" in page
    assert "02/05/2025: nghỉ" in page


def test_recompute_deadlines_command(tree, waiting, capsys):
    day = waiting.next_due - datetime.timedelta(days=1)
    while not WorkCalendar({}).is_working_day(day):
        day -= datetime.timedelta(days=1)
    # Declared behind the services' back (as a restore or a raw fix would): the command catches up.
    CalendarDay.objects.create(date=day, kind="day_off", decree_number="13/TB-VPCP")
    call_command("recompute_deadlines")
    assert "1 hồ sơ" in capsys.readouterr().out
    assert Candidate.objects.get(pk=waiting.pk).next_due == add_working_days(waiting.cell_vote_date, 60)
    assert facts.rebuild(dry_run=True) == {}
    call_command("recompute_deadlines", "--from", "2026-01-01")
    assert "0 hồ sơ" in capsys.readouterr().out
