"""The effective-dated ancestor table (``OrganizationAncestry``): building and keeping it.

Each organisation has one row per ancestor and one for itself (depth 0) for each span of dates
its place in the tree held. Creating an organisation adds its rows valid from ``EARLIEST`` (its
first placement holds for every earlier date); moving a subtree on a date closes the rows that
link it to its old ancestors on that date and opens rows to the new ones. Rows inside the moved
subtree are untouched. ``organizations.services`` calls these inside the tree change's own
transaction; the migration and the demo call ``build_for_tree``.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max, Q

from partydev.formats import short_date

from .models import EARLIEST, Organization, OrganizationAncestry


def pairs_from_paths(nodes: Iterable[tuple[int, str]]) -> list[tuple[int, int, int]]:
    """(ancestor id, descendant id, depth) for every pair of a tree given as (id, path) rows."""
    nodes = list(nodes)
    by_path = {path: pk for pk, path in nodes}
    step = Organization.steplen
    out = []
    for pk, path in nodes:
        levels = len(path) // step
        for level in range(1, levels + 1):
            ancestor = by_path.get(path[: level * step])
            if ancestor is not None:
                out.append((ancestor, pk, levels - level))
    return out


def build_for_tree(
    organization_model: Any = Organization, ancestry_model: Any = OrganizationAncestry, *, using: str = "default"
) -> int:
    """Rows for the whole current tree, valid from ``EARLIEST``, for a database that has none
    (the migration passes its historical models). Returns the number of rows written."""
    nodes = organization_model.objects.using(using).order_by().values_list("id", "path")
    rows = [
        ancestry_model(ancestor_id=a, descendant_id=d, depth=depth, valid_from=EARLIEST)
        for a, d, depth in pairs_from_paths(nodes)
    ]
    ancestry_model.objects.using(using).bulk_create(rows, batch_size=5000)
    return len(rows)


def build_for_roots(roots: list[Organization]) -> int:
    """Rows for whole new trees bulk-loaded under ``roots`` (the demo), valid from ``EARLIEST``."""
    q = Q(pk__in=[])
    for root in roots:
        q |= Q(path__startswith=root.path)
    nodes = Organization.objects.filter(q).order_by().values_list("id", "path")
    rows = [
        OrganizationAncestry(ancestor_id=a, descendant_id=d, depth=depth, valid_from=EARLIEST)
        for a, d, depth in pairs_from_paths(nodes)
    ]
    OrganizationAncestry.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def add_node(org: Organization, parent: Organization | None) -> None:
    """The rows of a new organisation: itself, and the current ancestors of its parent."""
    rows = [OrganizationAncestry(ancestor=org, descendant=org, depth=0, valid_from=EARLIEST)]
    if parent is not None:
        for ancestor_id, depth in OrganizationAncestry.objects.filter(
            descendant=parent, valid_to__isnull=True
        ).values_list("ancestor_id", "depth"):
            rows.append(
                OrganizationAncestry(ancestor_id=ancestor_id, descendant=org, depth=depth + 1, valid_from=EARLIEST)
            )
    OrganizationAncestry.objects.bulk_create(rows)


def move_subtree(org: Organization, new_parent: Organization, on: datetime.date) -> None:
    """Re-hang ``org``'s subtree under ``new_parent`` from ``on``: the rows linking the subtree to
    ancestors outside it end on ``on`` (or vanish if they began that day), new rows begin on it.
    Call before the paths change or after: the subtree is read through the table itself."""
    move_subtrees([(org, new_parent)], on)


def move_subtrees(moves: list[tuple[Organization, Organization]], on: datetime.date) -> None:
    """``move_subtree`` for several disjoint subtrees at once (none inside another), each under its
    new parent: the same rows, in a few queries for all of them."""
    if not moves:
        return
    roots = [org.pk for org, _ in moves]
    members: dict[int, dict[int, int]] = {pk: {} for pk in roots}
    for ancestor_id, descendant_id, depth in OrganizationAncestry.objects.filter(
        ancestor_id__in=roots, valid_to__isnull=True
    ).values_list("ancestor_id", "descendant_id", "depth"):
        members[ancestor_id][descendant_id] = depth
    everyone = [d for below in members.values() for d in below]
    outer = OrganizationAncestry.objects.filter(
        Q(descendant_id__in=everyone) & ~Q(ancestor_id__in=everyone), valid_to__isnull=True
    )
    latest = outer.aggregate(latest=Max("valid_from"))["latest"]
    if latest is not None and on < latest:
        raise ValidationError(
            {"on": f"Ngày chuyển ({short_date(on)}) trước lần thay đổi gần nhất của tổ chức ({short_date(latest)})."}
        )
    outer.filter(valid_from=on).delete()
    outer.update(valid_to=on)
    parents = {p.pk for _, p in moves}
    above: dict[int, list[tuple[int, int]]] = {pk: [] for pk in parents}
    for descendant_id, ancestor_id, depth in OrganizationAncestry.objects.filter(
        descendant_id__in=parents, valid_to__isnull=True
    ).values_list("descendant_id", "ancestor_id", "depth"):
        above[descendant_id].append((ancestor_id, depth))
    OrganizationAncestry.objects.bulk_create(
        [
            OrganizationAncestry(ancestor_id=a, descendant_id=d, depth=below + up + 1, valid_from=on)
            for org, parent in moves
            for d, below in members[org.pk].items()
            for a, up in above[parent.pk]
        ],
        batch_size=5000,
    )


def current_problems() -> list[str]:
    """How the rows valid today differ from the tree's paths (empty on a healthy database)."""
    nodes = Organization.objects.order_by().values_list("id", "path")
    wanted = set(pairs_from_paths(nodes))
    have = set(
        OrganizationAncestry.objects.filter(valid_to__isnull=True).values_list("ancestor_id", "descendant_id", "depth")
    )
    problems = [f"thiếu quan hệ cấp trên {a} → {d} (cách {n} cấp)" for a, d, n in sorted(wanted - have)]
    problems += [f"thừa quan hệ cấp trên {a} → {d} (cách {n} cấp)" for a, d, n in sorted(have - wanted)]
    return problems
