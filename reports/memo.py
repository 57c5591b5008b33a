"""A small in-process memo of the heavy per-cell counts, keyed by a stamp of the data.

Counting the members of 3,184 cells at a date reads every membership period (about 140,000 at
the demo scale); admissions read every admission event. Both tables are append-only in effect:
events are never updated or deleted, and the periods of a membership are rebuilt (new rows, new
ids: AUTOINCREMENT on SQLite, sequences on PostgreSQL) whenever one of its events is recorded.
So the last event (id and recorded-at time, microseconds) and the last period id change with
every change to what these counts read, and a count computed under the same stamp is the same
count. One indexed query gives the stamp; a hit then costs nothing. Changes made around the
services (raw SQL, a bulk load without events) are not seen until the next recorded change:
``clear()`` after such maintenance.

The same stamp also covers the quotas, the candidates and the tree (the last id of each, and
of the tree's history, which every restructuring through the services writes), and the history
rows of persons and candidates (every save through the model writes one), so whole computed
dashboards and the pipeline board can be kept under it too.
"""

import threading
from collections import OrderedDict

from django.db import connections
from django.db.models import Subquery

from members.models import MembershipEvent, MembershipPeriod

MAX_WEIGHT = 64  # units; a unit is a small entry, or about 256 KB of a large one
_lock = threading.Lock()
_entries: "OrderedDict[tuple, tuple[object, int]]" = OrderedDict()
_weight = 0


def _last_ids(using: str) -> dict:
    """Subqueries giving the last id of every other table the reports read."""
    from candidates.models import CandidateEvent
    from members.quotas.models import Quota, QuotaChange
    from organizations.models import Organization

    def last(model, field="id"):
        return Subquery(model.objects.using(using).order_by(f"-{field}").values(field)[:1])

    def last_value(model, field, order):
        return Subquery(model.objects.using(using).order_by(f"-{order}").values(field)[:1])

    from candidates.models import Candidate
    from members.models import Person

    history = Organization.history.model
    return {
        "last_period": last(MembershipPeriod),
        "last_quota": last(Quota),
        "last_quota_change": last(QuotaChange),
        "last_tree": last(history, "history_id"),
        # times (microseconds) as well as ids: ids can come round again after a rollback
        "last_tree_at": last_value(history, "history_date", "history_id"),
        "last_candidate": last(CandidateEvent),
        "last_candidate_at": last_value(CandidateEvent, "recorded_at", "id"),
        # rows saved without an event (a corrected name, a candidate's fields): their history rows
        "last_candidate_row": last(Candidate.history.model, "history_id"),
        "last_candidate_row_at": last_value(Candidate.history.model, "history_date", "history_id"),
        "last_person": last(Person.history.model, "history_id"),
        "last_person_at": last_value(Person.history.model, "history_date", "history_id"),
    }


_stamp_sql: dict[str, tuple] = {}


def data_stamp(using: str = "default") -> tuple:
    """What the reports read, stamped in one query over primary-key indexes: the last membership
    event (id and recorded-at), the last membership period, quota, quota change, candidate event
    and history row of the tree (every restructuring through the services writes one). The SQL
    is built once per database and then run as it is (building it costs more than running it)."""
    if using not in _stamp_sql:
        from organizations.models import Organization

        lasts = _last_ids(using)
        # Anchored on the tree, which any database holding data has; the event columns come
        # from a subquery so an empty event table still gives the other stamps.
        last_event = MembershipEvent.objects.using(using).order_by("-id")
        qs = (
            Organization.objects.using(using)
            .order_by()
            .annotate(
                event_id=Subquery(last_event.values("id")[:1]),
                event_at=Subquery(last_event.values("recorded_at")[:1]),
                **lasts,
            )
            .values_list("event_id", "event_at", *lasts)[:1]
        )
        _stamp_sql[using] = qs.query.sql_with_params()
    sql, params = _stamp_sql[using]
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone() or ()
    return (using, connections[using].settings_dict["NAME"], *row)


def remember(stamp: tuple, key: tuple, compute, weight=None):
    """The value of ``compute()`` under ``stamp``: computed once, then served from memory.
    ``weight(value)`` says how many of the MAX_WEIGHT units it takes (1 by default; a
    3,184-row page body of 2 MB takes 8), so a few big entries push out many small ones."""
    full_key = (stamp, key)
    with _lock:
        if full_key in _entries:
            _entries.move_to_end(full_key)
            return _entries[full_key][0]
    value = compute()
    units = weight(value) if weight else 1
    global _weight
    with _lock:
        if full_key not in _entries:
            _entries[full_key] = (value, units)
            _weight += units
        while _weight > MAX_WEIGHT and len(_entries) > 1:
            _old_key, (_old, old_units) = _entries.popitem(last=False)
            _weight -= old_units
    return value


def clear() -> None:
    global _weight
    with _lock:
        _entries.clear()
        _weight = 0
