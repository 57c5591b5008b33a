"""How the people of a floor ride a restructuring: the one walk the members' and the candidates'
carriers (``settings.RESTRUCTURE_CARRIERS``) share.

The people of a cell merged into another move with it; those of a split cell each go where the
operation placed them (everyone must have been placed); an organisation is dissolved only when
no one is left under it. What moving one person means is the floor's own (a collective transfer
for members, a dated move for candidates).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from .models import Organization


def person_names(people: Sequence[Any], limit: int = 5) -> str:
    """The first names of ``people`` (each with a ``person``) and how many more there are."""
    names = ", ".join(p.person.full_name for p in people[:limit])
    return names + (f" và {len(people) - limit} người khác" if len(people) > limit else "")


@dataclass(frozen=True)
class Riders:
    """One floor's people in a restructuring."""

    what: str  # how a refusal names them: "đảng viên", "đối tượng kết nạp"
    present_in: Callable[[Organization], list[Any]]  # the cell's people who move with it
    count_under: Callable[[Organization], int]  # how many are still under an organisation
    targets: Callable[[Any], dict[int, Organization]]  # the change's chosen cell per person of a split
    move: Callable[[Any, Organization, Organization, list[Any]], None]  # (change, source, target, people)
    still_there: str  # the end of the refusal to dissolve: ": hãy chuyển … trước khi giải thể."
    not_in_cell: str = ""  # a split that names someone of another cell is refused with this, if set


def carry_riders(change: Any, riders: Riders) -> None:
    """Move ``riders`` for ``change`` (an ``organizations.restructure.Change``), or refuse it."""
    for source, target in change.cell_moves:
        riders.move(change, source, target, riders.present_in(source))
    for cell in change.split_cells:
        present = riders.present_in(cell)
        targets = riders.targets(change)
        unassigned = [p for p in present if p.pk not in targets]
        if unassigned:
            raise ValidationError(
                f"Chia tách «{cell.name}»: chưa chọn chi bộ kế thừa cho {len(unassigned)} {riders.what} "
                f"({person_names(unassigned)})."
            )
        ids = {p.pk for p in present}
        stray = [pk for pk in targets if pk not in ids]
        if riders.not_in_cell and stray:
            raise ValidationError(f"Chia tách «{cell.name}»: {len(stray)} {riders.what} {riders.not_in_cell}")
        by_target: dict[Organization, list[Any]] = defaultdict(list)
        for p in present:
            by_target[targets[p.pk]].append(p)
        for target, people in by_target.items():
            riders.move(change, cell, target, people)
    for org in change.dissolved:
        count = riders.count_under(org)
        if count:
            raise ValidationError(f"«{org.name}» còn {count} {riders.what} {riders.still_there}")
