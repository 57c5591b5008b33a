"""Reads of quotas: an organisation's own quota, the sum of its children's, and the flags.

Every function runs a fixed number of queries whatever the size of the tree: sums over children
are one grouped query over path prefixes."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Sum
from django.db.models.functions import Substr

from members.selectors import admitted_by_anchor
from organizations.models import Organization

from .models import Quota


def quotas_of(nodes: Iterable[Organization], year: int) -> dict[int, Quota]:
    """The quota set on each node for the year, by organisation id (one query)."""
    return {q.organization_id: q for q in Quota.objects.filter(year=year, organization__in=[n.pk for n in nodes])}


def children_quota_sums(nodes: Iterable[Organization], year: int) -> dict[str, int | None]:
    """For each node, the sum of the targets set on its direct children (None when no child has
    one). One grouped query per depth present among the nodes."""
    nodes = list(nodes)
    result: dict[str, int | None] = {n.path: None for n in nodes}
    by_depth: dict[int, list[str]] = defaultdict(list)
    for n in nodes:
        by_depth[n.depth].append(n.path)
    steplen = Organization.steplen
    for depth, paths in by_depth.items():
        rows = (
            Quota.objects.filter(
                year=year, organization__depth=depth + 1, organization__path__startswith=_common_prefix(paths)
            )
            .annotate(anchor=Substr("organization__path", 1, depth * steplen))
            .filter(anchor__in=paths)
            .order_by()
            .values("anchor")
            .annotate(total=Sum("target"))
        )
        for row in rows:
            result[row["anchor"]] = row["total"]
    return result


def _common_prefix(paths: list[str]) -> str:
    first, last = min(paths), max(paths)
    i = 0
    while i < len(first) and i < len(last) and first[i] == last[i]:
        i += 1
    return first[: i - i % Organization.steplen]


@dataclass
class QuotaRow:
    org: Organization
    quota: Quota | None
    children_sum: int | None
    previous: Quota | None
    admitted: int

    @property
    def target(self) -> int | None:
        return self.quota.target if self.quota else None

    @property
    def under_allocated(self) -> bool:
        """Children's quotas add up to less than this organisation's own target."""
        return bool(self.quota and not self.org.is_leaf() and (self.children_sum or 0) < self.quota.target)

    @property
    def rate(self) -> float | None:
        if not self.quota or not self.quota.target:
            return None
        return self.admitted * 100 / self.quota.target


def quota_rows(
    nodes: Iterable[Organization], year: int, *, admitted_until: datetime.date | None = None
) -> list[QuotaRow]:
    """One row per node: its quota, its children's sum, last year's quota, admitted in the year.
    Two queries, plus two per depth present among the nodes."""
    nodes = list(nodes)
    if not nodes:
        return []
    current = quotas_of(nodes, year)
    previous = quotas_of(nodes, year - 1)
    sums = children_quota_sums(nodes, year)
    end = min(datetime.date(year, 12, 31), admitted_until) if admitted_until else datetime.date(year, 12, 31)
    admitted = admitted_by_anchor(nodes, datetime.date(year, 1, 1), end)
    return [QuotaRow(n, current.get(n.pk), sums[n.path], previous.get(n.pk), admitted.get(n.path, 0)) for n in nodes]


def under_allocated(root: Organization, year: int) -> list[tuple[Organization, int, int]]:
    """Organisations in ``root``'s subtree whose children's targets add up to less than their own
    target: (organisation, own target, children's sum). Two queries."""
    quotas = list(
        Quota.objects.filter(year=year, organization__path__startswith=root.path).values_list(
            "organization_id", "organization__path", "organization__depth", "organization__numchild", "target"
        )
    )
    steplen = Organization.steplen
    sums: dict[str, int] = defaultdict(int)
    for _, path, depth, _, target in quotas:
        if depth > 1:
            sums[path[: (depth - 1) * steplen]] += target
    flagged = [
        (pk, target, sums.get(path, 0))
        for pk, path, _, numchild, target in quotas
        if numchild and sums.get(path, 0) < target
    ]
    orgs = Organization.objects.in_bulk([pk for pk, _, _ in flagged])
    return [(orgs[pk], target, total) for pk, target, total in flagged]
