"""From a member's events to the periods of where they were and in what status.

A pure function, shared by the services (kept in step on every event) and the demo seed (which
bulk-loads tens of thousands of histories), so both derive periods the same way.

Events are taken in decision order. Each one may change the member's cell (on its decision
date) and their status (on ``status_from`` when given, else on the decision date): an official
member is official from the end of probation even when the decision comes weeks later, and a
transfer decided in between must not undo that. So the two components are placed on the
calendar separately and replayed in date order.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, Protocol

from .models import ACTIVE_STATUSES


@dataclass(frozen=True)
class Period:
    cell_id: int
    status: str
    start: datetime.date
    end: datetime.date | None


class Event(Protocol):
    """What the periods read of an event: a ``MembershipEvent``, a row of its values or the demo's."""

    @property
    def cell_id(self) -> int: ...
    @property
    def status_after(self) -> str: ...
    @property
    def effective_date(self) -> datetime.date: ...
    @property
    def status_from(self) -> datetime.date | None: ...


# (date, order, component, value): a cell change carries the cell's id, a status change the status.
_Change = tuple[datetime.date, int, Literal["cell"], int] | tuple[datetime.date, int, Literal["status"], str]


def periods_from_events(events: Iterable[Event]) -> list[Period]:
    """``events``: objects with ``cell_id``, ``status_after``, ``effective_date`` and
    ``status_from``, in decision order. Only active statuses give periods."""
    changes: list[_Change] = []
    cell: int | None = None
    status: str | None = None
    for order, e in enumerate(events):
        if e.cell_id != cell:
            changes.append((e.effective_date, order, "cell", e.cell_id))
            cell = e.cell_id
        if e.status_after != status:
            changes.append((e.status_from or e.effective_date, order, "status", e.status_after))
            status = e.status_after
    changes.sort(key=lambda c: (c[0], c[1]))

    periods: list[Period] = []
    cell, status = None, None
    start: datetime.date | None = None

    def close(day: datetime.date) -> None:
        if start is not None and status in ACTIVE_STATUSES and cell is not None and day > start:
            if periods and periods[-1].end == start and periods[-1].cell_id == cell and periods[-1].status == status:
                periods[-1] = Period(cell, status, periods[-1].start, day)
            else:
                periods.append(Period(cell, status, start, day))

    i = 0
    while i < len(changes):
        day = changes[i][0]
        new_cell, new_status = cell, status
        while i < len(changes) and changes[i][0] == day:
            change = changes[i]
            if change[2] == "cell":
                new_cell = change[3]
            else:
                new_status = change[3]
            i += 1
        if (new_cell, new_status) != (cell, status):
            close(day)
            cell, status, start = new_cell, new_status, day
    if start is not None and status in ACTIVE_STATUSES and cell is not None:
        if periods and periods[-1].end == start and periods[-1].cell_id == cell and periods[-1].status == status:
            periods[-1] = Period(cell, status, periods[-1].start, None)
        else:
            periods.append(Period(cell, status, start, None))
    return periods
