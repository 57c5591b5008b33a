"""The candidates' facts, kept in step by the services with every change of a candidate, in the
same transaction; ``expected`` computes them from the candidates and their events alone,
``rebuild`` repairs them:

- ``CandidateStageFact``: (cell, stage, day the stage began) → how many candidates;
- ``CandidateDueFact``: (cell, kind of deadline, day it falls due) → how many open candidates;
- ``CandidateStageEndFact``: (cell, stage before the decision, day it ended, went on or dropped,
  days spent in it) → how many candidates (the projection's conversions and typical times).
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator
from typing import Any, TypeVar

from django.apps.registry import Apps
from django.db import connections, router
from django.db.models import F, Model, QuerySet

from organizations.models import Organization

from .models import (
    PIPELINE,
    Candidate,
    CandidateDueFact,
    CandidateEvent,
    CandidateStageEndFact,
    CandidateStageFact,
    EventKind,
    Stage,
    StageOutcome,
)

# A candidate's place in the facts: (table, cell, *the table's other key fields), e.g.
# ("stage", cell, stage, day), ("due", cell, kind, day), ("end", cell, stage, day, outcome, days).
Key = tuple

_Fact = TypeVar("_Fact", bound=Model)
FactModel = type[CandidateStageFact] | type[CandidateDueFact] | type[CandidateStageEndFact]
TABLES: dict[str, tuple[FactModel, tuple[str, ...]]] = {
    "stage": (CandidateStageFact, ("stage", "day")),
    "due": (CandidateDueFact, ("due_kind", "day")),
    "end": (CandidateStageEndFact, ("stage", "day", "outcome", "days")),
}
LABELS = {"stage": "candidate stage facts", "due": "candidate deadline facts", "end": "candidate stage end facts"}

# The stages whose ends are recorded (those before the admission decision), and the events that
# move a candidate through them, read in (effective date, id) order.
BEFORE_DECISION = PIPELINE[: PIPELINE.index(Stage.DECISION)]
HISTORY_KINDS = (EventKind.CREATED, EventKind.ADVANCED, EventKind.BACKFILLED, EventKind.DROPPED, EventKind.RETURNED)
OUTCOMES = {
    EventKind.ADVANCED: StageOutcome.WENT_ON,
    EventKind.BACKFILLED: StageOutcome.WENT_ON,
    EventKind.DROPPED: StageOutcome.DROPPED,
}
EVENT_FIELDS = ("kind", "stage_from", "stage_to", "effective_date", "cell_id")


def key_of(candidate: Candidate) -> tuple[Key, ...]:
    keys = [("stage", candidate.cell_id, candidate.stage, candidate.stage_date)]
    if candidate.next_due is not None:
        keys.append(("due", candidate.cell_id, candidate.due_kind, candidate.next_due))
    return tuple(keys)


def ends_of(events: Iterable[tuple]) -> Counter:
    """The stage ends of one candidate's history: ``events`` are its (kind, stage_from, stage_to,
    effective_date, cell_id) in (effective date, id) order. The time in a stage runs from the last
    event that put the candidate in it."""
    out: Counter = Counter()
    entered: dict[str, datetime.date] = {}
    for kind, stage_from, stage_to, day, cell in events:
        if kind not in HISTORY_KINDS:
            continue
        outcome = OUTCOMES.get(kind)
        if outcome and stage_from in BEFORE_DECISION:
            start = entered.get(stage_from)
            days = (day - start).days if start is not None else CandidateStageEndFact.UNKNOWN_DAYS
            out[("end", cell, stage_from, day, outcome, days)] += 1
        entered[stage_to] = day
    return out


def _history(candidate_id: int) -> list[tuple]:
    return list(
        CandidateEvent.objects.filter(candidate_id=candidate_id, kind__in=HISTORY_KINDS)
        .order_by("effective_date", "id")
        .values_list(*EVENT_FIELDS)
    )


def events_added(candidate_id: int, events: list[CandidateEvent], saved: list[CandidateEvent] | None = None) -> Counter:
    """The change of the stage ends when ``events`` (not yet saved) join the candidate's history,
    for ``apply``. ``saved``: the candidate's events already saved, in (effective date, id)
    order, if the caller has read them; else one query for the history when one of ``events``
    moves the candidate through the stages, none otherwise."""
    new = [tuple(getattr(e, f) for f in EVENT_FIELDS) for e in events if e.kind in HISTORY_KINDS]
    if not new:
        return Counter()
    if saved is None:
        before = _history(candidate_id)
    else:
        before = [tuple(getattr(e, f) for f in EVENT_FIELDS) for e in saved if e.kind in HISTORY_KINDS]
    # Saved after the history, so they sort after it on the same day (a stable sort by day).
    after = sorted(before + new, key=lambda e: e[3])
    change = ends_of(after)
    change.subtract(ends_of(before))
    return change


def apply(changes: Counter) -> None:
    """Add ``changes`` ({key: ±n}) to the facts. The cells are locked first (in id order) so two
    writers in one cell take turns. Per table, a count going down is one statement (the row
    removed when it comes to zero, else lowered), and the counts going up are one upsert."""
    changes = Counter({k: v for k, v in changes.items() if v})
    if not changes:
        return
    cells = sorted({k[1] for k in changes})
    list(Organization.objects.filter(pk__in=cells).order_by("pk").select_for_update().values_list("pk", flat=True))
    raised: dict[str, list[tuple]] = defaultdict(list)
    for (table, cell, *values), n in sorted(changes.items(), key=lambda kv: tuple(map(str, kv[0]))):
        model, fields = TABLES[table]
        if n > 0:
            raised[table].append((cell, *values, n))
            continue
        row = model.objects.filter(cell_id=cell, **dict(zip(fields, values)))
        if not row.filter(n=-n).delete()[0]:
            row.update(n=F("n") + n)
    for table, rows in sorted(raised.items()):
        _add(*TABLES[table], rows)


def _add(model: FactModel, fields: tuple[str, ...], rows: list[tuple]) -> None:
    """Add each row's count to its fact (``rows``: cell, *fields, n), creating the missing ones:
    one ``INSERT … ON CONFLICT DO UPDATE`` (SQLite and PostgreSQL alike)."""
    connection = connections[router.db_for_write(model)]
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    columns = ["cell_id", *fields]  # the fields are their own columns
    names = ", ".join(q(c) for c in columns)
    one = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    params: list[Any] = []
    for cell, *values, n in rows:
        params += [
            cell,
            *(connection.ops.adapt_datefield_value(v) if isinstance(v, datetime.date) else v for v in values),
            n,
        ]
    sql = (
        f"INSERT INTO {table} ({names}, {q('n')}) VALUES {', '.join([one] * len(rows))} "
        f"ON CONFLICT ({names}) DO UPDATE SET {q('n')} = {table}.{q('n')} + excluded.{q('n')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def moved(before: tuple[Key, ...], after: tuple[Key, ...]) -> Counter:
    """The change of the facts when one candidate goes from ``before`` to ``after`` (empty: not
    there), for ``apply``."""
    change: Counter = Counter()
    for key in before:
        change[key] -= 1
    for key in after:
        change[key] += 1
    return change


def ends_from(rows: Iterable[tuple]) -> Counter:
    """The stage ends of many candidates: ``rows`` are (candidate_id, *EVENT_FIELDS) in
    (candidate, effective date, id) order."""
    out: Counter = Counter()
    current: int | None = None
    history: list[tuple] = []
    for candidate_id, *event in rows:
        if candidate_id != current:
            out.update(ends_of(history))
            current, history = candidate_id, []
        history.append(tuple(event))
    out.update(ends_of(history))
    return out


def _history_rows(events: QuerySet[CandidateEvent]) -> Iterator[tuple]:
    return (
        events.filter(kind__in=HISTORY_KINDS)
        .order_by("candidate_id", "effective_date", "id")
        .values_list("candidate_id", *EVENT_FIELDS)
        .iterator(chunk_size=5000)
    )


def expected(cell_ids: Collection[int] | None = None) -> Counter:
    qs = Candidate.objects.all()
    if cell_ids is not None:
        qs = qs.filter(cell_id__in=cell_ids)
    out: Counter = Counter()
    rows = qs.values_list("cell_id", "stage", "stage_date", "due_kind", "next_due").iterator(chunk_size=5000)
    for cell, stage, stage_date, due_kind, next_due in rows:
        out[("stage", cell, stage, stage_date)] += 1
        if next_due is not None:
            out[("due", cell, due_kind, next_due)] += 1
    return out


def expected_ends(cell_ids: Collection[int] | None = None) -> Counter:
    """The stage ends from the events. A stage end is counted in the cell of the event that ended
    it: every candidate with an event in the cells, wherever it is now."""
    events = CandidateEvent.objects.all()
    if cell_ids is not None:
        touched = CandidateEvent.objects.filter(cell_id__in=cell_ids).values("candidate_id")
        events = events.filter(candidate_id__in=touched)
    ends = ends_from(_history_rows(events))
    return Counter({k: n for k, n in ends.items() if cell_ids is None or k[1] in cell_ids})


def stored(cell_ids: Collection[int] | None = None, tables: Iterable[str] = ("stage", "due")) -> Counter:
    """What the fact ``tables`` hold (by default those that follow the candidates' current
    fields, which ``expected`` computes; ``"end"`` is ``expected_ends``')."""
    out: Counter = Counter()
    for table in tables:
        model, fields = TABLES[table]
        qs = model.objects.all()
        if cell_ids is not None:
            qs = qs.filter(cell_id__in=cell_ids)
        for cell, *values, n in qs.values_list("cell_id", *fields, "n").iterator(chunk_size=5000):
            out[(table, cell, *values)] = n
    return out


def _bulk_create(model: type[_Fact], rows: list[dict[str, Any]]) -> None:
    """Create ``model``'s ``rows`` (field values), 5000 a query (the fact models have no manager
    but their ``objects``, their default one)."""
    model._default_manager.bulk_create([model(**row) for row in rows], batch_size=5000)


def rebuild(org: Organization | None = None, *, dry_run: bool = False) -> dict[str, int]:
    """Recompute the facts of ``org``'s subtree (everything when None) from the candidates."""
    cells = None if org is None else set(Organization.objects.subtree(org).values_list("id", flat=True))
    want, have = expected(cells) + expected_ends(cells), stored(cells, tables=TABLES)
    wrong = {k for k in set(want) | set(have) if want.get(k, 0) != have.get(k, 0)}
    if wrong and not dry_run:
        wrong_cells = {k[1] for k in wrong}
        for table, (model, fields) in TABLES.items():
            model.objects.filter(cell_id__in=sorted(wrong_cells)).delete()
            _bulk_create(
                model,
                [
                    {"cell_id": cell, "n": n, **dict(zip(fields, values))}
                    for (t, cell, *values), n in want.items()
                    if t == table and cell in wrong_cells and n
                ],
            )
    out: dict[str, int] = {}
    for table, label in LABELS.items():
        n = sum(1 for k in wrong if k[0] == table)
        if n:
            out[label] = n
    return out


# Historical models are built by the migration state: to the stubs they are bare ``type[Model]``,
# without their ``objects`` manager, hence ``Any`` below.


def build_in_migration(apps: Apps, using: str) -> None:
    """The stage facts of an existing database (the migration's historical models)."""
    candidate_model: Any = apps.get_model("candidates", "Candidate")
    candidates = candidate_model.objects.using(using)
    stage_model: Any = apps.get_model("candidates", "CandidateStageFact")
    stages = Counter(candidates.values_list("cell_id", "stage", "stage_date"))
    stage_model.objects.using(using).bulk_create(
        [stage_model(cell_id=c, stage=s, day=d, n=n) for (c, s, d), n in stages.items()], batch_size=5000
    )
    due_model: Any = apps.get_model("candidates", "CandidateDueFact")
    dues = Counter(candidates.filter(next_due__isnull=False).values_list("cell_id", "due_kind", "next_due"))
    due_model.objects.using(using).bulk_create(
        [due_model(cell_id=c, due_kind=k, day=d, n=n) for (c, k, d), n in dues.items()], batch_size=5000
    )


def build_ends_in_migration(apps: Apps, using: str) -> None:
    """The stage end facts of an existing database, from its events (historical models)."""
    event_model: Any = apps.get_model("candidates", "CandidateEvent")
    events = event_model.objects.using(using)
    model: Any = apps.get_model("candidates", "CandidateStageEndFact")
    ends = ends_from(_history_rows(events))
    model.objects.using(using).bulk_create(
        [
            model(cell_id=c, stage=s, day=d, outcome=o, days=days, n=n)
            for (_t, c, s, d, o, days), n in ends.items()
            if n
        ],
        batch_size=5000,
    )
