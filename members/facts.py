"""The members' facts: kept in step with the events by the services, rebuilt from them on demand.

Two tables (``members.models``), both keyed by the cell's id and dated by decisions:

- ``MemberFlowFact``: one row per admission, readmission, exit and permanent transfer (in-system
  transfers carry the other cell), with the new member's profile for admissions.
- ``MemberBalance``: members of each cell (official, probationary) at the start of each year.
  Members at a date D are the balance at the start of D's year plus the periods starting, less
  those ending, from 1 January to D — or the next year's balance less the periods of the rest of
  the year, whichever half is shorter (``members_at_source``).

The services call ``record_flows`` for the events they append and ``apply_period_change`` with a
membership's periods before and after (``members.services``): in the same transaction, so no
event is ever without its facts. ``expected_*`` compute the same facts from the events alone
(``rebuild`` repairs what differs; the property test compares them after random operations).
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.apps.registry import Apps
from django.db import connections

from organizations.models import Organization, OrganizationAncestry

from . import subtree_years
from .history import Period, periods_from_events
from .models import (
    ADMISSION_KINDS,
    EXIT_KINDS,
    FLOW_KINDS,
    TRANSFER_KINDS,
    MemberBalance,
    MemberFlowFact,
    MembershipEvent,
    MembershipPeriod,
    Person,
    Status,
)


class _EventRow(NamedTuple):
    cell_id: int
    status_after: str
    effective_date: datetime.date
    status_from: datetime.date | None


PROFILE_FIELDS = (
    "sex",
    "ethnicity",
    "religion",
    "general_education",
    "professional_qualification",
    "political_theory",
    "sector",
    "youth_union",
)
FLOW_FIELDS = ("kind", "cell_id", "other_cell_id", "day", "probationary", *PROFILE_FIELDS, "age")


def _age_on(born: datetime.date, day: datetime.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def counts_as_flow(kind: str, temporary: bool) -> bool:
    return kind in FLOW_KINDS and not (kind in TRANSFER_KINDS and temporary)


def flow_values(
    kind: str,
    temporary: bool,
    cell_id: int,
    other_id: int | None,
    day: datetime.date,
    was_probationary: bool,
    profile: tuple[Any, ...],
    born: datetime.date,
) -> tuple | None:
    """The fact of one event as a tuple of ``FLOW_FIELDS`` (None if the reports do not count it);
    ``profile`` holds the person's ``PROFILE_FIELDS`` and ``born`` their date of birth."""
    if not counts_as_flow(kind, temporary):
        return None
    other = other_id if kind in TRANSFER_KINDS else None
    if kind in ADMISSION_KINDS:
        return (kind, cell_id, other, day, was_probationary, *profile, _age_on(born, day))
    return (kind, cell_id, other, day, was_probationary, *[""] * 7, None, None)


def flow_for(event: MembershipEvent, person: Person) -> MemberFlowFact | None:
    """The fact an event gives (None for events the period reports do not count)."""
    values = flow_values(
        event.kind,
        event.temporary,
        event.cell_id,
        event.other_organization_id,
        event.effective_date,
        event.was_probationary,
        tuple(getattr(person, n) for n in PROFILE_FIELDS),
        person.date_of_birth,
    )
    if values is None:
        return None
    return MemberFlowFact(event_id=event.pk, membership_id=event.membership_id, **dict(zip(FLOW_FIELDS, values)))


def record_flows(events: Iterable[MembershipEvent], persons: dict[int, Person]) -> None:
    """Write the facts of newly saved events; ``persons``: membership id → person."""
    facts = [f for e in events if (f := flow_for(e, persons[e.membership_id])) is not None]
    MemberFlowFact.objects.bulk_create(facts, batch_size=2000)
    subtree_years.add_flows((f.kind, f.cell_id, f.day, f.probationary, f.other_cell_id) for f in facts)


def refresh_profile(person: Person) -> None:
    """A corrected person: their admissions' profile follows (the quality report reads it)."""
    for fact in MemberFlowFact.objects.filter(membership__person=person, kind__in=ADMISSION_KINDS):
        for name in PROFILE_FIELDS:
            setattr(fact, name, getattr(person, name))
        fact.age = _age_on(person.date_of_birth, fact.day)
        fact.save(update_fields=[*PROFILE_FIELDS, "age"])


# --- balances ---------------------------------------------------------------------------------

# A period adds one member to the balances of the years Y with start.year < Y <= end.year (end
# excluded: on 31/12 of Y-1 the member is there) — every later year when the period is open.
Span = tuple[int, str, int, int | None, int]  # cell, status, first year, last year (None: open), sign


def _spans(periods: Iterable[Period], sign: int) -> list[Span]:
    out = []
    for p in periods:
        first = p.start.year + 1
        last = None if p.end is None else p.end.year
        if last is None or last >= first:
            out.append((p.cell_id, p.status, first, last, sign))
    return out


def period_change(old: Iterable[Period], new: Iterable[Period]) -> list[Span]:
    """What replacing a membership's periods ``old`` by ``new`` does to the balances."""
    old, new = Counter(old), Counter(new)
    return _spans((old - new).elements(), -1) + _spans((new - old).elements(), +1)


def apply_period_change(spans: list[Span]) -> None:
    """Apply span changes to the balances. The cells touched are locked first (in id order), so
    two writers in one cell take turns; each cell's rows are read, recomputed and written."""
    if not spans:
        return
    by_cell: dict[int, list[Span]] = defaultdict(list)
    for span in spans:
        by_cell[span[0]].append(span)
    cells = sorted(by_cell)
    list(Organization.objects.filter(pk__in=cells).order_by("pk").select_for_update().values_list("pk", flat=True))
    existing: dict[int, dict[int, MemberBalance]] = defaultdict(dict)
    for balance in MemberBalance.objects.filter(cell_id__in=cells):
        existing[balance.cell_id][balance.year] = balance
    creates: list[MemberBalance] = []
    updates: list[MemberBalance] = []
    for cell in cells:
        rows = existing[cell]
        last = max(rows) if rows else None
        cell_spans = by_cell[cell]
        low = min(s[2] for s in cell_spans)
        horizon = max(max(s[2] if s[3] is None else s[3] + 1 for s in cell_spans), last or 0)
        if last is not None and horizon > last:
            low = min(low, last + 1)

        def value(year: int, rows: dict[int, MemberBalance] = rows, last: int | None = last) -> tuple[int, int]:
            row = rows.get(year) or (rows[last] if last is not None and year > last else None)
            return (row.official, row.probationary) if row else (0, 0)

        for year in range(low, horizon + 1):
            official, probationary = value(year)
            for _cell, status, first, end, sign in cell_spans:
                if first <= year and (end is None or year <= end):
                    if status == Status.OFFICIAL:
                        official += sign
                    else:
                        probationary += sign
            is_last = year == horizon
            row = rows.get(year)
            if row is None:
                if official or probationary or is_last:
                    creates.append(
                        MemberBalance(
                            cell_id=cell, year=year, official=official, probationary=probationary, is_last=is_last
                        )
                    )
            elif (row.official, row.probationary, row.is_last) != (official, probationary, is_last):
                row.official, row.probationary, row.is_last = official, probationary, is_last
                updates.append(row)
        if last is not None and last < horizon and rows[last] not in updates:
            rows[last].is_last = False
            updates.append(rows[last])
    MemberBalance.objects.bulk_update(updates, ["official", "probationary", "is_last"], batch_size=1000)
    MemberBalance.objects.bulk_create(creates, batch_size=2000)
    subtree_years.add_spans(spans)


# --- reading members at dates ---------------------------------------------------------------------


def members_at_source(days: list[datetime.date], *, using: str = "default", balances: bool = True) -> tuple[str, list]:
    """SQL rows (cell_id, day, official, probationary) whose sums per cell and ``day`` are the
    members at the end of each day, for ``organizations.rollup`` (tree=THEN: each count under
    the tree of its own day). One UNION ALL; each day reads one year's balances and at most half
    a year of period boundaries."""
    connection = connections[using]
    q, adapt = connection.ops.quote_name, connection.ops.adapt_datefield_value
    balance, period = q(MemberBalance._meta.db_table), q(MembershipPeriod._meta.db_table)
    start, end = q("start"), q("end")
    is_official = f"CASE WHEN status = '{Status.OFFICIAL}' THEN 1 ELSE 0 END"
    is_probationary = f"CASE WHEN status = '{Status.PROBATIONARY}' THEN 1 ELSE 0 END"
    parts, params = [], []
    for day in days:
        d = adapt(day)
        year, sign, first, last = subtree_years.half_year(day)
        low, high = adapt(first), adapt(last)
        if balances:  # (without: only the half year's corrections, for a balance read elsewhere)
            parts.append(
                f"SELECT cell_id, %s AS day, official, probationary FROM {balance} "
                f"WHERE year = %s OR (is_last = %s AND year < %s)"
            )
            params += [d, year, True, year]
        # A period starting in the window adds a member going forward (takes one away going back).
        parts.append(
            f"SELECT cell_id, %s AS day, {sign} * {is_official} AS official, {sign} * {is_probationary} AS probationary FROM {period} "
            f"WHERE {start} >= %s AND {start} <= %s"
        )
        params += [d, low, high]
        parts.append(
            f"SELECT cell_id, %s AS day, {-sign} * {is_official} AS official, {-sign} * {is_probationary} AS probationary "
            f"FROM {period} "
            f"WHERE {end} >= %s AND {end} <= %s"
        )
        params += [d, low, high]
    return " UNION ALL ".join(parts), params


# --- from scratch -----------------------------------------------------------------------------------


_EVENT_COLUMNS = ("kind", "temporary", "cell_id", "other_organization_id", "effective_date", "was_probationary")
_PERSON_COLUMNS = tuple(f"membership__person__{n}" for n in (*PROFILE_FIELDS, "date_of_birth"))


def expected_flows(membership_ids: Iterable[int] | None = None) -> dict[int, tuple]:
    """{event id: the fact's fields} from the events and persons alone (plain rows, no models)."""
    events = MembershipEvent.objects.filter(kind__in=FLOW_KINDS).order_by()
    if membership_ids is not None:
        events = events.filter(membership_id__in=membership_ids)
    out = {}
    for pk, *row in events.values_list("id", *_EVENT_COLUMNS, *_PERSON_COLUMNS).iterator(chunk_size=5000):
        kind, temporary, cell_id, other_id, day, was_probationary = row[:6]
        profile, born = tuple(row[6:-1]), row[-1]
        values = flow_values(kind, temporary, cell_id, other_id, day, was_probationary, profile, born)
        if values is not None:
            out[pk] = values
    return out


def stored_flows(membership_ids: Iterable[int] | None = None) -> dict[int, tuple]:
    qs = MemberFlowFact.objects.all()
    if membership_ids is not None:
        qs = qs.filter(membership_id__in=membership_ids)
    return {row[0]: tuple(row[1:]) for row in qs.values_list("event_id", *FLOW_FIELDS).iterator(chunk_size=5000)}


def expected_periods(membership_ids: Iterable[int] | None = None) -> dict[int, list[Period]]:
    """Each membership's periods as its events give them (``members.history``)."""
    events = MembershipEvent.objects.order_by("membership_id", "id")
    if membership_ids is not None:
        events = events.filter(membership_id__in=membership_ids)
    by_membership: dict[int, list[_EventRow]] = defaultdict(list)
    rows = events.values_list("membership_id", "cell_id", "status_after", "effective_date", "status_from")
    for m, *row in rows.iterator(chunk_size=5000):
        by_membership[m].append(_EventRow(*row))
    return {m: periods_from_events(evs) for m, evs in by_membership.items()}


def balances_from_periods(periods: Iterable[Period]) -> dict[int, dict[int, tuple[int, int]]]:
    """{cell: {year: (official, probationary)}} for every year from the first change to the
    cell's last row (the year after its last period boundary), zeros left out but the last."""
    spans = _spans(periods, +1)
    by_cell: dict[int, list[Span]] = defaultdict(list)
    for s in spans:
        by_cell[s[0]].append(s)
    out: dict[int, dict[int, tuple[int, int]]] = {}
    for cell, cell_spans in by_cell.items():
        low = min(s[2] for s in cell_spans)
        horizon = max(s[2] if s[3] is None else s[3] + 1 for s in cell_spans)
        delta: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for _c, status, first, last, _sign in cell_spans:
            i = 0 if status == Status.OFFICIAL else 1
            delta[first][i] += 1
            if last is not None:
                delta[last + 1][i] -= 1
        rows, running = {}, [0, 0]
        for year in range(low, horizon + 1):
            running[0] += delta[year][0]
            running[1] += delta[year][1]
            if running[0] or running[1] or year == horizon:
                rows[year] = (running[0], running[1])
        out[cell] = rows
    return out


def stored_balances(cell_ids: Iterable[int] | None = None) -> dict[int, dict[int, tuple[int, int]]]:
    qs = MemberBalance.objects.all()
    if cell_ids is not None:
        qs = qs.filter(cell_id__in=cell_ids)
    out: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    for cell, year, official, probationary in qs.values_list("cell_id", "year", "official", "probationary"):
        out[cell][year] = (official, probationary)
    return out


def _scope(org: Organization | None) -> tuple[list[int] | None, list[int] | None]:
    if org is None:
        return None, None
    cells = list(Organization.objects.filter(path__startswith=org.path).values_list("id", flat=True))
    memberships = list(
        MembershipEvent.objects.filter(cell_id__in=cells).values_list("membership_id", flat=True).distinct()
    )
    return cells, memberships


def rebuild(org: Organization | None = None, *, dry_run: bool = False) -> dict[str, int]:
    """Recompute the members' facts of ``org``'s subtree (everything when None) from the events;
    rewrite what differs. Returns how many rows of each kind were wrong ({} when healthy).

    Periods are rebuilt from the events too (they are derived the same way). A membership that
    ever was in the subtree is recomputed whole; balances are compared year by year as read."""
    cells, memberships = _scope(org)
    changed: Counter = Counter()
    # periods
    wanted_periods = expected_periods(memberships)
    stored: dict[int, list[Period]] = defaultdict(list)
    qs = MembershipPeriod.objects.all()
    if memberships is not None:
        qs = qs.filter(membership_id__in=memberships)
    for m, cell, status, start, end in qs.values_list("membership_id", "cell_id", "status", "start", "end").iterator(
        chunk_size=5000
    ):
        stored[m].append(Period(cell, status, start, end))
    wrong_periods = [
        m for m in set(wanted_periods) | set(stored) if Counter(wanted_periods.get(m, [])) != Counter(stored.get(m, []))
    ]
    if wrong_periods:
        changed["membership periods"] = len(wrong_periods)
        if not dry_run:
            MembershipPeriod.objects.filter(membership_id__in=wrong_periods).delete()
            MembershipPeriod.objects.bulk_create(
                [
                    MembershipPeriod(membership_id=m, cell_id=p.cell_id, status=p.status, start=p.start, end=p.end)
                    for m in wrong_periods
                    for p in wanted_periods.get(m, [])
                ],
                batch_size=2000,
            )
    # flows
    want, have = expected_flows(memberships), stored_flows(memberships)
    wrong = [pk for pk in set(want) | set(have) if want.get(pk) != have.get(pk)]
    if wrong:
        changed["member flow facts"] = len(wrong)
        if not dry_run:
            MemberFlowFact.objects.filter(event_id__in=wrong).delete()
            owners = dict(
                MembershipEvent.objects.filter(pk__in=[pk for pk in wrong if pk in want]).values_list(
                    "id", "membership_id"
                )
            )
            MemberFlowFact.objects.bulk_create(
                [
                    MemberFlowFact(event_id=pk, membership_id=m, **dict(zip(FLOW_FIELDS, want[pk])))
                    for pk, m in owners.items()
                ],
                batch_size=2000,
            )
    # balances: from the periods the events give, in the cells concerned
    cellset = None if cells is None else set(cells)
    want_bal = balances_from_periods(
        p for ps in wanted_periods.values() for p in ps if cellset is None or p.cell_id in cellset
    )
    have_bal = stored_balances(cells)
    years = range(1900, datetime.date.today().year + 3)
    wrong_cells = [
        c
        for c in set(want_bal) | set(have_bal)
        if subtree_years.effective_balances(want_bal.get(c, {}), years)
        != subtree_years.effective_balances(have_bal.get(c, {}), years)
    ]
    if wrong_cells:
        changed["member balances (cells)"] = len(wrong_cells)
        if not dry_run:
            MemberBalance.objects.filter(cell_id__in=wrong_cells).delete()
            MemberBalance.objects.bulk_create(
                [
                    MemberBalance(
                        cell_id=c,
                        year=y,
                        official=o,
                        probationary=p,
                        is_last=y == max(want_bal[c]),
                    )
                    for c in wrong_cells
                    if c in want_bal
                    for y, (o, p) in want_bal[c].items()
                ],
                batch_size=2000,
            )
    # the yearly facts per organisation, from the cell facts as they now are: of the subtree and
    # of every organisation ever above it
    anchors = None if org is None else _above_and_under(org)
    wrong_years = subtree_years.rebuild(anchors, dry_run=dry_run)
    if wrong_years:
        changed["subtree years"] = wrong_years
    return dict(changed)


def _above_and_under(org: Organization) -> list[int]:
    under = OrganizationAncestry.objects.filter(ancestor=org).values_list("descendant_id", flat=True)
    above = OrganizationAncestry.objects.filter(descendant=org).values_list("ancestor_id", flat=True)
    return list({*under, *above})


__all__ = ["EXIT_KINDS", "rebuild", "record_flows", "apply_period_change", "period_change", "members_at_source"]


def build_in_migration(apps: Apps, using: str) -> None:
    """The facts of an existing database, from its events (the migration's historical models;
    only the pure helpers above are shared with the running code)."""
    # Historical models are built by the migration state: to the stubs they are bare
    # ``type[Model]``, without their ``objects`` manager, hence ``Any``.
    event_model: Any = apps.get_model("members", "MembershipEvent")
    flow_model: Any = apps.get_model("members", "MemberFlowFact")
    balance_model: Any = apps.get_model("members", "MemberBalance")
    person_model: Any = apps.get_model("members", "Person")
    membership_model: Any = apps.get_model("members", "Membership")
    memberships = dict(membership_model.objects.using(using).values_list("id", "person_id"))
    if not memberships:
        return
    persons = {p.pk: p for p in person_model.objects.using(using).all().iterator(chunk_size=5000)}
    flows: list[Any] = []
    by_membership: defaultdict[int, list[Any]] = defaultdict(list)
    for e in event_model.objects.using(using).order_by("membership_id", "id").iterator(chunk_size=5000):
        by_membership[e.membership_id].append(e)
        if not counts_as_flow(e.kind, e.temporary):
            continue
        fact = flow_model(
            event_id=e.pk,
            membership_id=e.membership_id,
            kind=e.kind,
            cell_id=e.cell_id,
            other_cell_id=e.other_organization_id if e.kind in TRANSFER_KINDS else None,
            day=e.effective_date,
            probationary=e.was_probationary,
        )
        if e.kind in ADMISSION_KINDS:
            person = persons[memberships[e.membership_id]]
            for name in PROFILE_FIELDS:
                setattr(fact, name, getattr(person, name))
            fact.age = _age_on(person.date_of_birth, e.effective_date)
        flows.append(fact)
    flow_model.objects.using(using).bulk_create(flows, batch_size=5000)
    periods = [p for events in by_membership.values() for p in periods_from_events(events)]
    balance_model.objects.using(using).bulk_create(
        [
            balance_model(cell_id=c, year=y, official=o, probationary=p, is_last=y == max(rows))
            for c, rows in balances_from_periods(periods).items()
            for y, (o, p) in rows.items()
        ],
        batch_size=5000,
    )
