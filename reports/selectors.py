"""Read-side selectors that combine the tree with what hangs off it."""

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from members.selectors import counts_by_anchor
from organizations.models import KIND_LABELS, Organization


def member_counts_by_anchor(nodes: Iterable[Organization]) -> dict[str, dict[str, int]]:
    """Official and probationary members under each node today: one grouped query over the
    member facts (``members.selectors.counts_by_anchor``), whatever the depths of the nodes."""
    return counts_by_anchor(list(nodes), timezone.localdate())


def browser_rows(nodes: Iterable[Organization]) -> list[dict[str, Any]]:
    """Rows of the organisation browser: each node with its sub-organisations by kind and members."""
    nodes = list(nodes)
    if not nodes:
        return []
    members = member_counts_by_anchor(nodes)
    labels = KIND_LABELS
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
