"""Where each succeeded organisation's work lies today (``Heir``): building and repairing it.

An organisation ended by a merge or a split has ``Succession`` rows to its successors; a successor
may have ended in turn (a commune merged twice), and so on. Its **heirs** are the organisations at
the end of those chains: a successor is followed on when it has ended and has successions of its
own, and is an heir otherwise (still working, or ended without a successor). Scope reads the heirs
(``organizations.models.subtree_q``, ``for_user``, ``ended_extents``): an ended organisation is
read whole by a user whose subtrees hold every heir, in part by one whose subtrees hold some.

The table is derived from the successions and the successors' ``valid_to``, keyed by ids (a move
of an heir changes nothing here). The restructuring services rebuild it in their transaction
(``organizations.restructure._run``), the migration builds it for an existing database, and
``rebuild_facts`` repairs it after a change made around the services.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from .models import Heir, Succession


def resolve(successions: Iterable[tuple[int, int]], ended: Collection[int]) -> set[tuple[int, int]]:
    """(organisation, heir) for every predecessor of ``successions`` ((predecessor, successor)
    rows): a successor in ``ended`` with successions of its own is followed on, any other is an
    heir. A cycle (the services make none) stops where it closes."""
    successors: dict[int, set[int]] = defaultdict(set)
    for predecessor, successor in successions:
        successors[predecessor].add(successor)
    resolved: dict[int, set[int]] = {}

    def heirs_of(pk: int, visiting: frozenset[int]) -> set[int]:
        if pk in resolved:
            return resolved[pk]
        out: set[int] = set()
        for successor in sorted(successors[pk]):
            if successor in successors and successor in ended and successor not in visiting:
                out |= heirs_of(successor, visiting | {pk})
            else:
                out.add(successor)
        resolved[pk] = out
        return out

    return {(pk, heir) for pk in sorted(successors) for heir in heirs_of(pk, frozenset())}


# The migration passes its historical models (bare ``type[Model]`` to the stubs), hence ``Any``.
def rebuild(
    *, dry_run: bool = False, using: str = "default", succession_model: Any = Succession, heir_model: Any = Heir
) -> int:
    """Make the table what the successions say; the number of rows added or removed (on a
    healthy database 0). Two queries when nothing is wrong."""
    rows = list(
        succession_model.objects.using(using)
        .order_by()
        .values_list("predecessor_id", "successor_id", "successor__valid_to")
    )
    ended = {successor for _, successor, valid_to in rows if valid_to is not None}
    want = resolve(((predecessor, successor) for predecessor, successor, _ in rows), ended)
    have = {(o, h): pk for pk, o, h in heir_model.objects.using(using).values_list("id", "organization_id", "heir_id")}
    stale = [pk for pair, pk in have.items() if pair not in want]
    missing = sorted(want - set(have))
    if not dry_run:
        if stale:
            heir_model.objects.using(using).filter(pk__in=stale).delete()
        heir_model.objects.using(using).bulk_create(
            [heir_model(organization_id=o, heir_id=h) for o, h in missing], batch_size=5000
        )
    return len(stale) + len(missing)
