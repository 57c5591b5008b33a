"""Writes to the tree. Every change goes through here so the kind rules always hold.

Dated restructuring (merge, split, dissolve, ...) is ``organizations.restructure``; it creates and
moves nodes through ``organization_create`` / ``move_subtree`` here, so what is kept in step with
the tree (the stored roll-ups, the dated ancestor table) is kept in one place.
"""

import datetime
from collections import Counter
from collections.abc import Iterable
from importlib import import_module
from types import ModuleType
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from partydev.audit import bulk_history
from partydev.formats import short_date

from . import ancestry
from .models import Organization, check_placement


def _ancestor_paths(path: str) -> list[str]:
    steplen = Organization.steplen
    return [path[:i] for i in range(steplen, len(path), steplen)]


def compute_descendant_counts(rows: Iterable[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """Prefix sums in Python: ``rows`` are (path, kind) of every node of a subtree; the result
    maps each path to its {kind: count} of descendants."""
    counts: dict[str, Counter] = {}
    for path, kind in rows:
        counts.setdefault(path, Counter())
        for ancestor in _ancestor_paths(path):
            counts.setdefault(ancestor, Counter())[kind] += 1
    return {path: dict(sorted(c.items())) for path, c in counts.items()}


@transaction.atomic
def rebuild_descendant_counts(paths: list[str] | None = None) -> int:
    """Recompute the stored roll-up for the given nodes (all nodes when ``paths`` is None).

    Reads the subtrees of the topmost given nodes in one query each; writes only rows that
    changed. Returns the number of rows written.

    The given rows are locked first, in path order, before the subtrees are read: two
    concurrent inserts into one branch then count each other (the second waits for the first
    to commit) instead of the last writer overwriting the first one's count.
    """
    qs = Organization.objects.order_by()
    if paths is None:
        targets = None
        rows = list(qs.values_list("path", "kind"))
    else:
        targets = set(paths)
        list(qs.filter(path__in=sorted(targets)).order_by("path").select_for_update().values_list("id", flat=True))
        tops = [p for p in targets if not any(p != q and p.startswith(q) for q in targets)]
        rows = []
        for top in tops:
            rows += list(qs.filter(path__startswith=top).values_list("path", "kind"))
    fresh = compute_descendant_counts(rows)
    wanted = fresh.keys() if targets is None else targets
    changed = []
    for org in Organization.objects.filter(path__in=list(wanted)).only("id", "path", "descendant_counts"):
        value = fresh.get(org.path, {})
        if org.descendant_counts != value:
            org.descendant_counts = value
            changed.append(org)
    Organization.objects.bulk_update(changed, ["descendant_counts"], batch_size=1000)
    return len(changed)


def _validate(org: Organization, parent: Organization | None, on: datetime.date | None = None) -> None:
    check_placement(org.kind, parent.kind if parent else None, on, org.name)
    org.full_clean(exclude=["path", "depth", "numchild"])


@transaction.atomic
def organization_create(
    *, parent: Organization | None, effective_date: datetime.date | None = None, **fields: Any
) -> Organization:
    """Add one organisation. ``effective_date`` checks the placement rules in force that day (the
    2025 ones from 01/07/2025); without it, the rules before the reform."""
    org = Organization(**fields)
    _validate(org, parent, effective_date)
    if parent is None:
        org = Organization.objects.add_root(instance=org)
    else:
        org = Organization.objects.add_child(parent, instance=org)
        rebuild_descendant_counts(_ancestor_paths(org.path))
    ancestry.add_node(org, parent)  # the dated tree (OrganizationAncestry), in the same transaction
    return org


def floors_above() -> list[ModuleType]:
    """The modules of the floors above the tree that keep something in step with it
    (``settings.RESTRUCTURE_CARRIERS``: named there because this floor may not import them)."""
    return [import_module(path) for path in getattr(settings, "RESTRUCTURE_CARRIERS", ())]


def tree_moved(moved: list[Organization], on: datetime.date) -> None:
    """Tell the floors above that subtrees moved from ``on`` (after the dated tree changed, in the
    same transaction): what they keep per organisation above the cells follows."""
    for floor in floors_above():
        if hasattr(floor, "tree_moved"):
            floor.tree_moved(moved, on)


def move_subtree(
    org: Organization, new_parent: Organization, *, on: datetime.date | None = None, user: Any = None
) -> str:
    """Move ``org`` and its subtree under ``new_parent`` (as its last child), effective ``on``
    (today by default; not in the future), keeping the dated tree in step. No kind rule checked,
    no roll-up rebuilt: the callers do both (``organization_move``; a restructuring, once for the
    whole operation). Returns the old path."""
    if new_parent.path.startswith(org.path):
        raise ValidationError(f"Không thể chuyển «{org.name}» vào chính nó hoặc tổ chức trực thuộc nó.")
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ValidationError({"on": f"Ngày chuyển ({short_date(on)}) ở tương lai."})
    ancestry.move_subtree(org, new_parent, on)
    tree_moved([org], on)
    old_path = org.path
    Organization.objects.move(org, new_parent, pos="last-child")
    org.refresh_from_db()
    # Treebeard rewrites the paths of the whole subtree in SQL: write its history here.
    bulk_history(Organization, list(Organization.objects.filter(path__startswith=org.path)), reason="move", user=user)
    return old_path


def move_subtrees(moves: list[tuple[Organization, Organization]], *, on: datetime.date, user: Any = None) -> None:
    """``move_subtree`` for many subtrees at once (a restructuring moving hundreds of grassroots
    organisations): each ``(org, new_parent)`` ends as the new parent's last child, in the order
    given, with the same paths, ancestry rows and history as one move at a time would write, in
    a few statements per subtree instead of a treebeard move each. The subtrees are disjoint and
    none of them holds a new parent. No kind rule checked, no roll-up rebuilt (the callers do)."""
    if not moves:
        return
    today = timezone.localdate()
    if on > today:
        raise ValidationError({"on": f"Ngày chuyển ({short_date(on)}) ở tương lai."})
    given = moves
    fresh = Organization.objects.in_bulk([o.pk for o, _ in moves] + [p.pk for _, p in moves])
    moves = [(fresh[o.pk], fresh[p.pk]) for o, p in moves]
    for org, parent in moves:
        if parent.path.startswith(org.path):
            raise ValidationError(f"Không thể chuyển «{org.name}» vào chính nó hoặc tổ chức trực thuộc nó.")
    ancestry.move_subtrees(moves, on)
    tree_moved([o for o, _ in moves], on)
    steplen = Organization.steplen
    next_pos: dict[int, int] = {}
    gained: Counter = Counter()
    lost: Counter = Counter()
    moved_paths = []
    for org, parent in moves:
        if parent.pk not in next_pos:
            last = (
                Organization.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
                .order_by("-path")
                .values_list("path", flat=True)
                .first()
            )
            next_pos[parent.pk] = Organization._str2int(last[-steplen:]) if last else 0
        next_pos[parent.pk] += 1
        new_path = Organization._get_path(parent.path, parent.depth + 1, next_pos[parent.pk])
        old_path = org.path
        Organization.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + (parent.depth + 1 - org.depth),
        )
        gained[parent.path] += 1
        lost[old_path[:-steplen]] += 1
        moved_paths.append(new_path)
    # numchild of the old and new parents (new parents' paths do not change: none is moved)
    for path, n in lost.items():
        Organization.objects.filter(path=path).update(numchild=F("numchild") - n)
    for path, n in gained.items():
        Organization.objects.filter(path=path).update(numchild=F("numchild") + n)
    # The callers' instances, as treebeard's move leaves them: the moved nodes and their new
    # parents read fresh.
    moved = Organization.objects.in_bulk([o.pk for o, _ in given])
    for (org, parent), (_, fresh_parent) in zip(given, moves):
        org.path, org.depth, org.numchild = moved[org.pk].path, moved[org.pk].depth, moved[org.pk].numchild
        if parent is not fresh_parent:
            parent.numchild = fresh_parent.numchild + gained[fresh_parent.path]
    q = Organization.objects.none()
    for path in moved_paths:
        q = q | Organization.objects.filter(path__startswith=path)
    bulk_history(Organization, list(q), reason="move", user=user)


@transaction.atomic
def organization_move(org: Organization, new_parent: Organization, *, on: datetime.date | None = None) -> Organization:
    """Move ``org`` and its subtree under ``new_parent`` (as its last child), effective ``on``
    (today by default; not in the future): reports over dates before it see the old tree."""
    if new_parent.path.startswith(org.path):
        raise ValidationError("Không thể chuyển một tổ chức vào chính nó hoặc tổ chức trực thuộc nó.")
    check_placement(org.kind, new_parent.kind, on)
    old_path = move_subtree(org, new_parent, on=on)
    rebuild_descendant_counts(_ancestor_paths(old_path) + _ancestor_paths(org.path))
    return org
