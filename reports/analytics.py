"""Read-side selectors of the reports: achievement against quota, new-member quality, coverage,
exits and net growth. Every figure is computed from records (admission and exit events,
membership periods, annual quotas), never stored.

Roll-ups: each fact is fetched in one grouped query per *cell* of the subtree (``cell__path``),
then summed into the organisations asked for by walking each cell path's prefixes in Python.
That is a fixed number of queries whatever the number of rows or their depths, and it needs
no copy of ``path`` in other tables.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear

from members.models import (
    ETHNICITIES,
    EventKind,
    GeneralEducation,
    MembershipEvent,
    MembershipPeriod,
    PoliticalTheory,
    ProfessionalQualification,
    Religion,
    Sector,
    Sex,
    Status,
)
from members.selectors import movements
from organizations.models import CELL_KINDS, GRASSROOTS_KINDS, Kind, Organization, ResidentialArea

from . import memo
from .periods import Period, rate

STEP = Organization.steplen
ADMISSION_KINDS = (EventKind.ADMITTED, EventKind.READMITTED)
EXIT_KINDS = (EventKind.STRUCK_OFF, EventKind.LEFT, EventKind.EXPELLED, EventKind.DIED)
ACTIVE = (Status.PROBATIONARY, Status.OFFICIAL)
MANY = 300  # above this many organisations, read a subtree's quotas by path rather than by a list of ids
ROW_FIELDS = ("id", "path", "depth", "numchild", "code", "name", "kind")


# --- primitives --------------------------------------------------------------------------------


def prefix_sums(per_cell: dict[str, int]) -> dict[str, int]:
    """Totals for every organisation above (and at) each cell: each path adds to all its prefixes."""
    totals: dict[str, int] = defaultdict(int)
    for path, n in per_cell.items():
        for end in range(STEP, len(path) + 1, STEP):
            totals[path[:end]] += n
    return totals


def admission_totals(root: Organization, *periods: Period, stamp) -> list[dict[str, int]]:
    """For each period, admissions under every organisation of ``root``'s subtree (path → count),
    memoised under ``stamp``: a request then only looks up the rows it shows."""

    def compute():
        return [prefix_sums(per_cell) for per_cell in admissions_by_cell(root, *periods)]

    return memo.remember(stamp, ("admission_totals", root.path, periods), compute)


def member_totals_at(root: Organization, *days: datetime.date, stamp) -> list[dict[str, tuple[int, int]]]:
    """For each day, (official, probationary) members under every organisation of the subtree."""

    def compute():
        out = []
        for per_cell in members_by_cell(root, *days):
            official = prefix_sums({p: c[Status.OFFICIAL] for p, c in per_cell.items()})
            probationary = prefix_sums({p: c[Status.PROBATIONARY] for p, c in per_cell.items()})
            out.append(
                {path: (official.get(path, 0), probationary.get(path, 0)) for path in set(official) | set(probationary)}
            )
        return out

    return memo.remember(stamp, ("member_totals", root.path, days), compute)


def _members(totals: dict, path: str) -> dict[str, int]:
    official, probationary = totals.get(path, (0, 0))
    return {"total": official + probationary, "official": official, "probationary": probationary}


def roll_up(per_cell: dict[str, int], anchors) -> dict[str, int]:
    """Sum per-cell counts into every anchor path that is a prefix of the cell's path."""
    anchors = set(anchors)
    totals = dict.fromkeys(anchors, 0)
    for path, n in per_cell.items():
        for end in range(STEP, len(path) + 1, STEP):
            prefix = path[:end]
            if prefix in anchors:
                totals[prefix] += n
    return totals


def admissions_by_cell(root: Organization, *periods: Period, stamp=None) -> list[dict[str, int]]:
    """For each period, admissions (admitted and readmitted, by decision date) per admitting cell
    under ``root``. One query for all the periods (none when memoised under ``stamp``)."""
    if stamp is not None:
        return memo.remember(stamp, ("admissions", root.path, periods), lambda: admissions_by_cell(root, *periods))
    q_any = Q()
    aggregates = {}
    for i, p in enumerate(periods):
        q = Q(effective_date__range=(p.date_from, p.date_to))
        q_any |= q
        aggregates[f"n{i}"] = Count("id", filter=q)
    paths = subtree_paths(root)
    rows = (
        MembershipEvent.objects.filter(q_any, kind__in=ADMISSION_KINDS, cell_id__in=_subtree_ids(root))
        .order_by()
        .values("cell_id")
        .annotate(**aggregates)
    )
    result = [{} for _ in periods]
    for row in rows:
        for i in range(len(periods)):
            if row[f"n{i}"]:
                result[i][paths[row["cell_id"]]] = row[f"n{i}"]
    return result


def _subtree_ids(root: Organization):
    # Filtering the big tables by a sub-select of ids (no join to the tree) is about 3× faster
    # on SQLite than joining for ``cell__path``; the paths are then looked up in ``subtree_paths``.
    return Organization.objects.filter(path__startswith=root.path).values("id")


def subtree_paths(root: Organization) -> dict[int, str]:
    """{organisation id: path} for the subtree: one query over the path index."""
    return dict(Organization.objects.filter(path__startswith=root.path).values_list("id", "path"))


def members_by_cell(root: Organization, *days: datetime.date, stamp=None) -> list[dict[str, Counter]]:
    """For each day, active members (official, probationary) per cell under ``root`` at the end
    of that day, from the membership periods. One query for all the days (none when memoised)."""
    if stamp is not None:
        return memo.remember(stamp, ("members", root.path, days), lambda: members_by_cell(root, *days))
    q_any = Q()
    aggregates = {}
    for i, day in enumerate(days):
        q = Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gt=day))
        q_any |= q
        aggregates[f"n{i}"] = Count("id", filter=q)
    paths = subtree_paths(root)
    rows = (
        MembershipPeriod.objects.filter(q_any, status__in=ACTIVE, cell_id__in=_subtree_ids(root))
        .order_by()
        .values("cell_id", "status")
        .annotate(**aggregates)
    )
    result = [defaultdict(Counter) for _ in days]
    for row in rows:
        for i in range(len(days)):
            if row[f"n{i}"]:
                result[i][paths[row["cell_id"]]][row["status"]] += row[f"n{i}"]
    return result


def quotas_by_org(org_ids, years, *, within: Organization | None = None) -> dict[int, dict[int, int]]:
    """Annual quota targets {organisation id: {year: target}}: one query. With ``within``, every
    quota of that subtree is read (no long list of ids) and the caller picks its rows."""
    from members.quotas.models import Quota

    qs = Quota.objects.filter(year__in=list(years))
    if within is not None:
        qs = qs.filter(organization__path__startswith=within.path)
    else:
        qs = qs.filter(organization_id__in=list(org_ids))
    rows = qs.order_by().values("organization_id", "year").annotate(t=Sum("target"))
    result: dict[int, dict[int, int]] = defaultdict(dict)
    for row in rows:
        result[row["organization_id"]][row["year"]] = row["t"]
    return result


def quota_for(quotas: dict[int, dict[int, int]], org_id: int, years) -> int | None:
    """The quota of a period: the sum of the annual quotas of every year it touches; None if
    the organisation has no quota in any of those years."""
    per_year = quotas.get(org_id, {})
    found = [per_year[y] for y in years if y in per_year]
    return sum(found) if found else None


def _sum_optional(values) -> int | None:
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

    def __post_init__(self):
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


class Row:
    """One organisation of a drill-down: its figures as attributes (row.rate, row.admitted...)."""

    def __init__(self, org, figures: Figures, below: bool = False):
        self.__dict__.update(figures.__dict__)
        self.org = org
        self.figures = figures
        self.below = below


@dataclass
class Achievement:
    org: Organization
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
    members_end: dict = field(default_factory=dict)
    stamp: tuple | None = None
    by_year: list[dict] = field(default_factory=list)

    @property
    def grassroots_without(self) -> int:
        return self.grassroots_total - self.grassroots_admitting

    @property
    def grassroots_share(self) -> Decimal | None:
        return rate(self.grassroots_admitting, self.grassroots_total)

    @property
    def prev_grassroots_share(self) -> Decimal | None:
        return rate(self.prev_grassroots_admitting, self.grassroots_total)


SORT_KEYS = {
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


def listed_q(org: Organization, kinds=None, all_levels: bool = False) -> Q:
    """Which organisations a drill-down under ``org`` lists: its children, or with ``all_levels``
    every descendant; either filtered to ``kinds``."""
    q = Q(path__startswith=org.path) & (Q(depth__gt=org.depth) if all_levels else Q(depth=org.depth + 1))
    return q & Q(kind__in=kinds) if kinds else q


def rows_for(org: Organization, kinds=None, all_levels: bool = False) -> list[OrgRow]:
    """The organisations listed under ``org`` (see ``listed_q``), in tree order. One query."""
    qs = Organization.objects.filter(listed_q(org, kinds, all_levels)).order_by("path").values_list(*ROW_FIELDS)
    return [OrgRow(*row) for row in qs]


def grassroots_paths(org: Organization) -> list[str]:
    """Paths of the grassroots organisations in the subtree (the node itself if it is one)."""
    return list(
        Organization.objects.filter(path__startswith=org.path, kind__in=GRASSROOTS_KINDS).values_list("path", flat=True)
    )


def achievement(
    org: Organization,
    period: Period,
    *,
    kinds=None,
    all_levels: bool = False,
    threshold: Decimal | None = None,
    sort: str = "name",
    descending: bool = False,
    with_years: bool = False,
    stamp=None,
) -> Achievement:
    """Admitted against quota for ``org`` and the organisations under it, in ``period`` and in
    the same period of the previous year.

    Without ``kinds`` the totals are the organisation's own quota and everything admitted in its
    subtree; with ``kinds`` they are over the listed organisations of those kinds only.
    """
    kinds = list(kinds or [])
    previous = period.previous_year()
    stamp = stamp or memo.data_stamp()
    children = rows_for(org, kinds, all_levels)
    now, prev = admission_totals(org, period, previous, stamp=stamp)
    m_now, m_prev, m_end = member_totals_at(
        org, period.start_of_year, previous.start_of_year, period.date_to, stamp=stamp
    )
    quotas = quotas_by_org(
        [org.id] + [c.id for c in children],
        set(period.years) | set(previous.years),
        within=org if len(children) > MANY else None,
    )
    n_years = len(period.years) if period.is_whole_years else 1

    def figures(node):
        return Figures(
            admitted=now.get(node.path, 0),
            quota=quota_for(quotas, node.id, period.years),
            members_at_start=_members(m_now, node.path)["total"],
            prev_admitted=prev.get(node.path, 0),
            prev_quota=quota_for(quotas, node.id, previous.years),
            prev_members_at_start=_members(m_prev, node.path)["total"],
            years=n_years,
        )

    rows = [Row(c, figures(c)) for c in children]
    for r in rows:
        r.below = threshold is not None and r.rate is not None and r.rate < threshold
    key = SORT_KEYS.get(sort, SORT_KEYS["name"])
    rows.sort(key=key, reverse=descending)

    if kinds:
        totals = Figures(
            admitted=sum(r.admitted for r in rows),
            quota=_sum_optional(r.quota for r in rows),
            members_at_start=sum(r.members_at_start for r in rows),
            prev_admitted=sum(r.prev_admitted for r in rows),
            prev_quota=_sum_optional(r.prev_quota for r in rows),
            prev_members_at_start=sum(r.prev_members_at_start for r in rows),
            years=n_years,
        )
        covered = [r.org for r in rows]
        members_end_total = {
            k: sum(_members(m_end, r.org.path)[k] for r in rows) for k in ("total", "official", "probationary")
        }
    else:
        totals = figures(org)
        covered = [org]
        members_end_total = _members(m_end, org.path)
    grassroots = grassroots_paths(org)
    covered_paths = {c.path for c in covered}
    under = [g for g in grassroots if any(g[:end] in covered_paths for end in range(STEP, len(g) + 1, STEP))]
    grassroots = under or grassroots  # listed rows below the grassroots level: count all of them
    result = Achievement(
        org=org,
        period=period,
        previous=previous,
        kinds=kinds,
        totals=totals,
        rows=rows,
        grassroots_total=len(grassroots),
        grassroots_admitting=sum(1 for g in grassroots if now.get(g)),
        prev_grassroots_admitting=sum(1 for g in grassroots if prev.get(g)),
        threshold=threshold,
        members_end=members_end_total,
    )
    result.stamp = stamp
    result.group_q = listed_q(org, kinds, all_levels) if kinds else None
    if with_years:
        result.by_year = achievement_by_year(
            org, period.years, result.group_q, stamp=stamp, group_paths=[r.org.path for r in rows]
        )
    return result


def achievement_by_year(
    org: Organization, years: list[int], group_q: Q | None = None, stamp=None, group_paths: list[str] | None = None
) -> list[dict]:
    """Admitted and quota per year for ``org``, or summed over the organisations ``group_q``
    selects (see ``listed_q``; pass their paths if known). At most three queries, whatever the
    size of the group."""
    stamp = stamp or memo.data_stamp()
    per_year = dict(zip(years, admission_totals(org, *[Period.year(y) for y in years], stamp=stamp)))
    from members.quotas.models import Quota

    if group_q is None:
        anchors = [org.path]
        quota_rows = Quota.objects.filter(organization=org, year__in=years)
    else:
        anchors = (
            group_paths
            if group_paths is not None
            else list(Organization.objects.filter(group_q).values_list("path", flat=True))
        )
        quota_rows = Quota.objects.filter(organization__in=Organization.objects.filter(group_q), year__in=years)
    quotas = dict(quota_rows.order_by().values("year").annotate(t=Sum("target")).values_list("year", "t"))
    series = []
    for y in years:
        admitted = sum(per_year[y].get(a, 0) for a in anchors)
        quota = quotas.get(y)
        series.append({"year": y, "admitted": admitted, "quota": quota, "rate": rate(admitted, quota)})
    return series


# --- quality of new members ---------------------------------------------------------------------

AGE_BANDS = [
    ("under-18", "Dưới 18", None, 17),
    ("18-30", "18–30 (thanh niên)", 18, 30),
    ("31-40", "31–40", 31, 40),
    ("41-50", "41–50", 41, 50),
    ("51-60", "51–60", 51, 60),
    ("61+", "Trên 60", 61, None),
]

P = "membership__person__"
DIMENSIONS = [
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


def _age_expression():
    """Full years of age on the day of the admission decision, in SQL on any backend."""
    return (
        ExtractYear("effective_date")
        - ExtractYear(f"{P}date_of_birth")
        - Case(
            When(Q(_em__lt=F("_bm")) | (Q(_em=F("_bm")) & Q(_ed__lt=F("_bd"))), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


def _quality_counts(org: Organization, period: Period) -> dict:
    """One query: the count of new members for every value of every dimension."""
    aggregates = {"total": Count("id")}
    for key, _label, fname, choices in DIMENSIONS:
        for value, _ in choices:
            aggregates[f"{key}__{value}"] = Count("id", filter=Q(**{f"{P}{fname}": value}))
    for key, _label, low, high in AGE_BANDS:
        q = Q()
        if low is not None:
            q &= Q(_age__gte=low)
        if high is not None:
            q &= Q(_age__lte=high)
        aggregates[f"age_band__{key}"] = Count("id", filter=q)
    return (
        MembershipEvent.objects.filter(
            kind__in=ADMISSION_KINDS,
            cell__path__startswith=org.path,
            effective_date__range=(period.date_from, period.date_to),
        )
        .annotate(
            _em=ExtractMonth("effective_date"),
            _ed=ExtractDay("effective_date"),
            _bm=ExtractMonth(f"{P}date_of_birth"),
            _bd=ExtractDay(f"{P}date_of_birth"),
        )
        .annotate(_age=_age_expression())
        .order_by()
        .aggregate(**aggregates)
    )


@dataclass
class QualityItem:
    key: str
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

    def group(self, key) -> QualityGroup:
        return next(g for g in self.groups if g.key == key)

    @property
    def highlights(self) -> list[QualityItem]:
        """The lines the boards quote: women, ethnic minorities, youth, upper secondary, university+."""
        out = []

        def add(key, label, count, prev):
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


def new_member_quality(org: Organization, period: Period) -> Quality:
    """New members in the subtree and period by every dimension the boards report, with the
    same period of the previous year. Two queries."""
    previous = period.previous_year()
    stamp = memo.data_stamp()
    now = memo.remember(stamp, ("quality", org.path, period), lambda: _quality_counts(org, period))
    prev = memo.remember(stamp, ("quality", org.path, previous), lambda: _quality_counts(org, previous))
    groups = []
    dims = [(k, label, choices) for k, label, _f, choices in DIMENSIONS]
    dims.insert(4, ("age_band", "Độ tuổi khi kết nạp", [(k, label) for k, label, _lo, _hi in AGE_BANDS]))
    for key, label, choices in dims:
        items = []
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


@dataclass
class Exits:
    org: Organization
    period: Period
    previous: Period
    lines: list[ExitLine]
    now: dict  # members.selectors.movements of the period
    prev: dict  # and of the same period last year

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


def exits(org: Organization, period: Period) -> Exits:
    """Struck off, left, expelled and died in the subtree and period (probationary members
    counted apart), with admissions, transfers across the boundary and net growth, for the
    period and the same period last year (``members.selectors.movements``)."""
    previous = period.previous_year()
    now = movements(org, period.date_from, period.date_to)
    prev = movements(org, previous.date_from, previous.date_to)
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
    org: Organization
    period: Period
    grassroots_without: list[Organization]
    grassroots_total: int
    cells_without: list[Organization]
    cells_total: int
    areas_without_member: list
    areas_without_cell: list
    areas_total: int
    pipeline: list = field(default_factory=list)  # (cell, {stage: n}, total, quota of the year)


def coverage(org: Organization, period: Period) -> Coverage:
    """Grassroots organisations and cells that admitted no one in the period; residential areas
    without party members or without a cell of their own; the pipeline of every cell next to its
    quota for the year. Six queries."""
    stamp = memo.data_stamp()
    (admitted,) = admission_totals(org, period, stamp=stamp)
    units = list(
        Organization.objects.filter(path__startswith=org.path, kind__in=GRASSROOTS_KINDS | CELL_KINDS)
        .only(*ROW_FIELDS)
        .order_by("path")
    )
    grassroots = [u for u in units if u.kind in GRASSROOTS_KINDS]
    cells = [u for u in units if u.kind == Kind.CELL]
    (members,) = member_totals_at(org, period.date_to, stamp=stamp)
    areas = list(
        ResidentialArea.objects.filter(grassroots__path__startswith=org.path)
        .select_related("grassroots", "cell")
        .only("name", "kind", "grassroots__name", "grassroots__code", "cell__name", "cell__path", "cell__code")
        .order_by("grassroots__path", "name")
    )
    without_cell = [a for a in areas if a.cell_id is None]
    without_member = [a for a in areas if a.cell_id is None or not _members(members, a.cell.path)["total"]]
    from .projection import pipeline_by_cell

    all_cells = [u for u in units if u.kind in CELL_KINDS]
    stages = pipeline_by_cell(org)
    year = period.date_to.year
    quotas = quotas_by_org([c.id for c in all_cells], [year])
    pipeline = [PipelineRow(c, stages.get(c.path, {}), quotas.get(c.id, {}).get(year)) for c in all_cells]
    return Coverage(
        org=org,
        period=period,
        grassroots_without=[g for g in grassroots if not admitted.get(g.path)],
        grassroots_total=len(grassroots),
        cells_without=[c for c in cells if not admitted.get(c.path)],
        cells_total=len(cells),
        areas_without_member=without_member,
        areas_without_cell=without_cell,
        areas_total=len(areas),
        pipeline=pipeline,
    )


@dataclass
class PipelineRow:
    org: Organization
    by_stage: dict
    quota: int | None

    @property
    def total(self) -> int:
        return sum(self.by_stage.values())
