"""Reads over the members register."""

import datetime
from collections import Counter

from django.db.models import Count
from django.db.models.functions import Substr

from organizations.models import Organization

from .models import EventKind, MembershipEvent

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
