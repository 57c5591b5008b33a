"""The working-day calendar as the provincial office corrects it, and the deadlines it moves.

The calendar itself (``partydev.workdays``) is read from the ``holidays`` package and the
``CalendarDay`` table; this module holds the writes: who may declare a day, the declaration
(a day off or a working day, with the decree's number), and the recomputation of every stored
deadline that counts working days (``Candidate.next_due``), so the worklists show the new dates.
"""

import datetime
from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from organizations import permissions
from partydev.audit import bulk_history
from partydev.formats import short_date
from partydev.models import CalendarDay
from partydev.workdays import WorkCalendar, calendar_scope

from . import facts, rules
from .models import PIPELINE, Candidate, Stage

# Stages whose stored deadline counts working days: from the cell's vote to the proposal of
# recognition, in the pipeline's order (the certificate's expiry, before them, counts months).
WORKING_DAY_STAGES = tuple(PIPELINE[PIPELINE.index(Stage.CELL_VOTE) : PIPELINE.index(Stage.RECOGNITION_PROPOSED) + 1])
RECOMPUTE_REASON = "Tính lại thời hạn theo lịch làm việc"


# Who may edit the calendar is ``organizations.permissions.may_edit_calendar``; the old name stays.
can_edit_calendar = permissions.may_edit_calendar


def _require_editor(user: Any) -> None:
    permissions.require(user, permissions.may_edit_calendar)


@transaction.atomic
def calendar_day_declare(
    *, date: datetime.date, kind: str, decree_number: str, name: str = "", user: Any
) -> CalendarDay:
    """Declare ``date`` a day off or a working day under a decree; stored deadlines follow."""
    _require_editor(user)
    decree_number = (decree_number or "").strip()
    if not decree_number:
        raise ValidationError({"decree_number": "Cần ghi số văn bản (quyết định, thông báo) quy định ngày này."})
    if kind not in CalendarDay.Kind.values:
        raise ValidationError({"kind": "Hãy chọn ngày nghỉ hoặc ngày làm việc."})
    working = kind == CalendarDay.Kind.WORKING_DAY
    if WorkCalendar({}).is_working_day(date) == working:
        raise ValidationError(
            {"kind": f"Theo lịch nhà nước ngày {short_date(date)} đã là {CalendarDay.Kind(kind).label.lower()}."}
        )
    day = CalendarDay.objects.select_for_update().filter(date=date).first() or CalendarDay(date=date)
    day.kind, day.decree_number, day.name, day.recorded_by = kind, decree_number, (name or "").strip(), user
    day.full_clean()
    day.save()
    recompute_deadlines(since=date, user=user)
    return day


@transaction.atomic
def calendar_day_remove(pk: int, *, user: Any) -> None:
    """Withdraw a declared day (the package decides it again); stored deadlines follow."""
    _require_editor(user)
    day = CalendarDay.objects.select_for_update().filter(pk=pk).first()
    if day is None:
        raise ValidationError("Không tìm thấy ngày này trong lịch.")
    date = day.date
    day.delete()
    recompute_deadlines(since=date, user=user)


def recompute_deadlines(*, since: datetime.date | None = None, user: Any = None) -> int:
    """Recompute the stored next deadline of every candidate whose deadline counts working days,
    under the calendar as the database holds it now; returns how many changed.

    A change of one day ``since`` can only move deadlines that fall on or after it (a window
    ending before it does not contain it), so only those are read."""
    changed: list[Candidate] = []
    moves: Counter[facts.Key] = Counter()
    with calendar_scope(WorkCalendar.load()):
        candidates = Candidate.objects.filter(stage__in=WORKING_DAY_STAGES)
        if since is not None:
            candidates = candidates.filter(next_due__gte=since)
        for c in candidates.order_by("pk").iterator(chunk_size=2000):
            due, kind = rules.next_deadline(c)
            if (due, kind) != (c.next_due, c.due_kind):
                moves.subtract(facts.key_of(c))
                c.next_due, c.due_kind = due, kind
                moves.update(facts.key_of(c))
                changed.append(c)
    with transaction.atomic():
        Candidate.objects.bulk_update(changed, ["next_due", "due_kind"], batch_size=1000)
        facts.apply(moves)  # the worklists' deadline facts move with the deadlines
        bulk_history(Candidate, changed, reason=RECOMPUTE_REASON, user=user)
    return len(changed)
