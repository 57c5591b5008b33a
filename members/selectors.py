"""Reads over the members register."""

import datetime
from collections import Counter

from django.db.models import Count, Q
from django.db.models.functions import Substr

from organizations.models import CELL_KINDS, Organization, subtree_q, user_root_paths
from partydev.text import fold

from .models import ACTIVE_STATUSES, EventKind, Membership, MembershipEvent, MembershipPeriod, Status

ADMISSION_KINDS = (EventKind.ADMITTED, EventKind.READMITTED)


def admitted_by_anchor(nodes, date_from: datetime.date, date_to: datetime.date) -> dict[str, int]:
    """How many members were admitted under each node, counted by the date of the admission
    decision (inclusive bounds) and in the cell that admitted them (a later transfer does not
    move the admission). ``nodes`` may sit at different depths; one query per depth."""
    nodes = list(nodes)
    result = {n.path: 0 for n in nodes}
    by_depth: dict[int, list[str]] = {}
    for n in nodes:
        by_depth.setdefault(n.depth, []).append(n.path)
    for depth, paths in by_depth.items():
        rows = (
            MembershipEvent.objects.filter(kind__in=ADMISSION_KINDS, effective_date__range=(date_from, date_to))
            .annotate(anchor=Substr("cell__path", 1, depth * Organization.steplen))
            .filter(anchor__in=paths)
            .order_by()
            .values("anchor")
            .annotate(n=Count("id"))
        )
        counts = Counter({row["anchor"]: row["n"] for row in rows})
        for path in paths:
            result[path] = counts.get(path, 0)
    return result


# --- counts at a date -----------------------------------------------------------------------


def _active_on(day: datetime.date) -> Q:
    return Q(start__lte=day) & (Q(end__isnull=True) | Q(end__gt=day))


def counts_at(org: Organization, day: datetime.date) -> dict[str, int]:
    """Members under ``org`` on ``day``, where they were that day: one grouped query over the
    periods derived from the events."""
    rows = (
        MembershipPeriod.objects.filter(
            _active_on(day), cell_id__in=Organization.objects.filter(path__startswith=org.path).values("id")
        )
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
    )
    by_status = {row["status"]: row["n"] for row in rows}
    official, probationary = by_status.get(Status.OFFICIAL, 0), by_status.get(Status.PROBATIONARY, 0)
    return {"total": official + probationary, "official": official, "probationary": probationary}


def counts_by_anchor(nodes, day: datetime.date) -> dict[str, dict[str, int]]:
    """Official and probationary members on ``day`` under each node (nodes at any depths).

    Two queries whatever the number of nodes: the periods counted per cell (straight from the
    cells' index), and the paths of those cells; each cell is then added to the node whose path
    prefixes its own. Joining every period to its cell to cut its path costs several times more.
    """
    nodes = list(nodes)
    result = {n.path: {"official": 0, "probationary": 0} for n in nodes}
    if not nodes:
        return result
    steplen = Organization.steplen
    paths = [n.path for n in nodes]
    first, last = min(paths), max(paths)
    i = 0
    while i < min(len(first), len(last)) and first[i] == last[i]:
        i += 1
    common = first[: i - i % steplen]
    subtree = Organization.objects.filter(path__startswith=common)
    rows = list(
        MembershipPeriod.objects.filter(_active_on(day), cell_id__in=subtree.values("id"))
        .order_by()
        .values_list("cell_id", "status")
        .annotate(n=Count("id"))
    )
    cell_paths = dict(subtree.filter(kind__in=CELL_KINDS).values_list("id", "path")) if rows else {}
    depths = sorted({n.depth for n in nodes})
    for cell, status, n in rows:
        path = cell_paths.get(cell, "")
        for depth in depths:
            anchor = path[: depth * steplen]
            if anchor in result:
                result[anchor][status] += n
    return result


# --- movements over a period ----------------------------------------------------------------

EXIT_KINDS = (EventKind.STRUCK_OFF, EventKind.LEFT, EventKind.EXPELLED, EventKind.DIED)


def movements(org: Organization, date_from: datetime.date, date_to: datetime.date) -> dict:
    """What changed the membership of ``org``'s subtree between two dates (inclusive), from the
    events: admissions (by the date of the admission decision), exits by kind with probationary
    members counted apart, transfers across the subtree's boundary, and net growth.

    ``net_growth`` is members at ``date_to`` minus members the day before ``date_from``;
    it equals admitted + readmitted + transferred in - exits - transferred out.
    """
    inside = Q(cell__path__startswith=org.path)
    in_range = Q(effective_date__range=(date_from, date_to))
    rows = (
        MembershipEvent.objects.filter(in_range, inside, kind__in=(*ADMISSION_KINDS, *EXIT_KINDS))
        .order_by()
        .values("kind", "was_probationary")
        .annotate(n=Count("id"))
    )
    exits = {k.value: {"total": 0, "probationary": 0} for k in EXIT_KINDS}
    admitted = readmitted = 0
    for row in rows:
        if row["kind"] == EventKind.ADMITTED:
            admitted += row["n"]
        elif row["kind"] == EventKind.READMITTED:
            readmitted += row["n"]
        else:
            exits[row["kind"]]["total"] += row["n"]
            if row["was_probationary"]:
                exits[row["kind"]]["probationary"] += row["n"]
    crossing = ~Q(other_organization__path__startswith=org.path) | Q(other_organization__isnull=True)
    transfers = dict(
        MembershipEvent.objects.filter(
            in_range, inside, crossing, temporary=False, kind__in=(EventKind.TRANSFERRED_IN, EventKind.TRANSFERRED_OUT)
        )
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    exits_total = sum(v["total"] for v in exits.values())
    exits_probationary = sum(v["probationary"] for v in exits.values())
    before = counts_at(org, date_from - datetime.timedelta(days=1))
    after = counts_at(org, date_to)
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


def member_list(user, org: Organization | None, filters: dict | None = None):
    """Memberships the user may see (under ``org`` if given), filtered: the register's rows with
    person and cell joined in, so a page of them costs one query whatever its size."""
    filters = filters or {}
    if org is None:
        qs = Membership.objects.filter(subtree_q(user, "cell"))
    elif not (user.is_superuser or any(org.path.startswith(p) for p in user_root_paths(user))):
        return Membership.objects.none()
    elif org.depth >= DEEP_SCOPE:
        # A few cells: reach the members through the index on their cell. (Joining on the path
        # lets SQLite walk the whole name index looking for the few members of one cell.)
        qs = Membership.objects.filter(cell_id__in=Organization.objects.filter(path__startswith=org.path).values("id"))
    else:
        # A district or the province: walking the name index and keeping the rows under the
        # path prefix finds the first page at once, whatever the size of the register.
        qs = Membership.objects.filter(cell__path__startswith=org.path)
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
