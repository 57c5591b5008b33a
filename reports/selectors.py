"""Read-side selectors that combine the tree with what hangs off it."""

from django.utils import timezone

from members.selectors import counts_by_anchor
from organizations.models import Kind, Organization

from . import memo


def member_counts_by_anchor(nodes) -> dict[str, dict[str, int]]:
    """Official and probationary members under each node today: one grouped query over the
    path prefixes of the cells the members are in (``members.selectors.counts_by_anchor``),
    kept under the stamp of the data (``reports/memo.py``) so browsing does not recount."""
    nodes = list(nodes)
    today = timezone.localdate()
    key = ("browser_members", today, tuple(n.path for n in nodes))
    return memo.remember(memo.data_stamp(), key, lambda: counts_by_anchor(nodes, today))


def browser_rows(nodes):
    """Rows of the organisation browser: each node with its sub-organisations by kind and members."""
    nodes = list(nodes)
    if not nodes:
        return []
    # Nodes may sit at different depths (a user's several roots): group by depth.
    by_depth: dict[int, list[Organization]] = {}
    for n in nodes:
        by_depth.setdefault(n.depth, []).append(n)
    members = {}
    for group in by_depth.values():
        members.update(member_counts_by_anchor(group))
    labels = dict(Kind.choices)
    return [
        {
            "name": n.name,
            "code": n.code,
            "has_children": bool(n.numchild),
            "kind": labels[n.kind],
            "sub": ", ".join(
                f"{n.descendant_counts[kind]} {label.lower()}"
                for kind, label in labels.items()
                if kind in n.descendant_counts
            ),
            "official": members[n.path]["official"],
            "probationary": members[n.path]["probationary"],
        }
        for n in nodes
    ]
