"""Yearly facts per organisation (``SubtreeYear``): the admissions of each year, its readmissions
and exits by kind (probationary members apart) and the members at its start, summed over each
organisation's subtree once, when they change, rather than over every cell on each read.

A province's page of a whole year reads three member counts (the start of the year, of the year
before, the end of the year) and two years of admissions for a few thousand organisations: rolled
up from the cell facts that is one pass over every cell of the province each; read here it is one
indexed lookup per organisation and year.

Same meaning as the cell facts rolled up with ``organizations.rollup.THEN``: an admission or an
exit counts under the organisations above its cell on the day of its decision; the members at the start of
year Y under those above their cell at the end of 31 December of Y-1. So a restructuring moves no
history, and reading these rows for whole years gives exactly what the roll-up gives.

Kept in step:
- ``add_flows`` (``facts.record_flows``) and ``add_spans`` (``facts.apply_period_change``) add
  the change of the cell facts to each organisation that was above the cell on the fact's date, in
  the write's own transaction (one upsert statement);
- ``tree_moved`` (a move in the tree, through ``members.restructure``) recomputes the years from
  the move's date for the organisations the moved subtrees left or joined;
- ``rebuild`` (``rebuild_facts``, the migration, the demo's bulk loads) recomputes from the cell
  facts and rewrites what differs.

Only the years in ``COVERED`` are kept; a report of another year, of part of a year, or mapped
onto today's organisations (``as=now``) reads the cell facts (``covers``).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from organizations.models import Organization, OrganizationAncestry

from .models import (
    ADMISSION_KINDS,
    EXIT_KINDS,
    TRANSFER_KINDS,
    EventKind,
    MemberBalance,
    MemberFlowFact,
    Status,
    SubtreeYear,
)

# The years kept. Earlier years are read from the cell facts; so are later ones: to keep more,
# raise the bound and run ``manage.py rebuild_facts``, which fills the new years.
COVERED = range(2000, 2041)

Figures = tuple[int, int, int]  # admissions, official, probationary
ZERO: Figures = (0, 0, 0)

# Every column of a row: the three ``Figures``, then the readmissions among the admissions and
# each exit kind with the probationary members among them (what the exits report reads).
FLOW_COLUMNS = (
    "readmitted",
    *(f"{kind.value}{part}" for kind in EXIT_KINDS for part in ("", "_probationary")),
    # transfers across the organisation's boundary: in from a cell outside it, out to one
    # (or from and to outside the system: no other cell)
    "transferred_in",
    "transferred_out",
)
COLUMNS = ("admissions", "official", "probationary", *FLOW_COLUMNS)
Row = tuple[int, ...]  # a row's ``COLUMNS``
ROW_ZERO: Row = (0,) * len(COLUMNS)
_INDEX = {name: i for i, name in enumerate(COLUMNS)}


def flow_columns(kind: str, probationary: bool) -> list[int]:
    """The indexes in ``COLUMNS`` that a flow fact of ``kind`` adds one to (a transfer's only
    where it crosses the organisation's boundary: see ``_upsert``)."""
    if kind in ADMISSION_KINDS:
        return [0, _INDEX["readmitted"]] if kind == EventKind.READMITTED else [0]
    if kind in EXIT_KINDS:
        return [_INDEX[kind], _INDEX[f"{kind}_probationary"]] if probationary else [_INDEX[kind]]
    if kind in TRANSFER_KINDS:
        return [_INDEX[kind]]
    return []


def covers(years: Iterable[int]) -> bool:
    return all(y in COVERED for y in years)


def eve(year: int) -> datetime.date:
    """The day whose end counts the members at the start of ``year``."""
    return datetime.date(year - 1, 12, 31)


def is_eve(day: datetime.date) -> bool:
    return (day.month, day.day) == (12, 31)


def half_year(day: datetime.date) -> tuple[int, int, datetime.date, datetime.date]:
    """How the members at the end of ``day`` are counted from the year boundary nearest it:
    (that year, +1 or -1, the first and last day of the periods between). From 1 January
    forward before July (periods starting in [1/1, day] add), else from the next 1 January back
    (periods starting in [day+1, 31/12] take away). ``facts.members_at_source`` counts so."""
    if day.month < 7:
        return day.year, 1, datetime.date(day.year, 1, 1), day
    return day.year + 1, -1, day + datetime.timedelta(days=1), datetime.date(day.year, 12, 31)


def base_year(day: datetime.date) -> int:
    return half_year(day)[0]


def tree_changed_near(days: Iterable[datetime.date]) -> bool:
    """Whether the tree changed between any of ``days`` and its nearest year boundary (then the
    boundary's rows count members under another tree than the day's): one query."""
    q = Q(pk__in=[])
    for day in days:
        _year, _sign, first, last = half_year(day)
        q |= Q(valid_from__range=(first, last)) | Q(valid_to__range=(first, last))
    return OrganizationAncestry.objects.filter(q).exists()


def effective_balances(rows: dict[int, tuple[int, int]], years: range) -> list[tuple[int, int]]:
    """A cell's balances (``{year: (official, probationary)}``) read as the reports read them, year
    by year over ``years``: a year without a row reads the last row before it."""
    if not rows:
        return [(0, 0)] * len(years)
    last = max(rows)
    return [rows.get(y) or (rows[last] if y > last else (0, 0)) for y in years]


# --- reading ------------------------------------------------------------------------------------


def read(
    anchors: Sequence[int] | QuerySet[Organization, dict[str, Any]], years: Iterable[int], *, using: str | None = None
) -> dict[tuple[int, int], Figures]:
    """{(organisation id, year): (admissions, official, probationary)} for every anchor and year
    (zeros where no row; anchors given as a queryset of ids: only those found): one query, in
    SQL of its own (thousands of ids through the ORM cost more than the query)."""
    years = sorted(set(years))
    out: dict[tuple[int, int], Figures] = {}
    params: list[Any] = list(years)
    if isinstance(anchors, QuerySet):
        using = using or anchors.db
        anchor_sql, anchor_params = anchors.query.sql_with_params()
        params += anchor_params
    else:
        out = {(a, y): ZERO for a in anchors for y in years}
        anchor_sql = ", ".join(["%s"] * len(anchors))
        params += [int(a) for a in anchors]
        if not anchors:
            return out
    if not years:
        return out
    connection = connections[using or router.db_for_read(SubtreeYear)]
    sql = (
        f"SELECT organization_id, year, admissions, official, probationary "
        f"FROM {connection.ops.quote_name(SubtreeYear._meta.db_table)} "
        f"WHERE year IN ({', '.join(['%s'] * len(years))}) AND organization_id IN ({anchor_sql})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for org, year, admissions, official, probationary in cursor.fetchall():
            out[(org, year)] = (admissions, official, probationary)
    return out


def summed(column: str, years: Iterable[int]) -> Coalesce:
    """An annotation of a queryset of organisations: their yearly facts' ``column`` summed over
    ``years`` (0 where no row); ``"members"`` is official + probationary. A correlated subquery:
    the database works it out only for the rows it returns, unless the query sorts or filters
    by it (a page of a drill-down sorted by name reads its 200 rows, not the province's)."""
    value = F("official") + F("probationary") if column == "members" else F(column)
    rows = (
        SubtreeYear.objects.filter(organization=OuterRef("pk"), year__in=sorted(set(years)))
        .order_by()
        .values("organization")
        .annotate(s=Sum(value))
        .values("s")[:1]
    )
    return Coalesce(Subquery(rows), 0)


def by_year(anchors: QuerySet[Organization, dict[str, Any]], years: Iterable[int]) -> dict[int, Figures]:
    """{year: (admissions, official, probationary)} summed over the organisations ``anchors``
    (a queryset of ids) selects: one grouped query, whatever their number."""
    rows = (
        SubtreeYear.objects.filter(organization__in=anchors, year__in=sorted(set(years)))
        .order_by()
        .values("year")
        .annotate(a=Sum("admissions"), o=Sum("official"), p=Sum("probationary"))
    )
    return {r["year"]: (r["a"], r["o"], r["p"]) for r in rows}


def read_rows(anchor: int, years: Iterable[int], *, using: str | None = None) -> dict[int, dict[str, int]]:
    """{year: {column: n}} of one organisation, every column of ``COLUMNS`` (zeros where no
    row): one query."""
    years = sorted(set(years))
    out = {y: dict.fromkeys(COLUMNS, 0) for y in years}
    if not years:
        return out
    rows = (
        SubtreeYear.objects.using(using or router.db_for_read(SubtreeYear))
        .filter(organization_id=anchor, year__in=years)
        .values_list("year", *COLUMNS)
    )
    for year, *values in rows:
        out[year] = dict(zip(COLUMNS, values))
    return out


def admitting(anchors: Sequence[int], *year_sets: Iterable[int], using: str | None = None) -> list[int]:
    """For each set of years, how many of ``anchors`` admitted someone in those years (their
    admissions summed over the set above zero): one query that counts in SQL, not a row per
    anchor and year."""
    if not anchors:
        return [0] * len(year_sets)
    anchor_sql = ", ".join(["%s"] * len(anchors))
    return _admitting(anchor_sql, [int(a) for a in anchors], year_sets, using=using)[1]


def admitting_among(
    anchors: QuerySet[Organization, dict[str, Any]], *year_sets: Iterable[int]
) -> tuple[int, list[int]]:
    """How many organisations ``anchors`` (a queryset of their ids, e.g. the grassroots
    organisations of a province) holds, and for each set of years how many of them admitted
    someone: one query, the ids never leaving the database."""
    using = router.db_for_read(SubtreeYear)
    anchor_sql, params = anchors.query.get_compiler(using=using).as_sql()
    return _admitting(anchor_sql, list(params), year_sets, using=using, with_total=True)


def _admitting(
    anchor_sql: str,
    anchor_params: list[Any],
    year_sets: Sequence[Iterable[int]],
    *,
    using: str | None = None,
    with_total: bool = False,
) -> tuple[int, list[int]]:
    year_sets_ = [sorted(set(ys)) for ys in year_sets]
    every = sorted({y for ys in year_sets_ for y in ys})
    connection = connections[using or router.db_for_read(SubtreeYear)]
    table = connection.ops.quote_name(SubtreeYear._meta.db_table)
    total = f"(SELECT COUNT(*) FROM ({anchor_sql}) anchors)"
    total_sql, total_params = (f"{total}, ", list(anchor_params)) if with_total else ("", [])
    if not every:
        if not with_total:
            return 0, [0] * len(year_sets_)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {total}", total_params)
            return int(cursor.fetchone()[0]), [0] * len(year_sets_)
    if all(len(ys) == 1 for ys in year_sets_):
        # A year each (a year's report and the year before): an anchor admitted if its one row of
        # that year is above zero, so the rows are counted off the index by year, not grouped.
        counts = ", ".join("COALESCE(SUM(CASE WHEN year = %s THEN 1 ELSE 0 END), 0)" for _ in year_sets_)
        sql = (
            f"SELECT {total_sql}{counts} FROM {table} WHERE year IN ({', '.join(['%s'] * len(every))}) "
            f"AND admissions > 0 AND organization_id IN ({anchor_sql})"
        )
        params = total_params + [ys[0] for ys in year_sets_] + every + list(anchor_params)
    else:
        sums, sum_params = [], []
        for ys in year_sets_:
            sums.append(
                f"SUM(CASE WHEN year IN ({', '.join(['%s'] * len(ys))}) THEN admissions ELSE 0 END)" if ys else "0"
            )
            sum_params += ys
        counts = ", ".join(f"COALESCE(SUM(CASE WHEN n{i} > 0 THEN 1 ELSE 0 END), 0)" for i in range(len(sums)))
        columns = ", ".join(f"{s} AS n{i}" for i, s in enumerate(sums))
        sql = (
            f"SELECT {total_sql}{counts} FROM (SELECT {columns} "
            f"FROM {table} WHERE year IN ({', '.join(['%s'] * len(every))}) "
            f"AND organization_id IN ({anchor_sql}) GROUP BY organization_id) per_anchor"
        )
        params = total_params + sum_params + every + list(anchor_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = [int(v) for v in cursor.fetchone()]
    return (row[0], row[1:]) if with_total else (0, row)


def admitting_ids(
    years: Iterable[int], within: Organization, *, of: str | None = None
) -> QuerySet[SubtreeYear, dict[str, Any]]:
    """The organisations of ``within``'s subtree under which someone was admitted in ``years``
    (their admissions summed over the years not zero), as a subquery of ids: what ``read`` gives,
    for a filter or a count in SQL over many organisations (``pk__in``). Read off the index by
    year, the whole subtree's year at once; with ``of`` (the outer query's column of the
    organisation), looked up for each outer row instead: cheaper for a few hundred organisations
    than a province's year."""
    rows = _year_rows(years, within, of)
    return rows.values("organization_id").annotate(t=Sum("admissions")).exclude(t=0).values("organization_id")


def with_members_ids(
    day: datetime.date, within: Organization, *, of: str | None = None
) -> QuerySet[SubtreeYear, dict[str, Any]] | None:
    """The organisations of ``within``'s subtree with members (official or probationary) at the
    end of ``day``, as a subquery of ids (``of``: as for ``admitting_ids``), when ``day`` is the eve
    of a year the table covers: then the year's row alone is what ``members.selectors.members_at``
    reads. None for another day (the periods starting or ending since the nearest year boundary
    count too)."""
    if not is_eve(day) or not covers([base_year(day)]):
        return None
    rows = _year_rows([base_year(day)], within, of)
    return rows.alias(total=F("official") + F("probationary")).exclude(total=0).values("organization_id")


def _year_rows(years: Iterable[int], within: Organization, of: str | None) -> QuerySet[SubtreeYear]:
    rows = SubtreeYear.objects.filter(year__in=sorted(set(years))).order_by()
    if of is not None:
        return rows.filter(organization_id=OuterRef(of))
    return rows.filter(organization__path__startswith=within.path)


# --- keeping in step ----------------------------------------------------------------------------

# cell, day of its tree, year, a delta per column, the other cell of a transfer (None otherwise):
# the delta counts under the organisations above the cell that day and not above the other cell
Delta = tuple[int, datetime.date, int, Row, int | None]


def add_flows(flows: Iterable[tuple[str, int, datetime.date, bool, int | None]]) -> None:
    """Flow facts recorded (kind, cell, day, probationary, other cell): admissions,
    readmissions, exits and transfers."""
    deltas = []
    for kind, cell, day, probationary, other in flows:
        values = [0] * len(COLUMNS)
        for i in flow_columns(kind, probationary):
            values[i] = 1
        deltas.append((cell, day, day.year, tuple(values), other if kind in TRANSFER_KINDS else None))
    _apply(deltas)


def add_admissions(cells_and_days: Iterable[tuple[int, datetime.date]]) -> None:
    """Admissions recorded in cells on days."""
    add_flows((EventKind.ADMITTED, cell, day, False, None) for cell, day in cells_and_days)


def add_spans(spans: Iterable[tuple[int, str, int, int | None, int]]) -> None:
    """Balance spans changed (``facts.Span``: cell, status, first year, last year or None, sign):
    the member counts at the start of each covered year the span covers."""
    per: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for cell, status, first, last, sign in spans:
        end = COVERED.stop - 1 if last is None else min(last, COVERED.stop - 1)
        for year in range(max(first, COVERED.start), end + 1):
            per[(cell, year)][0 if status == Status.OFFICIAL else 1] += sign
    rest = (0,) * len(FLOW_COLUMNS)
    _apply([(cell, eve(year), year, (0, o, p, *rest), None) for (cell, year), (o, p) in per.items()])


def _apply(deltas: list[Delta], using: str = "default") -> None:
    """Add each delta to every organisation above its cell (itself included) on its day: one
    upsert (per ``CHUNK`` deltas)."""
    rows = [d for d in deltas if d[2] in COVERED and any(d[3])]
    for i in range(0, len(rows), CHUNK):
        _upsert(rows[i : i + CHUNK], using)


CHUNK = 400  # rows per statement: SQLite allows 500 terms in a compound SELECT


def _upsert(rows: list[Delta], using: str) -> None:
    connection = connections[using]
    q, adapt = connection.ops.quote_name, connection.ops.adapt_datefield_value
    table, ancestry = q(SubtreeYear._meta.db_table), q(OrganizationAncestry._meta.db_table)
    one = "SELECT %s AS cell_id, CAST(%s AS BIGINT) AS other_cell_id, %s AS day, %s AS year, " + ", ".join(
        f"%s AS v{i}" for i in range(len(COLUMNS))
    )
    params: list = []
    for cell, day, year, values, other in rows:
        params += [cell, other, adapt(day), year, *values]
    columns = ", ".join(q(c) for c in ("organization_id", "year", *COLUMNS))
    sums = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in COLUMNS)
    summed = ", ".join(f"SUM(v.v{i})" for i in range(len(COLUMNS)))
    sql = (
        f"INSERT INTO {table} ({columns}) "
        f"SELECT a.ancestor_id, v.year, {summed} "
        f"FROM ({' UNION ALL '.join([one] * len(rows))}) v "
        f"JOIN {ancestry} a ON a.descendant_id = v.cell_id "
        f"AND a.valid_from <= v.day AND (a.valid_to IS NULL OR a.valid_to > v.day) "
        # A transfer counts where it crosses the boundary: not under an organisation above both
        # cells that day (no other cell: none is). The WHERE is also SQLite's upsert after a join.
        f"WHERE NOT EXISTS (SELECT 1 FROM {ancestry} b WHERE b.descendant_id = v.other_cell_id "
        f"AND b.ancestor_id = a.ancestor_id AND b.valid_from <= v.day AND (b.valid_to IS NULL OR b.valid_to > v.day)) "
        # ORDER BY: two writers lock the rows they share in one order
        f"GROUP BY a.ancestor_id, v.year ORDER BY a.ancestor_id, v.year "
        f"ON CONFLICT ({q('organization_id')}, {q('year')}) DO UPDATE SET {sums}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- from the cell facts ------------------------------------------------------------------------


def expected(anchors: Iterable[int] | None = None, years: range = COVERED) -> dict[tuple[int, int], Row]:
    """The rows from the cell facts (``MemberFlowFact``, ``MemberBalance``) through the dated
    ancestor table, for ``anchors`` (every organisation when None); zero rows left out. Summed
    here rather than in one grouped query: a year's balances of every cell joined to their
    ancestors, for forty years, is a far longer query than these three reads."""
    anchor_set = None if anchors is None else set(anchors)
    if anchor_set is not None and not anchor_set:
        return {}
    pairs = OrganizationAncestry.objects.order_by()
    if anchor_set is not None and len(anchor_set) <= 500:
        pairs = pairs.filter(ancestor_id__in=anchor_set)
    above: dict[int, list[tuple[int, datetime.date, datetime.date | None]]] = defaultdict(list)
    for ancestor, descendant, valid_from, valid_to in pairs.values_list(
        "ancestor_id", "descendant_id", "valid_from", "valid_to"
    ).iterator(chunk_size=10000):
        if anchor_set is None or ancestor in anchor_set:
            above[descendant].append((ancestor, valid_from, valid_to))
    n = len(years)
    out: dict[int, list[list[int]]] = defaultdict(lambda: [[0] * n for _ in COLUMNS])
    flows = (
        MemberFlowFact.objects.filter(
            kind__in=(*ADMISSION_KINDS, *EXIT_KINDS, *TRANSFER_KINDS),
            day__gte=datetime.date(years.start, 1, 1),
            day__lt=datetime.date(years.stop, 1, 1),
        )
        .order_by()
        .values_list("cell_id", "day", "kind", "probationary", "other_cell_id")
        .annotate(n=Count("id"))
    )

    def above_on(cell: int | None, day: datetime.date) -> set[int]:
        return {a for a, f, t in above.get(cell, ()) if f <= day and (t is None or t > day)} if cell else set()

    for cell, day, kind, probationary, other, count in flows.iterator(chunk_size=10000):
        columns = flow_columns(kind, probationary)
        # a transfer: under the organisations above its cell and not above the other cell
        shared = above_on(other, day) if kind in TRANSFER_KINDS else set()
        for ancestor in above_on(cell, day) - shared:
            for c in columns:
                out[ancestor][c][day.year - years.start] += count
    balances: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    rows = MemberBalance.objects.order_by().values_list("cell_id", "year", "official", "probationary")
    for cell, year, official, probationary in rows.iterator(chunk_size=10000):
        if cell in above:
            balances[cell][year] = (official, probationary)
    for cell, by_year in balances.items():
        counts = effective_balances(by_year, years)
        for ancestor, valid_from, valid_to in above[cell]:
            # the years whose eve (31/12 before) lies in [valid_from, valid_to)
            low = max(valid_from.year + 1, years.start) - years.start
            high = n if valid_to is None else min(valid_to.year + 1, years.stop) - years.start
            official_row, probationary_row = out[ancestor][1], out[ancestor][2]
            for i in range(low, high):
                official_row[i] += counts[i][0]
                probationary_row[i] += counts[i][1]
    return {
        (ancestor, years.start + i): row
        for ancestor, per_column in out.items()
        for i in range(n)
        if any(row := tuple(values[i] for values in per_column))
    }


def stored(anchors: Iterable[int] | None = None, years: range = COVERED) -> dict[tuple[int, int], Row]:
    qs = SubtreeYear.objects.filter(year__gte=years.start, year__lt=years.stop)
    if anchors is not None:
        qs = qs.filter(organization_id__in=list(anchors))
    return {
        (org, year): tuple(row) for org, year, *row in qs.values_list("organization_id", "year", *COLUMNS) if any(row)
    }


def rebuild(anchors: Iterable[int] | None = None, years: range = COVERED, *, dry_run: bool = False) -> int:
    """Recompute the rows of ``anchors`` (every organisation when None) over ``years`` from the
    cell facts; rewrite those that differ. Returns how many (organisation, year) rows differed."""
    anchors = None if anchors is None else list(dict.fromkeys(anchors))
    want, have = expected(anchors, years), stored(anchors, years)
    wrong = {k for k in set(want) | set(have) if want.get(k, ROW_ZERO) != have.get(k, ROW_ZERO)}
    if wrong and not dry_run:
        by_org: dict[int, list[int]] = defaultdict(list)
        for org, year in wrong:
            by_org[org].append(year)
        orgs = sorted(by_org)
        for i in range(0, len(orgs), 500):
            chunk = orgs[i : i + 500]
            in_chunk = set(chunk)
            SubtreeYear.objects.filter(organization_id__in=chunk, year__gte=years.start, year__lt=years.stop).delete()
            SubtreeYear.objects.bulk_create(
                [
                    SubtreeYear(organization_id=org, year=year, **dict(zip(COLUMNS, row)))
                    for (org, year), row in want.items()
                    if org in in_chunk
                ],
                batch_size=2000,
            )
    return len(wrong)


def tree_moved(moved: Sequence[Organization], on: datetime.date) -> None:
    """Subtrees moved in the tree from ``on``: the organisations they left and joined (every
    organisation ever above them, outside them) count their facts of the years from ``on``'s
    anew. The subtrees' own rows do not change (their insides move with them)."""
    roots = [o.pk for o in moved]
    inside = set(
        OrganizationAncestry.objects.filter(ancestor_id__in=roots, valid_to__isnull=True).values_list(
            "descendant_id", flat=True
        )
    )
    above = (
        set(OrganizationAncestry.objects.filter(descendant_id__in=roots).values_list("ancestor_id", flat=True)) - inside
    )
    first = max(on.year, COVERED.start)
    if above and first < COVERED.stop:
        rebuild(above, range(first, COVERED.stop))
