"""Reads of the tree. Roll-ups are one grouped query over path prefixes, never one per node."""

from collections import defaultdict

from django.db.models import Count
from django.db.models.functions import Substr

from .models import Organization


def descendant_kind_counts(nodes, *, since_depth: int | None = None) -> dict[str, dict[str, int]]:
    """For each node (all at one depth), how many organisations of each kind lie below it.

    One grouped query: descendants are grouped by the prefix of their path that names the
    node they descend from.
    """
    nodes = list(nodes)
    if not nodes:
        return {}
    depth = nodes[0].depth
    steplen = Organization.steplen
    prefix_len = depth * steplen
    common = _common_prefix([n.path for n in nodes])
    rows = (
        Organization.objects.filter(path__startswith=common, depth__gt=depth)
        .annotate(anchor=Substr("path", 1, prefix_len))
        .filter(anchor__in=[n.path for n in nodes])
        .order_by()
        .values("anchor", "kind")
        .annotate(n=Count("id"))
    )
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        counts[row["anchor"]][row["kind"]] = row["n"]
    return {n.path: dict(counts.get(n.path, {})) for n in nodes}


def _common_prefix(paths: list[str]) -> str:
    steplen = Organization.steplen
    first, last = min(paths), max(paths)
    i = 0
    while i < len(first) and i < len(last) and first[i] == last[i]:
        i += 1
    return first[: i - i % steplen]


def user_roots(user):
    """The organisations at the top of the user's scope."""
    from .models import user_root_paths

    if user.is_superuser:
        return Organization.objects.get_root_nodes()
    return Organization.objects.filter(path__in=user_root_paths(user))


def breadcrumbs(org: Organization, user):
    """Ancestors of ``org`` that the user may see, from the top of their scope down."""
    return list(org.ancestors_and_self().for_user(user))
