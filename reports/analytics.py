"""Read-side selectors of the reports: achievement against quota, new-member quality, coverage,
exits and net growth. Every figure is computed from the facts the services keep in step with the
events (``members.facts``, ``candidates.facts``) and the annual quotas, never stored by hand.

Roll-ups: each figure is one grouped query from the facts to the organisations a page shows,
through the dated ancestor table (``organizations.rollup``): a fixed number of queries whatever
the number of rows or their depths, each fact under the tree as it stood on its own date.
"""

import datetime
import math
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.paginator import Page, Paginator
from django.db import connections, router
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr
from django.db.models.lookups import GreaterThan

from candidates.models import OPEN_STAGES, CandidateStageFact
from members import subtree_years
from members.models import (
    ADMISSION_KINDS,
    ETHNICITIES,
    EXIT_KINDS,
    EventKind,
    GeneralEducation,
    MemberFlowFact,
    PoliticalTheory,
    ProfessionalQualification,
    Religion,
    Sector,
    Sex,
    SubtreeYear,
)
from members.quotas.models import Quota
from members.selectors import members_at, movements, movements_of_years
from organizations import rollup
from organizations.models import CELL_KINDS, GRASSROOTS_KINDS, Kind, Organization, ResidentialArea
from organizations.selectors import predecessors_by_successor
from partydev.paginators import CountedRows

from .periods import Period, rate

# Deeper than any organisation of a party tree (province, district, grassroots, partial
# committee, cell): how far up ``grassroots_counted`` looks for a listed organisation.
MAX_TREE_DEPTH = 8
MANY = 300  # above this many organisations, read a subtree's quotas by path rather than by a list of ids
ROW_FIELDS = ("id", "path", "depth", "numchild", "code", "name", "kind")
__all__ = ["EXIT_KINDS", "ADMISSION_KINDS"]  # their home is members.models


# --- primitives --------------------------------------------------------------------------------


def admissions(
    anchor_ids: Iterable[int] | QuerySet[Organization, dict[str, Any]], *periods: Period, tree: str = rollup.THEN
) -> list[dict[int, int]]:
    """For each period, admissions (admitted and readmitted, by decision date, in the admitting
    cell) under each anchor id, each under the tree of its own date (``tree=rollup.NOW``: mapped
    onto today's organisations). One query for all. Anchors given as a queryset of ids: only
    those with admissions are in the result."""
    anchors: list[int] | QuerySet[Organization, dict[str, Any]] = (
        anchor_ids if isinstance(anchor_ids, QuerySet) else list(dict.fromkeys(anchor_ids))
    )
    if on_yearly_facts(periods, tree):
        # Whole years: the yearly facts per organisation, one lookup each (the same figures).
        by_year = subtree_years.read(anchors, _years(periods))
        orgs = {a for a, _y in by_year}
        out = []
        for p in periods:
            years = p.years
            out.append({a: sum(by_year.get((a, y), subtree_years.ZERO)[0] for y in years) for a in orgs})
        return out
    rolled = rollup.totals(
        _admissions_source(*periods), anchors=anchors, sums=[f"n{i}" for i in range(len(periods))], tree=tree
    )
    return [{a: v[f"n{i}"] for a, v in rolled.items()} for i in range(len(periods))]


def _years(periods: Iterable[Period]) -> set[int]:
    return {y for p in periods for y in p.years}


def on_yearly_facts(periods: Collection[Period], tree: str) -> bool:
    """Whether ``periods`` are read off the yearly facts per organisation (whole years, under
    the tree of their dates, within the years the table covers) rather than the cells'."""
    return tree == rollup.THEN and all(p.is_whole_years for p in periods) and subtree_years.covers(_years(periods))


def _admissions_source(*periods: Period) -> QuerySet[MemberFlowFact, Mapping[str, object]]:
    """Admission facts in any of ``periods``, with a column ``n<i>`` (1 or 0) per period."""
    # The kind inside each period's term: each is then a range of the (kind, day, cell) index
    # (SQLite reads them as a multi-index OR); ``kind IN … AND (a OR b)`` read every admission.
    any_period = Q()
    columns: dict[str, Case] = {}
    for i, p in enumerate(periods):
        in_period = Q(day__range=(p.date_from, p.date_to))
        any_period |= Q(in_period, kind__in=ADMISSION_KINDS)
        columns[f"n{i}"] = Case(When(in_period, then=Value(1)), default=Value(0), output_field=IntegerField())
    return MemberFlowFact.objects.filter(any_period).values("cell_id", "day", **columns)


def members(
    anchor_ids: Iterable[int], *days: datetime.date, tree: str = rollup.THEN
) -> list[dict[int, dict[str, int]]]:
    """For each day, members (total, official, probationary) at its end under each anchor id,
    under the tree as it stood that day (``tree=rollup.NOW``: under today's organisations). One
    query for all the days."""
    anchor_ids = list(dict.fromkeys(anchor_ids))
    at = members_at(anchor_ids, days, tree=tree)
    out: list[dict[int, dict[str, int]]] = []
    for day in days:
        out.append({a: _with_total(at[(a, day)]) for a in anchor_ids})
    return out


def _with_total(c: dict[str, int]) -> dict[str, int]:
    return {"total": c["official"] + c["probationary"], "official": c["official"], "probationary": c["probationary"]}


def pipeline_by_cell(
    org: Organization, stages: Iterable[str], *, cells: Collection[int] | None = None
) -> dict[int, dict[str, int]]:
    """Candidates at each of ``stages`` per cell id of the subtree today (``cells``: of those
    only): one query on the facts."""
    # The subtree of today: the cells' paths (a join, not a lookup per fact in the ancestry).
    facts = CandidateStageFact.objects.filter(cell__path__startswith=org.path, stage__in=list(stages), n__gt=0)
    if cells is not None:
        facts = facts.filter(cell_id__in=list(cells))
    rows = facts.order_by().values("cell_id", "stage").annotate(t=Sum("n"))
    result: dict[int, dict[str, int]] = defaultdict(dict)
    for r in rows:
        result[r["cell_id"]][r["stage"]] = r["t"]
    return result


def quotas_by_org(
    org_ids: Iterable[int] | QuerySet[Organization, dict[str, Any]],
    years: Iterable[int],
    *,
    within: Organization | None = None,
) -> dict[int, dict[int, int]]:
    """Annual quota targets {organisation id: {year: target}}: one query. With ``within``, every
    quota of that subtree is read (no long list of ids) and the caller picks its rows."""
    qs = Quota.objects.filter(year__in=list(years))
    if within is not None:
        qs = qs.filter(organization__path__startswith=within.path)
    else:
        qs = qs.filter(organization_id__in=org_ids if isinstance(org_ids, QuerySet) else list(org_ids))
    rows = qs.order_by().values("organization_id", "year").annotate(t=Sum("target"))
    result: dict[int, dict[int, int]] = defaultdict(dict)
    for row in rows:
        result[row["organization_id"]][row["year"]] = row["t"]
    return result


def with_predecessor_quotas(
    quotas: dict[int, dict[int, int]], org_ids: Iterable[int], years: Collection[int]
) -> dict[int, dict[int, int]]:
    """``as=now``: an organisation's quota of a year it had none of is the sum of its
    predecessors' quotas of that year (through the recorded successions, followed back): the
    merged province's 2025 quota is the three former provinces'. One or two more queries."""
    preds = predecessors_by_successor()
    org_ids = list(org_ids)
    if not preds or not any(o in preds for o in org_ids):
        return quotas
    needed: set[int] = set()
    stack = list(org_ids)
    while stack:
        for p in preds.get(stack.pop(), ()):
            if p not in needed:
                needed.add(p)
                stack.append(p)
    extra = quotas_by_org(needed, years)

    def of(pk: int, year: int, seen: set[int]) -> int | None:
        own = (quotas if pk in quotas else extra).get(pk, {}).get(year)
        if own is not None:
            return own
        found = [v for p in preds.get(pk, ()) if p not in seen for v in [of(p, year, seen | {p})] if v is not None]
        return sum(found) if found else None

    out: defaultdict[int, dict[int, int]] = defaultdict(dict, {k: dict(v) for k, v in quotas.items()})
    for pk in org_ids:
        for year in years:
            value = of(pk, year, {pk})
            if value is not None:
                out[pk][year] = value
    return out


def quota_for(quotas: dict[int, dict[int, int]], org_id: int, years: Iterable[int]) -> int | None:
    """The quota of a period: the sum of the annual quotas of every year it touches; None if
    the organisation has no quota in any of those years."""
    per_year = quotas.get(org_id, {})
    found = [per_year[y] for y in years if y in per_year]
    return sum(found) if found else None


def _sum_optional(values: Iterable[int | None]) -> int | None:
    found = [v for v in values if v is not None]
    return sum(found) if found else None


# --- achievement --------------------------------------------------------------------------------


@dataclass
class Figures:
    """Achievement of one organisation (or of a group of them) in a period and the year before.
    The derived figures are worked out once, on creation (a drill-down makes thousands)."""

    admitted: int
    quota: int | None
    members_at_start: int
    prev_admitted: int
    prev_quota: int | None
    prev_members_at_start: int
    years: int = 1

    def __post_init__(self) -> None:
        self.rate = rate(self.admitted, self.quota)
        self.prev_rate = rate(self.prev_admitted, self.prev_quota)
        self.change = self.admitted - self.prev_admitted
        # change of the count against the same period last year, in percent
        self.change_percent = rate(self.change, self.prev_admitted)
        self.rate_change_points = None if self.rate is None or self.prev_rate is None else self.rate - self.prev_rate
        # admitted as a share of the members at the start of the period, per year
        self.share_of_members = (
            rate(self.admitted, self.members_at_start * self.years) if self.members_at_start else None
        )
        self.prev_share_of_members = (
            rate(self.prev_admitted, self.prev_members_at_start * self.years) if self.prev_members_at_start else None
        )

    @classmethod
    def summed(cls, rows: Sequence["Row"], years: int = 1) -> "Figures":
        """The figures of a group of rows: their sums (a quota only where some row has one)."""
        return cls(
            admitted=sum(r.admitted for r in rows),
            quota=_sum_optional(r.quota for r in rows),
            members_at_start=sum(r.members_at_start for r in rows),
            prev_admitted=sum(r.prev_admitted for r in rows),
            prev_quota=_sum_optional(r.prev_quota for r in rows),
            prev_members_at_start=sum(r.prev_members_at_start for r in rows),
            years=years,
        )


class Row:
    """One organisation of a drill-down: its figures as attributes (row.rate, row.admitted...),
    copied from ``figures`` on creation (a drill-down reads them thousands of times)."""

    def __init__(self, org: "OrgRow", figures: Figures, below: bool = False) -> None:
        self.admitted = figures.admitted
        self.quota = figures.quota
        self.members_at_start = figures.members_at_start
        self.prev_admitted = figures.prev_admitted
        self.prev_quota = figures.prev_quota
        self.prev_members_at_start = figures.prev_members_at_start
        self.years = figures.years
        self.rate = figures.rate
        self.prev_rate = figures.prev_rate
        self.change = figures.change
        self.change_percent = figures.change_percent
        self.rate_change_points = figures.rate_change_points
        self.share_of_members = figures.share_of_members
        self.prev_share_of_members = figures.prev_share_of_members
        self.org = org
        self.figures = figures
        self.below = below

    def is_below(self, threshold: Decimal | None) -> bool:
        """Its rate is under ``threshold`` (the dashboard's lagging organisations; no rate, no)."""
        return threshold is not None and self.rate is not None and self.rate < threshold


@dataclass
class Achievement:
    org: Organization | None  # None: the national view of several roots (``national``)
    period: Period
    previous: Period
    kinds: list[str]
    totals: Figures
    rows: list[Row]
    grassroots_total: int
    grassroots_admitting: int
    prev_grassroots_admitting: int
    threshold: Decimal | None = None
    group_q: Q | None = None
    members_end: dict[str, int] = field(default_factory=dict)
    by_year: list[dict[str, Any]] = field(default_factory=list)
    # The organisation's own basis (its own quota, everything admitted in its subtree), whatever
    # the rows list: what ``basis_totals(org, period)`` gives, read by the same queries.
    own: "BasisTotals | None" = None
    # Read a page at a time (``achievement(per_page=...)``): ``rows`` holds the page's rows only;
    # what the page says of all of them is here.
    rows_page: Page | None = None
    row_count: int = 0  # how many organisations the drill-down lists
    listed_quota: int | None = None  # the sum of their own quotas (None when none has one)
    listed_kinds: list[str] = field(default_factory=list)  # the kinds among them
    lagging: list["Row"] = field(default_factory=list)  # the first LAGGING_SHOWN below the threshold, sorted
    lagging_count: int = 0  # how many are below it

    @property
    def grassroots_without(self) -> int:
        return self.grassroots_total - self.grassroots_admitting

    @property
    def children_quota(self) -> int | None:
        """The sum of the listed organisations' own quotas (None when none of them has one): shown
        beside, or instead of, the organisation's own quota, which it never replaces."""
        if self.rows_page is not None:
            return self.listed_quota
        quotas = [r.quota for r in self.rows if r.quota is not None]
        return sum(quotas) if quotas else None

    @property
    def children_quota_differs(self) -> bool:
        """The organisation has a quota of its own and its children's add up to another figure."""
        own, children = self.totals.quota, self.children_quota
        return own is not None and children is not None and own != children

    @property
    def grassroots_share(self) -> Decimal | None:
        return rate(self.grassroots_admitting, self.grassroots_total)

    @property
    def prev_grassroots_share(self) -> Decimal | None:
        return rate(self.prev_grassroots_admitting, self.grassroots_total)


SORT_KEYS: dict[str, Callable[[Row], Any]] = {
    "name": lambda r: r.org.path,
    "admitted": lambda r: r.admitted,
    "quota": lambda r: (r.quota is None, r.quota or 0),
    "rate": lambda r: (r.rate is None, r.rate or 0),
    "change": lambda r: r.change,
    "share": lambda r: (r.share_of_members is None, r.share_of_members or 0),
}


class OrgRow(NamedTuple):
    """The fields of an organisation a table row needs (cheaper than a model instance)."""

    id: int
    path: str
    depth: int
    numchild: int
    code: str
    name: str
    kind: str


def lists_whole(kinds: Collection[str] | None, all_levels: bool = False) -> bool:
    """The organisations ``listed_q`` selects add up to the whole subtree: the children, or every
    cell of both kinds at every level (every fact is a cell's)."""
    return not kinds or (all_levels and set(kinds) == set(CELL_KINDS))


def listed_q(org: Organization, kinds: Collection[str] | None = None, all_levels: bool = False) -> Q:
    """Which organisations a drill-down under ``org`` lists: its children, or with ``all_levels``
    every descendant; either filtered to ``kinds``."""
    q = Q(path__startswith=org.path) & (Q(depth__gt=org.depth) if all_levels else Q(depth=org.depth + 1))
    return q & Q(kind__in=kinds) if kinds else q


def rows_for(org: Organization, kinds: Collection[str] | None = None, all_levels: bool = False) -> list[OrgRow]:
    """The organisations listed under ``org`` (see ``listed_q``), in tree order. One query."""
    qs = Organization.objects.filter(listed_q(org, kinds, all_levels)).order_by("path").values_list(*ROW_FIELDS)
    return [OrgRow(*row) for row in qs]


def grassroots_counted(
    org: Organization,
    kinds: Collection[str] | None = None,
    all_levels: bool = False,
    children: Sequence[OrgRow] | None = None,
) -> QuerySet[Organization, dict[str, Any]]:
    """The ids, as a subquery, of the grassroots organisations whose admitting a drill-down
    counts (``achievement``): without ``kinds`` every one of the subtree (the node itself if it is
    one); with ``kinds`` those at or under a listed organisation, or all of them when none is
    (the listed rows lie below the grassroots level). Nothing leaves the database."""
    grassroots = Organization.objects.filter(path__startswith=org.path, kind__in=GRASSROOTS_KINDS)
    if not kinds:
        return grassroots.order_by().values("id")
    if children is not None and not all_levels:
        # The listed children, read already: a grassroots organisation is under one when its
        # path's prefix of their length is one of theirs (a plain cell holds none).
        paths = [c.path for c in children if c.kind != Kind.CELL]
        under_child = Q(child_path__in=paths)
        prefixed = grassroots.alias(child_path=Substr("path", 1, len(org.path) + Organization.steplen))
        return prefixed.filter(under_child | ~Exists(prefixed.filter(under_child))).order_by().values("id")
    # A plain cell has no grassroots organisation under it: the listed cells are not looked at.
    covering = Organization.objects.filter(listed_q(org, kinds, all_levels) & ~Q(kind=Kind.CELL))
    # At or under a listed organisation: one of the grassroots organisation's own path's prefixes
    # (a prefix as long as the path or longer is the path itself) is a listed one's path.
    step = Organization.steplen
    prefixes = [Substr(OuterRef("path"), 1, step * depth) for depth in range(org.depth + 1, MAX_TREE_DEPTH + 1)]
    under_listed = Exists(covering.filter(path__in=prefixes))
    counted = grassroots.filter(under_listed | ~Exists(grassroots.filter(under_listed)))
    return counted.order_by().values("id")


def grassroots_of(org: Organization) -> list[tuple[int, str]]:
    """(id, path) of the grassroots organisations in the subtree (the node itself if it is one)."""
    return list(
        Organization.objects.filter(path__startswith=org.path, kind__in=GRASSROOTS_KINDS).values_list("id", "path")
    )


def achievement(
    org: Organization,
    period: Period,
    *,
    kinds: Iterable[str] | None = None,
    all_levels: bool = False,
    threshold: Decimal | None = None,
    sort: str = "name",
    descending: bool = False,
    with_years: bool = False,
    tree: str = rollup.THEN,
    per_page: int | None = None,
    page: str | int | None = None,
) -> Achievement:
    """Admitted against quota for ``org`` and the organisations under it, in ``period`` and in
    the same period of the previous year.

    Without ``kinds`` the totals are the organisation's own quota and everything admitted in its
    subtree; with ``kinds`` they are over the listed organisations of those kinds only. Six
    queries whatever the size of the drill-down. ``tree=rollup.NOW`` (``as=now``): history
    mapped onto today's organisations, quotas of the years before a merge from its predecessors.

    With ``per_page``, ``rows`` holds page ``page`` of the sorted rows only (``rows_page``) and
    the result says how many there are, their quotas' sum, their kinds and which lag. On whole
    years of the tree as it stood (the yearly facts per organisation), a drill-down of more
    than a page (every organisation at every level) is sorted and paged by the database
    (``_achievement_page``): a page of every cell of the province costs about what a page of
    its 152 communes does.
    """
    kinds = list(kinds or [])
    previous = period.comparison()
    if per_page and _pages_in_sql(org, period, previous, tree, all_levels, per_page):
        return _achievement_page(org, period, previous, kinds, all_levels, threshold, sort, descending, per_page, page)
    children = rows_for(org, kinds, all_levels)
    listed = [org.id] + [c.id for c in children]
    counted = on_yearly_facts([period, previous], tree)
    grassroots_ids: list[int] = []
    if counted:
        # Whole years: the grassroots organisations counted, and how many of them admitted,
        # counted in SQL off the yearly facts (one query; the ids stay in the database).
        grassroots_total, admitting = subtree_years.admitting_among(
            grassroots_counted(org, kinds, all_levels, children), period.years, previous.years
        )
        now, prev = admissions(listed, period, previous, tree=tree)
    else:
        # Otherwise their admissions are read beside the rows' and counted here.
        covered_paths = {c.path for c in children} if kinds else {org.path}
        grassroots = grassroots_of(org)
        grassroots = (
            _under(grassroots, covered_paths) or grassroots
        )  # listed rows below the grassroots level: count all of them
        grassroots_ids = [g[0] for g in grassroots]
        grassroots_total = len(grassroots_ids)
        now, prev = admissions(listed + grassroots_ids, period, previous, tree=tree)
        admitting = [sum(1 for g in grassroots_ids if now[g]), sum(1 for g in grassroots_ids if prev[g])]
    m_now, m_prev, m_end = members(listed, period.start_of_year, previous.start_of_year, period.date_to, tree=tree)
    quota_years = set(period.years) | set(previous.years)
    quotas = quotas_by_org(listed, quota_years, within=org if len(children) > MANY else None)
    if tree == rollup.NOW:
        quotas = with_predecessor_quotas(quotas, listed, quota_years)
    n_years = len(period.years) if period.is_whole_years else 1

    def figures(node_id: int) -> Figures:
        return Figures(
            admitted=now[node_id],
            quota=quota_for(quotas, node_id, period.years),
            members_at_start=m_now[node_id]["total"],
            prev_admitted=prev[node_id],
            prev_quota=quota_for(quotas, node_id, previous.years),
            prev_members_at_start=m_prev[node_id]["total"],
            years=n_years,
        )

    rows = [Row(c, figures(c.id)) for c in children]
    for r in rows:
        r.below = r.is_below(threshold)
    key = SORT_KEYS.get(sort, SORT_KEYS["name"])
    rows.sort(key=key, reverse=descending)

    if kinds:
        totals = Figures.summed(rows, n_years)
        members_end_total = {k: sum(m_end[r.org.id][k] for r in rows) for k in ("total", "official", "probationary")}
    else:
        totals = figures(org.id)
        members_end_total = m_end[org.id]
    result = Achievement(
        org=org,
        period=period,
        previous=previous,
        kinds=kinds,
        totals=totals,
        rows=rows,
        grassroots_total=grassroots_total,
        grassroots_admitting=admitting[0],
        prev_grassroots_admitting=admitting[1],
        threshold=threshold,
        members_end=members_end_total,
        own=BasisTotals(admitted=now.get(org.id, 0), quota=quota_for(quotas, org.id, period.years)),
    )
    result.group_q = listed_q(org, kinds, all_levels) if kinds else None
    if with_years:
        result.by_year = achievement_by_year(org, period.years, result.group_q, group_ids=[r.org.id for r in rows])
    if per_page:
        result.row_count = len(rows)
        result.listed_quota = _sum_optional(r.quota for r in rows)
        result.listed_kinds = sorted({r.org.kind for r in rows})
        below = [r for r in rows if r.below]
        result.lagging, result.lagging_count = below[:LAGGING_SHOWN], len(below)
        result.rows_page = Paginator(rows, per_page).get_page(page)
        result.rows = list(result.rows_page.object_list)
    return result


def _pages_in_sql(
    org: Organization, period: Period, previous: Period, tree: str, all_levels: bool, per_page: int
) -> bool:
    """Whether a paged drill-down is sorted and paged by the database: more than a page of rows
    (every organisation at every level, or that many children), on whole years of the tree as
    it stood (the yearly facts per organisation, the members at the period's end included)."""
    return (
        (all_levels or org.numchild > per_page)
        and on_yearly_facts([period, previous], tree)
        and subtree_years.covers([period.date_to.year + 1])
    )


LAGGING_SHOWN = 30  # the organisations below the threshold a dashboard names


def _quota_sum(years: Iterable[int]) -> Subquery:
    """An annotation of a queryset of organisations: their own quotas summed over ``years``
    (NULL when they have none in any of them: ``quota_for``)."""
    rows = (
        Quota.objects.filter(organization=OuterRef("pk"), year__in=sorted(set(years)))
        .order_by()
        .values("organization")
        .annotate(s=Sum("target"))
        .values("s")[:1]
    )
    return Subquery(rows, output_field=IntegerField())


def _hundredths(part: Any, whole: Any) -> Case:
    """``rate(part, whole)`` in hundredths of a percent, in SQL: half up, in integers (NULL when
    there is nothing to divide by), so that the database sorts as the page's figures read."""
    return Case(
        When(GreaterThan(whole, 0), then=(part * 20000 + whole) / (whole * 2)),
        default=None,
        output_field=IntegerField(),
    )


def _null_last(name: str) -> Case:
    return Case(When(**{f"{name}__isnull": True}, then=Value(1)), default=Value(0), output_field=IntegerField())


# What the database sorts a page by: ``SORT_KEYS`` in SQL (a flag first where the key puts the
# rows without a figure last), rows of equal keys in tree order either way, as a stable sort does.
SQL_SORTS: dict[str, list[str]] = {
    "name": [],
    "admitted": ["adm"],
    "quota": ["quota_none", "quota"],
    "rate": ["rate_none", "rate_h"],
    "change": ["change"],
    "share": ["share_none", "share_h"],
}


def _achievement_page(
    org: Organization,
    period: Period,
    previous: Period,
    kinds: list[str],
    all_levels: bool,
    threshold: Decimal | None,
    sort: str,
    descending: bool,
    per_page: int,
    page: str | int | None,
) -> Achievement:
    """``achievement(..., per_page=...)`` on the yearly facts per organisation: each row's figures
    are correlated subqueries, so the database sorts, counts and sums the listed organisations
    and returns one page of them. Seven queries, whatever their number."""
    n_years = len(period.years)
    start, prev_start, end = period.date_from.year, previous.date_from.year, period.date_to.year + 1

    def figures_of(qs: QuerySet[Organization]) -> QuerySet[Organization]:
        return qs.annotate(
            adm=subtree_years.summed("admissions", period.years),
            padm=subtree_years.summed("admissions", previous.years),
            m0=subtree_years.summed("members", [start]),
            pm0=subtree_years.summed("members", [prev_start]),
            quota=_quota_sum(period.years),
            pquota=_quota_sum(previous.years),
        )

    def figures(row: dict[str, Any]) -> Figures:
        return Figures(
            admitted=row["adm"],
            quota=row["quota"],
            members_at_start=row["m0"],
            prev_admitted=row["padm"],
            prev_quota=row["pquota"],
            prev_members_at_start=row["pm0"],
            years=n_years,
        )

    listed_orgs = Organization.objects.filter(listed_q(org, kinds, all_levels))
    listed = figures_of(listed_orgs).annotate(
        rate_h=_hundredths(F("adm"), F("quota")),
        share_h=_hundredths(F("adm"), F("m0") * n_years),
        change=F("adm") - F("padm"),
    )
    below = Q(rate_h__lt=math.ceil(threshold * 100)) if threshold is not None else Q(pk__in=[])

    sums = _sums(
        listed_orgs,
        years={"adm": period.years, "padm": previous.years},
        members={"m0": start, "pm0": prev_start, "end": end},
        threshold=threshold,
    )
    count = sums["count"]
    rows_page = Paginator(range(count), per_page).get_page(page)
    keys = SQL_SORTS.get(sort, SQL_SORTS["name"])
    order = [f"-{k}" if descending else k for k in keys] + ["-path" if descending and not keys else "path"]
    flags = {"quota_none": _null_last("quota"), "rate_none": _null_last("rate_h"), "share_none": _null_last("share_h")}
    ordered = (
        listed.annotate(**{k: v for k, v in flags.items() if k in keys})
        .order_by(*order)
        .values(*ROW_FIELDS, "adm", "padm", "m0", "pm0", "quota", "pquota")
    )

    def rows_of(values: Iterable[dict[str, Any]]) -> list[Row]:
        out = []
        for v in values:
            row = Row(OrgRow(*(v[f] for f in ROW_FIELDS)), figures(v))
            row.below = row.is_below(threshold)
            out.append(row)
        return out

    offset = (rows_page.number - 1) * per_page
    rows = rows_of(ordered[offset : offset + per_page]) if count else []
    rows_page.object_list = rows  # type: ignore[assignment]  # the page of range(count): its rows
    lagging = rows_of(ordered.filter(below)[:LAGGING_SHOWN])  # a query even when none lag: a fixed count
    own = figures_of(Organization.objects.filter(pk=org.pk)).annotate(
        off_end=subtree_years.summed("official", [end]), prob_end=subtree_years.summed("probationary", [end])
    )
    (own_row,) = own.values("adm", "padm", "m0", "pm0", "quota", "pquota", "off_end", "prob_end")
    if kinds:
        official, probationary = sums["off_end"] or 0, sums["prob_end"] or 0
        totals = Figures(
            admitted=sums["adm"] or 0,
            quota=sums["quota"],
            members_at_start=sums["m0"] or 0,
            prev_admitted=sums["padm"] or 0,
            prev_quota=sums["pquota"],
            prev_members_at_start=sums["pm0"] or 0,
            years=n_years,
        )
    else:
        official, probationary = own_row["off_end"], own_row["prob_end"]
        totals = figures(own_row)
    grassroots = grassroots_counted(org, kinds, all_levels)
    grassroots_total, admitting = subtree_years.admitting_among(grassroots, period.years, previous.years)
    return Achievement(
        org=org,
        period=period,
        previous=previous,
        kinds=kinds,
        totals=totals,
        rows=rows,
        grassroots_total=grassroots_total,
        grassroots_admitting=admitting[0],
        prev_grassroots_admitting=admitting[1],
        threshold=threshold,
        group_q=listed_q(org, kinds, all_levels) if kinds else None,
        members_end={"total": official + probationary, "official": official, "probationary": probationary},
        own=BasisTotals(admitted=own_row["adm"], quota=own_row["quota"]),
        rows_page=rows_page,
        row_count=count,
        listed_quota=sums["quota"],
        listed_kinds=sorted(sums["kinds"]),
        lagging=lagging,
        lagging_count=sums["lagging"] or 0,
    )


def _sums(
    listed: QuerySet[Organization],
    *,
    years: dict[str, list[int]],
    members: dict[str, int],
    threshold: Decimal | None,
) -> dict[str, Any]:
    """What a paged drill-down says of all its rows (``_achievement_page``): their count and
    kinds, their admissions in each of ``years`` (``adm``, ``padm``), their members at the start
    of each of ``members``' years (``m0``, ``pm0``; official and probationary apart at ``end``),
    their own quotas over the ``adm`` and ``padm`` years (None where none has one) and how many
    are below ``threshold``. One query: the listed organisations joined to their yearly facts and
    quotas grouped once, not a correlated subquery per organisation and figure (which costs
    PostgreSQL half a second for a province's cells)."""
    connection = connections[listed.db]
    q = connection.ops.quote_name
    listed_sql, listed_params = listed.order_by().values("id", "kind").query.sql_with_params()
    facts, quotas = q(SubtreeYear._meta.db_table), q(Quota._meta.db_table)
    every = sorted({y for ys in years.values() for y in ys} | set(members.values()))
    quota_years = sorted({y for key in ("adm", "padm") for y in years[key]})

    def among(ys: Iterable[int]) -> str:
        return ", ".join(str(int(y)) for y in ys)  # integers of our own, never the request's text

    fact_sums = [
        f"SUM(CASE WHEN year IN ({among(ys)}) THEN admissions ELSE 0 END) AS {key}" for key, ys in years.items()
    ]
    fact_sums += [
        f"SUM(CASE WHEN year = {int(y)} THEN official + probationary ELSE 0 END) AS {key}"
        for key, y in members.items()
        if key != "end"
    ]
    fact_sums += [
        f"SUM(CASE WHEN year = {int(members['end'])} THEN official ELSE 0 END) AS off_end",
        f"SUM(CASE WHEN year = {int(members['end'])} THEN probationary ELSE 0 END) AS prob_end",
    ]
    quota_sums = [f"SUM(CASE WHEN year IN ({among(years[key])}) THEN target END) AS q_{key}" for key in ("adm", "padm")]
    below = (
        f"CASE WHEN qs.q_adm > 0 AND (COALESCE(f.adm, 0) * 20000 + qs.q_adm) / (qs.q_adm * 2) < {math.ceil(threshold * 100)} "
        "THEN 1 ELSE 0 END"
        if threshold is not None
        else "0"
    )
    columns = ["adm", "padm", "m0", "pm0", "off_end", "prob_end"]
    sql = (
        f"SELECT o.kind, COUNT(*), {', '.join(f'SUM(COALESCE(f.{c}, 0))' for c in columns)}, "
        f"SUM(qs.q_adm), SUM(qs.q_padm), SUM({below}) "
        f"FROM ({listed_sql}) o "
        f"LEFT JOIN (SELECT organization_id, {', '.join(fact_sums)} FROM {facts} "
        f"WHERE year IN ({among(every)}) AND organization_id IN (SELECT id FROM ({listed_sql}) l) "
        "GROUP BY organization_id) f ON f.organization_id = o.id "
        f"LEFT JOIN (SELECT organization_id, {', '.join(quota_sums)} FROM {quotas} "
        f"WHERE year IN ({among(quota_years)}) AND organization_id IN (SELECT id FROM ({listed_sql}) l) "
        "GROUP BY organization_id) qs ON qs.organization_id = o.id "
        "GROUP BY o.kind"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*listed_params, *listed_params, *listed_params])
        per_kind = cursor.fetchall()
    names = [*columns, "quota", "pquota", "lagging"]
    out: dict[str, Any] = {"count": sum(row[1] for row in per_kind), "kinds": {row[0] for row in per_kind}}
    for i, name in enumerate(names):
        found = [row[2 + i] for row in per_kind if row[2 + i] is not None]
        out[name] = int(sum(found)) if found else None  # PostgreSQL sums bigints as numeric
    return out


def _under(grassroots: list[tuple[int, str]], covered_paths: set[str]) -> list[tuple[int, str]]:
    """The grassroots organisations at or under one of ``covered_paths``."""
    step = Organization.steplen
    return [g for g in grassroots if any(g[1][:end] in covered_paths for end in range(step, len(g[1]) + 1, step))]


@dataclass
class BasisTotals:
    """Admitted against quota on one basis (the whole subtree, or the listed organisations of
    some kinds): what the province's two lines side by side show."""

    admitted: int
    quota: int | None

    @property
    def rate(self) -> Decimal | None:
        return rate(self.admitted, self.quota)


def basis_totals(
    org: Organization, period: Period, *, kinds: Iterable[str] | None = None, tree: str = rollup.THEN
) -> BasisTotals:
    """``achievement(...).totals``'s admitted and quota alone (no members, no previous period,
    no rows): the organisations of ``kinds`` directly under ``org`` summed, or without ``kinds``
    the organisation's own quota and everything admitted in its subtree. Two queries (a few more
    with ``tree=rollup.NOW``), whatever the number of organisations."""
    kinds = list(kinds or [])
    # The listed organisations as a subquery: the same queries on either basis.
    subquery = Organization.objects.filter(listed_q(org, kinds) if kinds else Q(pk=org.pk)).values("id")
    ids = [row["id"] for row in subquery] if tree == rollup.NOW else None
    listed = subquery if ids is None else ids
    (rolled,) = admissions(listed, period, tree=tree)
    quotas = quotas_by_org(listed, period.years)
    if ids is not None:
        quotas = with_predecessor_quotas(quotas, ids, period.years)
    if kinds:
        return BasisTotals(
            admitted=sum(rolled.values()),
            quota=_sum_optional(quota_for(quotas, pk, period.years) for pk in quotas),
        )
    return BasisTotals(admitted=rolled.get(org.id, 0), quota=quota_for(quotas, org.id, period.years))


def achievement_by_year(
    org: Organization, years: list[int], group_q: Q | None = None, group_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    """Admitted and quota per year for ``org``, or summed over the organisations ``group_q``
    selects (see ``listed_q``; pass their ids if known). Two or three queries, whatever the
    size of the group."""
    admitted: dict[int, int] = defaultdict(int)
    if group_q is None:
        anchors: list[int] | None = [org.id]
        quota_rows = Quota.objects.filter(organization=org, year__in=years)
    else:
        group = Organization.objects.filter(group_q).values("id")
        quota_rows = Quota.objects.filter(organization__in=group, year__in=years)
        anchors = group_ids
        if anchors is None and subtree_years.covers(years):
            # The group's admissions summed by year in SQL (the yearly facts), not read per member.
            admitted.update({y: sums[0] for y, sums in subtree_years.by_year(group, years).items()})
        elif anchors is None:
            anchors = list(group.values_list("id", flat=True))
    if years and anchors:
        for y, per_anchor in zip(years, admissions(anchors, *[Period.year(y) for y in years])):
            admitted[y] = sum(per_anchor.values())
    quotas = dict(quota_rows.order_by().values("year").annotate(t=Sum("target")).values_list("year", "t"))
    return [
        {"year": y, "admitted": admitted[y], "quota": quotas.get(y), "rate": rate(admitted[y], quotas.get(y))}
        for y in years
    ]


# --- quality of new members ---------------------------------------------------------------------

AGE_BANDS: list[tuple[str, str, int | None, int | None]] = [
    ("under-18", "Dưới 18", None, 17),
    ("18-30", "18–30 (thanh niên)", 18, 30),
    ("31-40", "31–40", 31, 40),
    ("41-50", "41–50", 41, 50),
    ("51-60", "51–60", 51, 60),
    ("61+", "Trên 60", 61, None),
]

Choices = Sequence[tuple[str | bool, str]]  # (value, label): youth_union's values are booleans

DIMENSIONS: list[tuple[str, str, str, Choices]] = [
    # key, label, field, choices
    ("general_education", "Giáo dục phổ thông", "general_education", GeneralEducation.choices),
    (
        "professional_qualification",
        "Chuyên môn, nghiệp vụ",
        "professional_qualification",
        ProfessionalQualification.choices,
    ),
    ("political_theory", "Lý luận chính trị", "political_theory", PoliticalTheory.choices),
    ("sex", "Giới tính", "sex", Sex.choices),
    ("ethnicity", "Dân tộc", "ethnicity", ETHNICITIES),
    ("religion", "Tôn giáo", "religion", Religion.choices),
    ("sector", "Nghề nghiệp, thành phần", "sector", Sector.choices),
    ("youth_union", "Đoàn viên thanh niên", "youth_union", [(True, "Là đoàn viên"), (False, "Không phải đoàn viên")]),
]


def _quality_columns(connection: Any) -> tuple[list[str], list[str], list[str | bool | int]]:
    """The names and SQL of the quality report's counts (``total``, then ``<dimension>__<value>``
    for every value of every dimension and age band) over a source aliased ``f``, and their
    parameters: one ``COUNT(CASE …)`` each, in SQL of its own (a hundred ORM aggregates cost
    more to compile than the query takes to run)."""
    q = connection.ops.quote_name
    names, columns = ["total"], ["COUNT(*)"]
    params: list[str | bool | int] = []
    for key, _label, fname, choices in DIMENSIONS:
        for value, _ in choices:
            names.append(f"{key}__{value}")
            columns.append(f"COUNT(CASE WHEN f.{q(fname)} = %s THEN 1 END)")
            params.append(value)
    for key, _label, low, high in AGE_BANDS:
        conditions = []
        if low is not None:
            conditions.append("f.age >= %s")
            params.append(low)
        if high is not None:
            conditions.append("f.age <= %s")
            params.append(high)
        names.append(f"age_band__{key}")
        columns.append(f"COUNT(CASE WHEN {' AND '.join(conditions)} THEN 1 END)")
    return names, columns, params


def _quality_counts(org: Organization, *periods: Period, tree: str = rollup.THEN) -> list[dict[str, int]]:
    """One query over the admission facts: for each period, the count of new members for every
    value of every dimension (the profile each fact carries, age in full years on the day of the
    decision). The periods may overlap: each is its own branch of a UNION ALL."""
    profile = [fname for _key, _label, fname, _choices in DIMENSIONS]
    within = rollup.within(org.id, tree=tree, cell_field="cell_id")
    connection = connections[router.db_for_read(MemberFlowFact)]
    names, columns, column_params = _quality_columns(connection)
    parts: list[str] = []
    params: list[Any] = []
    for i, period in enumerate(periods):
        source, source_params = (
            MemberFlowFact.objects.filter(
                within, kind__in=ADMISSION_KINDS, day__range=(period.date_from, period.date_to)
            )
            .order_by()
            .values(*profile, "age")
            .query.sql_with_params()
        )
        parts.append(f"SELECT {i} AS period, {', '.join(columns)} FROM ({source}) f")
        params += column_params + list(source_params)
    out: list[dict[str, int]] = [dict.fromkeys(names, 0) for _ in periods]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        for i, *counts in cursor.fetchall():
            out[i] = {name: int(n) for name, n in zip(names, counts)}
    return out


@dataclass
class QualityItem:
    key: str | bool  # a choice's value (youth_union's are booleans)
    label: str
    count: int
    share: Decimal | None
    prev_count: int
    prev_share: Decimal | None

    @property
    def change(self) -> int:
        return self.count - self.prev_count


@dataclass
class QualityGroup:
    key: str
    label: str
    items: list[QualityItem]

    def as_dict(self) -> dict[str, int]:
        return {str(i.key).lower() if isinstance(i.key, bool) else i.key: i.count for i in self.items}


@dataclass
class Quality:
    org: Organization
    period: Period
    previous: Period
    total: int
    prev_total: int
    groups: list[QualityGroup]

    def group(self, key: str) -> QualityGroup:
        return next(g for g in self.groups if g.key == key)

    @property
    def highlights(self) -> list[QualityItem]:
        """The lines the boards quote: women, ethnic minorities, youth, upper secondary, university+."""
        out: list[QualityItem] = []

        def add(key: str, label: str, count: int, prev: int) -> None:
            out.append(QualityItem(key, label, count, rate(count, self.total), prev, rate(prev, self.prev_total)))

        sex = {i.key: i for i in self.group("sex").items}
        add("women", "Nữ", sex[Sex.FEMALE].count, sex[Sex.FEMALE].prev_count)
        eth = [i for i in self.group("ethnicity").items if i.key != "kinh"]
        add("ethnic_minority", "Dân tộc thiểu số", sum(i.count for i in eth), sum(i.prev_count for i in eth))
        age = {i.key: i for i in self.group("age_band").items}
        add("youth", "Tuổi 18–30", age["18-30"].count, age["18-30"].prev_count)
        ge = {i.key: i for i in self.group("general_education").items}
        add(
            "upper_secondary",
            "Tốt nghiệp THPT",
            ge[GeneralEducation.UPPER_SECONDARY].count,
            ge[GeneralEducation.UPPER_SECONDARY].prev_count,
        )
        rel = [i for i in self.group("religion").items if i.key != Religion.NONE]
        add("religious", "Có đạo", sum(i.count for i in rel), sum(i.prev_count for i in rel))
        yu = {i.key: i for i in self.group("youth_union").items}
        add("youth_union", "Đoàn viên thanh niên", yu[True].count, yu[True].prev_count)
        return out


def new_member_quality(org: Organization, period: Period, tree: str = rollup.THEN) -> Quality:
    """New members in the subtree and period by every dimension the boards report, with the
    same period of the previous year. One query (``tree=rollup.NOW``: mapped onto today's
    organisations; one more for the recorded successions)."""
    previous = period.comparison()
    now, prev = _quality_counts(org, period, previous, tree=tree)
    groups: list[QualityGroup] = []
    dims: list[tuple[str, str, Choices]] = [(k, label, choices) for k, label, _f, choices in DIMENSIONS]
    dims.insert(4, ("age_band", "Độ tuổi khi kết nạp", [(k, label) for k, label, _lo, _hi in AGE_BANDS]))
    for key, label, choices in dims:
        items: list[QualityItem] = []
        for value, value_label in choices:
            n, p = now[f"{key}__{value}"], prev[f"{key}__{value}"]
            if key in ("ethnicity",) and not (n or p) and value != "kinh":
                continue  # 54 ethnicities: list only those present
            if key == "age_band" and value == "under-18" and not (n or p):
                continue
            items.append(QualityItem(value, value_label, n, rate(n, now["total"]), p, rate(p, prev["total"])))
        groups.append(QualityGroup(key, label, items))
    return Quality(org, period, previous, now["total"], prev["total"], groups)


# --- exits and net growth -----------------------------------------------------------------------


@dataclass
class ExitLine:
    kind: str
    label: str
    total: int
    probationary: int
    prev_total: int
    prev_probationary: int


REMOVED_KINDS = (EventKind.STRUCK_OFF, EventKind.LEFT, EventKind.EXPELLED)


@dataclass
class Exits:
    org: Organization
    period: Period
    previous: Period
    lines: list[ExitLine]
    now: dict[str, Any]  # members.selectors.movements of the period
    prev: dict[str, Any]  # and of the same period last year

    @property
    def total(self) -> int:
        return self.now["exits_total"]

    @property
    def probationary(self) -> int:
        return self.now["exits_probationary"]

    @property
    def prev_total(self) -> int:
        return self.prev["exits_total"]

    @property
    def removed(self) -> int:
        """Removed from the party: struck off, left and expelled (deaths apart), as published."""
        return sum(line.total for line in self.lines if line.kind in REMOVED_KINDS)

    @property
    def prev_removed(self) -> int:
        return sum(line.prev_total for line in self.lines if line.kind in REMOVED_KINDS)

    @property
    def admitted(self) -> int:
        return self.now["admitted"] + self.now["readmitted"]

    @property
    def prev_admitted(self) -> int:
        return self.prev["admitted"] + self.prev["readmitted"]

    @property
    def own_growth(self) -> int:
        """Admitted less exits: the growth the organisation made itself, transfers aside."""
        return self.admitted - self.total

    @property
    def prev_own_growth(self) -> int:
        return self.prev_admitted - self.prev_total


def exits(org: Organization, period: Period, tree: str = rollup.THEN) -> Exits:
    """Struck off, left, expelled and died in the subtree and period (probationary members
    counted apart), with admissions, transfers across the boundary and net growth, for the
    period and the same period last year (``members.selectors.movements``; whole years under
    the tree of their dates off the yearly facts, ``movements_of_years``: the same figures)."""
    previous = period.comparison()
    if on_yearly_facts((period, previous), tree) and subtree_years.covers(
        (period.date_to.year + 1, previous.date_to.year + 1)
    ):
        # Whole years: the yearly facts of the organisation (two queries for both periods).
        now, prev = movements_of_years(
            org, (period.date_from.year, period.date_to.year), (previous.date_from.year, previous.date_to.year)
        )
    else:
        now = movements(org, period.date_from, period.date_to, tree=tree)
        prev = movements(org, previous.date_from, previous.date_to, tree=tree)
    labels = dict(EventKind.choices)
    lines = [
        ExitLine(
            k.value,
            labels[k],
            now["exits"][k]["total"],
            now["exits"][k]["probationary"],
            prev["exits"][k]["total"],
            prev["exits"][k]["probationary"],
        )
        for k in EXIT_KINDS
    ]
    return Exits(org, period, previous, lines, now, prev)


# --- coverage and lagging units -----------------------------------------------------------------


@dataclass
class Coverage:
    """The coverage report. Each list is read a page at a time (``CountedRows``: its length is
    known, a page reads its own rows only; the Excel export reads it whole)."""

    org: Organization
    period: Period
    grassroots_without: "CountedRows[OrgRow]"
    grassroots_total: int
    cells_without: "CountedRows[OrgRow]"
    cells_total: int
    areas_without_member: "CountedRows[AreaRow]"
    areas_without_cell: "CountedRows[AreaRow]"
    areas_total: int
    pipeline: "CountedRows[PipelineRow]"  # cell, {stage: n}, total, quota of the year


def coverage(org: Organization, period: Period) -> Coverage:
    """Grassroots organisations and cells that admitted no one in the period; residential areas
    without party members or without a cell of their own; the pipeline of every cell next to its
    quota for the year.

    Counted in SQL (one aggregate over the organisations, one over the areas), each list read a
    page at a time in the order shown (one query a page, two more for the pipeline's figures):
    nine queries for a page of every list, whatever the size of the subtree (a few more for a
    period that does not end on 31 December: the members of the areas' cells are counted then)."""
    units = Organization.objects.filter(path__startswith=org.path, kind__in=GRASSROOTS_KINDS | CELL_KINDS)
    units = units.order_by("path")
    none_admitted = ~Q(pk__in=_admitting(org, period))
    counts = {
        row["kind"]: row
        for row in units.order_by()
        .values("kind")
        .annotate(total=Count("pk"), without=Count("pk", filter=none_admitted))
        .values("kind", "total", "without")
    }

    def count(kinds: Collection[str], key: str) -> int:
        return sum(counts[k][key] for k in kinds if k in counts)

    def org_rows(rows: list[tuple]) -> list[OrgRow]:
        return [OrgRow(*row) for row in rows]

    without = units.filter(none_admitted).values_list(*ROW_FIELDS)
    grassroots = without.filter(kind__in=GRASSROOTS_KINDS)
    cells = without.filter(kind=Kind.CELL)

    areas = ResidentialArea.objects.filter(grassroots__path__startswith=org.path).order_by("grassroots__path", "name")
    no_member = _without_member(org, areas, period.date_to)
    area_counts = areas.order_by().aggregate(
        total=Count("pk"),
        without_cell=Count("pk", filter=Q(cell__isnull=True)),
        without_member=Count("pk", filter=no_member),
    )
    area_fields = ("name", "kind", "grassroots__name", "cell_id", "cell__name")

    def area_rows(rows: list[tuple]) -> list[AreaRow]:
        return [
            AreaRow(ResidentialArea.label(kind, name), grassroots, cell_id, cell or "")
            for name, kind, grassroots, cell_id, cell in rows
        ]

    all_cells = units.filter(kind__in=CELL_KINDS).values_list(*ROW_FIELDS)
    year = period.date_to.year

    def pipeline_rows(rows: list[tuple]) -> list[PipelineRow]:
        cells = org_rows(rows)
        if not cells:  # an empty list: its page reads nothing (as Django's slice of no rows)
            return []
        ids = [c.id for c in cells]
        few = len(ids) <= MANY
        stages = pipeline_by_cell(org, OPEN_STAGES, cells=ids if few else None)
        quotas = quotas_by_org(ids, [year], within=None if few else org)
        return [PipelineRow(c, stages.get(c.id, {}), quotas.get(c.id, {}).get(year)) for c in cells]

    return Coverage(
        org=org,
        period=period,
        grassroots_without=CountedRows(grassroots, count(GRASSROOTS_KINDS, "without"), org_rows),
        grassroots_total=count(GRASSROOTS_KINDS, "total"),
        cells_without=CountedRows(cells, count([Kind.CELL], "without"), org_rows),
        cells_total=count([Kind.CELL], "total"),
        areas_without_member=CountedRows(
            areas.filter(no_member).values_list(*area_fields), area_counts["without_member"], area_rows
        ),
        areas_without_cell=CountedRows(
            areas.filter(cell__isnull=True).values_list(*area_fields), area_counts["without_cell"], area_rows
        ),
        areas_total=area_counts["total"],
        pipeline=CountedRows(all_cells, count(CELL_KINDS, "total"), pipeline_rows),
    )


def _per_row(org: Organization, column: str) -> str | None:
    """How the coverage's subqueries of the yearly facts read them: a province (the root: thousands
    of organisations) reads a year's rows once, off the index by year; below it (a ward, a
    committee: a few hundred) one lookup per organisation is cheaper than reading the province's
    year. ``column`` (the organisation's, to look up by), or None."""
    return None if org.is_root() else column


def _admitting(org: Organization, period: Period) -> Any:
    """The ids of the organisations under which someone was admitted in ``period`` (a subquery),
    with the figures ``admissions`` gives: off the yearly facts for whole years, else the
    admission facts of the period rolled up once."""
    if on_yearly_facts([period], rollup.THEN):
        return subtree_years.admitting_ids(period.years, within=org, of=_per_row(org, "pk"))
    sql, params = rollup.roll_up_sql(_admissions_source(period), anchors=None, sums=["n0"], tree=rollup.THEN)
    return RawSQL(f"SELECT ancestor_id FROM ({sql}) rolled WHERE n0 <> 0", params)


def _without_member(org: Organization, areas: QuerySet[ResidentialArea], day: datetime.date) -> Q:
    """The areas without a cell or whose cell has no member at the end of ``day``, with the
    figures ``members`` gives: off the yearly facts on a year's eve, else from the members of the
    areas' cells counted (a few queries more)."""
    with_members = subtree_years.with_members_ids(day, within=org)
    if with_members is not None:
        return Q(cell__isnull=True) | ~Q(cell_id__in=with_members)
    cells = set(areas.filter(cell__isnull=False).order_by().values_list("cell_id", flat=True))
    (counts,) = members(cells, day)
    return Q(cell__isnull=True) | Q(cell_id__in=[c for c in cells if not counts[c]["total"]])


class AreaRow(NamedTuple):
    """A residential area as the coverage tables show it (cheaper than a model instance)."""

    label: str  # "Tổ dân phố Mít", as ``str(area)``
    grassroots_name: str
    cell_id: int | None
    cell_name: str

    def __str__(self) -> str:
        return self.label


@dataclass
class PipelineRow:
    org: OrgRow
    by_stage: dict[str, int]
    quota: int | None

    @property
    def total(self) -> int:
        return sum(self.by_stage.values())


# --- the national view: several provinces at once ---------------------------------------------


def national(roots: list[Organization], period: Period) -> Achievement:
    """Admitted against quota for each of several roots (a user whose scope holds several
    provinces) and their sum, in ``period`` and the same period a year before. The same few
    grouped queries as a province's dashboard, whatever the number of provinces."""
    previous = period.comparison()
    rows_in = [OrgRow(r.id, r.path, r.depth, r.numchild, r.code, r.name, r.kind) for r in roots]
    ids = [r.id for r in roots]
    q = Q(pk__in=[])
    for r in roots:
        q |= Q(path__startswith=r.path)
    in_roots = Organization.objects.filter(q, kind__in=GRASSROOTS_KINDS).order_by().values("id")
    if on_yearly_facts([period, previous], rollup.THEN):
        # Whole years: the grassroots organisations of every province, and how many of them
        # admitted, counted in SQL off the yearly facts (the tens of thousands of ids stay there).
        grassroots: list[int] = []
        grassroots_total, admitting = subtree_years.admitting_among(in_roots, period.years, previous.years)
        now, prev = admissions(ids, period, previous)
    else:
        grassroots = [row["id"] for row in in_roots]
        grassroots_total = len(grassroots)
        now, prev = admissions(ids + grassroots, period, previous)
        admitting = [sum(1 for g in grassroots if now[g]), sum(1 for g in grassroots if prev[g])]
    m_now, m_prev, m_end = members(ids, period.start_of_year, previous.start_of_year, period.date_to)
    quotas = quotas_by_org(ids, set(period.years) | set(previous.years))
    n_years = len(period.years) if period.is_whole_years else 1
    rows = [
        Row(
            r,
            Figures(
                admitted=now[r.id],
                quota=quota_for(quotas, r.id, period.years),
                members_at_start=m_now[r.id]["total"],
                prev_admitted=prev[r.id],
                prev_quota=quota_for(quotas, r.id, previous.years),
                prev_members_at_start=m_prev[r.id]["total"],
                years=n_years,
            ),
        )
        for r in rows_in
    ]
    totals = Figures.summed(rows, n_years)
    result = Achievement(
        org=None,
        period=period,
        previous=previous,
        kinds=[],
        totals=totals,
        rows=rows,
        grassroots_total=grassroots_total,
        grassroots_admitting=admitting[0],
        prev_grassroots_admitting=admitting[1],
        members_end={k: sum(m_end[i][k] for i in ids) for k in ("total", "official", "probationary")},
    )
    result.group_q = Q(pk__in=ids)
    return result
