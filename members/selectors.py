"""Reads over the members register."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Value

from organizations import rollup
from organizations.models import GRASSROOTS_KINDS, Organization, user_root_paths
from partydev.text import fold

from . import facts, subtree_years
from .models import (
    ACTIVE_STATUSES,
    ADMISSION_KINDS,
    EXIT_KINDS,
    TRANSFER_KINDS,
    EventKind,
    MemberFlowFact,
    Membership,
    Person,
    Status,
)

# --- counts from the facts (members.facts), rolled up through the dated tree (organizations.rollup)


def _day_key(value: object) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value)[:10])


def members_at(
    anchor_ids: Iterable[int], days: Iterable[datetime.date], *, tree: str = rollup.THEN
) -> dict[tuple[int, datetime.date], dict[str, int]]:
    """Official and probationary members at the end of each day under each anchor: one query.
    ``tree=THEN`` counts each day under the tree as it stood that day (``TODAY``: as it is)."""
    days = list(dict.fromkeys(days))
    anchor_ids = list(anchor_ids)
    out = {(a, d): {"official": 0, "probationary": 0} for a in anchor_ids for d in days}
    if not days or not anchor_ids:
        return out
    if tree == rollup.THEN and subtree_years.covers(subtree_years.base_year(d) for d in days):
        near = [d for d in days if not subtree_years.is_eve(d)]
        if not near or not subtree_years.tree_changed_near(near):
            # Each day's nearest year boundary from the yearly facts per organisation, and the
            # periods starting or ending between them rolled up: the same figures.
            by_year = subtree_years.read(anchor_ids, {subtree_years.base_year(d) for d in days})
            for a in anchor_ids:
                for d in days:
                    _admissions, official, probationary = by_year[(a, subtree_years.base_year(d))]
                    out[(a, d)] = {"official": official, "probationary": probationary}
            if near:
                corrections = facts.members_at_source(near, balances=False)
                for (anchor, day, *_), sums in rollup.roll_up(
                    corrections, anchors=anchor_ids, sums=["official", "probationary"], group=["day"], tree=tree
                ).items():
                    counts = out[(anchor, _day_key(day))]
                    counts["official"] += sums["official"]
                    counts["probationary"] += sums["probationary"]
            return out
    source = facts.members_at_source(days)
    for (anchor, day, *_), sums in rollup.roll_up(
        source, anchors=anchor_ids, sums=["official", "probationary"], group=["day"], tree=tree
    ).items():
        out[(anchor, _day_key(day))] = sums
    return out


def _with_total(counts: dict[str, int]) -> dict[str, int]:
    return {"total": counts["official"] + counts["probationary"], **counts}


def admitted_by_anchor(
    nodes: Iterable[Organization], date_from: datetime.date, date_to: datetime.date
) -> dict[str, int]:
    """How many members were admitted under each node, counted by the date of the admission
    decision (inclusive bounds) and in the cell that admitted them (a later transfer does not
    move the admission), under the tree as it stood on that date. One query."""
    nodes = list(nodes)
    source = MemberFlowFact.objects.filter(kind__in=ADMISSION_KINDS, day__range=(date_from, date_to)).values(
        "cell_id", "day", n=Value(1)
    )
    counts = rollup.totals(source, anchors=[n.id for n in nodes], sums=["n"], tree=rollup.THEN)
    return {n.path: counts[n.id]["n"] for n in nodes}


def counts_at(org: Organization, day: datetime.date, *, tree: str = rollup.THEN) -> dict[str, int]:
    """Members under ``org`` at the end of ``day``, where they were that day (``tree=NOW``: their
    cells mapped onto today's organisations): one query."""
    return _with_total(members_at([org.id], [day], tree=tree)[(org.id, day)])


def counts_by_anchor(nodes: Iterable[Organization], day: datetime.date) -> dict[str, dict[str, int]]:
    """Official and probationary members on ``day`` under each node (nodes at any depths): one query."""
    nodes = list(nodes)
    counts = members_at([n.id for n in nodes], [day])
    return {n.path: counts[(n.id, day)] for n in nodes}


# --- movements over a period ----------------------------------------------------------------


def movements(org: Organization, date_from: datetime.date, date_to: datetime.date, *, tree: str = rollup.THEN) -> dict:
    """What changed the membership of ``org``'s subtree between two dates (inclusive), from the
    facts: admissions (by the date of the admission decision), exits by kind with probationary
    members counted apart, transfers across the subtree's boundary, and net growth. Three
    queries, each fact under the tree as it stood on its own date.

    ``net_growth`` is members at ``date_to`` minus members the day before ``date_from``;
    it equals admitted + readmitted + transferred in - exits - transferred out.
    """
    in_range = MemberFlowFact.objects.filter(day__range=(date_from, date_to))
    rows = rollup.roll_up(
        in_range.filter(kind__in=(*ADMISSION_KINDS, *EXIT_KINDS)).values(
            "cell_id", "day", "kind", "probationary", n=Value(1)
        ),
        anchors=[org.id],
        sums=["n"],
        group=["kind", "probationary"],
        tree=tree,
    )
    exits = {k.value: {"total": 0, "probationary": 0} for k in EXIT_KINDS}
    admitted = readmitted = 0
    for (_anchor, kind, probationary), sums in rows.items():
        n = sums["n"]
        if kind == EventKind.ADMITTED:
            admitted += n
        elif kind == EventKind.READMITTED:
            readmitted += n
        else:
            exits[kind]["total"] += n
            if probationary:
                exits[kind]["probationary"] += n
    transfers = {
        kind: sums["n"]
        for (_anchor, kind), sums in rollup.roll_up(
            in_range.filter(kind__in=TRANSFER_KINDS).values("cell_id", "day", "kind", "other_cell_id", n=Value(1)),
            anchors=[org.id],
            sums=["n"],
            group=["kind"],
            tree=tree,
            crossing="other_cell_id",
        ).items()
    }
    exits_total = sum(v["total"] for v in exits.values())
    exits_probationary = sum(v["probationary"] for v in exits.values())
    before_day, after_day = date_from - datetime.timedelta(days=1), date_to
    at = members_at([org.id], [before_day, after_day], tree=tree)
    before, after = _with_total(at[(org.id, before_day)]), _with_total(at[(org.id, after_day)])
    return {
        "admitted": admitted,
        "readmitted": readmitted,
        "transferred_in": transfers.get(EventKind.TRANSFERRED_IN, 0),
        "transferred_out": transfers.get(EventKind.TRANSFERRED_OUT, 0),
        "exits": exits,
        "exits_total": exits_total,
        "exits_probationary": exits_probationary,
        "members_before": before,
        "members_after": after,
        "net_growth": after["total"] - before["total"],
    }


def movements_of_years(org: Organization, *spans: tuple[int, int]) -> list[dict]:
    """``movements`` for each span of whole years (first, last), under the tree as it stood on
    each fact's date, off the yearly facts per organisation (``subtree_years``): the
    admissions, readmissions, exits, transfers across the subtree's boundary and members at the
    start of each year in one lookup: one query for all the spans, the same figures. Every year
    of the spans and the year after each must be in ``subtree_years.COVERED``."""
    years = [range(first, last + 1) for first, last in spans]
    needed = {y for r in years for y in r} | {r.stop for r in years}
    if not subtree_years.covers(needed):
        raise ValueError(f"years outside those the yearly facts keep: {sorted(needed)}")
    rows = subtree_years.read_rows(org.id, needed)
    out = []
    for span_years in years:

        def total(column: str, span_years: range = span_years) -> int:
            return sum(rows[y][column] for y in span_years)

        exits = {
            k.value: {"total": total(k.value), "probationary": total(f"{k.value}_probationary")} for k in EXIT_KINDS
        }
        start, end = rows[span_years.start], rows[span_years.stop]
        before = _with_total({"official": start["official"], "probationary": start["probationary"]})
        after = _with_total({"official": end["official"], "probationary": end["probationary"]})
        readmitted = total("readmitted")
        out.append(
            {
                "admitted": total("admissions") - readmitted,
                "readmitted": readmitted,
                "transferred_in": total("transferred_in"),
                "transferred_out": total("transferred_out"),
                "exits": exits,
                "exits_total": sum(v["total"] for v in exits.values()),
                "exits_probationary": sum(v["probationary"] for v in exits.values()),
                "members_before": before,
                "members_after": after,
                "net_growth": after["total"] - before["total"],
            }
        )
    return out


# --- the register ---------------------------------------------------------------------------

DEEP_SCOPE = 3  # grassroots organisations and below hold a few cells each

AGE_BANDS = {
    "18-30": (18, 30),
    "31-40": (31, 40),
    "41-50": (41, 50),
    "51-60": (51, 60),
    "61-70": (61, 70),
    "71+": (71, 200),
}
STATUS_FILTERS = {
    "active": ACTIVE_STATUSES,
    "probationary": (Status.PROBATIONARY,),
    "official": (Status.OFFICIAL,),
    "exempted": ACTIVE_STATUSES,
    "gone": tuple(s for s in Status.values if s not in ACTIVE_STATUSES),
    "all": tuple(Status.values),
}


def _birth_range(band: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    low, high = AGE_BANDS[band]
    # Aged between low and high on ``today``: born after today-(high+1) years, on or before today-low years.
    latest = _years_before(today, low)
    earliest = _years_before(today, high + 1) + datetime.timedelta(days=1)
    return earliest, latest


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def member_list(user: Any, org: Organization | None, filters: dict | None = None) -> QuerySet[Membership]:
    """Memberships the user may see (under ``org`` if given), filtered: the register's rows with
    person and cell joined in, so a page of them costs one query whatever its size."""
    filters = filters or {}
    if org is None:
        qs = Membership.objects.for_user(user)
    elif not (user.is_superuser or any(org.path.startswith(p) for p in user_root_paths(user))):
        return Membership.objects.none()
    elif org.depth >= DEEP_SCOPE:
        # A few cells: reach the members through the index on their cell. (Joining on the path
        # lets SQLite walk the whole name index looking for the few members of one cell.)
        qs = Membership.objects.filter(cell_id__in=Organization.objects.filter(path__startswith=org.path).values("id"))
    else:
        # A district or the province: walking the name index and keeping the rows whose cell
        # lies under the path prefix (a lookup of the cell per row, no join for the planner to
        # start from the subtree's thousands of cells and sort) finds the first page at once.
        in_subtree = Organization.objects.filter(pk=OuterRef("cell_id"), path__startswith=org.path)
        qs = Membership.objects.filter(Exists(in_subtree))
    status = filters.get("status") or "active"
    if status in Status.values:
        qs = qs.filter(status=status)
    elif status in STATUS_FILTERS:
        qs = qs.filter(status__in=STATUS_FILTERS[status])
    if status == "exempted":
        qs = qs.filter(exempted=True)
    if filters.get("cell"):
        qs = qs.filter(cell__code=filters["cell"])
    for key, field in (
        ("sex", "person__sex"),
        ("ethnicity", "person__ethnicity"),
        ("education", "person__general_education"),
        ("qualification", "person__professional_qualification"),
        ("sector", "person__sector"),
    ):
        if filters.get(key):
            qs = qs.filter(**{field: filters[key]})
    if filters.get("ethnicity_group") == "minority":
        qs = qs.exclude(person__ethnicity="kinh")
    if filters.get("age") in AGE_BANDS:
        earliest, latest = _birth_range(filters["age"], filters.get("today") or datetime.date.today())
        qs = qs.filter(person__date_of_birth__range=(earliest, latest))
    text = (filters.get("q") or "").strip()
    if text:
        digits = text.replace(" ", "")
        if digits.isdigit():
            if filters.get("national_id_search", True):
                qs = qs.filter(Q(person__national_id__startswith=digits) | Q(card_number__startswith=digits))
            else:  # a caller who may not read national IDs may not probe them either
                qs = qs.filter(card_number__startswith=digits)
        else:
            qs = qs.filter(sort_name__contains=fold(text))
    # In name order, from the index on (sort_name, id): see Membership.sort_name.
    return qs.select_related("person", "cell").order_by("sort_name", "id")


def grassroots_of(cell: Organization) -> Organization | None:
    """The grassroots organisation (committee or grassroots cell) a cell belongs to."""
    return (
        Organization.objects.filter(path__in=cell.ancestor_paths, kind__in=GRASSROOTS_KINDS).order_by("-depth").first()
    )


def member_namesakes(full_name: str, date_of_birth: datetime.date, grassroots: Organization) -> QuerySet[Person]:
    """People with a membership in ``grassroots`` of the same name (case aside) and birth date."""
    return Person.objects.filter(
        full_name__iexact=full_name,
        date_of_birth=date_of_birth,
        membership__cell__path__startswith=grassroots.path,
    ).distinct()
