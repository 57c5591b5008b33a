"""A small in-process memo of the heavy per-cell counts, keyed by a stamp of the data.

Counting the members of 3,184 cells at a date reads every membership period (about 140,000 at
the demo scale); admissions read every admission event. Both tables are append-only in effect:
events are never updated or deleted, and the periods of a membership are rebuilt (new rows, new
ids: AUTOINCREMENT on SQLite, sequences on PostgreSQL) whenever one of its events is recorded.
So the last event (id and recorded-at time, microseconds) and the last period id change with
every change to what these counts read, and a count computed under the same stamp is the same
count. One indexed query gives the stamp; a hit then costs nothing.

The tree is not part of the stamp: counts are kept per cell and rolled up by the current paths
on every read, so a restructured tree is reflected at once.
"""

import threading
from collections import OrderedDict

from django.db import connections
from django.db.models import OuterRef, Subquery

from members.models import MembershipEvent, MembershipPeriod

MAX_ENTRIES = 48
_lock = threading.Lock()
_entries: "OrderedDict[tuple, object]" = OrderedDict()


def data_stamp(using: str = "default") -> tuple:
    """(last event id, its recorded-at, last period id): one query over two primary-key indexes."""
    last_period = MembershipPeriod.objects.using(using).order_by("-id").values("id")[:1]
    row = (
        MembershipEvent.objects.using(using)
        .order_by("-id")
        .annotate(last_period=Subquery(last_period))
        .values_list("id", "recorded_at", "last_period")
        .first()
    )
    if row is None:
        row = (None, None, MembershipPeriod.objects.using(using).order_by("-id").values_list("id", flat=True).first())
    return (using, connections[using].settings_dict["NAME"], *row)


def remember(stamp: tuple, key: tuple, compute):
    """The value of ``compute()`` under ``stamp``: computed once, then served from memory."""
    full_key = (stamp, key)
    with _lock:
        if full_key in _entries:
            _entries.move_to_end(full_key)
            return _entries[full_key]
    value = compute()
    with _lock:
        _entries[full_key] = value
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
