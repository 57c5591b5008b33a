"""Yearly facts per organisation (``SubtreeYear``): the admissions of each year and the members at
its start, summed over each organisation's subtree once, when they change, rather than over every
cell on each read.

A province's page of a whole year reads three member counts (the start of the year, of the year
before, the end of the year) and two years of admissions for a few thousand organisations: rolled
up from the cell facts that is one pass over every cell of the province each; read here it is one
indexed lookup per organisation and year.

Same meaning as the cell facts rolled up with ``organizations.rollup.THEN``: an admission counts
under the organisations above its cell on the day of its decision; the members at the start of
year Y under those above their cell at the end of 31 December of Y-1. So a restructuring moves no
history, and reading these rows for whole years gives exactly what the roll-up gives.

Kept in step:
- ``add_admissions`` (``facts.record_flows``) and ``add_spans`` (``facts.apply_period_change``) add
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

from .models import ADMISSION_KINDS, MemberBalance, MemberFlowFact, Status, SubtreeYear

# The years kept. Earlier years are read from the cell facts; so are later ones: to keep more,
# raise the bound and run ``manage.py rebuild_facts``, which fills the new years.
COVERED = range(2000, 2041)

Figures = tuple[int, int, int]  # admissions, official, probationary
ZERO: Figures = (0, 0, 0)


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


def admitting(anchors: Sequence[int], *year_sets: Iterable[int], using: str | None = None) -> list[int]:
    """For each set of years, how many of ``anchors`` admitted someone in those years (their
    admissions summed over the set above zero): one query that counts in SQL, not a row per
    anchor and year."""
    year_sets_ = [sorted(set(ys)) for ys in year_sets]
    every = sorted({y for ys in year_sets_ for y in ys})
    if not anchors or not every:
        return [0] * len(year_sets_)
    connection = connections[using or router.db_for_read(SubtreeYear)]
    sums, params = [], []
    for ys in year_sets_:
        sums.append(f"SUM(CASE WHEN year IN ({', '.join(['%s'] * len(ys))}) THEN admissions ELSE 0 END)" if ys else "0")
        params += ys
    counts = ", ".join(f"COALESCE(SUM(CASE WHEN n{i} > 0 THEN 1 ELSE 0 END), 0)" for i in range(len(sums)))
    columns = ", ".join(f"{s} AS n{i}" for i, s in enumerate(sums))
    sql = (
        f"SELECT {counts} FROM (SELECT {columns} "
        f"FROM {connection.ops.quote_name(SubtreeYear._meta.db_table)} "
        f"WHERE year IN ({', '.join(['%s'] * len(every))}) "
        f"AND organization_id IN ({', '.join(['%s'] * len(anchors))}) GROUP BY organization_id) per_anchor"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params + every + [int(a) for a in anchors])
        row = cursor.fetchone()
    return [int(v) for v in row]


# --- keeping in step ----------------------------------------------------------------------------

Delta = tuple[int, datetime.date, int, int, int, int]  # cell, day of its tree, year, three deltas


def add_admissions(cells_and_days: Iterable[tuple[int, datetime.date]]) -> None:
    """Admissions recorded in cells on days."""
    _apply([(cell, day, day.year, 1, 0, 0) for cell, day in cells_and_days])


def add_spans(spans: Iterable[tuple[int, str, int, int | None, int]]) -> None:
    """Balance spans changed (``facts.Span``: cell, status, first year, last year or None, sign):
    the member counts at the start of each covered year the span covers."""
    per: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for cell, status, first, last, sign in spans:
        end = COVERED.stop - 1 if last is None else min(last, COVERED.stop - 1)
        for year in range(max(first, COVERED.start), end + 1):
            per[(cell, year)][0 if status == Status.OFFICIAL else 1] += sign
    _apply([(cell, eve(year), year, 0, o, p) for (cell, year), (o, p) in per.items()])


def _apply(deltas: list[Delta], using: str = "default") -> None:
    """Add each delta to every organisation above its cell (itself included) on its day: one
    upsert (per ``CHUNK`` deltas)."""
    rows = [d for d in deltas if d[2] in COVERED and (d[3] or d[4] or d[5])]
    for i in range(0, len(rows), CHUNK):
        _upsert(rows[i : i + CHUNK], using)


CHUNK = 400  # rows per statement: SQLite allows 500 terms in a compound SELECT


def _upsert(rows: list[Delta], using: str) -> None:
    connection = connections[using]
    q, adapt = connection.ops.quote_name, connection.ops.adapt_datefield_value
    table, ancestry = q(SubtreeYear._meta.db_table), q(OrganizationAncestry._meta.db_table)
    one = "SELECT %s AS cell_id, %s AS day, %s AS year, %s AS adm, %s AS off, %s AS prob"
    params: list = []
    for cell, day, year, adm, off, prob in rows:
        params += [cell, adapt(day), year, adm, off, prob]
    columns = ", ".join(q(c) for c in ("organization_id", "year", "admissions", "official", "probationary"))
    sums = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in ("admissions", "official", "probationary"))
    sql = (
        f"INSERT INTO {table} ({columns}) "
        f"SELECT a.ancestor_id, v.year, SUM(v.adm), SUM(v.off), SUM(v.prob) "
        f"FROM ({' UNION ALL '.join([one] * len(rows))}) v "
        f"JOIN {ancestry} a ON a.descendant_id = v.cell_id "
        f"AND a.valid_from <= v.day AND (a.valid_to IS NULL OR a.valid_to > v.day) "
        # WHERE: SQLite's upsert after a join; ORDER BY: two writers lock the rows they share in one order
        f"WHERE 1 = 1 GROUP BY a.ancestor_id, v.year ORDER BY a.ancestor_id, v.year "
        f"ON CONFLICT ({q('organization_id')}, {q('year')}) DO UPDATE SET {sums}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- from the cell facts ------------------------------------------------------------------------


def expected(anchors: Iterable[int] | None = None, years: range = COVERED) -> dict[tuple[int, int], Figures]:
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
    out: dict[int, list[list[int]]] = defaultdict(lambda: [[0] * n, [0] * n, [0] * n])
    admitted = (
        MemberFlowFact.objects.filter(
            kind__in=ADMISSION_KINDS, day__gte=datetime.date(years.start, 1, 1), day__lt=datetime.date(years.stop, 1, 1)
        )
        .order_by()
        .values_list("cell_id", "day")
        .annotate(n=Count("id"))
    )
    for cell, day, count in admitted.iterator(chunk_size=10000):
        for ancestor, valid_from, valid_to in above.get(cell, ()):
            if valid_from <= day and (valid_to is None or valid_to > day):
                out[ancestor][0][day.year - years.start] += count
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
        (ancestor, years.start + i): (a[i], o[i], p[i])
        for ancestor, (a, o, p) in out.items()
        for i in range(n)
        if a[i] or o[i] or p[i]
    }


def stored(anchors: Iterable[int] | None = None, years: range = COVERED) -> dict[tuple[int, int], Figures]:
    qs = SubtreeYear.objects.filter(year__gte=years.start, year__lt=years.stop)
    if anchors is not None:
        qs = qs.filter(organization_id__in=list(anchors))
    return {
        (org, year): (a, o, p)
        for org, year, a, o, p in qs.values_list("organization_id", "year", "admissions", "official", "probationary")
        if a or o or p
    }


def rebuild(anchors: Iterable[int] | None = None, years: range = COVERED, *, dry_run: bool = False) -> int:
    """Recompute the rows of ``anchors`` (every organisation when None) over ``years`` from the
    cell facts; rewrite those that differ. Returns how many (organisation, year) rows differed."""
    anchors = None if anchors is None else list(dict.fromkeys(anchors))
    want, have = expected(anchors, years), stored(anchors, years)
    wrong = {k for k in set(want) | set(have) if want.get(k, ZERO) != have.get(k, ZERO)}
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
                    SubtreeYear(organization_id=org, year=year, admissions=a, official=o, probationary=p)
                    for (org, year), (a, o, p) in want.items()
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
